/*
 * runtime/select.cpp - Go's select, after runtime/select.go.
 *
 * 1. Poll order: the non-nil cases in a random order, so that when several
 *    are ready each is chosen with equal probability.
 * 2. Lock order: the same cases sorted by channel address; every select
 *    locks its channels in that global order (a channel appearing twice is
 *    locked once), so two selects over the same channels cannot deadlock.
 * 3. With everything locked, take the first ready case in poll order.
 * 4. None ready and a default: unlock, return -1.  Otherwise queue one
 *    sudog per case, all sharing one waiter and one select_state, and
 *    park; the channels are unlocked only once the G is parked.
 * 5. The first waker to win the select_state CAS (sudogq::pop) completes
 *    its transfer into or out of that case and wakes us; the others skip
 *    our sudogs.  We lock everything again, take our losing sudogs off
 *    their queues, and report the winner.
 * INV-SEL-1: at most one case of a select completes.
 */
#include "runtime/chan.h"
#include "runtime/preempt.h"
#include "runtime/sanitizer.h"

#include <gort/chan.h>

namespace gort::rt {

namespace {

constexpr int SELECT_MAX = 64;

struct locked_set {
	hchan *c[SELECT_MAX];
	int n = 0;
};

void lock_all(locked_set *ls)
{
	for (int i = 0; i < ls->n; i++)
		lock(&ls->c[i]->lock);
}

void unlock_all(void *p)
{
	auto ls = static_cast<locked_set *>(p);
	for (int i = ls->n - 1; i >= 0; i--)
		unlock(&ls->c[i]->lock);
}

u32 select_rand()
{
	/* Any M's or thread's own xorshift: uniform enough for a shuffle. */
	static thread_local u32 x = 0;
	if (x == 0)
		x = u32(reinterpret_cast<uptr>(&x) >> 4) | 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Try case @cs now.  Context: its channel locked.  Returns true if it
 * completed (the caller unlocks and reports it); a send case that meets
 * a closed channel completes with *ok false (the caller panics). */
bool try_case(const scase &cs, bool *ok, sudog **wake)
{
	chan_result r = cs.send ? chan_try_send_locked(cs.c, cs.elem, wake)
				: chan_try_recv_locked(cs.c, cs.elem, wake);
	if (r == chan_result::would_block)
		return false;
	*ok = r == chan_result::done;
	return true;
}

} // namespace

int select_run(scase *cases, int n, bool block, bool *ok)
{
	int poll[SELECT_MAX], order[SELECT_MAX];
	int npoll = 0;
	for (int i = 0; i < n && i < SELECT_MAX; i++)
		if (cases[i].c != nullptr)
			poll[npoll++] = i;
	for (int i = npoll - 1; i > 0; i--) { /* Fisher-Yates */
		int j = int(select_rand() % u32(i + 1));
		int t = poll[i];
		poll[i] = poll[j];
		poll[j] = t;
	}
	if (npoll == 0) {
		if (!block)
			return -1;
		chan_block_forever("select (no cases)");
	}

	/* Lock order: by channel address, duplicates once. */
	for (int i = 0; i < npoll; i++) {
		int k = i;
		while (k > 0 && cases[order[k - 1]].c > cases[poll[i]].c) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = poll[i];
	}
	locked_set ls;
	for (int i = 0; i < npoll; i++)
		if (ls.n == 0 || ls.c[ls.n - 1] != cases[order[i]].c)
			ls.c[ls.n++] = cases[order[i]].c;
	lock_all(&ls);

	for (int i = 0; i < npoll; i++) {
		sudog *wake = nullptr;
		if (try_case(cases[poll[i]], ok, &wake)) {
			unlock_all(&ls);
			if (wake != nullptr)
				waiter_wake(wake->w);
			if (preempt_requests.load(std::memory_order_relaxed))
				preempt_check();
			return poll[i];
		}
	}
	if (!block) {
		unlock_all(&ls);
		return -1;
	}

	waiter w;
	waiter_init(&w);
	select_state st;
	sudog sg[SELECT_MAX];
	for (int i = 0; i < npoll; i++) {
		int k = order[i];
		sg[k].w = &w;
		sg[k].elem = cases[k].elem;
		sg[k].sel = &st;
		sg[k].c = cases[k].c;
		if (cases[k].send)
			cases[k].c->sendq.push(&sg[k]);
		else
			cases[k].c->recvq.push(&sg[k]);
	}
	race_release(&w); /* for the winner's race_acquire(s->w) */
	waiter_block_with(&w, unlock_all, &ls, "select");

	/* Acquire pairs with the winner's CAS in sudogq::pop. */
	st.done.load(std::memory_order_acquire);
	sudog *win = st.winner;
	race_acquire(&w);
	if (!win->success)
		race_acquire(&win->c->closed);
	lock_all(&ls);
	for (int i = 0; i < npoll; i++) {
		int k = order[i];
		if (&sg[k] == win)
			continue;
		if (cases[k].send)
			cases[k].c->sendq.remove(&sg[k]);
		else
			cases[k].c->recvq.remove(&sg[k]);
	}
	unlock_all(&ls);
	*ok = win->success;
	return int(win - sg);
}

} // namespace gort::rt
