/*
 * runtime/lock.h - the runtime's internal mutex.  It blocks the thread
 * (M), never parks a goroutine: it guards short critical sections inside
 * the runtime (channels, the scheduler's global state, timers, the stack
 * pool) where the holder never blocks or switches goroutines.
 *
 * State word: 0 unlocked, 1 locked.  lock() takes it with one CAS;
 * unlock() gives it back with a plain store, not an atomic exchange:
 * a locked read-modify-write costs as much as the rest of a buffered
 * channel operation (5.7 ns each on this project's AMD EPYC VM; four of
 * them were 23 of a buffered item's 30 ns).
 *
 * Sleepers are counted apart, in lock_sleepers(): a table indexed by the
 * lock's address, never freed, so an unlock reads no byte of its lock
 * after the store that lets another thread take (and perhaps free) it.
 * INV-LOCK-1: a thread that may sleep on a lock first counts itself in
 * its slot, then makes every thread of the process pass a full memory
 * barrier (membarrier(2), lock_futex.cpp), then looks at the state word
 * again.  An unlock stores 0, then reads the slot.  So either the
 * sleeper sees the 0, or the unlock sees the count and wakes it: the
 * barrier the sleeper forced lies before the unlock's store (which it
 * then sees) or before its read (which then sees the count).  The unlock
 * side pays only a compiler barrier; the rare sleeper pays the system
 * call.  Without membarrier (a kernel before 4.14, a seccomp filter)
 * sleepers wake every millisecond to look again.
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

constexpr u32 LOCK_SLEEPER_SLOTS = 256;
extern std::atomic<u32> g_lock_sleepers[LOCK_SLEEPER_SLOTS];

/* @l's slot: threads that sleep, or are about to, on locks there. */
inline std::atomic<u32> &lock_sleepers(rt_lock *l)
{
	/* By cache line: locks that share one are taken together anyway. */
	uptr a = reinterpret_cast<uptr>(l);
	return g_lock_sleepers[(a >> 6) % LOCK_SLEEPER_SLOTS];
}

/* lock() without the wait: false if @l is held. */
inline bool try_lock(rt_lock *l)
{
	u32 expected = 0;
	/* Acquire pairs with the release in unlock(). */
	return l->state.compare_exchange_strong(expected, 1,
						std::memory_order_acquire,
						std::memory_order_relaxed);
}

inline void lock(rt_lock *l)
{
	if (likely(try_lock(l)))
		return;
	lock_slow(l);
}

inline void unlock(rt_lock *l)
{
	std::atomic<u32> &sleepers = lock_sleepers(l);
	/* Release pairs with the acquire in lock()/lock_slow(). */
	l->state.store(0, std::memory_order_release);
	/* INV-LOCK-1: the read stays after the store in the code; the
	 * sleeper's membarrier orders them in the CPU. */
	std::atomic_signal_fence(std::memory_order_seq_cst);
	if (unlikely(sleepers.load(std::memory_order_relaxed) != 0))
		unlock_slow(l);
}

/* Tests only: behave as on a kernel without membarrier (sleepers look
 * again every millisecond).  Call before any lock is contended. */
void lock_barrier_disable_for_test();

/* Scoped holder, for functions with several exits. */
struct lock_guard {
	rt_lock *l;
	explicit lock_guard(rt_lock *lk) : l(lk) { lock(l); }
	~lock_guard() { unlock(l); }
	lock_guard(const lock_guard &) = delete;
	lock_guard &operator=(const lock_guard &) = delete;
};

} // namespace gort::rt
