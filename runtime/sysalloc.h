/*
 * runtime/sysalloc.h - memory for the runtime's own structures (Ms, Ps,
 * G chunks, timer heaps, signal stacks) straight from the kernel: private,
 * anonymous, zero-filled, page-granular.  Never the C++ heap, so these
 * work where malloc must not be called.  Stacks have their own allocator
 * (stack.h): they need guards and no huge pages.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

/* @bytes of zeroed memory, or nullptr if the kernel refused. */
void *sysalloc(usize bytes);
void sysfree(void *p, usize bytes);

} // namespace gort::rt
