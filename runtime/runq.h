/*
 * runtime/runq.h - run queues: a bounded lock-free ring per P with a
 * runnext slot, and the global queue.
 *
 * Per-P ring (256 slots): single producer (the P's owner pushes at tail),
 * multiple consumers (the owner and stealers pop at head by CAS).
 *   INV-RUNQ-1: tail - head <= RUNQ_SIZE; slots [head, tail) hold Gs.
 *   INV-RUNQ-2: only the P's owner stores tail (release); consumers read
 *     it with acquire, so a G's fields written before the push are
 *     visible to whoever pops it.
 *   INV-RUNQ-3: a G is popped by exactly one consumer: the CAS on head
 *     decides.  Slots are read before the CAS, so they are atomics: a
 *     reader that loses the race may have read a slot being refilled.
 * runnext: a G readied by the running G runs next and inherits the rest
 * of the time slice (what makes a producer/consumer pair on one P cheap,
 * and what puts the seed programs' output in Go's order).  A new runnext
 * pushes the old one to the tail of the ring.
 * When the ring is full, half of it plus the new G move to the global
 * queue in one batch (so the cost of the lock is amortised).
 *
 * Global queue: an intrusive FIFO through g->schedlink under sched.lock,
 * with an atomic size for lock-free emptiness checks, cut into batches:
 *   INV-GLOBQ-1: sched.runq_head heads a batch; the first G of each batch
 *     names its last G and its length (g->globq_tail, globq_n), and that
 *     last G's schedlink is the next batch's first G.  A batch holds at
 *     most GLOBQ_BATCH_MAX Gs; the other Gs' globq fields mean nothing.
 * A P takes whole batches (one ring overflow's, or a single G), so it
 * holds sched.lock for a read or two per batch, and follows the links
 * to fill its ring after the unlock.  Following them under the lock, a
 * cache miss each (the Gs were queued by another CPU, often long ago),
 * held it for up to 128 misses while the spawning P waited to queue
 * its next overflow: spawn+join at procs 2 spent 18% of its samples in
 * that walk and in the waiters' sleep.
 */
#pragma once

#include "runtime/proc.h"

namespace gort::rt {

/* Context: @pp's owner. */
void runq_put(p *pp, g *gp, bool next);

/* runq_put(pp, gp, false) when the ring looked full: out of line, so
 * that the common case below needs no frame. */
void runq_put_full(p *pp, g *gp);

/* runq_put(pp, gp, false), inline for the direct switch's requeue
 * (proc.cpp).  Context: @pp's owner. */
GORT_ALWAYS_INLINE void runq_put_tail(p *pp, g *gp)
{
	/* Acquire pairs with the consumers' CAS on head: their slot reads
	 * happen before we refill the slot. */
	u32 h = pp->runq_head.load(std::memory_order_acquire);
	u32 t = pp->runq_tail.load(std::memory_order_relaxed);
	if (likely(t - h < RUNQ_SIZE)) {
		pp->runq[t % RUNQ_SIZE].store(gp, std::memory_order_relaxed);
		/* Release publishes the slot and the G (INV-RUNQ-2). */
		pp->runq_tail.store(t + 1, std::memory_order_release);
		return;
	}
	runq_put_full(pp, gp);
}

/* Pop the next G; *inherit tells whether it came from runnext.  Inline:
 * a direct switch (proc.cpp) is little more than this, a put and the
 * context switch, and a call would give it a frame it otherwise avoids.
 * Context: @pp's owner. */
inline g *runq_get(p *pp, bool *inherit)
{
	g *next = pp->runnext.load(std::memory_order_relaxed);
	/* Another P may steal runnext, hence the CAS. */
	if (next != nullptr && pp->runnext.compare_exchange_strong(
				       next, nullptr, std::memory_order_acquire,
				       std::memory_order_relaxed)) {
		*inherit = true;
		return next;
	}
	*inherit = false;
	for (;;) {
		u32 h = pp->runq_head.load(std::memory_order_acquire);
		u32 t = pp->runq_tail.load(std::memory_order_relaxed);
		if (t == h)
			return nullptr;
		g *gp = pp->runq[h % RUNQ_SIZE].load(std::memory_order_relaxed);
		/* INV-RUNQ-3: the CAS decides whether gp is ours. */
		if (pp->runq_head.compare_exchange_weak(
			    h, h + 1, std::memory_order_release,
			    std::memory_order_relaxed))
			return gp;
	}
}

/* Take @gp, which runq_peek() returned, if it is still what runq_get()
 * would take; false if another P took it meanwhile.  *inherit: as
 * runq_get's.  Context: @pp's owner (runnext can only be emptied under
 * it, and its ring only shrink). */
inline bool runq_take(p *pp, g *gp, bool *inherit)
{
	g *next = pp->runnext.load(std::memory_order_relaxed);
	if (next != nullptr) {
		*inherit = true;
		return next == gp &&
		       pp->runnext.compare_exchange_strong(
			       next, nullptr, std::memory_order_acquire,
			       std::memory_order_relaxed);
	}
	*inherit = false;
	u32 h = pp->runq_head.load(std::memory_order_acquire);
	u32 t = pp->runq_tail.load(std::memory_order_relaxed);
	/* INV-RUNQ-3: the CAS decides whether the slot's G is ours. */
	return t != h &&
	       pp->runq[h % RUNQ_SIZE].load(std::memory_order_relaxed) == gp &&
	       pp->runq_head.compare_exchange_strong(h, h + 1,
						     std::memory_order_release,
						     std::memory_order_relaxed);
}

/* Move runnext, if any, to the tail of the ring.  Context: @pp's
 * owner. */
void runq_demote_next(p *pp);

/* Lock-free; may be stale by the time the caller acts. */
bool runq_empty(p *pp);
u32 runq_len(p *pp);
/* The G runq_get() would take next, left in place, or nullptr.  A hint
 * for anyone: the G may be taken meanwhile. */
g *runq_peek(p *pp);

/* Steal half of @victim's queue into @pp's; returns one G to run (the
 * rest are on @pp's queue) or nullptr.  Takes runnext only if
 * @take_runnext.  Context: @pp's owner. */
g *runq_steal(p *pp, p *victim, bool take_runnext);

/* Move every G of @pp's queue (runnext included) to the global queue.
 * Context: sched.lock held; the caller owns @pp (a P being retired). */
void runq_drain_to_global_locked(p *pp);

/* A ring overflow's batch: half a ring and the G that overflowed it. */
constexpr u32 GLOBQ_BATCH_MAX = RUNQ_SIZE / 2 + 1;

/* Global queue.  Context: sched.lock held. */
void globrunq_put_locked(g *gp);
/* Queue the chain @head..@tail (@n Gs, linked by schedlink); a chain
 * longer than a batch is cut into batches (a walk of the chain, which
 * its maker has just written). */
void globrunq_put_batch_locked(g *head, g *tail, u32 n);

/* Gs taken off the global queue, still linked by schedlink. */
struct glist {
	g *head = nullptr;
	u32 n = 0;
};
/* Take a share for a P: one G if @one (the fairness check, whatever
 * the P's ring holds), else whole batches, the first always, more while
 * the total stays within a fair share (the queue's length over procs,
 * plus one, at most half a ring).  Context: sched.lock held. */
glist globrunq_take_locked(bool one);
/* The first G of @l (nullptr if none), the others put on @pp's ring in
 * their order.  For more than one, @pp's ring must have been empty (as
 * it is when its owner looks at the global queue for want of work), so
 * that they fit; if not, the overflow goes back to the global queue.
 * Publishes no wake-up: the caller's (sched.cpp).  Context: @pp's
 * owner, sched.lock not held. */
g *globrunq_spread(p *pp, glist l);

} // namespace gort::rt
