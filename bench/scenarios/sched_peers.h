/*
 * bench/scenarios/sched_peers.h - the peers of gort's scheduler
 * benchmarks: Boost.Fiber (a user-space scheduler on one thread) and
 * pthreads (the kernel's).  gort's own side of each comparison comes with
 * the scheduler; the Go peers are separate programs in bench/go/.
 *
 * As in scenarios.h, each function runs its operations and returns the
 * elapsed nanoseconds of the timed part only (read with now_ns()), so
 * setup such as filling a stack pool stays out of the figure.
 */
#pragma once

#include <cstdint>

namespace gort_bench {

/*
 * Two Boost fibers on this thread, each calling boost::this_fiber::yield()
 * @rounds times: 2 * @rounds switches through Boost.Fiber's round-robin
 * scheduler.  Returns 0 when built without Boost.Fiber.
 */
std::uint64_t yield_boost_fiber(std::uint64_t rounds);

/*
 * Spawn @n Boost fibers that do nothing, then join them all.  Stacks come
 * from a pooled_fixedsize_stack filled before the clock starts, so stack
 * allocation is not measured.  Returns 0 when built without Boost.Fiber.
 */
std::uint64_t spawn_join_boost_fiber(std::uint64_t n);

bool have_boost_fiber();

/* Boost.Fiber's unbuffered_channel ping-pong, @rounds round trips, and
 * buffered_channel (capacity 128) throughput, @items items; one thread. */
std::uint64_t chan_pingpong_boost_fiber(std::uint64_t rounds);
std::uint64_t chan_buffered_boost_fiber(std::uint64_t items);

/*
 * @n times pthread_create + pthread_join of a thread that does nothing.
 * @pinned: the caller, and so each child, is pinned to the CPU it is on,
 * and its affinity is restored afterwards.
 */
std::uint64_t spawn_join_pthread(std::uint64_t n, bool pinned);

/* How late a sleep returns, in microseconds past the time asked for. */
struct lateness {
	double median_us, max_us;
};

/* clock_nanosleep(CLOCK_MONOTONIC, 0, 1 ms), @sleeps times. */
lateness sleep_lateness_nanosleep(int sleeps);

} // namespace gort_bench
