/*
 * runtime/sanitizer.h - what the runtime tells AddressSanitizer and
 * ThreadSanitizer about goroutines.  Compiles to nothing in other builds.
 *
 * ASan tracks one stack per thread; without these calls it takes a
 * goroutine stack for the thread's own and reports false errors (and its
 * no-return handling, run on every C++ throw, would unpoison the wrong
 * range).  Protocol, per switch:
 *   old side: asan_start_switch(&save, new_bottom, new_size), with
 *             save == nullptr when the old context will never resume;
 *   new side: asan_finish_switch(save) once running on the new stack.
 */
#pragma once

#include "runtime/types.h"

#if defined(__SANITIZE_ADDRESS__)
#define GORT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORT_ASAN 1
#endif
#endif

/* The runtime itself is compiled without TSan's instrumentation in a TSan
 * build (CMakeLists.txt defines GORT_TSAN for it), so that its own
 * atomics (run queues, locks) do not order goroutines the program never
 * ordered; the program's code is instrumented. */
#ifndef GORT_TSAN
#if defined(__SANITIZE_THREAD__)
#define GORT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TSAN 1
#endif
#endif
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define GORT_VALGRIND 1
#endif
#endif

#ifdef GORT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#ifdef GORT_TSAN
extern "C" {
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
}
#endif

namespace gort::rt {

/* The race detector's build: race_acquire()/race_release() below draw
 * the edges, so paths that skip them are compiled out. */
#ifdef GORT_TSAN
inline constexpr bool RACE_ANNOTATED = true;
#else
inline constexpr bool RACE_ANNOTATED = false;
#endif

/*
 * ThreadSanitizer.  Each goroutine is a TSan fiber, switched to with the
 * no-sync flag, so that the scheduler's hand-offs order nothing.  The
 * happens-before edges are exactly those of the Go memory model, drawn
 * with race_release() on the side that happens before and race_acquire()
 * on the side that happens after, on an address both sides know: the
 * goroutine for go(), the waiter of a blocked channel operation, a
 * buffer slot, a closed flag, a sync object.  (As in Go's race detector.)
 */
inline void race_acquire(const void *addr)
{
#ifdef GORT_TSAN
	__tsan_acquire(const_cast<void *>(addr));
#else
	(void)addr;
#endif
}

inline void race_release(const void *addr)
{
#ifdef GORT_TSAN
	__tsan_release(const_cast<void *>(addr));
#else
	(void)addr;
#endif
}

/* The calling thread's own TSan fiber / a new one / forget one. */
inline void *tsan_thread_fiber()
{
#ifdef GORT_TSAN
	return __tsan_get_current_fiber();
#else
	return nullptr;
#endif
}

inline void *tsan_new_fiber()
{
#ifdef GORT_TSAN
	return __tsan_create_fiber(0);
#else
	return nullptr;
#endif
}

inline void tsan_free_fiber(void *f)
{
#ifdef GORT_TSAN
	if (f != nullptr)
		__tsan_destroy_fiber(f);
#else
	(void)f;
#endif
}

/* Tell valgrind that [lo, hi) is a stack, so that a switch onto it is
 * taken for a stack switch, not for a huge frame.  A few instructions,
 * and only when an arena is carved; nothing outside valgrind. */
inline void valgrind_stack_register(uptr lo, uptr hi)
{
#ifdef GORT_VALGRIND
	(void)VALGRIND_STACK_REGISTER(lo, hi);
#else
	(void)lo, (void)hi;
#endif
}

/* The program runs under valgrind: its synthetic CPU takes the
 * preemption trampoline's stores below the interrupted stack pointer for
 * invalid writes, so preemption stays cooperative there. */
inline bool running_on_valgrind()
{
#ifdef GORT_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}

/* Copy the runtime's own tables.  In a TSan build not through memcpy,
 * whose interceptor would take the copy for the running goroutine's. */
#if defined(GORT_TSAN) && defined(__clang__)
__attribute__((no_builtin("memcpy"))) inline void
rt_copy(void *dst, const void *src, usize n)
{
	auto d = static_cast<unsigned char *>(dst);
	auto s = static_cast<const unsigned char *>(src);
	for (usize i = 0; i < n; i++)
		d[i] = s[i];
}
#else
inline void rt_copy(void *dst, const void *src, usize n)
{
	__builtin_memcpy(dst, src, n);
}
#endif

/* Immediately before the jump to the fiber's stack.  Always inlined:
 * called out of line it would be a frame of its own, and where that copy
 * is instrumented (a test's, which the linker may keep for the runtime's
 * calls too: the ignore list drops the memory accesses, not the function
 * entry and exit hooks), it would enter on the old fiber's shadow stack
 * and leave from the new one's. */
GORT_ALWAYS_INLINE void tsan_switch(void *to)
{
#ifdef GORT_TSAN
	constexpr unsigned NO_SYNC = 1; /* __tsan_switch_to_fiber_no_sync */
	__tsan_switch_to_fiber(to, NO_SYNC);
#else
	(void)to;
#endif
}

inline void asan_start_switch(void **save, const void *bottom, usize size)
{
#ifdef GORT_ASAN
	__sanitizer_start_switch_fiber(save, bottom, size);
#else
	(void)save, (void)bottom, (void)size;
#endif
}

inline void asan_finish_switch(void *save)
{
#ifdef GORT_ASAN
	__sanitizer_finish_switch_fiber(save, nullptr, nullptr);
#else
	(void)save;
#endif
}

/* A stack whose goroutine was abandoned mid-frame (run() discards live
 * goroutines) keeps the poisoned redzones of its unfinished frames; clear
 * them before the stack is reused. */
inline void asan_unpoison(uptr lo, usize size)
{
#ifdef GORT_ASAN
	__asan_unpoison_memory_region(reinterpret_cast<void *>(lo), size);
#else
	(void)lo, (void)size;
#endif
}

} // namespace gort::rt
