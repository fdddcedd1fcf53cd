/*
 * gort/blocking.h - run a call that may block its thread without stopping
 * the other goroutines (Go's entersyscall / exitsyscall).
 *
 *   ssize_t n = gort::blocking([&] { return ::read(fd, buf, len); });
 *
 * While f runs, the goroutine's processor is free to be taken: if f is
 * still running after a short while (one tick of the monitor thread,
 * 20 us to 10 ms) and other goroutines are waiting to run, another
 * thread takes the processor over and runs them.  When f returns, the
 * goroutine gets a processor back (its own if still free), or waits in
 * the run queue for one.  A call that is sure to block long can give
 * the processor away at once: blocking_long(f).
 *
 * Inside f the goroutine behaves like a plain thread: gort operations
 * that wait (a channel receive, a mutex) block the thread.  Each
 * goroutine inside blocking() holds one OS thread; config::max_threads
 * bounds them.  On a plain thread, or outside run(), f is simply called.
 * If f throws, the goroutine is back in the normal state before the
 * exception leaves blocking().
 */
#pragma once

#include <type_traits>
#include <utility>

namespace gort {

namespace detail {

void enter_blocking(bool handoff_now);
void exit_blocking();

struct blocking_scope {
	explicit blocking_scope(bool handoff_now)
	{
		enter_blocking(handoff_now);
	}
	~blocking_scope() { exit_blocking(); }
	blocking_scope(const blocking_scope &) = delete;
	blocking_scope &operator=(const blocking_scope &) = delete;
};

} // namespace detail

template <typename F>
decltype(auto) blocking(F &&f)
{
	detail::blocking_scope scope(false);
	return std::forward<F>(f)();
}

template <typename F>
decltype(auto) blocking_long(F &&f)
{
	detail::blocking_scope scope(true);
	return std::forward<F>(f)();
}

} // namespace gort
