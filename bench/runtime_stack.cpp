/*
 * bench/runtime_stack.cpp - a stack from gort's pool and back, against a
 * fresh guarded mmap + munmap; touch=1 also writes the top page, as a new
 * goroutine does.  The figure to read is ns_per_cycle.
 */
#include "scenarios/scenarios.h"

#include <benchmark/benchmark.h>

using namespace gort_bench;

namespace {

constexpr std::uint64_t BATCH = 4096;

template <typename F>
void run_cycle(benchmark::State &state, F scenario)
{
	bool touch = state.range(0) != 0;
	for (auto _ : state) {
		std::uint64_t ns = scenario(BATCH, touch);
		state.SetIterationTime(double(ns) * 1e-9);
	}
	state.counters["ns_per_cycle"] = benchmark::Counter(
		double(state.iterations() * BATCH),
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_stack_pool(benchmark::State &state)
{
	run_cycle(state, stack_pool_cycle);
}

void BM_stack_mmap(benchmark::State &state)
{
	run_cycle(state, stack_mmap_cycle);
}

} // namespace

BENCHMARK(BM_stack_pool)->ArgName("touch")->Arg(0)->Arg(1)->UseManualTime();
BENCHMARK(BM_stack_mmap)->ArgName("touch")->Arg(0)->Arg(1)->UseManualTime();
