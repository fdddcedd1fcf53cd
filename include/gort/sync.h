/*
 * gort/sync.h - Go's sync package for goroutines and plain threads:
 * mutex, rw_mutex, once, cond, semaphore (wait_group is in its own
 * header).  Blocking parks a goroutine or blocks a plain thread.
 *
 * mutex: lock / unlock / try_lock (Lockable: std::lock_guard and
 *   std::unique_lock work).  A short spin, then the goroutine parks.  As
 *   Go's sync.Mutex: a waiter that has waited more than 1 ms switches the
 *   mutex to starvation mode, in which unlock hands the lock straight to
 *   the oldest waiter, so no waiter starves.  Unlocking an unlocked mutex
 *   is fatal: "fatal error: sync: unlock of unlocked mutex".
 * rw_mutex: lock / unlock, lock_shared / unlock_shared (SharedLockable).
 *   A waiting writer stops new readers, so writers do not starve; a
 *   writer's unlock lets every waiting reader in.
 * once: call(f) runs f exactly once.  As Go's Once: if f throws, the
 *   exception propagates and the once still counts as done.
 * cond: wait(m) (m locked; unlocks, waits, locks again), signal(),
 *   broadcast().  As with Go's Cond, wait in a loop on the condition.
 * semaphore: a weighted semaphore (Go's x/sync/semaphore): acquire(n)
 *   waits in FIFO order, try_acquire(n), release(n).
 * None is copyable or movable: waiters hold their addresses.
 */
#pragma once

#include "gort/panic.h"

#include <atomic>
#include <cstdint>
#include <utility>

/* A ThreadSanitizer build of the program: the inline fast path of
 * mutex::lock() tells TSan what the runtime's unlock() told it. */
#if defined(__SANITIZE_THREAD__)
#define GORT_RACE_DETECTOR 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_RACE_DETECTOR 1
#endif
#endif
#ifdef GORT_RACE_DETECTOR
extern "C" void __tsan_acquire(void *addr);
#endif

namespace gort {

class mutex {
public:
	mutex();
	~mutex();
	mutex(const mutex &) = delete;
	mutex &operator=(const mutex &) = delete;

	void lock()
	{
		std::uint32_t unlocked = 0;
		if (!state_.compare_exchange_strong(unlocked, 1,
						    std::memory_order_acquire,
						    std::memory_order_relaxed))
			lock_slow();
#ifdef GORT_RACE_DETECTOR
		else /* the runtime's unlock() released on this */
			__tsan_acquire(this);
#endif
	}
	bool try_lock();
	void unlock();

private:
	void lock_slow();
	/* bit 0 locked, bit 1 starving, bits 2.. waiters (sync/mutex.cpp) */
	std::atomic<std::uint32_t> state_{0};
	alignas(8) unsigned char q_[24]; /* lock + FIFO of waiters */
};

class rw_mutex {
public:
	rw_mutex();
	~rw_mutex();
	rw_mutex(const rw_mutex &) = delete;
	rw_mutex &operator=(const rw_mutex &) = delete;

	void lock();
	void unlock();
	bool try_lock();
	void lock_shared();
	void unlock_shared();
	bool try_lock_shared();

private:
	alignas(8) unsigned char st_[64];
};

class once {
public:
	template <typename F>
	void call(F &&f)
	{
		if (done_.load(std::memory_order_acquire))
			return;
		m_.lock();
		struct guard {
			once *o;
			~guard()
			{
				o->done_.store(true, std::memory_order_release);
				o->m_.unlock();
			}
		} g{this};
		if (!done_.load(std::memory_order_relaxed))
			std::forward<F>(f)();
	}
	bool done() const { return done_.load(std::memory_order_acquire); }

private:
	std::atomic<bool> done_{false};
	mutex m_;
};

class cond {
public:
	cond();
	~cond();
	cond(const cond &) = delete;
	cond &operator=(const cond &) = delete;

	void wait(mutex &m);
	void signal();
	void broadcast();

private:
	alignas(8) unsigned char q_[24];
};

class semaphore {
public:
	explicit semaphore(std::int64_t n);
	~semaphore();
	semaphore(const semaphore &) = delete;
	semaphore &operator=(const semaphore &) = delete;

	void acquire(std::int64_t n = 1);
	bool try_acquire(std::int64_t n = 1);
	void release(std::int64_t n = 1);

private:
	alignas(8) unsigned char st_[48];
};

} // namespace gort
