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
 *                          alternate, three of each, and each side's best
 *                          is reported: on this shared VM a run's time
 *                          drifts by far more than the 1% asked of the
 *                          difference, and the drift only ever adds.
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

/* One run: two goroutines, @n iterations each; ns per iteration. */
double preempt_cost_run(std::uint64_t n, bool async)
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
	return double(gort_bench::now_ns() - t0) / double(2 * n);
}

void BM_preempt_cost(benchmark::State &state)
{
	const bool quick = std::getenv("GORT_BENCH_QUICK") != nullptr;
	const std::uint64_t n = quick ? 20000000 : 150000000;
	const int rounds = quick ? 1 : 3;
	for (auto _ : state) {
		double best_on = 1e30, best_off = 1e30, total = 0;
		for (int i = 0; i < rounds; i++) {
			/* on, off; then off, on: neither side always
			 * goes first. */
			for (int k = 0; k < 2; k++) {
				bool on = (i + k) % 2 == 0;
				double t = preempt_cost_run(n, on);
				total += t * double(2 * n);
				double &best = on ? best_on : best_off;
				best = std::min(best, t);
			}
		}
		state.SetIterationTime(total / 1e9);
		state.counters["on_ns_per_iter"] = best_on;
		state.counters["off_ns_per_iter"] = best_off;
		state.counters["on_over_off"] = best_on / best_off;
	}
}

} // namespace

BENCHMARK(BM_preempt_late_gort)->Iterations(1);
BENCHMARK(BM_preempt_cost)->Iterations(1)->UseManualTime();
