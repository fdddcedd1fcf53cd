/*
 * runtime/timer.h - timers: per-P 4-ary min-heaps ordered by deadline.
 *
 * A timer is added to the heap of the P its caller runs on (P0 for a
 * thread outside the runtime) and run by whichever M checks that P's
 * heap: its owner at every schedule(), or an idle M that steals work.
 * An M with nothing to run sleeps until the earliest deadline of all Ps
 * (sched.timer_waiter); adding an earlier timer wakes it.
 *
 * Fields: when, period, fn, arg belong to the timer's owner while it is
 * not pending.  While pending (pp != nullptr), when and idx belong to
 * pp->timer_lock.
 * INV-TIMER-1: t->pp == pp iff t is in pp's heap, at index t->idx.
 * INV-TIMER-2: pp->timer0_when is the deadline of pp's heap top, 0 when
 *   the heap is empty; written under timer_lock, read without it.
 * Callbacks run with no lock held, on an M's scheduler context or inside
 * a G that checks timers; they must be short and must not block.  A
 * one-shot callback may be the last to touch its timer (sleep's timer
 * lives on the sleeping G's stack), so the runtime never touches a
 * one-shot timer after calling its fn.
 */
#pragma once

#include "runtime/proc.h"

namespace gort::rt {

struct timer {
	i64 when = 0;	/* nanotime() deadline */
	i64 period = 0; /* > 0: fires every period after when */
	void (*fn)(timer *t, void *arg) = nullptr;
	void *arg = nullptr;
	/* Called instead of fn when run() ends with the timer pending, for
	 * a timer that owns itself (after()); must take no timer lock. */
	void (*discard)(timer *t, void *arg) = nullptr;
	std::atomic<p *> pp{nullptr}; /* heap it is on; INV-TIMER-1 */
	u32 idx = 0;
};

/* Add @t, which must not be pending, with deadline @when. */
void timer_start(timer *t, i64 when);

/* Remove @t if pending; returns whether it was.  Does not wait for a fn
 * already running: call timer_wait_idle() before freeing a timer whose
 * fn might still be running. */
bool timer_stop(timer *t);

/* Wait until no M is running @t's fn.  Context: not from @t's fn. */
void timer_wait_idle(timer *t);

/* Run @pp's due timers.  Context: any M, no lock held. */
void timers_run(p *pp, i64 now);

/* The earliest deadline over all Ps, 0 if no timer is pending. */
i64 timers_earliest();

/* Move every timer of @from to @to (set_procs retiring @from). */
void timers_move(p *from, p *to);

/* Forget every pending timer (run() is ending), calling discard for
 * those that have one. */
void timers_clear(p *pp);

/* An earlier deadline than the sleeping M's appeared: wake it. */
void timers_wake_waiter(i64 when);

} // namespace gort::rt
