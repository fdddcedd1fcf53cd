/*
 * runtime/syscall.cpp - a goroutine in a blocking call gives its P up
 * (Go's entersyscall / exitsyscall), so the other goroutines keep running.
 *
 * Entering costs a few stores: the G moves to the syscall state, its M
 * lets go of the P and leaves it in the syscall state, nothing is handed
 * off.  If the call outlasts one sysmon tick (20 us to 10 ms) while the P
 * has work, sysmon retakes the P and hands it to another M (sysmon.cpp).
 * entersyscall(true) hands off at once, for calls known to block long.
 *
 * Leaving, in order of preference:
 *   1. the old P is still in the syscall state: take it back by CAS;
 *      then yield if sysmon asked (p->exit_yield).  The time slice runs
 *      on through the call (the P's schedtick does not move), as in Go:
 *      a G that spends its time in short calls would otherwise keep its
 *      P for ever, since sysmon, once backed off past the calls' length,
 *      never sees one call twice to retake the P;
 *   2. an idle P: take it;
 *   3. none: queue the G on the global run queue and let this M sleep in
 *      the idle-M cache (the scheduler context does it: the G must be off
 *      its stack before another M may run it).
 *
 * Invariants:
 * INV-SYSCALL-1: a P in the syscall state is owned by whoever moves it
 *   out of that state by CAS (its old M, or sysmon); nobody else touches
 *   its status.  Its run queue stays open to thieves meanwhile.
 * INV-SYSCALL-2: while its G is in the call, the M holds no P (mp->pp is
 *   nullptr) and mp->curg is nullptr, so anything the call does through
 *   gort (a channel send, go()) takes the paths of a plain thread, which
 *   never need a P.  mp->syscallg remembers the G.
 * INV-SYSCALL-3: only the G itself leaves the syscall state.
 */
#include "runtime/proc.h"

#include "runtime/panic.h"
#include "runtime/runq.h"

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto release = std::memory_order_release;

void entersyscall(bool handoff_now)
{
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp == nullptr || mp->pp == nullptr)
		return; /* a plain thread, or already inside a call */
	p *pp = mp->pp;
	trace_ev(pp, trace_ev_type::go_syscall, gp->goid);
	gp->status.store(gstatus::syscall, release);
	mp->curg = nullptr;
	mp->syscallg = gp;
	releasep(mp);
	if (handoff_now) {
		mp->oldp = nullptr;
		handoffp(pp);
		return;
	}
	mp->oldp = pp;
	pp->syscalltick.fetch_add(1, relaxed);
	/* Release: everything the G did before is visible to the M that
	 * retakes the P (INV-SYSCALL-1). */
	pp->status.store(pstatus::syscall, release);
}

static void resume_on(m *mp, g *gp, p *pp)
{
	acquirep(mp, pp);
	mp->curg = gp;
	mp->syscallg = nullptr;
	gp->status.store(gstatus::running, release);
	trace_ev(pp, trace_ev_type::go_sysexit, gp->goid, 1);
	trace_ev(pp, trace_ev_type::go_start, gp->goid);
}

/* Case 1 found sysmon's request (p->exit_yield): yield if it is for
 * this slice.  Context: @gp running on @pp again. */
static GORT_NOINLINE void exitsyscall_yield(p *pp)
{
	u32 want = pp->schedtick.load(relaxed) + 1;
	if (pp->exit_yield.exchange(0, relaxed) == want)
		gosched_traced(trace_ev_type::go_preempt);
}

void exitsyscall()
{
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->syscallg : nullptr;
	if (gp == nullptr)
		return;
	p *pp = mp->oldp;
	mp->oldp = nullptr;
	pstatus want = pstatus::syscall;
	if (pp != nullptr &&
	    pp->status.compare_exchange_strong(want, pstatus::running,
					       std::memory_order_acq_rel)) {
		resume_on(mp, gp, pp); /* 1: the P waited for us */
		if (unlikely(pp->exit_yield.load(relaxed) != 0))
			exitsyscall_yield(pp);
		return;
	}
	lock(&sched.lock);
	p *idle = pidleget_locked();
	unlock(&sched.lock);
	if (idle != nullptr) {
		resume_on(mp, gp, idle); /* 2 */
		return;
	}
	/* 3: no P.  The scheduler context queues the G once it is off its
	 * stack (exitsyscall_queue), then this M looks for a P or sleeps. */
	mp->curg = gp;
	mp->syscallg = nullptr;
	trace_ev(nullptr, trace_ev_type::go_sysexit, gp->goid, 0);
	mp->action = g0_action::syscall_exit;
	g_switch_to_scheduler(gp, mp);
}

/* The scheduler side of case 3.  Context: a scheduler context, no P. */
void exitsyscall_queue(g *gp)
{
	gp->status.store(gstatus::runnable, release);
	lock(&sched.lock);
	globrunq_put_locked(gp);
	unlock(&sched.lock);
	wakep(); /* INV-SCHED-2: a P may have gone idle since we looked */
}

} // namespace gort::rt
