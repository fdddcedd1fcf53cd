/*
 * bench/sched_peers.cpp - the peers of gort's scheduler benchmarks:
 * Boost.Fiber's yield and spawn + join, and pthread_create + join with and
 * without pinning to one CPU.  gort's own entries join these with the
 * scheduler; the Go peers are separate programs (bench/go/run.sh).  The
 * figure to read is the ns_per_op counter: per one-way yield, or per unit
 * spawned, run and joined.
 */
#include "scenarios/sched_peers.h"

#include <benchmark/benchmark.h>

using namespace gort_bench;

namespace {

constexpr std::uint64_t YIELD_BATCH = 1 << 16; /* yields per fiber */
constexpr std::uint64_t FIBER_BATCH = 10000;   /* fibers per iteration */
constexpr std::uint64_t PTHREAD_BATCH = 1000;  /* threads per iteration */

/*
 * Manual time: each benchmark iteration runs @scenario on a batch of
 * @batch, timed inside the scenario without its setup, and counts @ops
 * operations toward ns_per_op.
 */
template <typename F>
void run_ops(benchmark::State &state, F scenario, std::uint64_t batch,
	     std::uint64_t ops)
{
	for (auto _ : state) {
		std::uint64_t ns = scenario(batch);
		state.SetIterationTime(double(ns) * 1e-9);
	}
	state.counters["ns_per_op"] = benchmark::Counter(
		double(state.iterations() * ops),
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/* Two fibers each yield YIELD_BATCH times: 2 * YIELD_BATCH switches. */
void BM_yield_boost_fiber(benchmark::State &state)
{
	if (!have_boost_fiber()) {
		state.SkipWithError("built without libboost-fiber-dev");
		return;
	}
	run_ops(state, yield_boost_fiber, YIELD_BATCH, 2 * YIELD_BATCH);
}

void BM_spawn_join_boost_fiber(benchmark::State &state)
{
	if (!have_boost_fiber()) {
		state.SkipWithError("built without libboost-fiber-dev");
		return;
	}
	run_ops(state, spawn_join_boost_fiber, FIBER_BATCH, FIBER_BATCH);
}

void BM_spawn_join_pthread(benchmark::State &state)
{
	bool pinned = state.range(0) != 0;
	run_ops(
		state,
		[pinned](std::uint64_t n) {
			return spawn_join_pthread(n, pinned);
		},
		PTHREAD_BATCH, PTHREAD_BATCH);
}

} // namespace

BENCHMARK(BM_yield_boost_fiber)->UseManualTime();
BENCHMARK(BM_spawn_join_boost_fiber)->UseManualTime();
BENCHMARK(BM_spawn_join_pthread)
	->ArgName("pinned")
	->Arg(0)
	->Arg(1)
	->UseManualTime();
