/*
 * bench/arch_switch.cpp - one-way switch time: gort's switch against
 * Boost.Context's fcontext and two pthreads handing off through a futex,
 * all in the same run.  The figure to read is the ns_per_switch counter.
 */
#include "scenarios/scenarios.h"

#include <benchmark/benchmark.h>

using namespace gort_bench;

namespace {

constexpr std::uint64_t BATCH = 1 << 16;

/* Manual time: each benchmark iteration is a batch of BATCH round trips,
 * timed inside the scenario without its setup. */
template <typename F>
void run_switch(benchmark::State &state, F scenario, std::uint64_t batch)
{
	for (auto _ : state) {
		std::uint64_t ns = scenario(batch);
		state.SetIterationTime(double(ns) * 1e-9);
	}
	state.counters["ns_per_switch"] = benchmark::Counter(
		double(state.iterations() * batch * 2),
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_switch_gort(benchmark::State &state)
{
	run_switch(state, switch_gort, BATCH);
}

void BM_switch_boost_fcontext(benchmark::State &state)
{
	if (!have_boost_context()) {
		state.SkipWithError("built without libboost-context-dev");
		return;
	}
	run_switch(state, switch_boost_fcontext, BATCH);
}

void BM_switch_pthread_futex_pinned(benchmark::State &state)
{
	run_switch(
		state,
		[](std::uint64_t n) { return switch_pthread_futex(n, true); },
		BATCH / 64);
}

} // namespace

BENCHMARK(BM_switch_gort)->UseManualTime();
BENCHMARK(BM_switch_boost_fcontext)->UseManualTime();
BENCHMARK(BM_switch_pthread_futex_pinned)->UseManualTime();
