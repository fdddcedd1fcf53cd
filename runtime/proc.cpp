/*
 * runtime/proc.cpp - goroutines: spawn, run, park, ready, exit; the life
 * of run(); set_procs(); lock_os_thread().
 *
 * A G that stops running switches to its M's scheduler context (the
 * thread's own stack, fiber m->g0), saying why in m->action; the
 * scheduler context then requeues, parks or buries it and picks the next
 * G.  This keeps "the G is fully off its stack" true before anyone can
 * run it on another M, which is what makes park()'s unlock callback free
 * of lost wake-ups.  The fast paths of yield() and park() switch straight
 * to the next G instead, which then does the scheduler context's part
 * before anything else (see "Direct switches" below).
 *
 * The C++ runtime keeps per-thread exception state (the stack of caught
 * exceptions, the uncaught count).  A G carries its own across switches
 * (g->eh), so a G blocked inside a catch block may resume on another
 * thread and still rethrow; the scheduler contexts run with none.
 */
#include "runtime/proc.h"

#include "runtime/futex_linux.h"
#include "runtime/netpoll.h"
#include "runtime/panic.h"
#include "runtime/preempt.h"
#include "runtime/runq.h"
#include "runtime/signal.h"
#include "runtime/spawn_pool.h"
#include "runtime/sysalloc.h"
#include "runtime/timer.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <cxxabi.h>
#include <new>
#include <sched.h>
#include <sys/prctl.h>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto acquire = std::memory_order_acquire;
static constexpr auto release = std::memory_order_release;

alignas(64) static unsigned char g_m0_storage[sizeof(m)];
static u32 g_default_procs = 0; /* set_procs() outside run() */

bool g_cas_status(g *gp, gstatus from, gstatus to)
{
	return gp->status.compare_exchange_strong(from, to,
						  std::memory_order_acq_rel);
}

/* Exception state: see the header comment.  abi::__cxa_get_globals() is
 * declared __attribute__((const)), so the compiler may reuse one call's
 * result for the next, across a switch that moved us to another thread.
 * This wrapper cannot be merged: it is not inlined and its empty asm may
 * change memory, so it is neither const nor pure. */
static GORT_NOINLINE eh_state *eh_globals()
{
	void *p = abi::__cxa_get_globals();
	__asm__ __volatile__("" : "+r"(p)::"memory");
	return static_cast<eh_state *>(p);
}

/* The address of the thread's exception state never changes, so each M
 * looks it up once (libstdc++ reaches it through __tls_get_addr, a call
 * that would otherwise be a sixth of a yield). */
void m_init_eh_slot(m *mp)
{
	mp->eh_slot = eh_globals();
}

/*
 * Direct switches: yield() and park() switch straight to the next G of
 * this P's queue, skipping the scheduler context (one switch instead of
 * two, and no pass through schedule()).  The G that left may only
 * become runnable, or be published as waiting (park's unlock callback),
 * once it is off its stack, so the G switched to finishes it off:
 * finish_direct_switch runs at every place a G resumes.  Anything
 * unusual (a locked G, a pending timer, the fairness tick, teardown, an
 * empty queue) takes the ordinary path through the scheduler.
 */
/*
 * @gp, parked by park() on @mp, is off its stack: mark it waiting and run
 * its unlock callback, from which point a ready() may take it.  Returns
 * false if the callback called the park off: gp is runnable again, and
 * the caller's to run or queue.  Context: the scheduler context or the G
 * that a direct switch went to.
 */
static bool park_commit(m *mp, g *gp)
{
	gp->status.store(gstatus::waiting, release);
	bool (*fn)(g *, void *) = mp->park_unlock;
	return fn == nullptr || fn(gp, mp->park_arg) ||
	       !g_cas_status(gp, gstatus::waiting, gstatus::runnable);
}

static void finish_direct_switch(m *mp)
{
	g *prev = mp->requeue;
	if (prev == nullptr)
		return;
	mp->requeue = nullptr;
	if (!mp->requeue_park) {
		prev->status.store(gstatus::runnable, release);
		runq_put_tail(mp->pp, prev);
		return;
	}
	if (!park_commit(mp, prev))
		runq_put(mp->pp, prev, true); /* called off: run it next */
}

/*
 * A goroutine's G lives on its stack.  Once a goroutine runs, the G it is
 * known by sits in the top STACK_TOP_RESERVE bytes of its stack
 * (stack.h), so a parked goroutine costs the one page its G and its
 * frames share: with the G apart (384 bytes more) a million parked
 * goroutines could not stay within 4.5 KiB each.  A G and its stack are
 * taken and given back together, through the P's stack cache.
 *
 * Spawn Gs.  go() does not take a stack: it fills in a G of the dense
 * pool below (a "spawn G": the function to run, with its arguments when
 * they fit in G_FN_INLINE bytes), and the M that first runs the goroutine
 * takes a stack from its own P's cache and moves the goroutine into that
 * stack's G (g_start()).  A burst of goroutines that have not run yet then
 * holds spawn Gs only, ten to a page, and each that runs takes the stack
 * (and G) the one before it just gave back, still warm in the cache.
 * With each G tied to a stack of its own from go() on, spawn + join cost
 * three times as much (BM_spawn_join_gort: 430 against 125-150 ns at
 * procs 1, 610 against 240 at procs 2).  The function and its arguments
 * stay in the spawn G until the goroutine's first instructions move them
 * onto its stack (detail::closure::invoke, then spawn_started()), which
 * gives the spawn G back; g->held_spawn_g names it until then.  The
 * price of a stack taken late: running out of stacks shows at the first
 * run, where nobody can be told, so it is a fatal error (as in Go, whose
 * go statement cannot fail either).  A function too large for a spawn G,
 * and every goroutine of the race detector's build (below), take their
 * stack at go() and go straight into its G.
 */
/* The race detector orders a stack's users one after the other (its
 * last user's end happens before its next user's start: fiber_entry), so
 * two goroutines that ran one after the other on one stack would never
 * be reported racing.  In its build each goroutine gets its own at go(). */
static constexpr bool RACE_STACKS_AT_GO = RACE_ANNOTATED;

static_assert(sizeof(g) <= STACK_TOP_RESERVE, "a G fits its stack's top");

static void gfput(p *pp, g *gp);

/* The G at the top of @s, for a goroutine about to start: all zeros (a
 * slot never used, or given back to the kernel) or as g_bury() left the
 * last goroutine's, either of which needs only go()'s fields and a
 * context.  (Made anew, it cost 70 instructions more per goroutine.)  A
 * request sysmon made of the last goroutine as it ended (it reads
 * mp->curg under sched.lock, which does not keep the goroutine from
 * ending) is taken back first, or preempt_requests would stay raised. */
static g *stack_g(stack *s)
{
	auto gp = reinterpret_cast<g *>(s->hi);
	preempt_clear(gp);
	return gp;
}

/* Leave @gp as stack_g() expects the next goroutine's G: its goroutine
 * is over, by return or because run() discarded it. */
static void g_bury(g *gp)
{
	gp->curm = nullptr;
	gp->waitreason = nullptr;
	gp->lockedm = nullptr;
	gp->lockcount = 0;
	/* Discarded while parked by preemption: the saved context is
	 * nothing to the next goroutine. */
	gp->preempt_saved = false;
	gp->held_spawn_g = nullptr;
}

/* What spawn G @sg's goroutine takes: its argument, and the stack size
 * (struct g, "spawn line": a plain one's are not read from its last
 * line). */
static inline void *spawn_arg(g *sg)
{
	return sg->spawn == spawn_kind::plain ? sg->fnbuf : sg->start_arg;
}

static inline usize spawn_stack_want(g *sg)
{
	return sg->spawn == spawn_kind::plain ? sched.stack_size
					      : sg->stack_want;
}

/* Move the goroutine of spawn G @sg into @gp, the G at the top of the
 * stack it will run on (its fiber made ready for it by the caller), which
 * enters state @to.  Context: @mp's P's owner. */
static void g_move_in(m *mp, g *gp, g *sg, gstatus to)
{
	gp->goid = sg->goid;
	gp->is_main = sg->is_main;
	gp->parent_goid = sg->parent_goid;
	gp->gopc = sg->gopc;
	gp->start_fn = sg->start_fn;
	/* Dead first: a walk may meet the goroutine twice, never not. */
	sg->status.store(gstatus::dead, relaxed);
	gp->status.store(to, release);
	if (spawn_arg(sg) == sg->fnbuf) {
		gp->held_spawn_g = sg; /* until its closure has moved */
	} else {
		gp->held_spawn_g = nullptr;
		gfput(mp->pp, sg); /* the main G: its argument is run()'s */
	}
}

/* Move the goroutine of spawn G @sg into the G of a stack from @mp's P.
 * Returns that G, runnable; nullptr (with *err) when no stack is to be
 * had.  Context: @mp's P's owner. */
static GORT_NOINLINE g *g_start(m *mp, g *sg, stack_err *err)
{
	stack_alloc_result r =
		stack_alloc_cached(&mp->pp->stacks, spawn_stack_want(sg));
	if (r.stk == nullptr) {
		*err = r.err;
		return nullptr;
	}
	g *gp = stack_g(r.stk);
	fiber_create_on(&gp->f, r.stk, r.stk->hi, sg->start_fn, spawn_arg(sg),
			&mp->g0, sg->goid);
	g_move_in(mp, gp, sg, gstatus::runnable);
	return gp;
}

/* run_g's way for spawn G @sg: its goroutine's G, or stop the program. */
static GORT_NOINLINE g *g_start_or_die(m *mp, g *sg)
{
	stack_err err = stack_err::none;
	g *gp = g_start(mp, sg, &err);
	if (gp == nullptr)
		fatal(stack_err_text(err));
	return gp;
}

void spawn_started()
{
	m *mp = current_m();
	g *gp = mp->curg;
	if (g *sg = gp->held_spawn_g) {
		gp->held_spawn_g = nullptr;
		gfput(mp->pp, sg);
	}
}

/* Where a fresh G starts (fiber_entry's hook). */
static void g_start_hook()
{
	if (m *mp = current_m()) {
		/* A direct switch leaves the thread's exception state as the
		 * G that left had it (see switch_away): a fresh G has none. */
		*mp->eh_slot = eh_state{};
		finish_direct_switch(mp);
		/* go() happens before the goroutine starts. */
		race_acquire(mp->curg);
		race_acquire(mp); /* see switch_away */
	}
}

/* Switch from @gp (running on @mp) to @to, carrying gp's C++ exception
 * state out and back in: gp may resume on another thread, whose M's slot
 * it then fills (not mp's).  @to_g0: the scheduler context runs with no
 * exception state, so the slot is cleared for it; a G switched to
 * directly overwrites the slot with its own first thing (below, or
 * g_start_hook for a fresh G), so a direct switch skips the clearing. */
GORT_ALWAYS_INLINE static void switch_away(g *gp, m *mp, fiber *to, bool to_g0)
{
	gp->eh = *mp->eh_slot;
	if (to_g0)
		*mp->eh_slot = eh_state{};
	fiber_switch(&gp->f, to);
	m *now = current_m();
	/* The thread's own setup (TLS, errno included: TSan marks it
	 * written when the thread starts) happens before any goroutine that
	 * runs on it.  Released once, when the M started (mstart). */
	race_acquire(now);
	*now->eh_slot = gp->eh;
	finish_direct_switch(now);
}

void g_switch_to_scheduler(g *gp, m *mp)
{
	switch_away(gp, mp, &mp->g0, true);
}

/* A direct switch's context switch, one copy out of line. */
static GORT_NOINLINE void switch_to_g(g *gp, m *mp, g *next)
{
	switch_away(gp, mp, &next->f, false);
}

/* May the G running on @mp (holding @pp) hand the P to the next G of its
 * queue without the scheduler context?  Not while it is locked to the M,
 * a timer is due, the P is retiring (set_procs) or the runtime stops; nor
 * on the tick where the scheduler looks at the global queue first
 * (find_runnable: every 61st schedule) if work waits there.  The global
 * queue's size is read on that tick only: its cache line also holds
 * sched.lock.  (A P's retirement is a flag on the P's own line, not a
 * compare with sched.procs, which once shared a line with
 * sched.nmspinning that the other Ps' Ms write as they spin; and not a
 * 61st-tick check, since a chain of Gs that each inherit the slice never
 * moves the tick, and sysmon does not watch a retiring P.) */
GORT_ALWAYS_INLINE static bool switch_direct_allowed(m *mp, p *pp)
{
	return mp->lockedg == nullptr &&
	       pp->timer0_when.load(std::memory_order_relaxed) == 0 &&
	       !pp->retiring.load(std::memory_order_relaxed) &&
	       !(pp->schedtick.load(relaxed) % 61 == 0 &&
		 sched.runq_size.load(relaxed) > 0) &&
	       !sched.stopping.load(std::memory_order_relaxed);
}

/*
 * A direct switch in three steps (take, commit, end), so that the common
 * path of a yield or a park makes no call before the context switch,
 * which is a tail call: the compiler then gives it no frame of its own
 * (no callee-saved registers pushed and popped around a switch that
 * saves them anyway).  Everything rare (a locked G, the tracer, the
 * scheduler's way) is a tail call to an out-of-line function.  A yield
 * went from 170 to 157 instructions with runq_get inline and the switch
 * a tail call, and to 143 with the rare cases out of the way too
 * (callgrind).
 *
 * switch_direct_take: the G of this P's queue that the G running on @mp
 * (holding @pp) could switch straight to, taken off the queue, or
 * nullptr (nothing changed) if the scheduler context must decide
 * instead.  A G that is not switchable() is returned too, for the
 * caller's slow path: one that never ran gets its stack there, one
 * locked to an M goes back for the scheduler.  *@inherit: it came from
 * runnext.
 */
GORT_ALWAYS_INLINE static g *switch_direct_take(m *mp, p *pp, bool *inherit)
{
	if (!switch_direct_allowed(mp, pp))
		return nullptr;
	return runq_get(pp, inherit);
}

/* switch_direct_commit: make @next (taken, not locked) the running G of
 * @mp, with @gp left for it to finish off (park it if @park, else
 * requeue it).  @pp is mp->pp, passed in: the compiler would reload it
 * after the queue's atomics.  Inlined, so that each caller's constant
 * @park folds away. */
GORT_ALWAYS_INLINE static void
switch_direct_commit(m *mp, p *pp, g *gp, g *next, bool park, bool inherit)
{
	/* As run_g: a G taken from runnext by a parking G inherits the
	 * time slice; a yield always starts a new one. */
	if (!park || !inherit)
		p_tick(pp);
	next->status.store(gstatus::running, release);
	next->curm = mp;
	next->f.exit_to = &mp->g0;
	mp->curg = next;
	mp->requeue = gp;
	mp->requeue_park = park;
}

/* May a G taken by switch_direct_take be switched to directly? */
GORT_ALWAYS_INLINE static bool switchable(g *next)
{
	/* A spawn G's spawn line is read anyway (its status); its other
	 * lines are not (struct g). */
	return next->spawn == spawn_kind::none && next->lockedm == nullptr;
}

/* The slow paths' first question about a G that was not switchable():
 * is it a spawn G, whose goroutine now has its stack and G (so
 * switchable)?  If so *refused becomes that G. */
static bool first_run(m *mp, g **refused)
{
	if (*refused == nullptr || (*refused)->spawn == spawn_kind::none)
		return false;
	stack_err err = stack_err::none;
	g *gp = g_start(mp, *refused, &err);
	if (gp == nullptr)
		return false; /* run_g says why */
	*refused = gp;
	return true;
}

/* A G taken by switch_direct_take that is not switchable goes back
 * first in the queue, for the scheduler to hand over (or to start, if
 * it could get no stack: run_g then says why). */
static void switch_direct_refused(m *mp, g *next)
{
	if (next != nullptr)
		runq_put(mp->pp, next, true);
}

/* switch_direct_traced's way for a record that must be stamped (a
 * preemption's, or one the fast path refused). */
static GORT_NOINLINE void switch_direct_traced_slow(m *mp, g *gp, g *next,
						    u64 aux)
{
	trace_event_slow(mp->pp, trace_ev_type::go_switch, next->goid, 0, aux);
	switch_to_g(gp, mp, next);
}

/* The direct switch while the tracer records: the go_switch record,
 * then the switch.  @aux: a yield's or a preemption's kind, or a park's
 * reason index (TRACE_REASON_FIRST and up, so never a kind).  Its
 * common case makes no call but the tail call to the switch, so it
 * needs no frame (with one, the record cost a yield 40 instructions). */
static GORT_NOINLINE void switch_direct_traced(m *mp, g *gp, g *next, u64 state,
					       u64 aux)
{
	if (aux == TRACE_SWITCH_PREEMPT || /* rare: always stamped */
	    !trace_put_fast(mp->pp, state, trace_ev_type::go_switch, next->goid,
			    aux)) {
		switch_direct_traced_slow(mp, gp, next, aux);
		return;
	}
	switch_to_g(gp, mp, next);
}

/* A park whose reason is not in its home slot (interned late, or not
 * yet): finding its index may call out, so not in the function above. */
static GORT_NOINLINE void
switch_direct_traced_park(m *mp, g *gp, g *next, u64 state, const char *reason)
{
	switch_direct_traced(mp, gp, next, state, trace_reason_index(reason));
}

/* switch_direct_end: switch from @gp to @next (committed).  @kind: how
 * the tracer records the switch (trace.h, go_switch):
 * TRACE_SWITCH_YIELD, TRACE_SWITCH_PREEMPT, or 0 for a park, whose aux
 * is @reason's index.  Resumed by the scheduler or by another G's direct
 * switch. */
GORT_ALWAYS_INLINE static void switch_direct_end(m *mp, g *gp, g *next,
						 u64 kind, const char *reason)
{
	if (u64 state = trace_state(); unlikely(state != 0)) {
		u64 aux = kind != 0 ? kind : trace_reason_home(reason);
		if (aux != 0)
			switch_direct_traced(mp, gp, next, state, aux);
		else
			switch_direct_traced_park(mp, gp, next, state, reason);
	} else {
		switch_to_g(gp, mp, next);
	}
}

bool sync_can_spin(int iter)
{
	if (iter >= SYNC_SPIN_ROUNDS)
		return false;
	u32 procs = sched.procs.load(relaxed);
	if (procs <= 1 || procs <= sched.npidle.load(relaxed) +
					   sched.nmspinning.load(relaxed) + 1)
		return false;
	m *mp = current_m();
	return mp == nullptr || mp->pp == nullptr || runq_empty(mp->pp);
}

/* A yield's direct switch from @gp to @next, traced as @why. */
GORT_ALWAYS_INLINE static void yield_direct(m *mp, p *pp, g *gp, g *next,
					    trace_ev_type why, bool inherit)
{
	switch_direct_commit(mp, pp, gp, next, false, inherit);
	switch_direct_end(mp, gp, next,
			  why == trace_ev_type::go_preempt
				  ? TRACE_SWITCH_PREEMPT
				  : TRACE_SWITCH_YIELD,
			  nullptr);
}

/* gosched_traced's way through the scheduler context (and a plain
 * thread's).  @refused: see switch_direct_refused. */
static GORT_NOINLINE void gosched_slow(m *mp, g *gp, trace_ev_type why,
				       g *refused, bool inherit)
{
	if (gp == nullptr) {
		::sched_yield();
		return;
	}
	if (first_run(mp, &refused)) {
		yield_direct(mp, mp->pp, gp, refused, why, inherit);
		return;
	}
	switch_direct_refused(mp, refused);
	if (why == trace_ev_type::go_preempt)
		trace_ev(mp->pp, why, gp->goid); /* rare: stamped */
	else
		trace_ev_cheap(mp->pp, why, gp->goid);
	mp->action = g0_action::yield;
	g_switch_to_scheduler(gp, mp);
}

/* gosched_traced and gosched: see proc.h. */
GORT_ALWAYS_INLINE static void gosched_inline(trace_ev_type why)
{
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp == nullptr) {
		gosched_slow(mp, gp, why, nullptr, false);
		return;
	}
	p *pp = mp->pp;
	bool inherit = false;
	g *next = switch_direct_take(mp, pp, &inherit);
	if (next != nullptr && likely(switchable(next))) {
		yield_direct(mp, pp, gp, next, why, inherit);
		return;
	}
	gosched_slow(mp, gp, why, next, inherit);
}

void gosched_traced(trace_ev_type why)
{
	/* A goroutine whose slice ran out lets the queue go first: the G
	 * it last made runnable (runnext) waits its turn at the tail.
	 * Otherwise a chain of goroutines, each spawning the next just
	 * before sysmon's request is honoured, keeps the P for ever while
	 * the queue waits (runnext always goes first). */
	if (why == trace_ev_type::go_preempt) {
		m *mp = current_m();
		if (mp != nullptr && mp->pp != nullptr)
			runq_demote_next(mp->pp);
	}
	gosched_inline(why);
}

void gosched()
{
	gosched_inline(trace_ev_type::go_yield);
}

/* park()'s way through the scheduler context.  @refused: see
 * switch_direct_refused. */
static GORT_NOINLINE void park_slow(m *mp, g *gp, const char *reason,
				    g *refused, bool inherit)
{
	if (first_run(mp, &refused)) {
		switch_direct_commit(mp, mp->pp, gp, refused, true, inherit);
		switch_direct_end(mp, gp, refused, 0, reason);
		return;
	}
	switch_direct_refused(mp, refused);
	if (u64 state = trace_state(); unlikely(state != 0))
		trace_put_cheap(mp->pp, state, trace_ev_type::go_block,
				gp->goid, trace_reason_index(reason));
	mp->action = g0_action::park;
	g_switch_to_scheduler(gp, mp);
}

void park(bool (*unlock_fn)(g *gp, void *arg), void *arg, const char *reason)
{
	m *mp = current_m();
	g *gp = mp->curg;
	gp->waitreason = reason;
	/* No clock read here (it was a tenth of a channel hand-off): as in
	 * Go, whoever reports waiting times stamps a G it finds with 0. */
	gp->waitsince.store(0, relaxed);
	mp->park_unlock = unlock_fn;
	mp->park_arg = arg;
	p *pp = mp->pp;
	bool inherit = false;
	g *next = switch_direct_take(mp, pp, &inherit);
	if (next != nullptr && likely(switchable(next))) {
		switch_direct_commit(mp, pp, gp, next, true, inherit);
		switch_direct_end(mp, gp, next, 0, reason);
		return;
	}
	park_slow(mp, gp, reason, next, inherit);
}

/* runqput_any() for a caller that already read current_m(). */
static inline void runqput_on(m *mp, g *gp, bool next)
{
	if (mp != nullptr && mp->pp != nullptr) {
		runq_put(mp->pp, gp, next);
		wakep_local(); /* our own P: INV-SCHED-2's exception */
		return;
	}
	lock(&sched.lock);
	globrunq_put_locked(gp);
	unlock(&sched.lock);
	if (mp == nullptr)
		foreign_used_note();
	wakep();
}

void runqput_any(g *gp, bool next)
{
	runqput_on(current_m(), gp, next);
}

void ready(g *gp)
{
	/* Exactly one waker readies a waiting G (proc.h), so a check and a
	 * store do what a CAS would, for less.  Release pairs with the
	 * acquire of whoever runs gp next. */
	if (unlikely(gp->status.load(relaxed) != gstatus::waiting))
		fatal("ready: the goroutine is not waiting");
	gp->status.store(gstatus::runnable, release);
	/* One read of the current M for the tracer and the queue. */
	m *mp = current_m();
	if (u64 state = trace_state(); unlikely(state != 0)) {
		if (mp != nullptr && mp->pp != nullptr)
			trace_put_cheap(mp->pp, state,
					trace_ev_type::go_unblock, gp->goid, 0);
		else
			trace_ev(nullptr, trace_ev_type::go_unblock, gp->goid);
	}
	runqput_on(mp, gp, true);
}

/*
 * Free spawn Gs: a per-P LIFO cache (warmest first) in front of the pool
 * (spawn_pool.h), which hands out the lowest addresses first.  The cache
 * moves Gs to and from the pool P_GFREE_BATCH at a time, under one lock.
 */
static void gfput(p *pp, g *gp)
{
	if (pp == nullptr) {
		spawn_pool_put(gp, false);
		return;
	}
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	if (++pp->ngfree >= P_GFREE_MAX)
		spawn_pool_flush(pp, P_GFREE_MAX - P_GFREE_BATCH);
}

static g *gget(p *pp)
{
	if (pp == nullptr)
		return spawn_pool_take();
	if (pp->gfree == nullptr && !spawn_pool_refill(pp))
		return nullptr;
	g *gp = pp->gfree;
	pp->gfree = gp->schedlink;
	pp->ngfree--;
	return gp;
}

/* Count a goroutine in (+1) or out (-1): on @pp's own counter, which
 * only its owner writes (no atomic add), or on the shared one for a
 * thread with no P.  Context: @pp's owner, if @pp. */
static inline void goroutine_count_add(p *pp, i64 d)
{
	if (pp == nullptr) {
		sched.ngoroutines.fetch_add(d, relaxed);
		return;
	}
	pp->ngoroutines.store(pp->ngoroutines.load(relaxed) + d, relaxed);
}

i64 goroutine_count_locked()
{
	i64 n = sched.ngoroutines.load(relaxed);
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++)
		n += sched.allp[i]->ngoroutines.load(relaxed);
	return n;
}

/* Not in p_reset(): a P that set_procs() retired and brings back may
 * still count goroutines alive.  Context: no M runs goroutines. */
static void goroutine_count_reset()
{
	sched.ngoroutines.store(0, relaxed);
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++) {
		sched.allp[i]->ngoroutines.store(0, relaxed);
		sched.allp[i]->in_place_starts.store(0, relaxed);
	}
}

u64 in_place_starts()
{
	u64 n = 0;
	lock(&sched.lock);
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++)
		n += sched.allp[i]->in_place_starts.load(relaxed);
	unlock(&sched.lock);
	return n;
}

i64 goroutine_count()
{
	lock(&sched.lock);
	i64 n = goroutine_count_locked();
	unlock(&sched.lock);
	return n;
}

static u64 new_goid(p *pp)
{
	if (pp == nullptr)
		return sched.goidgen.fetch_add(1, relaxed) + 1;
	if (pp->goid_next == pp->goid_end) {
		pp->goid_next =
			sched.goidgen.fetch_add(GOID_BATCH, relaxed) + 1;
		pp->goid_end = pp->goid_next + GOID_BATCH;
	}
	return pp->goid_next++;
}

/*
 * A G that will run entry(arg) on a fresh stack, not yet runnable; the
 * caller writes @size bytes at the returned address arg first (the
 * closure): in a spawn G if they fit (the stack comes at the first run),
 * else at the top of a stack taken now, whose G it is.  Returns nullptr
 * with *err set when there is no runtime, a bad stack size or no stack.
 */
void *spawn_prepare(usize size, usize align, void (*entry)(void *),
		    usize stack_size, void **handle, const char **err)
{
	if (!sched.running.load(acquire) || sched.stopping.load(relaxed)) {
		*err = "gort: go() with no runtime running; start goroutines "
		       "inside gort::run()";
		return nullptr;
	}
	usize want = stack_size != 0 ? stack_size : sched.stack_size;
	if (want > STACK_MAX_BYTES) {
		*err = stack_err_text(stack_err::bad_size);
		return nullptr;
	}
	m *mp = current_m();
	if (!RACE_STACKS_AT_GO && size <= G_FN_INLINE && align <= G_FN_ALIGN) {
		/* A spawn G ("A goroutine's G lives on its stack"): go()
		 * writes one cache line of it, for a small closure (proc.h). */
		g *gp = gget(mp != nullptr ? mp->pp : nullptr);
		if (gp == nullptr) {
			*err = "gort: out of memory for a goroutine";
			return nullptr;
		}
		gp->start_fn = entry;
		/* The last line only for a stack size of its own (proc.h). */
		if (want == sched.stack_size) {
			gp->spawn = spawn_kind::plain;
		} else {
			gp->spawn = spawn_kind::own;
			gp->start_arg = gp->fnbuf;
			gp->stack_want = want;
		}
		*handle = gp;
		return gp->fnbuf;
	}
	stack_alloc_result r = stack_alloc_cached(
		mp != nullptr && mp->pp != nullptr ? &mp->pp->stacks : nullptr,
		want);
	if (r.stk == nullptr) {
		*err = stack_err_text(r.err);
		return nullptr;
	}
	/* The caller writes the function on the stack: its last user's end
	 * (fiber_entry) happens before. */
	race_acquire(r.stk);
	g *gp = stack_g(r.stk);
	uptr top = (r.stk->hi - size) & ~(uptr(align) - 1) & ~uptr(15);
	/* Its id comes with the goroutine's, at spawn_commit. */
	fiber_create_on(&gp->f, r.stk, top, entry,
			reinterpret_cast<void *>(top), nullptr, 0);
	*handle = gp;
	return reinterpret_cast<void *>(top);
}

static void spawn_commit_as(void *handle, bool is_main, uptr gopc)
{
	g *gp = static_cast<g *>(handle);
	m *mp = current_m();
	/* Only the fields in the G's spawn line (proc.h): a spawn G never
	 * runs, so the rest is as its pool made it. */
	gp->goid = new_goid(mp != nullptr ? mp->pp : nullptr);
	if (gp->spawn == spawn_kind::none) { /* a stack taken at go() */
		gp->f.id = gp->goid;
		gp->f.stk->owner_id = gp->goid;
	}
	gp->is_main = is_main;
	g *parent = mp != nullptr ? mp->curg : nullptr;
	gp->parent_goid = parent != nullptr ? parent->goid : 0;
	gp->gopc = gopc;
	trace_ev_here(trace_ev_type::go_create, gp->goid, gp->parent_goid);
	race_release(gp); /* for g_start_hook's acquire */
	goroutine_count_add(mp != nullptr ? mp->pp : nullptr, 1);
	gp->status.store(gstatus::runnable, release);
	runqput_any(gp, true);
	if (preempt_requests.load(relaxed) != 0)
		preempt_check();
}

void spawn_commit(void *handle, uptr gopc)
{
	spawn_commit_as(handle, false, gopc);
}

void spawn_abort(void *handle)
{
	g *gp = static_cast<g *>(handle);
	m *mp = current_m();
	if (gp->spawn != spawn_kind::none) { /* a spawn G */
		gfput(mp != nullptr ? mp->pp : nullptr, gp);
	} else { /* the G goes with its stack */
		g_bury(gp);
		fiber_destroy(&gp->f);
	}
}

/* Account for the end of @gp's goroutine, on @mp, but for its stack and
 * G: the caller's to give back or to reuse. */
static void g_end(m *mp, g *gp)
{
	trace_ev(mp->pp, trace_ev_type::go_end, gp->goid);
	preempt_clear(gp);
	if (gp->lockedm != nullptr) {
		gp->lockedm->lockedg = nullptr;
		gp->lockedm = nullptr;
		gp->lockcount = 0;
	}
	if (gp->held_spawn_g != nullptr) /* its closure never moved */
		gfput(mp->pp, gp->held_spawn_g);
	g_bury(gp);
	goroutine_count_add(mp->pp, -1);
}

/*
 * The next goroutine starts in place.  When a goroutine's function
 * returns and what its P would run next is a goroutine that has not run
 * yet and wants a stack of this one's size, that goroutine runs here: on
 * the same stack, in the same G (at the stack's top), from fiber_entry's
 * frame, as if the scheduler context had done what it does then.  That
 * would be: switch to it, give the stack back to the P's cache, take the
 * same stack out again (the cache is LIFO), make a fresh context on it
 * and switch to that.  So a burst of short goroutines, one after the
 * other, runs like a loop (HACKING.md, "Starting in place").
 *
 * The conditions are the direct switch's (switch_direct_allowed()), plus:
 * the ended goroutine is not main (whose end stops the runtime) and the
 * next is a spawn G, neither main nor locked, wanting the cache's stack
 * size, on a stack of the cache's class.
 * Otherwise the G stays where it is and the fiber ends as usual.
 * The race detector's build never gets here: its goroutines take their
 * stacks at go() (RACE_STACKS_AT_GO).
 *
 * The G stays running throughout, with the new goroutine's identity from
 * g_move_in() on; the signal handler never preempts here (runtime code).
 * Context: fiber_entry, on the ended goroutine's stack; its M holds a P.
 */
static bool g_next_in_place(fiber *f)
{
	m *mp = current_m();
	if (mp == nullptr || mp->curg == nullptr || &mp->curg->f != f)
		return false; /* a fiber of the runtime's tests, not a G */
	g *gp = mp->curg;
	p *pp = mp->pp;
	if (RACE_STACKS_AT_GO || gp->is_main || !switch_direct_allowed(mp, pp))
		return false;
	/* Asked to yield, and ended first: the slice is over, so the queue
	 * goes first (as in gosched_traced) and the scheduler starts the
	 * next G with a slice of its own.  Started here, the next G would
	 * inherit the slice and the request would be dropped with gp's. */
	if (gp->preempt.load(relaxed)) {
		runq_demote_next(pp);
		return false;
	}
	/* Looked at before it is taken, and taken only if still there: one
	 * taken and put back would come out of runnext next time, with the
	 * wrong time slice.  Another P may take and start it meanwhile: a
	 * spawn G's memory only ever holds a G (read here as atomics), and
	 * the take then fails. */
	g *next = runq_peek(pp);
	/* Plain: a spawn G (not locked: it never ran), not main (its
	 * argument is its own), wanting run()'s stack size, for which the
	 * P's cache is set up (p_reset). */
	if (next == nullptr ||
	    std::atomic_ref<spawn_kind>(next->spawn).load(relaxed) !=
		    spawn_kind::plain ||
	    !stack_cache_class_of(&pp->stacks, f->stk))
		return false;
	bool inherit = false;
	if (!runq_take(pp, next, &inherit))
		return false;
	g_end(mp, gp);
	/* As g_start() and run_g(), but the fiber is running: it gets
	 * the function to call, not a fresh context.  (Nor does the
	 * thread's exception slot need clearing, as for a fresh G: a
	 * function that returned left no exception in flight or caught.) */
	gp->curm = mp;
	f->fn = next->start_fn;
	f->arg = next->fnbuf;
	f->id = next->goid;
	f->stk->owner_id = next->goid;
	g_move_in(mp, gp, next, gstatus::running);
	if (!inherit)
		p_tick(pp);
	pp->in_place_starts.store(pp->in_place_starts.load(relaxed) + 1,
				  relaxed);
	trace_ev_cheap(pp, trace_ev_type::go_start, gp->goid);
	return true;
}

/* The main G returned: every M leaves its scheduler loop. */
static void begin_stop()
{
	lock(&sched.lock);
	sched.stopping.store(true);
	for (m *mp = sched.allm; mp != nullptr; mp = mp->alllink) {
		mp->park.store(1, release);
		futex_wake(&mp->park, 1);
	}
	unlock(&sched.lock);
	netpoll_break(); /* an M may sleep in the poller */
}

static void gdestroy(m *mp, g *gp)
{
	bool is_main = gp->is_main;
	g_end(mp, gp);
	/* Its function returned: every frame unwound, nothing to
	 * unpoison.  The stack goes to this P's cache, and the G with it:
	 * the last thing done with either. */
	fiber_forget_tsan(&gp->f);
	gp->status.store(gstatus::dead, relaxed);
	stack_free_cached(&mp->pp->stacks, gp->f.stk);
	if (is_main)
		begin_stop();
}

g *run_g(m *mp, g *gp, bool inherit)
{
	if (unlikely(gp->spawn != spawn_kind::none))
		gp = g_start_or_die(mp, gp);
	/* Whoever took gp off a run queue owns it (INV-RUNQ-3): a plain
	 * store is enough.  Release pairs with a later ready()'s CAS. */
	gp->status.store(gstatus::running, release);
	mp->curg = gp;
	gp->curm = mp;
	gp->f.exit_to = &mp->g0;
	mp->action = g0_action::none;
	preempt_clear(gp);
	if (!inherit)
		p_tick(mp->pp);
	trace_ev_cheap(mp->pp, trace_ev_type::go_start, gp->goid);
	fiber_switch(&mp->g0, &gp->f);
	/* Not necessarily gp: it may have yielded straight to another G,
	 * which is the one that came back. */
	g *back = mp->curg;
	mp->curg = nullptr;
	return back;
}

/* The G that just switched back to @mp's scheduler context: do what it
 * asked.  Returns a G to run at once (a park that was called off). */
g *after_g(m *mp, g *gp)
{
	if (gp->f.done) {
		gdestroy(mp, gp);
		return nullptr;
	}
	switch (mp->action) {
	case g0_action::yield:
		gp->status.store(gstatus::runnable, release);
		/* Nothing else local, but work waits globally: queue there
		 * behind it, as Go's Gosched always does, so the scheduler
		 * takes a batch from the global queue now.  Requeued locally,
		 * a yield loop would let the global queue in only one G per
		 * 61 schedules. */
		if (sched.runq_size.load(relaxed) > 0 && runq_empty(mp->pp)) {
			lock(&sched.lock);
			globrunq_put_locked(gp);
			unlock(&sched.lock);
			return nullptr;
		}
		runq_put(mp->pp, gp, false);
		return nullptr;
	case g0_action::park:
		return park_commit(mp, gp) ? nullptr : gp; /* called off: run */
	case g0_action::syscall_exit:
		exitsyscall_queue(gp);
		return nullptr;
	default:
		fatal("sched: a goroutine switched to the scheduler without "
		      "saying why");
	}
}

static u32 cpu_count()
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return u32(n);
	}
	return 1;
}

static u32 clamp_procs(long n)
{
	if (n < 1)
		return 1;
	return n > long(MAX_PROCS) ? MAX_PROCS : u32(n);
}

static u32 initial_procs(int configured)
{
	if (configured > 0)
		return clamp_procs(configured);
	if (g_default_procs != 0)
		return g_default_procs;
	if (const char *v = std::getenv("GORT_PROCS")) {
		long n = std::strtol(v, nullptr, 10);
		if (n > 0)
			return clamp_procs(n);
	}
	return clamp_procs(cpu_count());
}

/* P @i, made on first use and kept for the life of the process. */
static p *p_get(u32 i)
{
	if (sched.allp[i] == nullptr) {
		void *mem = sysalloc(sizeof(p));
		if (mem == nullptr)
			fatal("sched: out of memory for a P");
		p *pp = new (mem) p();
		pp->id = i;
		sched.allp[i] = pp;
	}
	return sched.allp[i];
}

static void p_reset(p *pp)
{
	pp->runq_head.store(0, relaxed);
	pp->runq_tail.store(0, relaxed);
	pp->runnext.store(nullptr, relaxed);
	pp->schedtick.store(0, relaxed);
	/* sysmon's view: "never seen", so its first look starts the clock
	 * (a stale view would make the first slice look long over). */
	pp->sysmon_schedtick = ~u32{0};
	pp->sysmon_schedwhen = 0;
	pp->sysmon_asked = 0;
	pp->sysmon_again = 0;
	pp->sysmon_signalled = false;
	pp->goid_next = pp->goid_end = 0;
	pp->retiring.store(false, relaxed);
	pp->curm = nullptr;
	pp->link = nullptr;
	timers_clear(pp);
	stack_cache_init(&pp->stacks, sched.stack_size);
}

int set_procs(int n)
{
	u32 want = clamp_procs(n);
	if (!sched.running.load(acquire)) {
		u32 old = initial_procs(0);
		g_default_procs = want;
		return int(old);
	}
	lock(&sched.lock);
	u32 old = sched.procs.load(relaxed);
	if (want > old) {
		/* A P that shrank away may still be held by an M that has not
		 * yet noticed (it retires its P only when it next schedules):
		 * it simply keeps it.  Only retired or new Ps are reset. */
		bool fresh[MAX_PROCS] = {};
		for (u32 i = old; i < want; i++) {
			bool is_new = sched.allp[i] == nullptr;
			p *pp = p_get(i);
			fresh[i] = is_new || pp->status == pstatus::dead;
			if (fresh[i])
				p_reset(pp);
			else /* still held: it stays */
				pp->retiring.store(false, relaxed);
		}
		/* Release: the new Ps are ready before anyone counts them,
		 * and counted before they join the idle list. */
		sched.procs.store(want, release);
		for (u32 i = old; i < want; i++)
			if (fresh[i])
				pidleput_locked(sched.allp[i]);
	} else if (want < old) {
		sched.procs.store(want, release);
		/* Idle Ps beyond the new count retire now; running ones do
		 * when their M next schedules (sched.cpp, retirep), which
		 * their flag makes it do before any direct switch. */
		for (u32 i = want; i < old; i++)
			if (sched.allp[i] != nullptr &&
			    sched.allp[i]->status != pstatus::dead)
				sched.allp[i]->retiring.store(true, relaxed);
		for (p **pl = &sched.pidle; *pl != nullptr;) {
			p *pp = *pl;
			if (pp->id < want) {
				pl = &pp->link;
				continue;
			}
			*pl = pp->link;
			sched.npidle.fetch_sub(1);
			p_retire_locked(pp);
		}
	}
	unlock(&sched.lock);
	wakep(); /* new Ps, or Gs drained to the global queue */
	return int(old);
}

int procs()
{
	return sched.running.load(acquire) ? int(sched.procs.load(relaxed))
					   : int(initial_procs(0));
}

/* run(): boot on the calling thread, run @fn as the main goroutine, tear
 * down when it returns.  *err is set (and -1 returned) if a runtime is
 * already running. */
int run_main(void (*fn)(void *), void *arg, const run_options &opt,
	     const char **err)
{
	bool expected = false;
	if (!sched.running.compare_exchange_strong(expected, true)) {
		*err = "gort: run() called while a runtime is already running "
		       "(one "
		       "runtime per process at a time)";
		return -1;
	}
	sched.stopping.store(false);
	sched.goidgen.store(0);
	goroutine_count_reset();
	sched.nmspinning.store(0);
	sched.npidle.store(0);
	sched.pidle = nullptr;
	sched.midle = nullptr;
	sched.nmidle = 0;
	sched.nmidlelocked = 0;
	sched.runq_head = sched.runq_tail = nullptr;
	sched.runq_size.store(0);
	sched.timer_waiter = nullptr;
	sched.timer_wait_until.store(0);
	sched.foreign_used.store(false);
	sched.lastpoll.store(nanotime()); /* no M is blocked in the poller */
	const char *dc = std::getenv("GORT_DEADLOCK_CHECK");
	sched.deadlock_check = opt.deadlock_check && !(dc && dc[0] == '0');
	sched.stack_size = opt.stack_size;
	sched.max_threads = opt.max_threads;
	sched.ncpu = cpu_count();
	sched.time_slice_ns = TIME_SLICE_NS;
	if (const char *ts = std::getenv("GORT_TIME_SLICE_MS"))
		if (long ms = std::strtol(ts, nullptr, 10); ms > 0)
			sched.time_slice_ns = i64(ms) * 1000000;
	if (opt.time_slice_ns > 0)
		sched.time_slice_ns = opt.time_slice_ns;
	preempt_init(opt.async_preempt);
	sched.idle_m_exit_ns = opt.idle_m_exit_ns;

	m *m0 = new (g_m0_storage) m();
	m0->is_m0 = true;
	m0->rand = 0x9e3779b9u;
	sched.mnext = 1;
	sched.nm = 1;
	sched.allm = m0;
	sched.m0 = m0;
	set_current_m(m0);
	fiber_init_thread(&m0->g0);
	race_release(m0); /* as mstart() */
	m_init_eh_slot(m0);
	preempt_thread_init(m0);
	/* The caller's thread gets its timer slack back when run() ends. */
	int m0_slack = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	m_timer_slack_set();
	fiber_start_hook = g_start_hook;
	fiber_next_hook = g_next_in_place;
	panic_others_hook = [] {
		print_goroutines(current_g(), true);
	};

	/* Single-threaded until the main G is queued: no lock needed. */
	u32 n = initial_procs(opt.procs);
	for (u32 i = 0; i < n; i++)
		p_reset(p_get(i));
	sched.procs.store(n, release);
	for (u32 i = 1; i < n; i++)
		pidleput_locked(sched.allp[i]);
	acquirep(m0, sched.allp[0]);

	void *h = nullptr;
	void *top = spawn_prepare(0, 16, fn, 0, &h, err);
	if (top == nullptr)
		fatal("run: cannot start the main goroutine (no stack)");
	/* Its argument is @arg, not the closure space spawn_prepare gave
	 * (where the stack comes at the first run, or already did). */
	g *main_g = static_cast<g *>(h);
	if (main_g->spawn != spawn_kind::none) {
		main_g->spawn = spawn_kind::own;
		main_g->start_arg = arg;
		main_g->stack_want = sched.stack_size;
	} else
		main_g->f.arg = arg;
	trace_run_begin();
	spawn_commit_as(h, true, 0);
	sysmon_start();

	schedule_loop(m0);
	/* The main goroutine's work happens before run() returns (its
	 * fiber released on itself when it ended, fiber_entry). */
	race_acquire(&static_cast<g *>(h)->f);

	/* Wait for every other M to leave, then reclaim everything.  An M
	 * leaves at its next pass through the scheduler, and sysmon asks
	 * the Gs that run on to yield meanwhile (sysmon_until_stopped()):
	 * m0 itself may have been running one until now. */
	for (;;) {
		m0->park.store(0, relaxed);
		lock(&sched.lock);
		u32 alive = sched.nm;
		unlock(&sched.lock);
		if (alive == 1)
			break;
		futex_wait(&m0->park, 0, -1);
	}
	sysmon_stop();
	for (m *mp = sched.allm; mp != nullptr;) {
		m *next = mp->alllink;
		if (mp != m0) {
			pthread_join(mp->thread, nullptr);
			mp->~m();
			sysfree(mp, sizeof(m));
		}
		mp = next;
	}
	netpoll_forget_waiters();
	if (m0_slack > 0)
		::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(m0_slack),
			0, 0, 0);
	trace_run_end(); /* every M but this one is gone */
	lock(&sched.lock);
	g_walk w;
	while (g *gp = g_walk_next(&w)) {
		/* A request no one will honour, even on a G that ended:
		 * sysmon's stop phase may have asked it just after its end
		 * cleared its flag. */
		preempt_clear(gp);
		gstatus st = gp->status.load(relaxed);
		if (st == gstatus::dead || st == gstatus::idle)
			continue;
		/* Discarded like Go's: no destructors run. */
		gp->status.store(gstatus::dead, relaxed);
		if (gp->f.stk == nullptr) { /* a spawn G that never ran */
			spawn_pool_put(gp, true);
			continue;
		}
		if (g *sg = gp->held_spawn_g)
			spawn_pool_put(sg, true);
		g_bury(gp);
		fiber_destroy(&gp->f); /* its stack, and the G on it */
	}
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++) {
		p_reset(sched.allp[i]);
		sched.allp[i]->status = pstatus::idle;
	}
	sched.pidle = nullptr;
	sched.npidle.store(0);
	sched.runq_head = sched.runq_tail = nullptr;
	sched.runq_size.store(0);
	goroutine_count_reset();
	sched.allm = nullptr;
	sched.nm = 0;
	unlock(&sched.lock);
	m0->~m();
	set_current_m(nullptr);
	sched.running.store(false, release);
	return 0;
}

g *g_walk_next(g_walk *w)
{
	if (!w->spawn_done) {
		if (g *gp = spawn_pool_walk_next(&w->spawn))
			return gp;
		w->spawn_done = true;
	}
	w->slot = stack_slot_next(w->slot);
	return w->slot != nullptr ? reinterpret_cast<g *>(w->slot->hi)
				  : nullptr;
}

void sleep_ns(i64 ns)
{
	if (ns <= 0)
		return;
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp == nullptr) {
		struct timespec ts = {time_t(ns / 1000000000),
				      long(ns % 1000000000)};
		while (::nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		return;
	}
	struct sleeper {
		timer t;
		i64 when;
	} s;
	s.t.fn = [](timer *, void *arg) {
		ready(static_cast<g *>(arg));
	};
	s.t.arg = gp;
	s.when = nanotime() + ns;
	/* The timer starts only once we are parked, so it cannot fire
	 * before there is a waiting G to ready. */
	park(
		[](g *, void *arg) {
			auto sp = static_cast<sleeper *>(arg);
			timer_start(&sp->t, sp->when);
			return true;
		},
		&s, "sleep");
}

void lock_os_thread()
{
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp == nullptr)
		return;
	gp->lockcount++;
	gp->lockedm = mp;
	mp->lockedg = gp;
}

void unlock_os_thread()
{
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp == nullptr || gp->lockcount == 0)
		return;
	if (--gp->lockcount == 0) {
		mp->lockedg = nullptr;
		gp->lockedm = nullptr;
	}
}

} // namespace gort::rt
