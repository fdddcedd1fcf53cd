/*
 * runtime/sanitizer.h - what the runtime tells AddressSanitizer about its
 * stack switches.  Compiles to nothing unless the build uses ASan.
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

#if defined(__SANITIZE_THREAD__)
#define GORT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TSAN 1
#endif
#endif

#ifdef GORT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace gort::rt {

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
