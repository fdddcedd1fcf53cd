/*
 * sync/rw_mutex.cpp - gort::rw_mutex: readers share, a writer excludes.
 *
 * Under one rt_lock: the number of active readers, whether a writer is
 * active, and two FIFO queues (waiting readers, waiting writers).
 * INV-RW-1: a reader may enter only while no writer is active or waiting,
 *   so a waiting writer stops new readers and cannot starve.
 * INV-RW-2: the last reader out hands the lock to the first waiting
 *   writer; a writer's unlock lets every waiting reader in first (they
 *   waited for it), else the next writer.  Whoever is woken already owns
 *   what it waited for.
 */
#include <gort/sync.h>

#include "runtime/panic.h"
#include "runtime/sanitizer.h"
#include "runtime/waitq.h"

#include <new>

#include "opaque.h"

namespace gort {

namespace {

struct rw_state {
	rt::rt_lock lock;
	long readers = 0;    /* active */
	bool writer = false; /* active */
	rt::waitq rq, wq;    /* waiting readers, writers */
	long nwq = 0;	     /* waiting writers */
};

/* A writer got the lock: the last unlock and every read unlock before it
 * happen before (TSan; nothing in other builds). */
void race_locked(rw_state *s)
{
	rt::race_acquire(s);
	rt::race_acquire(&s->readers);
}

} // namespace

rw_mutex::rw_mutex()
{
	new (st_) rw_state();
}

rw_mutex::~rw_mutex()
{
	detail::opaque<rw_state>(st_)->~rw_state();
}

void rw_mutex::lock()
{
	rw_state *s = detail::opaque<rw_state>(st_);
	rt::lock(&s->lock);
	if (!s->writer && s->readers == 0) {
		s->writer = true;
		rt::unlock(&s->lock);
		race_locked(s);
		return;
	}
	rt::waiter w;
	rt::waiter_init(&w);
	s->wq.push(&w);
	s->nwq++;
	rt::waiter_block(&w, &s->lock, "sync.RWMutex.Lock");
	/* INV-RW-2: woken as the active writer. */
	race_locked(s);
}

bool rw_mutex::try_lock()
{
	rw_state *s = detail::opaque<rw_state>(st_);
	rt::lock(&s->lock);
	bool ok = !s->writer && s->readers == 0;
	if (ok)
		s->writer = true;
	rt::unlock(&s->lock);
	if (ok)
		race_locked(s);
	return ok;
}

void rw_mutex::unlock()
{
	rw_state *s = detail::opaque<rw_state>(st_);
	rt::race_release(s);
	rt::lock(&s->lock);
	if (!s->writer) {
		rt::unlock(&s->lock);
		rt::fatal("sync: Unlock of unlocked RWMutex");
	}
	s->writer = false;
	rt::waitq woken;
	if (!s->rq.empty()) {
		woken = s->rq; /* every waiting reader */
		s->rq = rt::waitq{};
		for (rt::waiter *w = woken.head; w != nullptr; w = w->next)
			s->readers++;
	} else if (rt::waiter *w = s->wq.pop()) {
		s->nwq--;
		s->writer = true;
		woken.push(w);
	}
	rt::unlock(&s->lock);
	while (rt::waiter *w = woken.pop())
		rt::waiter_wake(w);
}

void rw_mutex::lock_shared()
{
	rw_state *s = detail::opaque<rw_state>(st_);
	rt::lock(&s->lock);
	if (!s->writer && s->nwq == 0) { /* INV-RW-1 */
		s->readers++;
		rt::unlock(&s->lock);
		rt::race_acquire(s);
		return;
	}
	rt::waiter w;
	rt::waiter_init(&w);
	s->rq.push(&w);
	rt::waiter_block(&w, &s->lock, "sync.RWMutex.RLock");
	rt::race_acquire(s);
}

bool rw_mutex::try_lock_shared()
{
	rw_state *s = detail::opaque<rw_state>(st_);
	rt::lock(&s->lock);
	bool ok = !s->writer && s->nwq == 0;
	if (ok)
		s->readers++;
	rt::unlock(&s->lock);
	if (ok)
		rt::race_acquire(s);
	return ok;
}

void rw_mutex::unlock_shared()
{
	rw_state *s = detail::opaque<rw_state>(st_);
	rt::race_release(&s->readers); /* before the next writer */
	rt::lock(&s->lock);
	if (s->readers <= 0) {
		rt::unlock(&s->lock);
		rt::fatal("sync: RUnlock of unlocked RWMutex");
	}
	rt::waiter *w = nullptr;
	if (--s->readers == 0 && (w = s->wq.pop()) != nullptr) {
		s->nwq--;
		s->writer = true; /* INV-RW-2 */
	}
	rt::unlock(&s->lock);
	if (w != nullptr)
		rt::waiter_wake(w);
}

} // namespace gort
