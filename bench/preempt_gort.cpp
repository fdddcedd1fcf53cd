/*
 * bench/preempt_gort.cpp - preemption, beside Go (bench/go/preempt.go):
 *
 *   BM_preempt_late_gort   procs 1; one goroutine spins with no calls while
 *                          main sleeps 1 ms, 100 times: how late main wakes
 *                          (median and max, us).  It can only wake when
 *                          the spinner is preempted, so this is the
 *                          time slice plus the cost of taking it.
 *   BM_preempt_cost_on/off procs 1; two goroutines each run the same
 *                          CPU-bound loop to the end (ns per iteration).
 *                          With preemption on they take turns every slice;
 *                          off, one runs after the other.  The difference
 *                          is what the preemptions cost.
 */
#include "scenarios/scenarios.h"

#include <gort.h>

#include <algorithm>
#include <atomic>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <vector>

namespace {

void BM_preempt_late_gort(benchmark::State &state)
{
	const int sleeps = std::getenv("GORT_BENCH_QUICK") ? 10 : 100;
	for (auto _ : state) {
		std::vector<double> late;
		gort::run(
			[&] {
				std::atomic<bool> stop{false};
				gort::wait_group wg;
				wg.add(1);
				gort::go([&] {
					while (!stop.load(
						std::memory_order_relaxed)) {
					}
					wg.done();
				});
				gort::yield(); /* the spinner is spinning */
				for (int i = 0; i < sleeps; i++) {
					std::uint64_t t0 = gort_bench::now_ns();
					gort::sleep(
						std::chrono::milliseconds(1));
					late.push_back(
						double(gort_bench::now_ns() -
						       t0) /
							1000.0 -
						1000.0);
				}
				stop = true;
				wg.wait();
			},
			gort::config{.procs = 1});
		std::sort(late.begin(), late.end());
		state.counters["late_median_us"] = late[late.size() / 2];
		state.counters["late_max_us"] = late.back();
	}
}

/* A loop the compiler cannot shorten: the result depends on every step. */
__attribute__((noinline)) std::uint64_t cpu_loop(std::uint64_t n)
{
	std::uint64_t x = 88172645463325252ull;
	for (std::uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

void preempt_cost(benchmark::State &state, bool async)
{
	const std::uint64_t n =
		std::getenv("GORT_BENCH_QUICK") ? 20000000 : 400000000;
	for (auto _ : state) {
		std::uint64_t t0 = gort_bench::now_ns();
		gort::run(
			[&] {
				gort::wait_group wg;
				wg.add(2);
				std::uint64_t r[2];
				for (int k = 0; k < 2; k++)
					gort::go([&, k] {
						r[k] = cpu_loop(n);
						wg.done();
					});
				wg.wait();
				benchmark::DoNotOptimize(r[0] + r[1]);
			},
			gort::config{.procs = 1, .async_preempt = async});
		state.SetIterationTime(double(gort_bench::now_ns() - t0) / 1e9);
		state.counters["ns_per_iter"] =
			double(gort_bench::now_ns() - t0) / double(2 * n);
	}
}

void BM_preempt_cost_on(benchmark::State &state)
{
	preempt_cost(state, true);
}

void BM_preempt_cost_off(benchmark::State &state)
{
	preempt_cost(state, false);
}

} // namespace

BENCHMARK(BM_preempt_late_gort)->Iterations(1);
BENCHMARK(BM_preempt_cost_on)->Iterations(1)->UseManualTime();
BENCHMARK(BM_preempt_cost_off)->Iterations(1)->UseManualTime();
