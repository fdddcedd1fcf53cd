/*
 * bench/scenarios/scenarios.h - the measured scenarios, each timed from the
 * inside so that setup (threads, stacks) stays out of the figure.  The
 * Google Benchmark binary (bench/) and the comparison tool (tools/compare)
 * both call these, so the README's numbers and the benchmark's agree.
 *
 * Each function runs @rounds round trips and returns the elapsed
 * nanoseconds of the timed part.  A round trip is two one-way switches.
 */
#pragma once

#include <cstdint>

namespace gort_bench {

/* gort: two fibers on one thread switching back and forth. */
std::uint64_t switch_gort(std::uint64_t rounds);

/* Two pthreads pinned to one CPU handing a token through a futex. */
std::uint64_t switch_pthread_futex(std::uint64_t rounds, bool pinned);

/* Boost.Context fcontext ping-pong; returns 0 when built without it. */
std::uint64_t switch_boost_fcontext(std::uint64_t rounds);
bool have_boost_context();

/* Stack from gort's pool and back; @touch: write the top page. */
std::uint64_t stack_pool_cycle(std::uint64_t rounds, bool touch);

/* The same from a fresh mmap with an mprotect guard page, then munmap. */
std::uint64_t stack_mmap_cycle(std::uint64_t rounds, bool touch);

/* Monotonic clock in nanoseconds. */
std::uint64_t now_ns();

} // namespace gort_bench
