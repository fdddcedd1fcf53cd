/*
 * runtime/time_api.cpp - gort::timer, gort::ticker and after() over the
 * runtime's timers (timer.h) and waiter queues (waitq.h).
 *
 * INV-TIME-1: state fields (fired, ticks, taken, waiters) belong to
 *   st->lock.  The runtime timer's fn takes the lock, so the destructor
 *   stops the timer and waits for a running fn (timer_wait_idle) before
 *   the state goes away.
 * A one-shot timer "ticks" once; a ticker counts ticks, and wait()
 * consumes all of them at once (Go's ticker channel holds one tick).
 */
#include <gort/panic.h>
#include <gort/time.h>

#include "runtime/timer.h"
#include "runtime/waitq.h"

namespace gort {

namespace detail {

struct timer_state {
	rt::timer t;
	rt::rt_lock lock;
	std::uint64_t ticks = 0; /* lock */
	std::uint64_t taken = 0; /* lock: ticks consumed by wait() */
	rt::waitq waiters;	 /* lock */
};

} // namespace detail

using detail::timer_state;

static void on_fire(rt::timer *, void *arg)
{
	auto st = static_cast<timer_state *>(arg);
	rt::lock(&st->lock);
	st->ticks++;
	rt::waitq woken = st->waiters;
	st->waiters = rt::waitq{};
	rt::unlock(&st->lock);
	while (rt::waiter *w = woken.pop())
		rt::waiter_wake(w);
}

static void start_raw(rt::timer *t, std::chrono::nanoseconds d)
{
	rt::timer_start(t, rt::nanotime() + d.count());
}

static void start(timer_state *st, std::chrono::nanoseconds d)
{
	start_raw(&st->t, d);
}

timer::timer(std::chrono::nanoseconds d) : timer(d, {}) {}

timer::timer(std::chrono::nanoseconds d, std::chrono::nanoseconds period)
    : st_(std::make_unique<timer_state>())
{
	/* Only a running runtime's Ms run timers. */
	if (!rt::sched.running.load(std::memory_order_acquire))
		throw panic_error("gort: timers need a running runtime; "
				  "create them inside gort::run()");
	st_->t.fn = on_fire;
	st_->t.arg = st_.get();
	st_->t.period = period.count();
	start(st_.get(), d);
}

timer::~timer()
{
	rt::timer_stop(&st_->t);
	rt::timer_wait_idle(&st_->t);
}

bool timer::stop()
{
	bool was = rt::timer_stop(&st_->t);
	rt::timer_wait_idle(&st_->t);
	return was;
}

bool timer::reset(std::chrono::nanoseconds d)
{
	bool was = stop();
	rt::lock(&st_->lock);
	st_->taken = st_->ticks; /* a fresh one-shot: not fired yet */
	rt::unlock(&st_->lock);
	start(st_.get(), d);
	return was;
}

void timer::wait()
{
	timer_state *st = st_.get();
	rt::lock(&st->lock);
	while (st->ticks == st->taken) {
		rt::waiter w;
		rt::waiter_init(&w);
		st->waiters.push(&w);
		rt::waiter_block(&w, &st->lock, "timer");
		rt::lock(&st->lock);
	}
	/* One-shot: stays fired.  Ticker: consume every tick so far. */
	if (st->t.period > 0)
		st->taken = st->ticks;
	rt::unlock(&st->lock);
}

bool timer::fired() const
{
	rt::lock(&st_->lock);
	bool f = st_->ticks != st_->taken;
	rt::unlock(&st_->lock);
	return f;
}

ticker::ticker(std::chrono::nanoseconds period)
    : t_(period, period), period_(period)
{}

void ticker::stop()
{
	t_.stop();
}

void ticker::reset(std::chrono::nanoseconds period)
{
	t_.stop();
	period_ = period;
	t_.st_->t.period = period.count();
	rt::lock(&t_.st_->lock);
	t_.st_->taken = t_.st_->ticks;
	rt::unlock(&t_.st_->lock);
	start(t_.st_.get(), period);
}

void ticker::wait()
{
	t_.wait();
}

chan<std::chrono::steady_clock::time_point> after(std::chrono::nanoseconds d)
{
	if (!rt::sched.running.load(std::memory_order_acquire))
		throw panic_error("gort: timers need a running runtime; "
				  "create them inside gort::run()");
	using tp = std::chrono::steady_clock::time_point;
	/* Owns itself until it fires: the runtime never touches a one-shot
	 * timer after calling its fn, so the fn may delete it. */
	struct once {
		rt::timer t;
		chan<tp> ch{1};
	};
	auto o = new once();
	o->t.fn = [](rt::timer *, void *arg) {
		auto op = static_cast<once *>(arg);
		/* Capacity 1 and one send: it never blocks, so it is fine on
		 * a scheduler context. */
		(void)op->ch.try_send(std::chrono::steady_clock::now());
		delete op;
	};
	/* run() ended first: nobody will receive; free it all the same. */
	o->t.discard = [](rt::timer *, void *arg) {
		delete static_cast<once *>(arg);
	};
	o->t.arg = o;
	chan<tp> result = o->ch;
	start_raw(&o->t, d);
	return result;
}

} // namespace gort
