/*
 * sync/wait_group.cpp - gort::wait_group, shaped like Go's: the counter
 * and the number of waiters share one atomic word, so add() and done()
 * are a single atomic add unless they release waiters; waiting goes
 * through a small semaphore.
 *
 * state word: bits 63..32 the counter, bits 31..0 the waiters.
 * INV-WG-1: waiters are counted (CAS on state) before they block on the
 *   semaphore, and the add() that brings the counter to zero with W
 *   waiters counted resets the word to 0 and releases W tokens.  A token
 *   released before its waiter blocks is kept, so no wake-up is lost.
 * Happens-before: add() is a release RMW, wait() reads the word with
 *   acquire; the semaphore's lock orders the token hand-over.
 */
#include <gort/wait_group.h>

#include "runtime/sanitizer.h"
#include "runtime/waitq.h"

#include <atomic>
#include <new>

#include "opaque.h"

namespace gort {

namespace {

struct wg_state {
	std::atomic<std::uint64_t> word{0};
	rt::rt_lock lock; /* guards tokens and waiters */
	std::uint32_t tokens = 0;
	rt::waitq waiters;
};

void sema_release(wg_state *s, std::uint32_t n)
{
	rt::waitq woken;
	rt::lock(&s->lock);
	for (; n > 0; n--) {
		if (rt::waiter *w = s->waiters.pop())
			woken.push(w);
		else
			s->tokens++;
	}
	rt::unlock(&s->lock);
	while (rt::waiter *w = woken.pop())
		rt::waiter_wake(w);
}

void sema_acquire(wg_state *s)
{
	rt::lock(&s->lock);
	if (s->tokens > 0) {
		s->tokens--;
		rt::unlock(&s->lock);
		return;
	}
	rt::waiter w;
	rt::waiter_init(&w);
	s->waiters.push(&w);
	rt::waiter_block(&w, &s->lock, "sync.WaitGroup.Wait");
}

} // namespace

wait_group::wait_group()
{
	new (state_) wg_state();
}

wait_group::~wait_group()
{
	detail::opaque<wg_state>(state_)->~wg_state();
}

void wait_group::add(int delta)
{
	wg_state *s = detail::opaque<wg_state>(state_);
	std::uint64_t d = std::uint64_t(std::int64_t(delta)) << 32;
	if (delta < 0) /* done() happens before wait() returns */
		rt::race_release(this);
	std::uint64_t v = s->word.fetch_add(d, std::memory_order_acq_rel) + d;
	auto counter = std::int32_t(v >> 32);
	auto waiters = std::uint32_t(v);
	if (counter < 0) {
		s->word.fetch_sub(d, std::memory_order_relaxed); /* undo */
		throw panic_error("sync: negative WaitGroup counter");
	}
	if (counter > 0 || waiters == 0)
		return;
	/* Zero with waiters: nobody may add or wait until they are out
	 * (Go panics on such misuse; here the reset wins). */
	s->word.store(0, std::memory_order_relaxed);
	sema_release(s, waiters);
}

void wait_group::wait()
{
	wg_state *s = detail::opaque<wg_state>(state_);
	std::uint64_t v = s->word.load(std::memory_order_acquire);
	for (;;) {
		if ((v >> 32) == 0) {
			rt::race_acquire(this);
			return;
		}
		if (s->word.compare_exchange_weak(v, v + 1,
						  std::memory_order_acq_rel,
						  std::memory_order_acquire)) {
			sema_acquire(s);
			rt::race_acquire(this);
			return;
		}
	}
}

} // namespace gort
