/*
 * runtime/sched.cpp - choosing what an M runs next, and when Ms sleep.
 *
 * An M holding a P looks for work in this order: every 61st schedule the
 * global queue first (so it cannot starve behind two Gs that keep
 * readying each other); its P's runnext and ring; the global queue; then,
 * spinning, four passes over the other Ps in a random coprime-stride
 * order, stealing half of a victim's ring (runnext and due timers only on
 * the last pass).  Finding nothing, it gives its P back and sleeps on its
 * futex until startm() hands it a P, or until the earliest timer.
 *
 * Spinning (Go's invariants; they took a decade of bug reports to settle):
 * INV-SCHED-1: at most half of the busy Ps have a spinning M
 *   (2 * nmspinning < procs - npidle to start spinning).
 * INV-SCHED-2: no lost wake-up.  Submitter: publish the G, full fence,
 *   then wakep() if no M spins and a P idles.  Spinner giving up: drop
 *   its P, decrement nmspinning (a full fence), then look at every queue
 *   once more and take a P back if any has work.  Anyone idling a P
 *   (find_runnable, handoffp) looks at the global queue under
 *   sched.lock, the lock its submitters queue under, right before.
 *   One exception, as in Go: a G queued on the submitter's own P
 *   (go(), ready() from a goroutine) is followed by wakep_local(), which
 *   looks without the fence.  If that look misses a P going idle, the G
 *   is not lost: the submitter's M holds its P and looks at the P's
 *   queue before it ever idles it, so only the idle P's help is delayed,
 *   until the next wake-up.  The fence drained the store buffer at every
 *   go() and ready(), stalling on the new G's lines (alternating
 *   binaries: spawn+join at procs 1 160 -> 153 ns, select over 4 at
 *   procs 2 222 -> 142 ns).
 * INV-SCHED-3: a new runnable G wakes at most one M (wakep needs the
 *   nmspinning 0->1 CAS), and the last spinner to find work wakes a
 *   replacement, so work spreads one M at a time without a storm.
 * An idle runtime burns no CPU: every idle M sleeps on a futex, at most
 * one of them with a timeout (the earliest timer), and nothing ticks.
 */
#include "runtime/proc.h"

#include "arch/arch.h"
#include "runtime/futex_linux.h"
#include "runtime/netpoll.h"
#include "runtime/panic.h"
#include "runtime/preempt.h"
#include "runtime/print.h"
#include "runtime/runq.h"
#include "runtime/sysalloc.h"
#include "runtime/timer.h"

#include <cerrno>
#include <ctime>
#include <new>
#include <sys/prctl.h>

namespace gort::rt {

sched_state sched;

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto acquire = std::memory_order_acquire;
static constexpr auto release = std::memory_order_release;

static constexpr usize M_STACK_BYTES = 512 * 1024;
static constexpr i64 SPIN_BEFORE_PARK_NS = 20000;
static constexpr long RUNNEXT_GRACE_NS = 50000; /* see steal_work() */

u32 fastrand(m *mp)
{
	/* xorshift32: statistically fine for victim order, and cheap. */
	u32 x = mp->rand;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	mp->rand = x;
	return x;
}

/*
 * Notes: an M sleeps on mp->park until someone stores 1 and wakes it.
 * Sleepers re-check their real condition after every wake-up, so a stray
 * wake-up (teardown wakes every M) is harmless.
 */
static void notewakeup(m *mp)
{
	/* Release pairs with the sleeper's acquire load. */
	mp->park.store(1, release);
	futex_wake(&mp->park, 1);
}

/* @pp's id is beyond procs (set_procs shrank): move its Gs to the global
 * queue and its timers to P0, and mark it dead.  Callers wakep() after
 * dropping the lock (INV-SCHED-2).  Context: sched.lock held; nobody
 * else holds @pp. */
void p_retire_locked(p *pp)
{
	runq_drain_to_global_locked(pp);
	timers_move(pp, sched.allp[0]);
	stack_cache_flush(&pp->stacks);
	pp->curm = nullptr;
	pp->status = pstatus::dead;
}

/* Idle P list.  A P beyond procs retires instead: only live Ps may be
 * found idle.  Context: sched.lock held. */
void pidleput_locked(p *pp)
{
	if (pp->id >= sched.procs.load(relaxed)) {
		p_retire_locked(pp);
		return;
	}
	pp->status = pstatus::idle;
	pp->curm = nullptr;
	pp->link = sched.pidle;
	sched.pidle = pp;
	sched.npidle.fetch_add(1);
}

p *pidleget_locked()
{
	p *pp = sched.pidle;
	if (pp != nullptr) {
		sched.pidle = pp->link;
		pp->link = nullptr;
		pp->status = pstatus::running;
		sched.npidle.fetch_sub(1);
		if (sched.sysmon_sleeping)
			sysmon_wake_locked(); /* a P works again */
	}
	return pp;
}

void acquirep(m *mp, p *pp)
{
	mp->pp = pp;
	pp->curm = mp;
	pp->status = pstatus::running;
	trace_ev(pp, trace_ev_type::proc_start, 0, mp->id);
}

p *releasep(m *mp)
{
	p *pp = mp->pp;
	trace_ev(pp, trace_ev_type::proc_stop, 0, mp->id);
	mp->pp = nullptr;
	pp->curm = nullptr;
	return pp;
}

/* Idle M list.  Context: sched.lock held. */
static void mput_locked(m *mp)
{
	mp->schedlink = sched.midle;
	sched.midle = mp;
	sched.nmidle++;
}

static m *mget_locked()
{
	m *mp = sched.midle;
	if (mp != nullptr) {
		sched.midle = mp->schedlink;
		mp->schedlink = nullptr;
		sched.nmidle--;
	}
	return mp;
}

static void mremove_locked(m *mp)
{
	for (m **pm = &sched.midle; *pm != nullptr; pm = &(*pm)->schedlink) {
		if (*pm == mp) {
			*pm = mp->schedlink;
			mp->schedlink = nullptr;
			sched.nmidle--;
			return;
		}
	}
}

static void *mthread_main(void *arg)
{
	mstart(static_cast<m *>(arg));
}

/* A new M that will start on @pp.  Context: no lock held. */
static void newm(p *pp, bool spinning)
{
	void *mem = sysalloc(sizeof(m));
	if (mem == nullptr)
		fatal("sched: out of memory for a new M");
	m *mp = new (mem) m();
	mp->nextp = pp;
	mp->spinning = spinning;
	lock(&sched.lock);
	if (sched.nm >= sched.max_threads) {
		print_buf b;
		b.str("runtime: program exceeds ").u64v(sched.max_threads);
		b.str("-thread limit\n");
		b.flush();
		fatal("thread exhaustion: too many goroutines are blocked in "
		      "system calls at once; raise gort::config::max_threads "
		      "or block fewer goroutines in gort::blocking()");
	}
	mp->id = sched.mnext++;
	sched.nm++;
	mp->rand = u32(mp->id * 0x9e3779b9u) | 1;
	mp->alllink = sched.allm;
	sched.allm = mp;
	unlock(&sched.lock);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, M_STACK_BYTES);
	int err = pthread_create(&mp->thread, &attr, mthread_main, mp);
	pthread_attr_destroy(&attr);
	if (err != 0)
		fatal(err == EAGAIN
			      ? "sched: cannot create an OS thread: the "
				"process "
				"or user thread limit was reached (ulimit -u, "
				"/proc/sys/kernel/threads-max, pids cgroup); "
				"raise it or block fewer goroutines in "
				"system calls"
			      : "sched: cannot create an OS thread (out of "
				"memory?)");
}

/* Run some M on @pp (nullptr: an idle P, if any).  @spinning: the caller
 * already counted the M in nmspinning. */
static void startm(p *pp, bool spinning)
{
	lock(&sched.lock);
	if (pp == nullptr) {
		pp = pidleget_locked();
		if (pp == nullptr) {
			unlock(&sched.lock);
			if (spinning)
				sched.nmspinning.fetch_sub(1);
			return;
		}
	}
	m *mp = mget_locked();
	if (mp != nullptr) {
		if (sched.timer_waiter == mp) {
			sched.timer_waiter = nullptr;
			sched.timer_wait_until.store(0);
		}
		mp->nextp = pp;
		mp->spinning = spinning;
		unlock(&sched.lock);
		notewakeup(mp);
		return;
	}
	unlock(&sched.lock);
	newm(pp, spinning);
}

void wakep()
{
	/* INV-SCHED-2, submitter side: the G is published; fence; look. */
	std::atomic_thread_fence(std::memory_order_seq_cst);
	wakep_local();
}

void wakep_local()
{
	if (sched.npidle.load(relaxed) == 0)
		return;
	u32 zero = 0;
	if (sched.nmspinning.load(relaxed) != 0 ||
	    !sched.nmspinning.compare_exchange_strong(zero, 1))
		return;
	startm(nullptr, true);
}

/* A spinning M found work.  INV-SCHED-3: the last spinner wakes another. */
static void resetspinning(m *mp)
{
	mp->spinning = false;
	if (sched.nmspinning.fetch_sub(1) == 1)
		wakep();
}

/* Give @pp to an M if it has anything to do, else make it idle. */
void handoffp(p *pp)
{
	if (!runq_empty(pp) || sched.runq_size.load(relaxed) > 0 ||
	    pp->timer0_when.load(relaxed) != 0) {
		startm(pp, false);
		return;
	}
	/* The last running P, goroutines waiting on descriptors, and no M
	 * in the poller: someone must poll, or their events go unseen. */
	if (netpoll_unpolled() &&
	    sched.npidle.load(relaxed) + 1 >= sched.procs.load(relaxed)) {
		startm(pp, false);
		return;
	}
	lock(&sched.lock);
	/* INV-SCHED-2: look again under the lock.  A G queued globally
	 * since the look above (a blocking call's exit that found no idle
	 * P) saw this P not yet idle, so its wakep() woke nobody: idled
	 * now, the P and that G would both wait for ever. */
	if (sched.runq_size.load(relaxed) > 0) {
		unlock(&sched.lock);
		startm(pp, false);
		return;
	}
	pidleput_locked(pp);
	unlock(&sched.lock);
}

/* If startm() handed @mp a P, take it.  Context: sched.lock held; drops
 * it, and returns true, only when there was one. */
static bool take_nextp_unlock(m *mp)
{
	p *pp = mp->nextp;
	if (pp == nullptr)
		return false;
	mp->nextp = nullptr;
	unlock(&sched.lock);
	acquirep(mp, pp);
	return true;
}

/* An idle M beyond the cache, idle for sched.idle_m_exit_ns: leave the
 * runtime for good.  Context: sched.lock held, @mp on no list but allm. */
[[noreturn]] static void m_exit_locked(m *mp)
{
	for (m **pm = &sched.allm; *pm != nullptr; pm = &(*pm)->alllink) {
		if (*pm == mp) {
			*pm = mp->alllink;
			break;
		}
	}
	sched.nm--;
	unlock(&sched.lock);
	set_current_m(nullptr);
	pthread_detach(pthread_self());
	mp->~m();
	sysfree(mp, sizeof(m));
	pthread_exit(nullptr);
}

/* Idle Ms kept without a time limit (Ms blocked in system calls come
 * back through here when their goroutine found no P). */
static u32 idle_m_cache()
{
	u32 procs = sched.procs.load(relaxed);
	return procs > 4 ? procs : 4;
}

/*
 * Sleep on the idle list until startm() hands us a P (true: we hold it),
 * or the runtime stops, or @deadline (0: none) passes or an earlier timer
 * takes over (false: no P).  An M beyond the idle cache exits instead
 * once it has slept sched.idle_m_exit_ns.
 */
static bool stopm(m *mp, i64 deadline)
{
	mp->park.store(0, relaxed);
	lock(&sched.lock);
	/* begin_stop() wakes the Ms it finds asleep; one not yet asleep
	 * must see the flag here, under the same lock. */
	if (sched.stopping.load(relaxed)) {
		unlock(&sched.lock);
		return false;
	}
	mput_locked(mp);
	if (deadline != 0) {
		sched.timer_waiter = mp;
		/* seq_cst: Dekker pair with timer_start()'s store of
		 * timer0_when then load of timer_wait_until. */
		sched.timer_wait_until.store(deadline);
	}
	i64 exit_at = 0;
	if (deadline == 0 && !mp->is_m0 && sched.idle_m_exit_ns > 0 &&
	    sched.nmidle > idle_m_cache())
		exit_at = nanotime() + sched.idle_m_exit_ns;
	checkdead_locked();
	unlock(&sched.lock);
	if (deadline != 0) {
		i64 again = timers_earliest();
		if (again != 0 && again < deadline)
			deadline = again; /* raced with a new timer */
	}

	for (;;) {
		i64 timeout = -1;
		i64 until = deadline != 0 ? deadline : exit_at;
		if (until != 0) {
			timeout = until - nanotime();
			if (timeout < 0)
				timeout = 0;
		}
		if (timeout != 0 && mp->park.load(acquire) == 0)
			futex_wait(&mp->park, 0, timeout);
		mp->park.store(0, relaxed); /* before the checks: see above */

		lock(&sched.lock);
		if (take_nextp_unlock(mp))
			return true;
		bool waiter = sched.timer_waiter == mp;
		bool stop = sched.stopping.load(relaxed);
		if (!stop && exit_at != 0 && nanotime() >= exit_at) {
			mremove_locked(mp);
			m_exit_locked(mp);
		}
		if (stop ||
		    (deadline != 0 && (!waiter || nanotime() >= deadline))) {
			if (waiter) {
				sched.timer_waiter = nullptr;
				sched.timer_wait_until.store(0);
			}
			mremove_locked(mp);
			unlock(&sched.lock);
			return false;
		}
		unlock(&sched.lock);
	}
}

/* Some P has work or a due timer (checked after giving up spinning). */
static bool any_work(i64 now)
{
	if (sched.runq_size.load(relaxed) > 0)
		return true;
	u32 procs = sched.procs.load(acquire);
	for (u32 i = 0; i < procs; i++) {
		p *pp = sched.allp[i];
		i64 w = pp->timer0_when.load(relaxed);
		if (!runq_empty(pp) || (w != 0 && w <= now))
			return true;
	}
	return false;
}

static u32 gcd(u32 a, u32 b)
{
	while (b != 0) {
		u32 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* The first G of @list for the caller to run, the rest queued on @pp.
 * Context: the caller holds @pp. */
static g *netpoll_take(p *pp, g *list)
{
	if (list == nullptr)
		return nullptr;
	g *gp = list;
	if (!g_cas_status(gp, gstatus::waiting, gstatus::runnable))
		fatal("netpoll: a goroutine to wake is not waiting");
	trace_ev(pp, trace_ev_type::go_unblock, gp->goid, 1);
	inject_glist(gp->schedlink, pp);
	return gp;
}

/*
 * Block in the poller until a descriptor is ready, the earliest timer is
 * due, or netpoll_break().  The caller has set sched.lastpoll to 0 (only
 * one M polls at a time) and holds no P.  Returns the G to run, with a P
 * held, when it found work and a P to run it on; nullptr otherwise (the
 * Gs found, if any, are on the global queue).
 */
static g *netpoll_block(m *mp)
{
	lock(&sched.lock);
	if (sched.stopping.load(relaxed)) {
		unlock(&sched.lock);
		sched.lastpoll.store(nanotime(), relaxed);
		return nullptr;
	}
	mp->in_netpoll = true;
	i64 until = timers_earliest();
	if (sched.timer_waiter == nullptr) {
		/* Any new timer is earlier than "never": it wakes us. */
		sched.timer_waiter = mp;
		sched.timer_wait_until.store(until != 0 ? until : INT64_MAX);
	}
	unlock(&sched.lock);
	i64 again = timers_earliest(); /* raced with a new timer? */
	if (again != 0 && (until == 0 || again < until))
		until = again;
	i64 delay = -1;
	if (until != 0) {
		delay = until - nanotime();
		if (delay < 0)
			delay = 0;
	}
	g *list = netpoll(delay);
	sched.lastpoll.store(nanotime(), relaxed);
	lock(&sched.lock);
	mp->in_netpoll = false;
	if (sched.timer_waiter == mp) {
		sched.timer_waiter = nullptr;
		sched.timer_wait_until.store(0);
	}
	p *pp = list != nullptr ? pidleget_locked() : nullptr;
	unlock(&sched.lock);
	if (list == nullptr)
		return nullptr;
	if (pp == nullptr) {
		inject_glist(list, nullptr);
		return nullptr;
	}
	acquirep(mp, pp);
	return netpoll_take(pp, list);
}

/* Put what globrunq_take_locked() took on @pp's ring; returns the G to
 * run.  More than one: they were published on the global queue, and
 * until now an M idling its P under sched.lock saw them there; taken
 * out under the lock and put on the ring after it, they are Gs queued
 * on this M's own P, so INV-SCHED-2's exception applies (wakep_local()),
 * as after a go(). */
static g *globrunq_spread_wake(p *pp, glist l)
{
	g *gp = globrunq_spread(pp, l);
	if (l.n > 1)
		wakep_local();
	return gp;
}

/* Four passes over the other Ps in a random order; see the header. */
static g *steal_work(m *mp, p *pp)
{
	u32 procs = sched.procs.load(acquire);
	for (int pass = 0; pass < 4; pass++) {
		bool last = pass == 3;
		u32 start = fastrand(mp) % procs;
		u32 stride = fastrand(mp) % procs + 1;
		while (gcd(stride, procs) != 1)
			stride++;
		for (u32 k = 0; k < procs; k++) {
			p *victim = sched.allp[(start + k * stride) % procs];
			if (victim == pp)
				continue;
			if (last && victim->timer0_when.load(relaxed) != 0) {
				timers_run(victim, nanotime());
				bool inherit;
				if (g *gp = runq_get(pp, &inherit))
					return gp;
			}
			if (g *gp = runq_steal(pp, victim, false)) {
				trace_ev(pp, trace_ev_type::steal, gp->goid,
					 victim->id);
				return gp;
			}
			/* On the last pass also runnext, but first give a
			 * running victim time to take it itself: a G readied
			 * by its P's running G is usually about to run there,
			 * on a warm cache, once the readier blocks (a channel
			 * hand-off).  Stolen at once, hand-offs keep moving
			 * across CPUs: a buffered producer/consumer pair at
			 * procs 2 took 45 ns per item with a 3 us spin here,
			 * 20 ns with this sleep.  As Go (runqgrab), sleep
			 * rather than spin, about 50 us: Go asks 3 us, which
			 * Linux's default 50 us timer slack makes about 50;
			 * Ms sleep with a 1 us slack (m_timer_slack_set), so
			 * ask for what is meant. */
			if (last && victim->runnext.load(relaxed) != nullptr) {
				if (victim->status.load(relaxed) ==
				    pstatus::running) {
					struct timespec ts = {0,
							      RUNNEXT_GRACE_NS};
					::nanosleep(&ts, nullptr);
				}
				if (g *gp = runq_steal(pp, victim, true)) {
					trace_ev(pp, trace_ev_type::steal,
						 gp->goid, victim->id);
					return gp;
				}
			}
		}
	}
	return nullptr;
}

/* @pp's id is beyond procs (set_procs shrank): move its work and timers
 * to live places and retire it.  Context: @mp holds @pp. */
static void retirep(m *mp, p *pp)
{
	lock(&sched.lock);
	releasep(mp);
	p_retire_locked(pp);
	p *other = pidleget_locked();
	unlock(&sched.lock);
	if (other != nullptr)
		acquirep(mp, other);
	/* INV-SCHED-2: the drained Gs were published to the global queue;
	 * an M that gave its P up meanwhile must not sleep on them. */
	wakep();
}

/* Get a P for an M that has none, sleeping as long as it takes.  Returns
 * false when the runtime is stopping. */
static bool m_get_p(m *mp)
{
	for (;;) {
		if (sched.stopping.load(relaxed))
			return false;
		lock(&sched.lock);
		p *pp = pidleget_locked();
		unlock(&sched.lock);
		if (pp != nullptr) {
			acquirep(mp, pp);
			return true;
		}
		if (stopm(mp, 0))
			return true;
	}
}

/*
 * find_runnable - the next G for @mp to run; blocks until there is one.
 * Returns nullptr only when the runtime is stopping (then @mp holds no P).
 * Context: @mp's scheduler context, holding a P.
 */
static g *find_runnable(m *mp, bool *inherit)
{
top:
	if (sched.stopping.load(relaxed)) {
		if (mp->pp != nullptr) {
			lock(&sched.lock);
			pidleput_locked(releasep(mp));
			unlock(&sched.lock);
		}
		return nullptr;
	}
	if (mp->pp == nullptr && !m_get_p(mp))
		return nullptr;
	p *pp = mp->pp;
	if (pp->id >= sched.procs.load(acquire)) {
		retirep(mp, pp);
		goto top;
	}
	*inherit = false;
	if (pp->timer0_when.load(relaxed) != 0)
		timers_run(pp, nanotime());

	/* Fairness: now and then the global queue first. */
	if (pp->schedtick.load(relaxed) % 61 == 0 &&
	    sched.runq_size.load(relaxed) > 0) {
		lock(&sched.lock);
		glist l = globrunq_take_locked(true);
		unlock(&sched.lock);
		if (g *gp = globrunq_spread(pp, l))
			return gp;
	}
	if (g *gp = runq_get(pp, inherit))
		return gp;
	if (sched.runq_size.load(relaxed) > 0) {
		lock(&sched.lock);
		glist l = globrunq_take_locked(false);
		unlock(&sched.lock);
		if (g *gp = globrunq_spread_wake(pp, l))
			return gp;
	}

	/* Network: goroutines whose descriptors became ready, if no M is
	 * blocked in the poller already (it would hand them out itself). */
	if (netpoll_unpolled()) {
		if (g *gp = netpoll_take(pp, netpoll(0)))
			return gp;
	}

	/* INV-SCHED-1: spin only while few Ms do. */
	u32 procs = sched.procs.load(acquire);
	u32 busy = procs - sched.npidle.load(relaxed);
	if (mp->spinning || 2 * sched.nmspinning.load(relaxed) < busy) {
		if (!mp->spinning) {
			mp->spinning = true;
			sched.nmspinning.fetch_add(1);
		}
		if (g *gp = steal_work(mp, pp))
			return gp;
		/* Spin a little before giving the P up.  Waking a sleeping
		 * M costs tens of microseconds (a futex wake-up on another
		 * CPU); while this M spins, nmspinning stays non-zero and
		 * new work wakes nobody, so a burst of hand-offs pays that
		 * price once, not once per hand-off. */
		i64 now = nanotime();
		i64 until = now + SPIN_BEFORE_PARK_NS;
		do {
			for (int k = 0; k < 32; k++)
				arch_relax();
			now = nanotime();
			if (any_work(now))
				goto top; /* a G to steal or a timer due */
		} while (now < until);
	}

	/* Nothing to run: trim released stacks while nothing turns up
	 * (stack.h explains why here and not when they are released). */
	stack_cache_flush(&pp->stacks); /* so that idle trimming sees them */
	if (stack_pool_unchecked() > 0 && stack_pool_trim_some()) {
		while (runq_empty(pp) && sched.runq_size.load(relaxed) == 0 &&
		       stack_pool_trim_some())
			;
		goto top;
	}

	/* Nothing: give the P back. */
	lock(&sched.lock);
	if (sched.runq_size.load(relaxed) > 0) {
		glist l = globrunq_take_locked(false);
		unlock(&sched.lock);
		return globrunq_spread_wake(pp, l);
	}
	pidleput_locked(releasep(mp));
	unlock(&sched.lock);

	/* INV-SCHED-2, spinner side: stop counting, fence, look again. */
	if (mp->spinning) {
		mp->spinning = false;
		sched.nmspinning.fetch_sub(1);
		if (any_work(nanotime())) {
			lock(&sched.lock);
			p *again = pidleget_locked();
			unlock(&sched.lock);
			if (again != nullptr) {
				acquirep(mp, again);
				mp->spinning = true;
				sched.nmspinning.fetch_add(1);
				goto top;
			}
		}
	}

	/* Goroutines wait on descriptors: one M sleeps in the poller, and
	 * serves the earliest timer too. */
	if (netpoll_inited() && netpoll_waiters.load(relaxed) > 0 &&
	    sched.lastpoll.exchange(0) != 0) {
		if (g *gp = netpoll_block(mp))
			return gp;
		goto top;
	}

	/* Sleep until handed a P or the earliest timer.  Without an idle P
	 * to run a due timer on, sleep until handed one. */
	if (stopm(mp, timers_earliest()))
		goto top;
	if (sched.stopping.load(relaxed))
		return nullptr;
	lock(&sched.lock);
	p *idle = pidleget_locked();
	unlock(&sched.lock);
	if (idle != nullptr)
		acquirep(mp, idle);
	else if (!m_get_p(mp))
		return nullptr;
	goto top;
}

/* Hand our P to the M that @gp is locked to, then wait for a P. */
static void startlockedm(m *mp, g *gp)
{
	m *lm = gp->lockedm;
	p *pp = releasep(mp);
	lock(&sched.lock);
	lm->nextp = pp;
	/* It runs from now on: stop counting it idle before the lock is
	 * dropped, or an M going idle meanwhile sees nobody running and
	 * reports a deadlock (Go's incidlelocked(-1) here). */
	if (lm->idlelocked) {
		lm->idlelocked = false;
		sched.nmidlelocked--;
	}
	unlock(&sched.lock);
	notewakeup(lm);
}

/* Our P's next G is locked to an M that sleeps until it is handed that
 * G (the usual case after a preemption: the preempted G is pinned to its
 * M, preempt.h): give the P straight to that M.  One wake-up, where
 * handoffp() would wake an idle M only for it to find that G and pass
 * the P on (two wake-ups, each tens of microseconds on another CPU).
 * Only when find_runnable() would take that G first: no timer to run on
 * the P, no fairness tick due, the P still live, the runtime not
 * stopping.  Context: @mp holds its P and is locked to a G that is not
 * running. */
static bool pass_to_locked_m(m *mp)
{
	p *pp = mp->pp;
	if (pp->timer0_when.load(relaxed) != 0 ||
	    pp->schedtick.load(relaxed) % 61 == 0 ||
	    pp->id >= sched.procs.load(acquire) || sched.stopping.load(relaxed))
		return false;
	bool inherit;
	g *gp = runq_get(pp, &inherit);
	if (gp == nullptr)
		return false;
	if (gp->lockedm == nullptr || gp->lockedm == mp) {
		runq_put(pp, gp, true); /* first again, for whoever runs pp */
		return false;
	}
	startlockedm(mp, gp);
	return true;
}

/*
 * Pre-waking.  A preempted G resumes on its own M (preempt.h), so each
 * preemption hands the P to the M of the G that runs next, usually one
 * asleep in stoplockedm() since its own G was preempted.  Woken only at
 * the hand-off, that M took about 50 us to run on this VM (a futex
 * wake-up on the other CPU), time the P stood idle at every 10 ms slice.
 * sysmon knows the hand-off is coming when it signals the running G, a
 * signal delivery (36 to 180 us here) before it happens: it wakes that M
 * at once, and the M spins for the P up to PREWAKE_SPIN_NS on a CPU the
 * runtime is not using, instead of sleeping again.
 */
static constexpr i64 PREWAKE_SPIN_NS = 300 * 1000;

void prewake_locked_m_locked(p *pp)
{
	if (sched.npidle.load(relaxed) == 0 &&
	    sched.ncpu <= sched.procs.load(relaxed))
		return; /* no CPU to spin on */
	g *next = runq_peek(pp);
	if (next == nullptr)
		return;
	/* A hint, read racily: the G may be taken meanwhile.  So the M is
	 * looked up among the live ones, under the lock we hold. */
	m *lm = __atomic_load_n(&next->lockedm, __ATOMIC_RELAXED);
	for (m *mp = sched.allm; mp != nullptr; mp = mp->alllink) {
		if (mp == lm && mp->idlelocked) {
			mp->prewoken.store(true, relaxed);
			notewakeup(mp);
			return;
		}
	}
}

/* An M pre-woken by sysmon: wait for the P on the CPU, briefly. */
static void spin_for_note(m *mp)
{
	i64 until = nanotime() + PREWAKE_SPIN_NS;
	while (mp->park.load(acquire) == 0) {
		for (int k = 0; k < 32; k++)
			arch_relax();
		if (nanotime() >= until)
			return;
	}
}

/* Our locked G stopped running: lend our P out until it is runnable and
 * handed back to us with a P (startlockedm). */
static bool stoplockedm(m *mp)
{
	if (mp->pp != nullptr && !pass_to_locked_m(mp))
		handoffp(releasep(mp));
	for (;;) {
		mp->park.store(0, relaxed);
		lock(&sched.lock);
		if (take_nextp_unlock(mp)) {
			mp->prewoken.store(false, relaxed);
			return true;
		}
		if (sched.stopping.load(relaxed)) {
			unlock(&sched.lock);
			return false;
		}
		sched.nmidlelocked++;
		mp->idlelocked = true;
		checkdead_locked();
		unlock(&sched.lock);
		if (mp->park.load(acquire) == 0 &&
		    mp->prewoken.exchange(false, relaxed))
			spin_for_note(mp);
		if (mp->park.load(acquire) == 0)
			futex_wait(&mp->park, 0, -1);
		lock(&sched.lock);
		if (mp->idlelocked) {
			mp->idlelocked = false;
			sched.nmidlelocked--;
		}
		unlock(&sched.lock);
	}
}

g *run_g(m *mp, g *gp, bool inherit);
g *after_g(m *mp, g *gp);

void schedule_loop(m *mp)
{
	for (;;) {
		bool inherit = false;
		g *gp;
		if (mp->lockedg != nullptr) {
			/* Only our locked G may run here. */
			if (!stoplockedm(mp))
				return;
			gp = mp->lockedg;
			inherit = false; /* a new slice, as for any G */
		} else {
			gp = find_runnable(mp, &inherit);
			if (gp == nullptr)
				return;
			if (mp->spinning)
				resetspinning(mp);
			/* A spawn G never ran, so it is not locked: its
			 * lockedm's line is not read (struct g). */
			if (gp->spawn == spawn_kind::none &&
			    gp->lockedm != nullptr && gp->lockedm != mp) {
				startlockedm(mp, gp);
				continue;
			}
		}
		while (gp != nullptr) {
			g *back = run_g(mp, gp, inherit);
			gp = after_g(mp, back);
			inherit = true;
		}
	}
}

void m_init_eh_slot(m *mp);

/*
 * The runtime's timers fire on time.  Linux lets a sleeping thread's
 * timeout expire up to its timer slack late (50 us by default), so that
 * wake-ups coalesce; an M sleeping until the earliest timer (stopm(), the
 * poller) is how sleep(), after() and deadlines fire, so Ms sleep with a
 * 1 us slack instead: the median lateness of sleep(1 ms) went from about
 * 115 us to 70 us here (bench/run.sh; Go keeps the default).  Child
 * threads inherit the slack, so sysmon's and new Ms' start with it too.
 * m0 is the program's own thread: run() puts its slack back at the end.
 */
static constexpr unsigned long M_TIMER_SLACK_NS = 1000;

void m_timer_slack_set()
{
	::prctl(PR_SET_TIMERSLACK, M_TIMER_SLACK_NS, 0, 0, 0);
}

/* Name the thread "gort-m<id>", so that top -H, gdb and /proc tell the
 * runtime's threads apart (the program's own thread, m0, keeps its
 * name). */
static void m_name_thread(const m *mp)
{
	char name[32] = "gort-m"; /* the kernel keeps the first 15 */
	name[6 + fmt_u64(name + 6, mp->id)] = '\0';
	::prctl(PR_SET_NAME, name, 0, 0, 0);
}

void mstart(m *mp)
{
	set_current_m(mp);
	m_name_thread(mp);
	fiber_init_thread(&mp->g0);
	race_release(mp); /* this thread's TLS is set up: proc.cpp's
			     race_acquire(mp) in every G that runs here */
	m_init_eh_slot(mp);
	preempt_thread_init(mp);
	m_timer_slack_set();
	lock(&sched.lock);
	if (!take_nextp_unlock(mp))
		fatal("sched: a new M started without a P");
	schedule_loop(mp);

	/* The runtime is stopping; run() on m0 joins this thread. */
	lock(&sched.lock);
	bool last = --sched.nm == 1;
	m *m0 = sched.m0;
	unlock(&sched.lock);
	if (last)
		notewakeup(m0);
	set_current_m(nullptr);
	pthread_exit(nullptr);
}

} // namespace gort::rt
