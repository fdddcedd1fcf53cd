/*
 * runtime/preempt.h - taking the processor from a goroutine that keeps it
 * too long (Go's preemption: cooperative first, then asynchronous).
 *
 * sysmon (sysmon.cpp) watches each running P's schedtick.  A G that has
 * held its P for a 10 ms time slice while other work waits (a runnable G,
 * a due timer) is asked to yield:
 *   1. cooperatively: gp->preempt is set; the G yields at its next runtime
 *      call (a channel operation, select, go(); preempt_check());
 *   2. asynchronously: sysmon sends SIGURG to the G's M with tgkill,
 *      coalesced per M by mp->preempt_sent (set by sysmon, cleared by
 *      the handler that takes the request).  A request delivered but
 *      declined bumps a generation counter (g_declines) and wakes
 *      sysmon, which sees the counter moved and asks again soon.
 * A slice runs on while its G is in a blocking call (gort::blocking()
 * leaves the P in the syscall state, its schedtick unmoved).  A G whose
 * slice ends there is asked through p->exit_yield instead, and yields as
 * it takes the P back (syscall.cpp, case 1).
 *
 * The SIGURG handler never switches goroutines.  At a safe point it saves
 * the whole interrupted context (general, flag, FP and vector registers,
 * straight from the kernel's signal frame) into the G's save area, off
 * the goroutine stack, and edits the frame so that returning from the
 * handler enters gort_arch_preempt_trampoline (arch/) below the red zone.
 * The trampoline calls gort_preempt_park(), which parks the G at the back
 * of the run queue like yield().  When the G runs again, on x86-64
 * gort_arch_preempt_resume() puts every register back and jumps to the
 * interrupted instruction; elsewhere (arch_preempt_resume_usable()) it
 * raises SIGURG at itself with mp->resume_area set, that handler copies
 * the saved context back into its frame, and sigreturn restores every
 * register at once.
 *
 * Safe points (decided in the handler, async-signal-safe, see
 * preempt_linux.cpp): the M runs a G in user code (mp->curg set, the G
 * running, mp->locks == 0: no runtime lock held while runtime code calls
 * out to user code); the interrupted pc lies in the program's own code:
 * the main executable's text minus gort's (the gort_text section), never
 * a shared library (libc, the loader, libstdc++, libgcc: they hold locks
 * of their own, e.g. malloc's); the signal mask is the M's normal one
 * (not inside a signal handler) and sp lies on the G's stack with room to
 * spare.  Anything else, an unknown pc included, is declined; sysmon asks
 * again a millisecond later.  A statically linked program has libc inside
 * its own text, so it gets cooperative preemption only.
 *
 * Thread-local state: an asynchronously preempted G may hold the address
 * of its thread's thread_local data or errno in a register.  So it
 * resumes on the same M (pinned like lock_os_thread() while parked; the M
 * runs nothing else meanwhile), with errno as it was.
 *
 * Fields: gp->preempt: set by sysmon, cleared by the G.  The save area,
 * gp->f.stk->preempt_area: the running G's (written by the handler on
 * its own thread), kept with the stack for its next goroutines.  mp->locks and
 * mp->resume_area: the M's own thread.  mp->preempt_sent: set by sysmon,
 * cleared by the handler.
 */
#pragma once

#include "runtime/proc.h"

namespace gort::rt {

constexpr i64 TIME_SLICE_NS = 10 * 1000 * 1000; /* config::time_slice */

/* run() is starting: decide whether asynchronous preemption is usable,
 * find the preemptible code, install the handler. */
void preempt_init(bool wanted);

/* A thread becomes an M: its tid and signal mask. */
void preempt_thread_init(m *mp);

/* sysmon's round: ask the Gs whose slice is over to yield.  Returns
 * when sysmon must look again (the earliest end of a slice that other
 * work waits on, or a retry of an unanswered request), 0 if no slice
 * needs watching. */
i64 preempt_watch(i64 now);

/* run() is ending: ask the G running on every running P to yield now,
 * with no slice to wait for, so that its M reaches the scheduler and
 * leaves.  Context: sysmon, after the main G returned. */
void preempt_all_running();

/* SIGURGs sysmon has sent since the process began (wrapping); for the
 * tests. */
u32 preempt_signals_sent();
/* Asynchronous preemptions the handler accepted since the process
 * began (wrapping); for the tests. */
u32 preempt_accepted();
/* Up to @max of the interrupted pcs of the last asynchronous
 * preemptions (at most 64), newest first; for the tests. */
u32 preempt_recent_pcs(uptr *out, u32 max);

/* A cooperative preemption point: yield if sysmon asked.  Hot paths
 * look at preempt_requests first (one load of a rarely written word). */
void preempt_check();
extern std::atomic<u32> preempt_requests; /* Gs with preempt set, roughly */

/* @gp starts a new slice (or dies): a request it did not honour is
 * moot. */
inline void preempt_clear(g *gp)
{
	if (gp->preempt.load(std::memory_order_relaxed) &&
	    gp->preempt.exchange(false, std::memory_order_relaxed))
		preempt_requests.fetch_sub(1, std::memory_order_relaxed);
}

/* Runtime code calling out to user code under a runtime lock (a
 * channel's element moves) must not be preempted asynchronously. */
struct no_async_preempt {
	m *mp;
	no_async_preempt() : mp(current_m())
	{
		if (mp != nullptr)
			mp->locks++;
	}
	~no_async_preempt()
	{
		if (mp != nullptr)
			mp->locks--;
	}
	no_async_preempt(const no_async_preempt &) = delete;
	no_async_preempt &operator=(const no_async_preempt &) = delete;
};

} // namespace gort::rt
