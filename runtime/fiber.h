/*
 * runtime/fiber.h - a context plus the stack it runs on: the unit that a
 * goroutine (G) and an M's scheduler context are built from.
 *
 * A fiber is either a thread's own stack (fiber_init_thread: it has no
 * gort stack and was never "started") or a function running on a pooled
 * stack (fiber_create).  fiber_switch(from, to) saves the running fiber
 * into *from and resumes *to, on the same thread.  When a created fiber's
 * function returns, the fiber is done and switches to its exit_to fiber
 * for good.
 *
 * Exceptions: a C++ exception may be thrown and caught freely inside a
 * fiber.  One that escapes the fiber's function stops at the fiber's first
 * frame, which reports it as Go reports a panic ("panic: <what()>",
 * "goroutine N [running]:") and exits with status 2.  The unwinder never
 * walks past that frame: its CFI ends the call chain.
 *
 * Ownership: a fiber's fields belong to the thread running it or, while it
 * is switched out, to whoever will resume it.  A fiber is resumed by one
 * thread at a time and never while it is running.
 */
#pragma once

#include "arch/arch.h"
#include "runtime/sanitizer.h"
#include "runtime/stack.h"
#include "runtime/types.h"

namespace gort::rt {

struct fiber {
	arch_context ctx; /* saved registers while switched out */
	stack *stk;	  /* nullptr for a thread's own fiber */
	fiber *exit_to;	  /* resumed when fn returns */
	void (*fn)(void *);
	void *arg;
	u64 id;		       /* shown in panic and overflow reports */
	bool done;	       /* fn has returned */
	void *asan_fake_stack; /* ASan's save slot; unused otherwise */
	const void *asan_bottom;
	usize asan_size;
	void *tsan_fiber; /* TSan's fiber; nullptr in other builds */
};

/* Called first thing on every fresh fiber's stack, if set (the scheduler
 * finishes a direct switch there). */
extern void (*fiber_start_hook)();
/* Called on a fiber's stack each time its function returns, if set: true
 * if it gave @f a new fn and arg to run, there and then, in the same
 * frame (the scheduler starts the next goroutine in place); false if the
 * fiber is done. */
extern bool (*fiber_next_hook)(fiber *f);

/* Describe the calling thread's own stack as a fiber, so that it can be
 * switched away from and back to.  Also gives the thread an alternate
 * signal stack so that guard-page faults can be reported. */
void fiber_init_thread(fiber *f);

/* Prepare @f to run fn(arg) on a fresh stack of @stack_size bytes (0: the
 * default); it starts at the first fiber_switch to it.  Returns
 * stack_err::none, or why no stack could be had (nothing is leaked). */
stack_err fiber_create(fiber *f, void (*fn)(void *), void *arg,
		       usize stack_size, fiber *exit_to);

/* Like fiber_create, on a stack the caller allocated: the context starts
 * with its stack pointer at or below @top; the bytes from @top to
 * stk->hi are the caller's (a goroutine's closure lives there).  @id is
 * the caller's (a goroutine's id): a counter shared by every P here would
 * move its cache line between CPUs at each goroutine's start. */
void fiber_create_on(fiber *f, stack *stk, uptr top, void (*fn)(void *),
		     void *arg, fiber *exit_to, u64 id);

/* Give a created fiber's stack back to the pool.  @f must be done or
 * never started; it must not be running. */
void fiber_destroy(fiber *f);

/* A created fiber that will not run again gives its TSan fiber back
 * (fiber_destroy does this too). */
void fiber_forget_tsan(fiber *f);

/* Context: running on @from's stack; @to not running anywhere.  Under
 * TSan it is a call into the runtime, which TSan does not instrument:
 * the fiber switch must not happen inside an instrumented frame.  It
 * switches TSan fibers but orders nothing: a fiber starts after whatever
 * was released on its address and releases on it when it ends, and the
 * rest is the caller's to draw (goroutines: runtime/sanitizer.h). */
#ifdef GORT_TSAN
void fiber_switch(fiber *from, fiber *to);
#else
inline void fiber_switch(fiber *from, fiber *to)
{
	asan_start_switch(&from->asan_fake_stack, to->asan_bottom,
			  to->asan_size);
	gort_arch_switch(&from->ctx, &to->ctx);
	asan_finish_switch(from->asan_fake_stack);
}
#endif

} // namespace gort::rt
