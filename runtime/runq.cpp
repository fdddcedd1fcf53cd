/*
 * runtime/runq.cpp - see runq.h for the invariants.
 */
#include "runtime/runq.h"

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto acquire = std::memory_order_acquire;
static constexpr auto release = std::memory_order_release;
static constexpr auto acq_rel = std::memory_order_acq_rel;

/* The ring is full: move half of it and @gp to the global queue.  Returns
 * false if a consumer moved head meanwhile (the caller retries). */
static bool runq_put_slow(p *pp, g *gp, u32 h, u32 t)
{
	g *batch[RUNQ_SIZE / 2 + 1];
	u32 n = (t - h) / 2;
	for (u32 i = 0; i < n; i++)
		batch[i] = pp->runq[(h + i) % RUNQ_SIZE].load(relaxed);
	/* Release: our slot reads happen before anyone refills them. */
	if (!pp->runq_head.compare_exchange_strong(h, h + n, release, relaxed))
		return false;
	batch[n] = gp;
	for (u32 i = 0; i < n; i++)
		batch[i]->schedlink = batch[i + 1];
	lock(&sched.lock);
	globrunq_put_batch_locked(batch[0], batch[n], n + 1);
	unlock(&sched.lock);
	return true;
}

void runq_put_full(p *pp, g *gp)
{
	for (;;) {
		/* As runq_put_tail. */
		u32 h = pp->runq_head.load(acquire);
		u32 t = pp->runq_tail.load(relaxed);
		if (t - h < RUNQ_SIZE) {
			pp->runq[t % RUNQ_SIZE].store(gp, relaxed);
			pp->runq_tail.store(t + 1, release);
			return;
		}
		if (runq_put_slow(pp, gp, h, t))
			return;
	}
}

void runq_put(p *pp, g *gp, bool next)
{
	if (next) {
		gp = pp->runnext.exchange(gp, acq_rel);
		if (gp == nullptr)
			return;
		/* The previous runnext goes to the tail. */
	}
	runq_put_tail(pp, gp);
}

void runq_demote_next(p *pp)
{
	/* An exchange: a thief may take runnext meanwhile (by CAS). */
	if (g *gp = pp->runnext.exchange(nullptr, acq_rel))
		runq_put_tail(pp, gp);
}

bool runq_empty(p *pp)
{
	/* runnext and the ring can change under us; read them in an order
	 * that never reports a G-in-flight as "empty": a G moves from
	 * runnext to the ring (runq_put) or out of both. */
	for (;;) {
		u32 h = pp->runq_head.load(acquire);
		u32 t = pp->runq_tail.load(acquire);
		g *next = pp->runnext.load(acquire);
		if (pp->runq_tail.load(acquire) == t)
			return h == t && next == nullptr;
	}
}

u32 runq_len(p *pp)
{
	u32 h = pp->runq_head.load(acquire);
	u32 t = pp->runq_tail.load(acquire);
	/* Read while others take and add: more than the ring holds is a
	 * torn view, not a length. */
	u32 n = t - h > RUNQ_SIZE ? RUNQ_SIZE : t - h;
	return n + (pp->runnext.load(relaxed) != nullptr ? 1 : 0);
}

/* Copy half of @victim's ring into @pp's ring starting at @pp's tail;
 * returns how many were taken (not yet published on @pp). */
static u32 runq_grab(p *pp, p *victim, bool take_runnext)
{
	u32 dst_tail = pp->runq_tail.load(relaxed);
	for (;;) {
		u32 h = victim->runq_head.load(acquire);
		u32 t = victim->runq_tail.load(acquire);
		u32 n = t - h;
		n = n - n / 2;
		if (n == 0) {
			if (!take_runnext)
				return 0;
			g *next = victim->runnext.load(acquire);
			if (next == nullptr)
				return 0;
			if (!victim->runnext.compare_exchange_strong(
				    next, nullptr, acquire, relaxed))
				continue;
			pp->runq[dst_tail % RUNQ_SIZE].store(next, relaxed);
			return 1;
		}
		if (n > RUNQ_SIZE / 2)
			continue; /* h and t read at different times */
		for (u32 i = 0; i < n; i++) {
			g *gp = victim->runq[(h + i) % RUNQ_SIZE].load(relaxed);
			pp->runq[(dst_tail + i) % RUNQ_SIZE].store(gp, relaxed);
		}
		/* INV-RUNQ-3: the CAS decides whether the copies are ours. */
		if (victim->runq_head.compare_exchange_strong(h, h + n, acq_rel,
							      relaxed))
			return n;
	}
}

g *runq_steal(p *pp, p *victim, bool take_runnext)
{
	u32 t = pp->runq_tail.load(relaxed);
	u32 n = runq_grab(pp, victim, take_runnext);
	if (n == 0)
		return nullptr;
	n--;
	g *gp = pp->runq[(t + n) % RUNQ_SIZE].load(relaxed);
	if (n > 0)
		pp->runq_tail.store(t + n, release);
	return gp;
}

g *runq_peek(p *pp)
{
	if (g *next = pp->runnext.load(acquire))
		return next;
	u32 h = pp->runq_head.load(acquire);
	if (h == pp->runq_tail.load(acquire))
		return nullptr;
	return pp->runq[h % RUNQ_SIZE].load(relaxed);
}

void runq_drain_to_global_locked(p *pp)
{
	g *next = pp->runnext.exchange(nullptr, acq_rel);
	if (next != nullptr)
		globrunq_put_locked(next);
	bool inherit;
	while (g *gp = runq_get(pp, &inherit))
		globrunq_put_locked(gp);
}

/* Append the batch @head..@tail of @n Gs, marked.  Context: sched.lock. */
static void globrunq_link_locked(g *head, g *tail, u32 n)
{
	if (sched.runq_tail != nullptr)
		sched.runq_tail->schedlink = head;
	else
		sched.runq_head = head;
	sched.runq_tail = tail;
	sched.runq_size.fetch_add(n, relaxed);
}

void globrunq_put_locked(g *gp)
{
	globrunq_put_batch_locked(gp, gp, 1);
}

void globrunq_put_batch_locked(g *head, g *tail, u32 n)
{
	tail->schedlink = nullptr;
	/* INV-GLOBQ-1: batches a taker's ring holds whole. */
	for (; n > GLOBQ_BATCH_MAX; n -= GLOBQ_BATCH_MAX) {
		g *last = head;
		for (u32 i = 1; i < GLOBQ_BATCH_MAX; i++)
			last = last->schedlink;
		head->globq_tail = last;
		head->globq_n = GLOBQ_BATCH_MAX;
		globrunq_link_locked(head, last, GLOBQ_BATCH_MAX);
		head = last->schedlink;
	}
	head->globq_tail = tail;
	head->globq_n = n;
	globrunq_link_locked(head, tail, n);
}

glist globrunq_take_locked(bool one)
{
	g *head = sched.runq_head;
	if (head == nullptr)
		return {};
	g *last;
	u32 n;
	if (one) {
		/* The rest of head's batch, if any, becomes a batch. */
		last = head;
		n = 1;
		if (g *rest = head->schedlink; rest && head->globq_n > 1) {
			rest->globq_tail = head->globq_tail;
			rest->globq_n = head->globq_n - 1;
		}
	} else {
		u32 size = sched.runq_size.load(relaxed);
		u32 procs = sched.procs.load(relaxed);
		u32 fair = size / (procs ? procs : 1) + 1;
		if (fair > RUNQ_SIZE / 2)
			fair = RUNQ_SIZE / 2;
		last = head->globq_tail;
		n = head->globq_n;
		while (g *next = last->schedlink) {
			if (n + next->globq_n > fair)
				break;
			n += next->globq_n;
			last = next->globq_tail;
		}
	}
	sched.runq_head = last->schedlink;
	if (sched.runq_head == nullptr)
		sched.runq_tail = nullptr;
	last->schedlink = nullptr;
	sched.runq_size.fetch_sub(n, relaxed);
	return {head, n};
}

g *globrunq_spread(p *pp, glist l)
{
	g *gp = l.head;
	if (gp == nullptr)
		return nullptr;
	g *more = gp->schedlink;
	for (u32 i = 1; i < l.n; i++) {
		/* Read before the put: once on the ring, another P may
		 * take the G and reuse its link. */
		g *after = more->schedlink;
		runq_put_tail(pp, more);
		more = after;
	}
	gp->schedlink = nullptr;
	return gp;
}

} // namespace gort::rt
