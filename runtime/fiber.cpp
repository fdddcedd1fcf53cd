/*
 * runtime/fiber.cpp - see fiber.h.
 */
#include "runtime/fiber.h"

#include "runtime/panic.h"
#include "runtime/signal.h"

#include <atomic>
#include <cstdlib>
#include <exception>
#include <pthread.h>

namespace gort::rt {

static std::atomic<u64> g_next_fiber_id{1};

void (*fiber_start_hook)() = nullptr;
bool (*fiber_next_hook)(fiber *f) = nullptr;

/*
 * An exception that escapes a fiber's function: Go's uncaught panic.
 *
 * fiber_entry has no catch clause and gort_arch_start's CFI ends the
 * call chain, so the unwinder's search phase finds no handler and
 * __cxa_throw calls std::terminate before anything is unwound.  The
 * terminate handler thus runs on the throwing stack, and the report can
 * show where the exception was thrown, as Go's shows where panic() was
 * called.  It is installed once per process; on a thread's own stack
 * (not a fiber's) it hands over to the handler it replaced.
 */
static std::terminate_handler g_prev_terminate;
static std::atomic<bool> g_terminate_installed{false};

static void fiber_terminate()
{
	auto here = reinterpret_cast<uptr>(__builtin_frame_address(0));
	stack *s = stack_find(here);
	std::exception_ptr e = std::current_exception();
	if (s == nullptr || e == nullptr) {
		if (g_prev_terminate != nullptr)
			g_prev_terminate();
		std::abort();
	}
	const char *what = "a C++ exception not derived from std::exception";
	try {
		std::rethrow_exception(e);
	} catch (const std::exception &x) {
		what = x.what();
	} catch (...) {
	}
	panic_uncaught(s->owner_id, what);
}

static void install_terminate_handler()
{
	if (g_terminate_installed.exchange(true))
		return;
	g_prev_terminate = std::set_terminate(fiber_terminate);
}

void fiber_init_thread(fiber *f)
{
	*f = fiber{};
	f->id = 0;
	signal_thread_init();
	install_terminate_handler();
#ifdef GORT_ASAN
	pthread_attr_t attr;
	void *addr = nullptr;
	size_t size = 0;
	if (::pthread_getattr_np(::pthread_self(), &attr) == 0) {
		::pthread_attr_getstack(&attr, &addr, &size);
		::pthread_attr_destroy(&attr);
	}
	f->asan_bottom = addr;
	f->asan_size = size;
#endif
	f->tsan_fiber = tsan_thread_fiber();
}

#ifdef GORT_TSAN
void fiber_switch(fiber *from, fiber *to)
{
	tsan_switch(to->tsan_fiber);
	gort_arch_switch(&from->ctx, &to->ctx);
}
#endif

void fiber_forget_tsan(fiber *f)
{
	if (f->stk != nullptr) /* a thread's own fiber is TSan's */
		tsan_free_fiber(f->tsan_fiber);
	f->tsan_fiber = nullptr;
}

/* The first frame above gort_arch_start: runs fn, then leaves for good. */
static void fiber_entry(void *p)
{
	auto f = static_cast<fiber *>(p);
	asan_finish_switch(nullptr);
	if (fiber_start_hook != nullptr)
		fiber_start_hook();
	/* Whatever was released on the fiber happens before it starts, as
	 * its end releases on it below: for a goroutine that is go() (the
	 * fiber is the G's first member, which spawn releases on and
	 * g_start_hook acquires too); for a fiber switched to by hand, the
	 * switch (tests/race_edges.h). */
	race_acquire(f);
	/* And the stack's previous user's end (below) happens before this
	 * user's start. */
	race_acquire(f->stk);
	/* No try here: an exception nobody catches must find no handler
	 * at all, so that the unwinder's search ends at gort_arch_start and
	 * std::terminate runs on the intact stack (fiber_terminate). */
	do
		f->fn(f->arg);
	while (fiber_next_hook != nullptr && fiber_next_hook(f));
	f->done = true;
	/* What the fiber did happens before whoever waits for its end
	 * (run() returning, for the main goroutine), and before the next
	 * user of its stack (at its start, above): TSan would otherwise see two
	 * goroutines touch the same stack memory. */
	race_release(f);
	race_release(f->stk);
	/* nullptr: this stack is finished, ASan may drop its fake frames. */
	asan_start_switch(nullptr, f->exit_to->asan_bottom,
			  f->exit_to->asan_size);
	tsan_switch(f->exit_to->tsan_fiber);
	gort_arch_switch(&f->ctx, &f->exit_to->ctx);
	fatal("fiber: a finished fiber was resumed");
}

stack_err fiber_create(fiber *f, void (*fn)(void *), void *arg,
		       usize stack_size, fiber *exit_to)
{
	stack_alloc_result r = stack_alloc(stack_size);
	if (r.stk == nullptr)
		return r.err;
	fiber_create_on(
		f, r.stk, r.stk->hi, fn, arg, exit_to,
		g_next_fiber_id.fetch_add(1, std::memory_order_relaxed));
	return stack_err::none;
}

void fiber_create_on(fiber *f, stack *stk, uptr top, void (*fn)(void *),
		     void *arg, fiber *exit_to, u64 id)
{
	*f = fiber{};
	f->stk = stk;
	f->exit_to = exit_to;
	f->fn = fn;
	f->arg = arg;
	f->id = id;
	f->stk->owner_id = id;
	f->asan_bottom = reinterpret_cast<const void *>(stk->lo);
	f->asan_size = stk->hi - stk->lo;
	f->tsan_fiber = tsan_new_fiber();
	arch_context_init(&f->ctx, stk->lo, top, fiber_entry, f);
}

void fiber_destroy(fiber *f)
{
	/* A fiber abandoned mid-frame leaves its frames' redzones
	 * poisoned; one that finished has unwound them all. */
	if (f->stk != nullptr && !f->done)
		asan_unpoison(f->stk->lo, f->stk->hi - f->stk->lo);
	fiber_forget_tsan(f);
	/* Freed last: @f may live on the stack (a goroutine's G does). */
	stack *s = f->stk;
	f->stk = nullptr;
	if (s != nullptr)
		stack_free(s);
}

} // namespace gort::rt
