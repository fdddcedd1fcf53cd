/*
 * sync/mutex.cpp - gort::mutex, shaped like Go's sync.Mutex.
 *
 * state word:
 *   bit 0      MUTEX_LOCKED    somebody holds it
 *   bit 1      MUTEX_STARVING  unlock hands it to the oldest waiter
 *   bits 2..31 number of queued waiters
 * The queue (a FIFO of waiters) and every change of the waiter count are
 * under the queue's rt_lock.
 * INV-MU-1: a waiter is counted before it checks the state one last time
 *   under the queue lock, and an unlock that sees any waiter takes the
 *   queue lock to wake one: no lost wake-up.
 * INV-MU-2: in starvation mode an unlock with waiters keeps MUTEX_LOCKED
 *   set and hands ownership to the queue's head; nobody barges in.  The
 *   mode ends when the waiter that got the lock waited under 1 ms, or is
 *   the last one.
 * Normal mode lets a running goroutine take the lock ahead of a woken
 * waiter (much faster: no hand-off through the scheduler); a waiter
 * that keeps losing for 1 ms turns starvation mode on.
 */
#include <gort/sync.h>

#include "arch_cpu.h"
#include "runtime/panic.h"
#include "runtime/proc.h"
#include "runtime/sanitizer.h"
#include "runtime/waitq.h"

#include <new>

#include "opaque.h"

namespace gort {

namespace {

constexpr std::uint32_t MUTEX_LOCKED = 1;
constexpr std::uint32_t MUTEX_STARVING = 2;
constexpr std::uint32_t MUTEX_WAITER = 4;
constexpr rt::i64 STARVATION_NS = 1000000;
static_assert(((MUTEX_LOCKED | MUTEX_STARVING) & ~(MUTEX_WAITER - 1)) == 0,
	      "flag bits overlap the waiter count");

struct queue {
	rt::rt_lock lock;
	rt::waitq waiters;
};

struct mu_waiter {
	rt::waiter w; /* first: the queue holds &w */
	bool handoff = false;
};

} // namespace

mutex::mutex()
{
	new (q_) queue();
}

mutex::~mutex()
{
	detail::opaque<queue>(q_)->~queue();
}

bool mutex::try_lock()
{
	std::uint32_t s = state_.load(std::memory_order_relaxed);
	while (!(s & (MUTEX_LOCKED | MUTEX_STARVING)))
		if (state_.compare_exchange_weak(s, s | MUTEX_LOCKED,
						 std::memory_order_acquire,
						 std::memory_order_relaxed)) {
			rt::race_acquire(this);
			return true;
		}
	return false;
}

void mutex::lock_slow()
{
	queue *qu = detail::opaque<queue>(q_);
	rt::i64 wait_start = 0;
	int spins = 0;
	for (;;) {
		std::uint32_t s = state_.load(std::memory_order_relaxed);
		/* Unlocked: take it.  (Starving and unlocked means no waiter
		 * is left: unlock hands off to waiters, INV-MU-2.) */
		if (!(s & MUTEX_LOCKED)) {
			if (state_.compare_exchange_weak(
				    s, s | MUTEX_LOCKED,
				    std::memory_order_acquire,
				    std::memory_order_relaxed)) {
				rt::race_acquire(this);
				return;
			}
			continue;
		}
		/* Spin a little while the holder runs on another P: it may
		 * be about to unlock, and parking then waking costs a
		 * scheduler round trip (and a futex wake-up of an idle M). */
		if (!(s & MUTEX_STARVING) && rt::sync_can_spin(spins)) {
			spins++;
			for (int i = 0; i < rt::SYNC_SPIN_PAUSES; i++)
				rt::arch_relax();
			continue;
		}
		rt::lock(&qu->lock);
		/* INV-MU-1: count ourselves only while it is still locked,
		 * in one CAS.  A load, then an add, lost wake-ups: an unlock
		 * between them took the fast path (no waiter counted yet)
		 * and nobody woke us. */
		s = state_.load(std::memory_order_relaxed);
		bool counted = false;
		while (s & MUTEX_LOCKED) {
			if (state_.compare_exchange_weak(
				    s, s + MUTEX_WAITER,
				    std::memory_order_relaxed,
				    std::memory_order_relaxed)) {
				counted = true;
				break;
			}
		}
		if (!counted) {
			rt::unlock(&qu->lock);
			continue; /* freed meanwhile; try again */
		}
		if (wait_start == 0)
			wait_start = rt::nanotime();
		mu_waiter mw;
		rt::waiter_init(&mw.w);
		qu->waiters.push(&mw.w);
		rt::waiter_block(&mw.w, &qu->lock, "sync.Mutex.Lock");

		bool starved = rt::nanotime() - wait_start > STARVATION_NS;
		if (mw.handoff) {
			/* We own it (INV-MU-2).  Leave starvation mode if we
			 * did not starve, or nobody else waits. */
			rt::lock(&qu->lock);
			if (!starved || qu->waiters.empty())
				state_.fetch_and(~MUTEX_STARVING,
						 std::memory_order_relaxed);
			rt::unlock(&qu->lock);
			std::atomic_thread_fence(std::memory_order_acquire);
			rt::race_acquire(this);
			return;
		}
		if (starved)
			state_.fetch_or(MUTEX_STARVING,
					std::memory_order_relaxed);
		spins = 0;
	}
}

void mutex::unlock()
{
	rt::race_release(this); /* an unlock happens before the next lock */
	std::uint32_t s = MUTEX_LOCKED;
	/* Release pairs with the acquire of the next lock(). */
	if (state_.compare_exchange_strong(s, 0, std::memory_order_release,
					   std::memory_order_relaxed))
		return;
	if (!(s & MUTEX_LOCKED))
		rt::fatal("sync: unlock of unlocked mutex");

	queue *qu = detail::opaque<queue>(q_);
	rt::lock(&qu->lock);
	rt::waiter *w = qu->waiters.pop();
	s = state_.load(std::memory_order_relaxed);
	if (w != nullptr && (s & MUTEX_STARVING)) {
		/* Hand-off: stays locked, now owned by w. */
		state_.fetch_sub(MUTEX_WAITER, std::memory_order_release);
		reinterpret_cast<mu_waiter *>(w)->handoff = true;
	} else {
		if (w == nullptr) /* no waiter: starvation mode ends too */
			state_.fetch_and(~(MUTEX_LOCKED | MUTEX_STARVING),
					 std::memory_order_release);
		else
			state_.fetch_sub(MUTEX_LOCKED + MUTEX_WAITER,
					 std::memory_order_release);
	}
	rt::unlock(&qu->lock);
	if (w != nullptr)
		rt::waiter_wake(w);
}

cond::cond()
{
	new (q_) queue();
}

cond::~cond()
{
	detail::opaque<queue>(q_)->~queue();
}

void cond::wait(mutex &m)
{
	queue *qu = detail::opaque<queue>(q_);
	rt::waiter w;
	rt::waiter_init(&w);
	rt::lock(&qu->lock);
	qu->waiters.push(&w); /* queued before m is released: no lost signal */
	m.unlock();
	rt::waiter_block(&w, &qu->lock, "sync.Cond.Wait");
	m.lock();
	/* This file is not instrumented, so the inline fast path of lock()
	 * said nothing to TSan: say it here. */
	rt::race_acquire(&m);
}

void cond::signal()
{
	queue *qu = detail::opaque<queue>(q_);
	rt::lock(&qu->lock);
	rt::waiter *w = qu->waiters.pop();
	rt::unlock(&qu->lock);
	if (w != nullptr)
		rt::waiter_wake(w);
}

void cond::broadcast()
{
	queue *qu = detail::opaque<queue>(q_);
	rt::lock(&qu->lock);
	rt::waitq all = qu->waiters;
	qu->waiters = rt::waitq{};
	rt::unlock(&qu->lock);
	while (rt::waiter *w = all.pop())
		rt::waiter_wake(w);
}

} // namespace gort
