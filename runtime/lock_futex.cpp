/*
 * runtime/lock_futex.cpp - the slow paths of rt_lock on Linux futexes.
 * Spin briefly first: runtime critical sections are a few hundred
 * nanoseconds, much less than a futex sleep and wake-up.
 */
#include "runtime/lock.h"

#include "arch/arch.h"
#include "runtime/futex_linux.h"

namespace gort::rt {

static constexpr int LOCK_SPIN = 100;

void lock_slow(rt_lock *l)
{
	for (int i = 0; i < LOCK_SPIN; i++) {
		u32 expected = 0;
		if (l->state.load(std::memory_order_relaxed) == 0 &&
		    l->state.compare_exchange_weak(expected, 1,
						   std::memory_order_acquire,
						   std::memory_order_relaxed))
			return;
		arch_relax();
	}
	/* INV-LOCK-1: announce a sleeper before sleeping. */
	while (l->state.exchange(2, std::memory_order_acquire) != 0)
		futex_wait(&l->state, 2, -1);
}

void unlock_slow(rt_lock *l)
{
	futex_wake(&l->state, 1);
}

} // namespace gort::rt
