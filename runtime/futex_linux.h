/*
 * runtime/futex_linux.h - the two futex operations the runtime uses to put
 * a thread to sleep and wake it.  Private futexes only: gort's words never
 * live in shared memory.
 */
#pragma once

#include "runtime/types.h"

#include <atomic>

namespace gort::rt {

/* Sleep while *addr == val, or until woken, or until @timeout_ns passes
 * (< 0: no limit).  Returns 0, -EAGAIN (value differed), -ETIMEDOUT or
 * -EINTR; callers re-check their condition in every case. */
int futex_wait(std::atomic<u32> *addr, u32 val, i64 timeout_ns);

/* Wake up to @n threads sleeping on @addr. */
void futex_wake(std::atomic<u32> *addr, int n);

} // namespace gort::rt
