/*
 * bench/scenarios/clock.cpp - the one clock every scenario reads.
 */
#include "scenarios.h"

#include <ctime>

namespace gort_bench {

std::uint64_t now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u +
	       std::uint64_t(ts.tv_nsec);
}

} // namespace gort_bench
