/*
 * bench/preempt_gort.cpp - preemption, beside Go (bench/go/preempt.go):
 *
 *   BM_preempt_late_gort   procs 1; one goroutine spins with no calls while
 *                          main sleeps 1 ms, 100 times: how late main wakes
 *                          (median and max, us).  It can only wake when
 *                          the spinner is preempted, so this is the
 *                          time slice plus the cost of taking it.
 *   BM_preempt_cost        procs 1; two goroutines each run the same
 *                          CPU-bound loop to the end (ns per iteration).
 *                          With preemption on they take turns every slice;
 *                          off, one runs after the other.  The difference
 *                          is what the preemptions cost.  On and off runs
 *                          alternate, three of each, each side's best
 *                          counting (on_off.h).
 */
#include "on_off.h"
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

/* One run: two goroutines, @n iterations each; the ns it took. */
std::uint64_t preempt_cost_run(std::uint64_t n, bool async)
{
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
	return gort_bench::now_ns() - t0;
}

void BM_preempt_cost(benchmark::State &state)
{
	const bool quick = std::getenv("GORT_BENCH_QUICK") != nullptr;
	const std::uint64_t n = quick ? 20000000 : 150000000;
	const int rounds = quick ? 1 : 3;
	for (auto _ : state) {
		gort_bench::on_off_best best;
		double total = 0;
		for (int i = 0; i < rounds; i++)
			total += best.turn(
				[&](bool on) {
					return preempt_cost_run(n, on);
				},
				double(2 * n));
		state.SetIterationTime(total / 1e9);
		best.report(state, "ns_per_iter");
	}
}

} // namespace

BENCHMARK(BM_preempt_late_gort)->Iterations(1);
BENCHMARK(BM_preempt_cost)->Iterations(1)->UseManualTime();
