/*
 * runtime/lock.h - the runtime's internal mutex.  It blocks the thread
 * (M), never parks a goroutine: it guards short critical sections inside
 * the runtime (the stack pool, later the scheduler's global state) where
 * the holder never blocks or switches goroutines.
 *
 * State word (Drepper, "Futexes Are Tricky", mutex 3):
 *   0 unlocked, 1 locked with no sleeper, 2 locked and a thread may sleep.
 * INV-LOCK-1: a thread that sleeps on the word first sets it to 2, so an
 * unlock that sees 1 knows nobody needs waking.
 */
#pragma once

#include "runtime/types.h"

#include <atomic>

namespace gort::rt {

struct rt_lock {
	std::atomic<u32> state{0};
};

void lock_slow(rt_lock *l);
void unlock_slow(rt_lock *l);

inline void lock(rt_lock *l)
{
	u32 expected = 0;
	/* Acquire pairs with the release in unlock(). */
	if (likely(l->state.compare_exchange_strong(expected, 1,
						    std::memory_order_acquire,
						    std::memory_order_relaxed)))
		return;
	lock_slow(l);
}

inline void unlock(rt_lock *l)
{
	/* Release pairs with the acquire in lock()/lock_slow(). */
	if (likely(l->state.exchange(0, std::memory_order_release) == 1))
		return;
	unlock_slow(l);
}

/* Scoped holder, for functions with several exits. */
struct lock_guard {
	rt_lock *l;
	explicit lock_guard(rt_lock *lk) : l(lk) { lock(l); }
	~lock_guard() { unlock(l); }
	lock_guard(const lock_guard &) = delete;
	lock_guard &operator=(const lock_guard &) = delete;
};

} // namespace gort::rt
