/*
 * sync/semaphore.cpp - gort::semaphore, a weighted semaphore served in
 * FIFO order (as golang.org/x/sync/semaphore): a large request at the
 * head is not overtaken by small ones behind it.
 * INV-SEM-1: waiters exist only while the head's request does not fit.
 */
#include <gort/sync.h>

#include "runtime/sanitizer.h"
#include "runtime/waitq.h"

#include <new>

#include "opaque.h"

namespace gort {

namespace {

struct sem_waiter {
	rt::waiter w; /* first: the queue holds &w */
	std::int64_t n;
};

struct sem_state {
	rt::rt_lock lock;
	std::int64_t avail;
	rt::waitq q;
};

} // namespace

semaphore::semaphore(std::int64_t n)
{
	auto s = new (st_) sem_state();
	s->avail = n;
}

semaphore::~semaphore()
{
	detail::opaque<sem_state>(st_)->~sem_state();
}

void semaphore::acquire(std::int64_t n)
{
	sem_state *s = detail::opaque<sem_state>(st_);
	rt::lock(&s->lock);
	if (s->q.empty() && s->avail >= n) {
		s->avail -= n;
		rt::unlock(&s->lock);
		rt::race_acquire(s);
		return;
	}
	sem_waiter sw;
	rt::waiter_init(&sw.w);
	sw.n = n;
	s->q.push(&sw.w);
	rt::waiter_block(&sw.w, &s->lock, "semacquire");
	/* release() took our weight from avail before waking us. */
	rt::race_acquire(s);
}

bool semaphore::try_acquire(std::int64_t n)
{
	sem_state *s = detail::opaque<sem_state>(st_);
	rt::lock(&s->lock);
	bool ok = s->q.empty() && s->avail >= n;
	if (ok)
		s->avail -= n;
	rt::unlock(&s->lock);
	if (ok)
		rt::race_acquire(s);
	return ok;
}

void semaphore::release(std::int64_t n)
{
	sem_state *s = detail::opaque<sem_state>(st_);
	rt::race_release(s); /* a release happens before the acquires */
	rt::waitq woken;
	rt::lock(&s->lock);
	s->avail += n;
	while (!s->q.empty()) {
		auto head = reinterpret_cast<sem_waiter *>(s->q.head);
		if (head->n > s->avail)
			break; /* INV-SEM-1: FIFO, no overtaking */
		s->avail -= head->n;
		woken.push(s->q.pop());
	}
	rt::unlock(&s->lock);
	while (rt::waiter *w = woken.pop())
		rt::waiter_wake(w);
}

} // namespace gort
