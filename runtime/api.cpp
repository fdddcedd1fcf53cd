/*
 * runtime/api.cpp - the public API (gort/runtime.h) over the runtime.
 * The one place in runtime/ that throws: errors the core reports as
 * messages become panic_error here, at the boundary, where a goroutine
 * can catch them.
 */
#include <gort/blocking.h>
#include <gort/runtime.h>

#include "runtime/proc.h"

namespace gort::rt {
int run_main(void (*fn)(void *), void *arg, const run_options &opt,
	     const char **err);
void *spawn_prepare(usize size, usize align, void (*entry)(void *),
		    usize stack_size, void **handle, const char **err);
void spawn_commit(void *handle, uptr gopc);
void spawn_abort(void *handle);
void spawn_started();
void sleep_ns(i64 ns);
int set_procs(int n);
int procs();
void lock_os_thread();
void unlock_os_thread();
} // namespace gort::rt

namespace gort {

static_assert(detail::spawn_inline_bytes == rt::G_FN_INLINE &&
		      detail::spawn_inline_align == rt::G_FN_ALIGN,
	      "closure::invoke moves what a spawn G holds");

namespace detail {

int run_main(void (*fn)(void *), void *arg, const config &cfg)
{
	const char *err = nullptr;
	rt::run_options opt;
	opt.procs = cfg.procs;
	opt.stack_size = cfg.stack_size;
	opt.deadlock_check = cfg.deadlock_check;
	opt.async_preempt = cfg.async_preempt;
	opt.time_slice_ns = cfg.time_slice.count(); /* 0: the default */
	if (cfg.max_threads > 0)
		opt.max_threads = rt::u32(cfg.max_threads);
	opt.idle_m_exit_ns = cfg.idle_thread_timeout.count() > 0
				     ? cfg.idle_thread_timeout.count()
				     : 10 * 1000000000LL;
	int r = rt::run_main(fn, arg, opt, &err);
	if (r < 0)
		throw panic_error(err);
	return r;
}

void *spawn_prepare(std::size_t size, std::size_t align, void (*entry)(void *),
		    std::size_t stack_size, void **handle)
{
	const char *err = nullptr;
	void *mem =
		rt::spawn_prepare(size, align, entry, stack_size, handle, &err);
	if (mem == nullptr)
		throw panic_error(err);
	return mem;
}

void spawn_commit(void *handle)
{
	/* The caller is gort::go(), inlined into the program's function
	 * that called it (or, unoptimized, go() itself): where the goroutine
	 * was created, for dumps. */
	rt::spawn_commit(handle, reinterpret_cast<rt::uptr>(
					 __builtin_return_address(0)));
}

void spawn_abort(void *handle)
{
	rt::spawn_abort(handle);
}

void spawn_started()
{
	rt::spawn_started();
}

void sleep_ns(std::int64_t ns)
{
	rt::sleep_ns(ns);
}

void enter_blocking(bool handoff_now)
{
	rt::entersyscall(handoff_now);
}

void exit_blocking()
{
	rt::exitsyscall();
}

} // namespace detail

void yield()
{
	rt::gosched();
}

int procs()
{
	return rt::procs();
}

int set_procs(int n)
{
	return rt::set_procs(n);
}

void dump_goroutines()
{
	rt::dump_goroutines();
}

bool trace_start(const char *path)
{
	return rt::trace_start(path);
}

bool trace_stop()
{
	return rt::trace_stop();
}

int num_goroutine()
{
	return int(rt::goroutine_count());
}

std::uint64_t goid()
{
	rt::m *mp = rt::current_m();
	if (mp == nullptr)
		return 0;
	rt::g *gp = mp->curg != nullptr ? mp->curg : mp->syscallg;
	return gp != nullptr ? gp->goid : 0;
}

bool async_preemption()
{
	return rt::sched.async_preempt;
}

void lock_os_thread()
{
	rt::lock_os_thread();
}

void unlock_os_thread()
{
	rt::unlock_os_thread();
}

} // namespace gort
