/*
 * gort/runtime.h - goroutines: run(), go(), yield(), sleep(), procs.
 *
 *   int main() {
 *           return gort::run([] {
 *                   gort::wait_group wg;
 *                   wg.add(1);
 *                   gort::go([&] { std::puts("hello"); wg.done(); });
 *                   wg.wait();
 *           });
 *   }
 *
 * run() turns the calling thread into the runtime's first thread and runs
 * its function as the main goroutine; when that returns, run() returns
 * its result and every goroutine still alive is discarded, as Go's are
 * at exit (their stacks go back to the pool; no destructors run).  run()
 * may be called again afterwards.
 *
 * Threads: a goroutine may resume on another OS thread after anything
 * that can block (a channel operation, a wait, yield(), sleep()).  So a
 * thread_local, errno, or anything derived from the thread's identity is
 * only meaningful until the next such call, unless the goroutine called
 * lock_os_thread(), which keeps it on its thread.
 */
#pragma once

#include "gort/panic.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gort {

/* Settings for one run().  Zero means "the default". */
struct config {
	/* Logical processors (Go's GOMAXPROCS): how many goroutines run in
	 * parallel.  Default: GORT_PROCS, else the CPUs this process may
	 * use (sched_getaffinity). */
	int procs = 0;
	/* Bytes of each goroutine's stack (reserved, committed page by
	 * page), rounded up to a power of two; its top 384 to 832 bytes
	 * (512 to 960 on AArch64) hold the goroutine's G.  Default: GORT_STACK_SIZE, else
	 * 128 KiB. */
	std::size_t stack_size = 0;
	/* Report "all goroutines are asleep - deadlock!" and exit 2 when
	 * every goroutine waits and nothing can wake one.  Also off with
	 * GORT_DEADLOCK_CHECK=0.  It turns itself off once a thread the
	 * runtime did not create calls in (HACKING.md, "Deadlock"). */
	bool deadlock_check = true;
	/* The most OS threads the runtime may have at once (Go's
	 * debug.SetMaxThreads).  Goroutines blocked in system calls hold a
	 * thread each; going beyond is a fatal error.  Default 10,000. */
	int max_threads = 0;
	/* Threads left idle beyond a small cache (procs, at least 4) exit
	 * after this long.  Default 10 s. */
	std::chrono::nanoseconds idle_thread_timeout{0};
	/* Preempt a goroutine that runs 10 ms without a runtime call by
	 * signalling its thread (SIGURG), as Go does.  Also off with
	 * GORT_ASYNCPREEMPT=0.  Cooperative preemption, at the next runtime
	 * call, stays on either way.  A SIGURG handler of the program's
	 * own still runs, for every SIGURG, the runtime's included. */
	bool async_preempt = true;
	/* How long a goroutine may keep its processor while others wait
	 * before it is asked to yield.  Default 10 ms, as Go. */
	std::chrono::nanoseconds time_slice{0};
};

/* Options for one goroutine. */
struct spawn_options {
	std::size_t stack_size = 0; /* 0: the run()'s default */
};

namespace detail {

int run_main(void (*fn)(void *), void *arg, const config &cfg);
void *spawn_prepare(std::size_t size, std::size_t align, void (*entry)(void *),
		    std::size_t stack_size, void **handle);
void spawn_commit(void *handle);
void spawn_abort(void *handle);
void spawn_started();
void sleep_ns(std::int64_t ns);

/* The most bytes (and alignment) of a goroutine's function and
 * arguments that go() keeps in the runtime's record of the goroutine
 * until it starts; larger ones go on its stack at once. */
constexpr std::size_t spawn_inline_bytes = 64;
constexpr std::size_t spawn_inline_align = 16;

/* A goroutine's function and its arguments, stored by go() in the
 * runtime's record of the goroutine (or, when large, at the top of its
 * stack): spawning allocates nothing else.  The goroutine's first act
 * moves a small one onto its own stack and tells the runtime, which can
 * then reuse the record at once (runtime/proc.cpp, "A goroutine's G
 * lives on its stack"); one that may throw while moving stays where it
 * is, and so does a large one, already on the stack. */
template <typename F, typename... Args>
struct closure {
	F fn;
	std::tuple<Args...> args;

	void call()
	{
		std::apply(
			[this](Args &...a) {
				std::invoke(std::move(fn), std::move(a)...);
			},
			args);
	}

	static void invoke(void *p)
	{
		auto c = static_cast<closure *>(p);
		if constexpr (sizeof(closure) <= spawn_inline_bytes &&
			      alignof(closure) <= spawn_inline_align &&
			      std::is_nothrow_move_constructible_v<closure>) {
			closure own{std::move(*c)};
			c->~closure();
			spawn_started();
			own.call();
		} else {
			c->call();
			c->~closure();
		}
	}
};

} // namespace detail

/* Run @main as the main goroutine on the calling thread; returns its
 * result (0 if it returns void).  Throws panic_error if a runtime is
 * already running in this process. */
template <typename F>
int run(F &&main, config cfg = {})
{
	using R = std::invoke_result_t<F &>;
	struct ctx {
		std::remove_reference_t<F> *fn;
		int result;
	} c{&main, 0};
	detail::run_main(
		[](void *p) {
			auto cp = static_cast<ctx *>(p);
			if constexpr (std::is_void_v<R>)
				(*cp->fn)();
			else
				cp->result = static_cast<int>((*cp->fn)());
		},
		&c, cfg);
	return c.result;
}

/* Start f(args...) as a new goroutine.  The arguments are copied or moved
 * now, as Go evaluates them at the go statement.  Callable from a
 * goroutine or from any thread while run() is active; throws panic_error
 * when no runtime runs or no stack can be had (the message says why). */
template <typename F, typename... Args>
void go_with(const spawn_options &opt, F &&f, Args &&...args)
{
	using C = detail::closure<std::decay_t<F>, std::decay_t<Args>...>;
	void *handle = nullptr;
	void *mem = detail::spawn_prepare(sizeof(C), alignof(C), &C::invoke,
					  opt.stack_size, &handle);
	try {
		new (mem) C{std::forward<F>(f),
			    std::tuple<std::decay_t<Args>...>(
				    std::forward<Args>(args)...)};
	} catch (...) {
		detail::spawn_abort(handle);
		throw;
	}
	detail::spawn_commit(handle);
}

template <typename F, typename... Args>
void go(F &&f, Args &&...args)
{
	go_with(spawn_options{}, std::forward<F>(f),
		std::forward<Args>(args)...);
}

/* Let other goroutines run (Go's runtime.Gosched): the caller goes to the
 * back of its processor's queue.  On a plain thread: sched_yield(). */
void yield();

/* Block the calling goroutine (or thread) for at least @d. */
template <typename Rep, typename Period>
void sleep(std::chrono::duration<Rep, Period> d)
{
	detail::sleep_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(d)
				 .count());
}

/* The number of logical processors; set_procs(n) changes it while
 * running (n >= 1) and returns the previous value.  Outside run(), it sets
 * the value the next run() starts with. */
int procs();
int set_procs(int n);

/* Goroutines alive (running, runnable or waiting), the main one included. */
int num_goroutine();

/* Whether the running run() preempts goroutines with signals: on unless
 * turned off (config::async_preempt, GORT_ASYNCPREEMPT=0), or the program
 * is statically linked (its own text then holds libc, which must not be
 * interrupted), built with ASan or TSan, or running under valgrind.
 * Only the main executable's code is ever interrupted, never a shared
 * library's. */
bool async_preemption();

/* The calling goroutine's id (the main goroutine is 1); 0 on a thread
 * that is not running a goroutine. */
std::uint64_t goid();

/* Print every live goroutine to standard error, as Go's tracebacks do:
 * "goroutine N [state, M minutes]:" (the minutes once a wait has lasted
 * one), its backtrace (function+offset, and the object and offset for
 * addr2line), and "created by <function> in goroutine P".  Goroutines
 * with the same state and stack are printed once, with a count.  For a
 * service's admin endpoint; callable from any thread; takes no runtime
 * lock.  SIGQUIT prints the same and exits with status 2. */
void dump_goroutines();

/* The execution tracer (Go's runtime/trace): record what every P does
 * (goroutines starting, blocking and why, unblocking, syscalls, steals,
 * preemption, timers, the netpoller) until trace_stop(), which writes
 * @path as Chrome trace-event JSON (Perfetto, chrome://tracing, or
 * tools/trace's gort-trace-html for a timeline page).  GORT_TRACE=<file>
 * traces a whole run().  trace_start returns false if a trace is already
 * running or @path cannot be created; trace_stop false if none was
 * running or the file could not be written.  A run() that ends stops
 * its trace.  Callable from any thread. */
bool trace_start(const char *path);
bool trace_stop();

/* Keep the calling goroutine on its current OS thread, and that thread
 * for it alone, until as many unlock_os_thread() calls. */
void lock_os_thread();
void unlock_os_thread();

} // namespace gort
