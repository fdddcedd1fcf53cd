/*
 * gort/chan.h - Go's channels: typed, FIFO, buffered or not, closable.
 *
 *   gort::chan<int> ch;           // nil: send and recv block for ever
 *   gort::chan<int> ch(0);        // unbuffered: a send waits for a receiver
 *   gort::chan<int> jobs(128);    // buffered
 *   jobs.send(42);                // ch <- 42
 *   std::optional<int> v = jobs.recv();  // v, ok := <-jobs (nullopt: closed
 *                                        // and drained)
 *   jobs.close();
 *   for (int j : jobs) ...        // for j := range jobs
 *
 * A chan is a handle, copied cheaply, as Go's channels are references.
 * Goroutines block by parking; plain threads block their thread.  Misuse
 * panics (throws gort::panic_error) with Go's messages: "send on closed
 * channel", "close of closed channel", "close of nil channel".
 * Memory model (as Go's): a send happens before the matching receive
 * completes; a close happens before a receive that returns because of
 * it; a receive from an unbuffered channel happens before the send
 * completes; the k-th receive on a channel of capacity C happens before
 * the (k+C)-th send completes.
 */
#pragma once

#include "gort/panic.h"

#include <cstddef>
#include <iterator>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace gort {

namespace rt {
struct hchan;
struct elem_ops {
	unsigned long size;
	unsigned long align;
	void (*move_init)(void *dst, void *src); /* nullptr: memcpy */
	void (*destroy)(void *p);		 /* nullptr: nothing */
};
enum class chan_result { done, would_block, closed };
hchan *chan_make(const elem_ops *ops, unsigned cap);
void chan_ref(hchan *c);
void chan_unref(hchan *c);
chan_result chan_send(hchan *c, void *src, bool block);
chan_result chan_recv(hchan *c, void *dst, bool block);
bool chan_close(hchan *c);
unsigned chan_len(hchan *c);
unsigned chan_cap(hchan *c);
[[noreturn]] void chan_block_forever(const char *reason);
struct scase {
	hchan *c;   /* nullptr: never chosen (a nil channel, or default) */
	void *elem; /* send: the value; recv: raw storage for one */
	bool send;
};
/* The chosen case's index, or -1 when nothing was ready and !block.
 * *ok: recv: a value arrived (false: closed); send: false means the
 * channel was closed (the caller panics). */
int select_run(scase *cases, int n, bool block, bool *ok);
} // namespace rt

template <typename T>
class chan {
public:
	/* A nil channel. */
	chan() = default;
	/* A channel with room for @cap values (0: unbuffered). */
	explicit chan(std::size_t cap) : c_(rt::chan_make(&ops_, unsigned(cap)))
	{}
	chan(const chan &o) : c_(o.c_)
	{
		if (c_ != nullptr)
			rt::chan_ref(c_);
	}
	chan(chan &&o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
	chan &operator=(chan o) noexcept
	{
		std::swap(c_, o.c_);
		return *this;
	}
	~chan()
	{
		if (c_ != nullptr)
			rt::chan_unref(c_);
	}

	/* Block until @v is delivered (or buffered). */
	void send(T v) const
	{
		if (c_ == nullptr)
			rt::chan_block_forever("chan send (nil chan)");
		if (rt::chan_send(c_, &v, true) == rt::chan_result::closed)
			throw panic_error("send on closed channel");
	}

	/* Block until a value comes; nullopt once closed and drained. */
	std::optional<T> recv() const
	{
		if (c_ == nullptr)
			rt::chan_block_forever("chan receive (nil chan)");
		return take(true);
	}

	/* Send without blocking; @v is moved from only if it was sent. */
	bool try_send(T &&v) const
	{
		if (c_ == nullptr)
			return false;
		rt::chan_result r = rt::chan_send(c_, &v, false);
		if (r == rt::chan_result::closed)
			throw panic_error("send on closed channel");
		return r == rt::chan_result::done;
	}
	bool try_send(const T &v) const
	{
		T copy(v);
		return try_send(std::move(copy));
	}

	/* Receive without blocking: nullopt if no value is ready now (or the
	 * channel is closed and drained, or nil). */
	std::optional<T> try_recv() const
	{
		if (c_ == nullptr)
			return std::nullopt;
		return take(false);
	}

	void close() const
	{
		if (c_ == nullptr)
			throw panic_error("close of nil channel");
		if (!rt::chan_close(c_))
			throw panic_error("close of closed channel");
	}

	std::size_t len() const { return c_ != nullptr ? rt::chan_len(c_) : 0; }
	std::size_t cap() const { return c_ != nullptr ? rt::chan_cap(c_) : 0; }
	explicit operator bool() const { return c_ != nullptr; }
	bool operator==(const chan &o) const { return c_ == o.c_; }

	/* for (T v : ch): receives until the channel is closed and drained. */
	class iterator {
	public:
		using value_type = T;
		using difference_type = std::ptrdiff_t;
		iterator() = default;
		explicit iterator(const chan *ch) : ch_(ch) { ++*this; }
		T &operator*() { return *cur_; }
		iterator &operator++()
		{
			cur_ = ch_->recv();
			return *this;
		}
		void operator++(int) { ++*this; }
		bool operator==(std::default_sentinel_t) const
		{
			return !cur_.has_value();
		}

	private:
		const chan *ch_ = nullptr;
		std::optional<T> cur_;
	};
	iterator begin() const { return iterator(this); }
	std::default_sentinel_t end() const { return {}; }

	/* The runtime's channel (select uses it). */
	rt::hchan *handle() const { return c_; }

private:
	std::optional<T> take(bool block) const
	{
		alignas(T) unsigned char raw[sizeof(T)];
		rt::chan_result r = rt::chan_recv(c_, raw, block);
		if (r != rt::chan_result::done)
			return std::nullopt;
		T *p = std::launder(reinterpret_cast<T *>(raw));
		std::optional<T> out(std::move(*p));
		p->~T();
		return out;
	}

	/* A trivially copyable T is moved by the runtime's memcpy (no ops). */
	static constexpr rt::elem_ops ops_ = {
		sizeof(T), alignof(T),
		std::is_trivially_copyable_v<T>
			? nullptr
			: +[](void *dst, void *src) {
				  new (dst) T(std::move(*static_cast<T *>(src)));
			  },
		std::is_trivially_copyable_v<T> ? nullptr : +[](void *p) {
			static_cast<T *>(p)->~T();
		}};

	rt::hchan *c_ = nullptr;
};

/*
 * select: wait on several channel operations, run the code of the one
 * that happens.
 *
 *   int i = gort::select(
 *           gort::recv_case(jobs, [&](std::optional<int> j) { ... }),
 *           gort::send_case(out, result, [&] { ... }),
 *           gort::recv_case(timeout, [&](auto) { ... }),
 *           gort::default_case([&] { ... }));   // optional
 *
 * As Go's: when several cases are ready one is chosen at random, each
 * with equal probability; with none ready it runs the default case, or
 * blocks (parks) until one is.  A nil channel's case is never chosen.  A
 * recv case's function gets std::nullopt when its channel is closed; a
 * send case on a closed channel panics ("send on closed channel").
 * select returns the index of the chosen case (the default's, if that
 * ran).  At most 64 cases.
 */
template <typename T, typename F>
class recv_case_t {
public:
	recv_case_t(const chan<T> &ch, F fn)
	    : c_(ch.handle()), fn_(std::move(fn))
	{}
	rt::scase prepare() { return {c_, raw_, false}; }
	void complete(bool ok)
	{
		if (!ok) {
			fn_(std::optional<T>());
			return;
		}
		T *p = std::launder(reinterpret_cast<T *>(raw_));
		std::optional<T> v(std::move(*p));
		p->~T();
		fn_(std::move(v));
	}

private:
	rt::hchan *c_;
	F fn_;
	alignas(T) unsigned char raw_[sizeof(T)];
};

template <typename T, typename F>
class send_case_t {
public:
	send_case_t(const chan<T> &ch, T v, F fn)
	    : c_(ch.handle()), v_(std::move(v)), fn_(std::move(fn))
	{}
	rt::scase prepare() { return {c_, &v_, true}; }
	void complete(bool ok)
	{
		if (!ok)
			throw panic_error("send on closed channel");
		fn_();
	}

private:
	rt::hchan *c_;
	T v_;
	F fn_;
};

template <typename F>
class default_case_t {
public:
	explicit default_case_t(F fn) : fn_(std::move(fn)) {}
	rt::scase prepare() { return {nullptr, nullptr, false}; }
	void complete(bool) { fn_(); }
	static constexpr bool is_default = true;

private:
	F fn_;
};

template <typename T, typename F>
recv_case_t<T, F> recv_case(const chan<T> &ch, F fn)
{
	return {ch, std::move(fn)};
}

template <typename T, typename U, typename F>
send_case_t<T, F> send_case(const chan<T> &ch, U &&v, F fn)
{
	return {ch, T(std::forward<U>(v)), std::move(fn)};
}

template <typename F>
default_case_t<F> default_case(F fn)
{
	return default_case_t<F>(std::move(fn));
}

namespace detail {
template <typename C>
constexpr bool is_default_case = false;
template <typename F>
constexpr bool is_default_case<default_case_t<F>> = true;
} // namespace detail

template <typename... Cases>
int select(Cases &&...cases)
{
	constexpr std::size_t n = sizeof...(Cases);
	static_assert(n > 0 && n <= 64, "select takes 1 to 64 cases");
	constexpr int ndefault =
		(int(detail::is_default_case<std::decay_t<Cases>>) + ...);
	static_assert(ndefault <= 1, "select: at most one default case");

	rt::scase sc[n];
	std::size_t i = 0;
	((sc[i++] = cases.prepare()), ...);
	bool ok = false;
	int k = rt::select_run(sc, int(n), ndefault == 0, &ok);
	if (k < 0) { /* nothing ready: the default case */
		i = 0;
		((detail::is_default_case<std::decay_t<Cases>>
			  ? (void)(k = int(i))
			  : (void)0,
		  i++),
		 ...);
	}
	i = 0;
	((i++ == std::size_t(k) ? cases.complete(ok) : void()), ...);
	return k;
}

} // namespace gort
