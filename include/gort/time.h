/*
 * gort/time.h - timers for goroutines and threads: a one-shot timer, a
 * ticker, after().  Waiting on them parks a goroutine (or blocks a plain
 * thread); the runtime keeps them in per-processor heaps and an idle
 * runtime sleeps until the earliest one, burning no CPU.
 *
 *   gort::timer t(50ms);      // starts now
 *   t.wait();                 // returns once it has fired
 *   gort::ticker tk(10ms);
 *   for (int i = 0; i < 5; i++)
 *           tk.wait();        // one tick each; missed ticks are dropped
 *
 * after(d) is Go's time.After: a channel that receives the time once, d
 * from now, for select timeouts.
 * Timers are not copyable or movable: the runtime holds their address.
 * They exist only while run() is active (creating one outside throws
 * panic_error); plain threads may wait on them meanwhile.
 */
#pragma once

#include "gort/chan.h"

#include <chrono>
#include <memory>

namespace gort {

namespace detail {
struct timer_state;
}

class timer {
public:
	explicit timer(std::chrono::nanoseconds d);
	~timer();
	timer(const timer &) = delete;
	timer &operator=(const timer &) = delete;

	/* Go's Stop: prevent the timer from firing; true if it was pending. */
	bool stop();
	/* Go's Reset: fire @d from now; true if it was pending. */
	bool reset(std::chrono::nanoseconds d);
	/* Block until the timer has fired (at once if it already has). */
	void wait();
	bool fired() const;

private:
	friend class ticker;
	timer(std::chrono::nanoseconds d, std::chrono::nanoseconds period);
	std::unique_ptr<detail::timer_state> st_;
};

class ticker {
public:
	explicit ticker(std::chrono::nanoseconds period);
	ticker(const ticker &) = delete;
	ticker &operator=(const ticker &) = delete;

	void stop();
	/* Tick every @period from now on. */
	void reset(std::chrono::nanoseconds period);
	/* Block until the next tick not yet waited for.  Like Go's ticker
	 * channel (capacity 1), at most one tick is kept while nobody waits;
	 * the rest are dropped. */
	void wait();

private:
	timer t_;
	std::chrono::nanoseconds period_;
};

/* Go's time.After: a channel (capacity 1) that receives the time @d from
 * now.  Nothing to stop: if nobody receives, the value just waits. */
chan<std::chrono::steady_clock::time_point> after(std::chrono::nanoseconds d);

} // namespace gort
