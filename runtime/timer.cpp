/*
 * runtime/timer.cpp - see timer.h.
 *
 * The heap is 4-ary, as Go's: shallower than a binary heap, and the four
 * children of a node share a cache line or two.  Its array grows by
 * doubling with sysalloc (mmap), so adding a timer allocates nothing from
 * the C++ heap; 100,000 sleeping goroutines need a 1 MiB array.
 */
#include "runtime/timer.h"

#include "arch/arch.h"
#include "runtime/futex_linux.h"
#include "runtime/netpoll.h"
#include "runtime/panic.h"
#include "runtime/sysalloc.h"
#include "runtime/trace.h"

#include <cstring>
#include <sched.h>

namespace gort::rt {

/* The P whose heap a timer added on this thread joins. */
static p *timer_home()
{
	m *mp = current_m();
	if (mp != nullptr && mp->pp != nullptr)
		return mp->pp;
	return sched.allp[0];
}

static void heap_set(p *pp, u32 i, timer *t)
{
	pp->timers[i] = t;
	t->idx = i;
}

static void sift_up(p *pp, u32 i)
{
	timer *t = pp->timers[i];
	while (i > 0) {
		u32 parent = (i - 1) / 4;
		if (pp->timers[parent]->when <= t->when)
			break;
		heap_set(pp, i, pp->timers[parent]);
		i = parent;
	}
	heap_set(pp, i, t);
}

static void sift_down(p *pp, u32 i)
{
	timer *t = pp->timers[i];
	u32 n = pp->ntimers;
	for (;;) {
		u32 c = 4 * i + 1;
		if (c >= n)
			break;
		u32 best = c;
		for (u32 k = c + 1; k < c + 4 && k < n; k++)
			if (pp->timers[k]->when < pp->timers[best]->when)
				best = k;
		if (pp->timers[best]->when >= t->when)
			break;
		heap_set(pp, i, pp->timers[best]);
		i = best;
	}
	heap_set(pp, i, t);
}

static void update_timer0(p *pp)
{
	/* seq_cst: pairs with the waiter's store of timer_wait_until
	 * (timers_wake_waiter / sched.cpp), Dekker-style. */
	pp->timer0_when.store(pp->ntimers > 0 ? pp->timers[0]->when : 0);
}

static void heap_grow(p *pp)
{
	u32 cap = pp->timers_cap ? pp->timers_cap * 2 : 64;
	void *mem = sysalloc(cap * sizeof(timer *));
	if (mem == nullptr)
		fatal("timer: out of memory for a timer heap");
	if (pp->timers != nullptr) {
		rt_copy(mem, pp->timers, pp->ntimers * sizeof(timer *));
		sysfree(pp->timers, pp->timers_cap * sizeof(timer *));
	}
	pp->timers = static_cast<timer **>(mem);
	pp->timers_cap = cap;
}

/* Context: pp->timer_lock held. */
static void heap_add(p *pp, timer *t)
{
	if (pp->ntimers == pp->timers_cap)
		heap_grow(pp);
	u32 i = pp->ntimers++;
	heap_set(pp, i, t);
	sift_up(pp, i);
	t->pp.store(pp, std::memory_order_relaxed);
}

/* Context: pp->timer_lock held; t is in pp's heap. */
static void heap_remove(p *pp, timer *t)
{
	u32 i = t->idx;
	u32 last = --pp->ntimers;
	if (i != last) {
		heap_set(pp, i, pp->timers[last]);
		if (i > 0 &&
		    pp->timers[i]->when < pp->timers[(i - 1) / 4]->when)
			sift_up(pp, i);
		else
			sift_down(pp, i);
	}
	t->pp.store(nullptr, std::memory_order_relaxed);
}

void timers_wake_waiter(i64 when)
{
	i64 until = sched.timer_wait_until.load();
	if (until == 0) {
		/* No M sleeps until a deadline.  An M holding a P will look
		 * at the timers before it sleeps; a thread outside the
		 * runtime must wake one, or every M may sleep for ever. */
		m *mp = current_m();
		if (mp == nullptr || mp->pp == nullptr)
			wakep();
		return;
	}
	if (when >= until)
		return;
	lock(&sched.lock);
	m *waiter = sched.timer_waiter;
	if (waiter != nullptr) {
		sched.timer_waiter = nullptr;
		sched.timer_wait_until.store(0);
		if (waiter->in_netpoll) {
			netpoll_break(); /* it sleeps in epoll_wait */
		} else {
			waiter->park.store(1, std::memory_order_release);
			futex_wake(&waiter->park, 1);
		}
	}
	unlock(&sched.lock);
}

void timer_start(timer *t, i64 when)
{
	p *pp = timer_home();
	t->when = when;
	lock(&pp->timer_lock);
	heap_add(pp, t);
	bool top = t->idx == 0;
	if (top)
		update_timer0(pp);
	unlock(&pp->timer_lock);
	if (top)
		timers_wake_waiter(when);
}

bool timer_stop(timer *t)
{
	for (;;) {
		p *pp = t->pp.load(std::memory_order_acquire);
		if (pp == nullptr)
			return false;
		lock(&pp->timer_lock);
		/* It may have moved (set_procs) or fired meanwhile. */
		if (t->pp.load(std::memory_order_relaxed) != pp) {
			unlock(&pp->timer_lock);
			continue;
		}
		heap_remove(pp, t);
		update_timer0(pp);
		unlock(&pp->timer_lock);
		return true;
	}
}

/* Which timer's fn each P's checker is running now; see timer_wait_idle. */
static std::atomic<timer *> g_running[MAX_PROCS];

void timer_wait_idle(timer *t)
{
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++)
		while (g_running[i].load(std::memory_order_acquire) == t)
			::sched_yield();
}

void timers_run(p *pp, i64 now)
{
	i64 first = pp->timer0_when.load(std::memory_order_relaxed);
	if (first == 0 || first > now)
		return;
	lock(&pp->timer_lock);
	while (pp->ntimers > 0 && pp->timers[0]->when <= now) {
		timer *t = pp->timers[0];
		bool periodic = t->period > 0;
		if (periodic) {
			/* Skip missed periods, as a Go ticker drops ticks. */
			t->when +=
				t->period * (1 + (now - t->when) / t->period);
			sift_down(pp, 0);
		} else {
			heap_remove(pp, t);
		}
		void (*fn)(timer *, void *) = t->fn;
		void *arg = t->arg;
		i64 late = now - t->when;
		g_running[pp->id].store(t, std::memory_order_relaxed);
		update_timer0(pp);
		unlock(&pp->timer_lock);
		/* Before fn: the goroutine it readies may stop the tracer at
		 * once, and this thread may be descheduled in between.  Not
		 * on @pp's buffer: the caller may not own it (a stealer). */
		trace_ev_here(trace_ev_type::timer_fire, 0,
			      late > 0 ? u64(late) : 1); /* 0 is no arg */
		fn(t, arg); /* a one-shot t may be gone after this */
		/* Only the P's slot is written: never t itself. */
		g_running[pp->id].store(nullptr, std::memory_order_release);
		lock(&pp->timer_lock);
	}
	update_timer0(pp);
	unlock(&pp->timer_lock);
}

i64 timers_earliest()
{
	i64 best = 0;
	u32 n = sched.procs.load(std::memory_order_acquire);
	for (u32 i = 0; i < n; i++) {
		i64 w = sched.allp[i]->timer0_when.load();
		if (w != 0 && (best == 0 || w < best))
			best = w;
	}
	return best;
}

void timers_move(p *from, p *to)
{
	/* Lock order between timer locks: lower P id first. */
	p *first = from->id < to->id ? from : to;
	p *second = first == from ? to : from;
	lock(&first->timer_lock);
	lock(&second->timer_lock);
	while (from->ntimers > 0) {
		timer *t = from->timers[from->ntimers - 1];
		heap_remove(from, t);
		heap_add(to, t);
	}
	update_timer0(from);
	update_timer0(to);
	unlock(&second->timer_lock);
	unlock(&first->timer_lock);
}

void timers_clear(p *pp)
{
	lock(&pp->timer_lock);
	for (u32 i = 0; i < pp->ntimers; i++) {
		timer *t = pp->timers[i];
		t->pp.store(nullptr, std::memory_order_relaxed);
		if (t->discard != nullptr)
			t->discard(t, t->arg);
	}
	pp->ntimers = 0;
	update_timer0(pp);
	unlock(&pp->timer_lock);
}

} // namespace gort::rt
