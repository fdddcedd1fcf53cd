/*
 * runtime/deadlock.cpp - "fatal error: all goroutines are asleep -
 * deadlock!", as Go detects it: by counting, not by analysis.
 *
 * The runtime is dead when no M runs or spins, no timer is pending, no
 * G is runnable, and yet some G is alive: all of them wait for each other.
 * Checked whenever an M goes to sleep (it may be the last one).
 *
 * The rule for embedded runtimes.  A thread the runtime did not create
 * can wake goroutines at any time (go(), wait_group::done(), and later
 * channel sends and mutex unlocks), and the runtime cannot know whether
 * it will.  So the first time such a thread calls into the runtime, the
 * check turns off for the rest of that run().  Go makes the same choice
 * for c-archive and c-shared builds, where the host program's threads
 * call in.  Config{.deadlock_check = false} or GORT_DEADLOCK_CHECK=0
 * turns it off from the start.
 */
#include "runtime/proc.h"

#include "runtime/panic.h"
#include "runtime/print.h"
#include "runtime/runq.h"
#include "runtime/timer.h"

#include <cstdio>

namespace gort::rt {

g *all_gs_locked();

static void print_g(print_buf &b, g *gp)
{
	b.str("goroutine ").u64v(gp->goid).str(" [");
	b.str(gp->waitreason != nullptr ? gp->waitreason : "waiting");
	b.str("]:\n");
}

void checkdead_locked()
{
	if (!sched.deadlock_check || sched.stopping.load() ||
	    sched.foreign_used.load(std::memory_order_relaxed))
		return;
	if (sched.nm - sched.nmidle - sched.nmidlelocked > 0)
		return;
	if (timers_earliest() != 0 || sched.runq_size.load() > 0)
		return;
	u32 procs = sched.procs.load();
	for (u32 i = 0; i < procs; i++)
		if (!runq_empty(sched.allp[i]))
			return;
	if (sched.ngoroutines.load() == 0)
		return;

	std::fflush(nullptr); /* what the program printed comes first */
	print_buf b;
	b.str("fatal error: all goroutines are asleep - deadlock!\n");
	b.flush();
	/* The main goroutine first, then the others, as Go lists them. */
	for (int pass = 0; pass < 2; pass++) {
		for (g *gp = all_gs_locked(); gp != nullptr; gp = gp->alllink) {
			if (gp->status.load() != gstatus::waiting ||
			    gp->is_main != (pass == 0))
				continue;
			b.str("\n");
			print_g(b, gp);
			b.flush();
		}
	}
	exit_now(2);
}

} // namespace gort::rt
