/*
 * sync/wait_group.cpp - gort::wait_group on the runtime's lock and waiter
 * queue.
 *
 * INV-WG-1: waiters is non-empty only while counter > 0.  add() that
 *   brings the counter to zero takes every waiter off the queue under the
 *   lock and wakes them after dropping it.
 * Happens-before: done() writes the counter under the lock; the waiter
 * sees zero under the same lock or is woken after it, so everything
 * before done() is visible after wait() returns.
 */
#include <gort/wait_group.h>

#include "runtime/waitq.h"

#include <new>

namespace gort {

namespace {

struct wg_state {
	rt::rt_lock lock;
	long counter = 0;  /* lock */
	rt::waitq waiters; /* lock */
};

static_assert(sizeof(wg_state) <= 40, "wait_group::state_ is too small");
static_assert(alignof(wg_state) <= 8);

wg_state *st(unsigned char *p)
{
	return std::launder(reinterpret_cast<wg_state *>(p));
}

} // namespace

wait_group::wait_group()
{
	new (state_) wg_state();
}

wait_group::~wait_group()
{
	st(state_)->~wg_state();
}

void wait_group::add(int delta)
{
	wg_state *s = st(state_);
	rt::lock(&s->lock);
	s->counter += delta;
	if (s->counter < 0) {
		s->counter -= delta; /* leave it usable for whoever catches */
		rt::unlock(&s->lock);
		throw panic_error("sync: negative WaitGroup counter");
	}
	rt::waitq woken;
	if (s->counter == 0) {
		woken = s->waiters;
		s->waiters = rt::waitq{};
	}
	rt::unlock(&s->lock);
	while (rt::waiter *w = woken.pop())
		rt::waiter_wake(w);
}

void wait_group::wait()
{
	wg_state *s = st(state_);
	rt::lock(&s->lock);
	if (s->counter == 0) {
		rt::unlock(&s->lock);
		return;
	}
	rt::waiter w;
	rt::waiter_init(&w);
	s->waiters.push(&w);
	rt::waiter_block(&w, &s->lock, "sync.WaitGroup.Wait");
}

} // namespace gort
