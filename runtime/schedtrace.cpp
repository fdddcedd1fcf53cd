/*
 * runtime/schedtrace.cpp - GORT_SCHEDTRACE=<ms>: every <ms> milliseconds
 * sysmon prints one line of the scheduler's state to standard error, in
 * the shape of Go's GODEBUG=schedtrace=<ms>; GORT_SCHEDDETAIL=1 adds a
 * line per P, per M and per live G (Go's scheddetail=1):
 *
 *   SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=4 spinningthreads=0
 *     idlethreads=1 runqueue=0 [3 0]                       (one line)
 *     P0: status=running schedtick=120 syscalltick=0 m=1 runqsize=3
 *       timers=1 gfreecnt=12 inplace=40
 *     M1: p=0 curg=7 spinning=false lockedg=-1
 *     G7: status=running m=1 lockedm=-1
 *     G1: status=waiting(chan receive) m=-1 lockedm=0
 *
 * The time is since run() began.  runqueue is the global run queue; the
 * brackets hold each P's local queue, runnext included.  idlethreads are
 * Ms parked with nothing to do, spinningthreads those looking for work.
 *
 * Invariants: this only reads.  The lists (Ms, Gs) are walked under
 * sched.lock, which also keeps an idle M from exiting meanwhile; the
 * counters and per-P fields that change without that lock are read as
 * they are at that instant, so one line is a picture, not a transaction
 * (as in Go).  A G's memory is never unmapped and only ever holds a G
 * (proc.cpp, "A goroutine's G lives on its stack"), so a stale curg
 * still points at a G, maybe a newer one or a dead one.  Context:
 * sysmon; output through print_buf (no allocation).
 */
#include "runtime/schedtrace.h"

#include "runtime/print.h"
#include "runtime/proc.h"
#include "runtime/runq.h"

#include <cstdlib>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;

void schedtrace_init(schedtrace_state *st, i64 now)
{
	st->interval_ns = 0;
	st->detail = false;
	st->start_ns = now;
	st->last_ns = now;
	if (const char *v = std::getenv("GORT_SCHEDTRACE")) {
		long ms = std::strtol(v, nullptr, 10);
		if (ms > 0)
			st->interval_ns = i64(ms) * 1000000;
	}
	if (const char *v = std::getenv("GORT_SCHEDDETAIL"))
		st->detail = v[0] == '1';
}

static const char *pstatus_name(pstatus s)
{
	switch (s) {
	case pstatus::idle:
		return "idle";
	case pstatus::running:
		return "running";
	case pstatus::syscall:
		return "syscall";
	case pstatus::dead:
		return "dead";
	}
	return "?";
}

/* An id, or -1 for none, as Go prints them. */
static void put_id(print_buf &b, bool have, u64 id)
{
	if (have)
		b.u64v(id);
	else
		b.str("-1");
}

static void detail_locked(u32 procs)
{
	print_buf b;
	for (u32 i = 0; i < procs; i++) {
		p *pp = sched.allp[i];
		m *mp = pp->curm;
		b.str("  P").u64v(pp->id).str(": status=");
		b.str(pstatus_name(pp->status.load(relaxed)));
		b.str(" schedtick=").u64v(pp->schedtick.load(relaxed));
		b.str(" syscalltick=").u64v(pp->syscalltick.load(relaxed));
		b.str(" m=");
		put_id(b, mp != nullptr, mp != nullptr ? mp->id : 0);
		b.str(" runqsize=").u64v(runq_len(pp));
		b.str(" timers=").u64v(pp->ntimers);
		b.str(" gfreecnt=").u64v(pp->ngfree);
		b.str(" inplace=").u64v(pp->in_place_starts.load(relaxed));
		b.str("\n");
		b.flush();
	}
	for (m *mp = sched.allm; mp != nullptr; mp = mp->alllink) {
		p *pp = mp->pp;
		g *gp = mp->curg;
		g *lg = mp->lockedg;
		b.str("  M").u64v(mp->id).str(": p=");
		put_id(b, pp != nullptr, pp != nullptr ? pp->id : 0);
		b.str(" curg=");
		put_id(b, gp != nullptr, gp != nullptr ? gp->goid : 0);
		b.str(" spinning=").str(mp->spinning ? "true" : "false");
		b.str(" lockedg=");
		put_id(b, lg != nullptr, lg != nullptr ? lg->goid : 0);
		b.str("\n");
		b.flush();
	}
	g_walk w;
	while (g *gp = g_walk_next(&w)) {
		gstatus st = gp->status.load(relaxed);
		if (st == gstatus::dead || st == gstatus::idle)
			continue;
		m *cm = st == gstatus::running || st == gstatus::syscall
				? gp->curm
				: nullptr;
		m *lm = gp->lockedm;
		b.str("  G").u64v(gp->goid).str(": status=");
		b.str(gstatus_name(st));
		if (st == gstatus::waiting && gp->waitreason != nullptr)
			b.str("(").str(gp->waitreason).str(")");
		b.str(" m=");
		put_id(b, cm != nullptr, cm != nullptr ? cm->id : 0);
		b.str(" lockedm=");
		put_id(b, lm != nullptr, lm != nullptr ? lm->id : 0);
		b.str("\n");
		b.flush();
	}
}

void schedtrace_print(schedtrace_state *st, i64 now)
{
	st->last_ns = now;
	u32 procs = sched.procs.load(std::memory_order_acquire);
	print_buf b;
	lock(&sched.lock);
	b.str("SCHED ").u64v(u64(now - st->start_ns) / 1000000).str("ms:");
	b.str(" gomaxprocs=").u64v(procs);
	b.str(" idleprocs=").u64v(sched.npidle.load(relaxed));
	b.str(" threads=").u64v(sched.nm);
	b.str(" spinningthreads=").u64v(sched.nmspinning.load(relaxed));
	b.str(" idlethreads=").u64v(sched.nmidle);
	b.str(" runqueue=").u64v(sched.runq_size.load(relaxed));
	b.str(" [");
	for (u32 i = 0; i < procs; i++) {
		if (i > 0)
			b.str(" ");
		b.u64v(runq_len(sched.allp[i]));
	}
	b.str("]\n");
	b.flush();
	if (st->detail)
		detail_locked(procs);
	unlock(&sched.lock);
}

} // namespace gort::rt
