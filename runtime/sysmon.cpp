/*
 * runtime/sysmon.cpp - the monitor thread: retakes the Ps of goroutines
 * stuck in blocking calls and asks long runners to yield.
 *
 * sysmon holds no P and runs no goroutine.  Each round it also asks a
 * goroutine that has held its P for a 10 ms slice, while other work
 * waits, to yield (preempt.h); while such a slice runs, it wakes when
 * the slice is due to end if that comes before the end of its
 * backed-off period (preempt_watch()).  Its period follows Go's: 20
 * us while it finds something to do; after 50 idle rounds (1 ms) it
 * doubles the period up to 10 ms.  Once every P has been idle for 10 ms
 * there is nothing to watch, so it sleeps on sched.sysmon_note with no
 * timeout until pidleget_locked() hands out a P again
 * (sysmon_wake_locked): an idle runtime costs no CPU.
 *
 * Retaking (INV-SYSCALL-1 in syscall.cpp): a P seen in the syscall state
 * with the same syscalltick on two consecutive rounds has been in one
 * call for at least one period.  sysmon takes it by CAS and hands it off
 * (handoffp: to an M if it has work, else to the idle list), unless it
 * has no work and other Ps idle or spin, in which case it waits up to
 * 10 ms first: handing off an empty P only to park it again is waste.
 *
 * With GORT_SCHEDTRACE set it also prints the scheduler's state at that
 * interval (schedtrace.cpp) and never sleeps without a timeout.
 *
 * SIGQUIT: while run() runs, and unless the program had its own handler
 * for it, SIGQUIT prints every goroutine and exits with status 2, as Go
 * does.  The handler only raises a flag and wakes sysmon; sysmon, an
 * ordinary thread holding no lock, prints the dump (dump.cpp), which may
 * then take its time and allocate while the thread the signal
 * interrupted stays where it was, whatever lock it held.
 *
 * When run() ends, sysmon stays until every M but m0 has left, asking
 * the Gs that run on to yield (sysmon_until_stopped()).
 *
 * Fields: sched.sysmon_sleeping and the note belong to sched.lock;
 * p->sysmon_tick and p->sysmon_when are sysmon's alone;
 * sched.sysmon_exit is written by sysmon_stop() (release) and read by
 * sysmon (acquire).
 */
#include "runtime/proc.h"

#include "runtime/futex_linux.h"
#include "runtime/netpoll.h"
#include "runtime/panic.h"
#include "runtime/preempt.h"
#include "runtime/print.h"
#include "runtime/runq.h"
#include "runtime/schedtrace.h"
#include "runtime/spawn_pool.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto acquire = std::memory_order_acquire;

static constexpr i64 SYSMON_MIN_NS = 20 * 1000;
static constexpr i64 SYSMON_MAX_NS = 10 * 1000 * 1000;
static constexpr u32 SYSMON_IDLE_ROUNDS = 50;
static constexpr i64 RETAKE_IDLE_P_NS = 10 * 1000 * 1000;
static constexpr i64 NETPOLL_STARVED_NS = 10 * 1000 * 1000;
static constexpr i64 SCAVENGE_EVERY_NS = 10 * 1000 * 1000;

i64 sysmon_backoff(i64 delay, u32 idle)
{
	if (idle == 0)
		return SYSMON_MIN_NS;
	if (idle > SYSMON_IDLE_ROUNDS && delay < SYSMON_MAX_NS)
		return delay * 2 < SYSMON_MAX_NS ? delay * 2 : SYSMON_MAX_NS;
	return delay;
}

void sysmon_poke()
{
	sched.sysmon_note.store(1, std::memory_order_release);
	futex_wake(&sched.sysmon_note, 1);
}

void sysmon_wake_locked()
{
	sched.sysmon_sleeping = false;
	sysmon_poke();
}

/* Retake Ps stuck in a syscall; returns how many were handed off. */
static u32 retake(i64 now)
{
	u32 n = 0;
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++) {
		p *pp = sched.allp[i];
		if (pp->status.load(acquire) != pstatus::syscall)
			continue;
		u32 t = pp->syscalltick.load(relaxed);
		if (pp->sysmon_tick != t) {
			pp->sysmon_tick = t; /* a new call: look next round */
			pp->sysmon_when = now;
			continue;
		}
		if (runq_empty(pp) && pp->timer0_when.load(relaxed) == 0 &&
		    sched.nmspinning.load(relaxed) +
				    sched.npidle.load(relaxed) >
			    0 &&
		    now - pp->sysmon_when < RETAKE_IDLE_P_NS)
			continue;
		pstatus want = pstatus::syscall;
		if (!pp->status.compare_exchange_strong(
			    want, pstatus::running, std::memory_order_acq_rel))
			continue; /* its M came back first */
		trace_ev(nullptr, trace_ev_type::handoff, 0, pp->id);
		handoffp(pp);
		n++;
	}
	return n;
}

static std::atomic<bool> g_sigquit{false};
static struct sigaction g_prev_sigquit;
static bool g_sigquit_installed = false;

/* Context: signal handler; async-signal-safe (an atomic store and a
 * futex wake). */
static void sigquit_handler(int)
{
	g_sigquit.store(true, std::memory_order_release);
	sysmon_poke();
}

static void sigquit_install()
{
	g_sigquit.store(false, relaxed);
	struct sigaction old = {};
	/* A handler of the program's own stays.  Ignored (a background job
	 * of a shell without job control starts so) is taken over, as Go
	 * does: a dump on request matters more than the inherited default. */
	if (::sigaction(SIGQUIT, nullptr, &old) != 0 ||
	    ((old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler != SIG_DFL &&
	     old.sa_handler != SIG_IGN) ||
	    ((old.sa_flags & SA_SIGINFO) != 0 && old.sa_sigaction != nullptr))
		return;
	struct sigaction sa = {};
	sa.sa_handler = sigquit_handler;
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	g_sigquit_installed = ::sigaction(SIGQUIT, &sa, &g_prev_sigquit) == 0;
}

static void sigquit_restore()
{
	if (g_sigquit_installed)
		::sigaction(SIGQUIT, &g_prev_sigquit, nullptr);
	g_sigquit_installed = false;
}

static void sigquit_dump()
{
	print_str("SIGQUIT: quit\n\n");
	print_goroutines(nullptr, false);
	exit_now(2);
}

/* Sleep up to @ns (-1: until woken).  Returns false when run() ends. */
static bool sysmon_sleep(i64 ns)
{
	futex_wait(&sched.sysmon_note, 0, ns);
	sched.sysmon_note.store(0, relaxed);
	if (g_sigquit.load(acquire))
		sigquit_dump();
	return !sched.stopping.load(relaxed);
}

/* Every P idle since @*since (0: not idle): true once that has lasted
 * SYSMON_MAX_NS.  Short idle spells (a ping-pong over the network, a
 * goroutine sleeping 1 ms in a loop) keep sysmon on its backed-off tick
 * rather than making every idle -> busy transition pay a futex wake-up
 * of sysmon. */
static bool idle_long(i64 now, i64 *since)
{
	if (sched.npidle.load(relaxed) != sched.procs.load(relaxed) ||
	    netpoll_unpolled()) {
		*since = 0;
		return false;
	}
	if (*since == 0)
		*since = now;
	return now - *since >= SYSMON_MAX_NS;
}

/*
 * run() is ending (sched.stopping): every M leaves at its next pass
 * through the scheduler, but one whose G runs on (a loop that never
 * blocks) would keep run() waiting for ever.  So until sysmon_stop(),
 * sysmon asks the G on every running P to yield, by signal where
 * preemption is asynchronous, every STOP_ASK_NS, with no slice to wait
 * for.  A G in a blocking system call still holds its M until the call
 * returns; one that masks SIGURG, or loops without a runtime call where
 * preemption is cooperative only, is never stopped.
 */
static constexpr i64 STOP_ASK_NS = 1000 * 1000;

static void sysmon_until_stopped()
{
	while (!sched.sysmon_exit.load(acquire)) {
		preempt_all_running();
		/* The whole period, whatever else wakes sysmon: a declined
		 * request pokes it (preempt_declined()), and asking again at
		 * once would flood a G in libc or a system call with SIGURG.
		 * A SIGQUIT still dumps: run() may be stuck here. */
		i64 until = nanotime() + STOP_ASK_NS;
		for (;;) {
			if (g_sigquit.load(acquire))
				sigquit_dump();
			if (sched.sysmon_exit.load(acquire))
				return;
			i64 left = until - nanotime();
			if (left <= 0)
				break;
			futex_wait(&sched.sysmon_note, 0, left);
			sched.sysmon_note.store(0, relaxed);
		}
	}
}

static void *sysmon_main(void *)
{
	::prctl(PR_SET_NAME, "gort-sysmon", 0, 0, 0);
	i64 delay = SYSMON_MIN_NS;
	u32 idle = 0;
	i64 idle_since = 0;
	i64 watch_at = 0;  /* preempt_watch(): look again then (0: no need) */
	i64 scavenged = 0; /* when spawn_pool_scavenge() last ran */
	schedtrace_state trace;
	schedtrace_init(&trace, nanotime());
	for (;;) {
		delay = sysmon_backoff(delay, idle);
		/* A slice that other work waits on ends before the
		 * backed-off period would: wake for it. */
		i64 sleep = delay;
		if (watch_at != 0) {
			i64 until = watch_at - nanotime();
			if (until < sleep)
				sleep = until < SYSMON_MIN_NS ? SYSMON_MIN_NS
							      : until;
		}
		if (trace.interval_ns > 0 && sleep > trace.interval_ns)
			sleep = trace.interval_ns;
		if (!sysmon_sleep(sleep))
			break;
		i64 now = nanotime();
		trace_tick();
		if (schedtrace_due(&trace, now))
			schedtrace_print(&trace, now);
		/* Tracing keeps sysmon awake, as in Go: it has lines to print. */
		if (trace.interval_ns == 0 && idle_long(now, &idle_since)) {
			lock(&sched.lock);
			if (sched.npidle.load(relaxed) ==
				    sched.procs.load(relaxed) &&
			    !sched.stopping.load(relaxed)) {
				sched.sysmon_sleeping = true;
				unlock(&sched.lock);
				if (!sysmon_sleep(-1))
					break;
				/* Resume backed off (1 ms, doubling): the
				 * first retake waits a little longer. */
				idle = SYSMON_IDLE_ROUNDS + 1;
				delay = SYSMON_MAX_NS / 20;
				idle_since = 0;
				watch_at = 0;
				continue;
			}
			unlock(&sched.lock);
		}
		/* Ready network waiters nobody polled for a while (every
		 * P busy, so no M went idle to poll).  As in Go, this is not
		 * work that keeps sysmon at its shortest period: under a
		 * steady network load it happens every 10 ms, and resetting
		 * the back-off each time kept sysmon waking every 20 us
		 * (about 5,600 wake-ups a second in the 100-connection echo,
		 * 1,000 without). */
		i64 lp = sched.lastpoll.load(relaxed);
		if (netpoll_inited() && lp != 0 &&
		    now - lp > NETPOLL_STARVED_NS &&
		    sched.lastpoll.compare_exchange_strong(lp, now)) {
			if (g *list = netpoll(0))
				inject_glist(list);
		}
		if (now - scavenged >= SCAVENGE_EVERY_NS) {
			spawn_pool_scavenge(now);
			scavenged = now;
		}
		watch_at = preempt_watch(now);
		if (retake(now) > 0)
			idle = 0;
		else
			idle++;
	}
	sysmon_until_stopped();
	return nullptr;
}

void sysmon_start()
{
	sched.sysmon_note.store(0, relaxed);
	sched.sysmon_sleeping = false;
	sched.sysmon_exit.store(false, relaxed);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int err = pthread_create(&sched.sysmon_thread, &attr, sysmon_main,
				 nullptr);
	pthread_attr_destroy(&attr);
	if (err != 0)
		fatal("sysmon: cannot create the monitor thread (the process "
		      "or user thread limit was reached?)");
	sched.sysmon_started = true;
	sigquit_install();
}

/* run() has ended: every M but m0 has left.  Wake sysmon and join it. */
void sysmon_stop()
{
	if (!sched.sysmon_started)
		return;
	sigquit_restore();
	sched.sysmon_exit.store(true, std::memory_order_release);
	lock(&sched.lock);
	sysmon_wake_locked();
	unlock(&sched.lock);
	pthread_join(sched.sysmon_thread, nullptr);
	sched.sysmon_started = false;
}

} // namespace gort::rt
