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
 *                          alternate, nine of each; on_over_off_median is
 *                          the median of the nine turns' ratios, the
 *                          figure bench/run.sh shows (on_off.h).
 *   BM_thread_turns_floor  the same loop in chunks of about 10 ms, two
 *                          pthreads taking turns ("on") against one
 *                          thread ("off"): the least a thread switch per
 *                          slice costs on this machine, gort aside.
 *   BM_preempt_gap_gort    where BM_preempt_cost's difference goes: the
 *                          two goroutines stamp the time every 1.7 us or
 *                          so, and each hand-over from one to the other
 *                          leaves a gap in their progress (the signal's
 *                          delivery, the park, the hand-off of the P to
 *                          the other's thread, the resume).  Reports the
 *                          gaps' median and 90th percentile (us), how
 *                          many, and their sum as a share of the run
 *                          (gap_share_pct): the preemptions' cost, read
 *                          directly instead of as a difference of two
 *                          runs that drift apart by as much.
 */
#include "on_off.h"
#include "scenarios/scenarios.h"

#include <gort.h>

#include <algorithm>
#include <atomic>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <utility>
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
	const std::uint64_t n = quick ? 20000000 : 50000000;
	gort_bench::on_off_bench(
		state, quick ? 1 : 9, double(2 * n), "ns_per_iter",
		[&](bool on) { return preempt_cost_run(n, on); });
}

/* The floor under BM_preempt_cost on this machine, with no gort at all:
 * the same loop, in chunks of about a time slice, run by one thread or
 * by two threads taking turns through a futex.  A preempted goroutine
 * resumes on its own thread (HACKING.md, "Preemption"), so each slice
 * costs at least one such turn. */
std::atomic<std::uint32_t> g_turn{0};

void turn_wait(std::uint32_t v)
{
	for (;;) {
		std::uint32_t t = g_turn.load();
		if (t == v)
			return;
		::syscall(SYS_futex, &g_turn, FUTEX_WAIT_PRIVATE, t, nullptr,
			  nullptr, 0);
	}
}

std::uint64_t thread_turns_run(std::uint64_t chunk, std::uint32_t chunks,
			       bool two_threads)
{
	std::uint64_t sum[2] = {0, 0};
	std::uint64_t t0 = gort_bench::now_ns();
	if (!two_threads) {
		for (std::uint32_t i = 0; i < chunks; i++)
			sum[0] += cpu_loop(chunk + i);
	} else {
		g_turn = 0;
		auto body = [&](std::uint32_t me) {
			for (std::uint32_t i = me; i < chunks; i += 2) {
				turn_wait(i);
				sum[me] += cpu_loop(chunk + i);
				g_turn.store(i + 1);
				::syscall(SYS_futex, &g_turn,
					  FUTEX_WAKE_PRIVATE, 1, nullptr,
					  nullptr, 0);
			}
		};
		std::thread other(body, 1u);
		body(0);
		other.join();
	}
	std::uint64_t ns = gort_bench::now_ns() - t0;
	benchmark::DoNotOptimize(sum[0] + sum[1]);
	return ns;
}

void BM_thread_turns_floor(benchmark::State &state)
{
	const bool quick = std::getenv("GORT_BENCH_QUICK") != nullptr;
	const std::uint64_t chunk = 6000000; /* about 10 ms here */
	const std::uint32_t chunks = quick ? 4 : 16;
	gort_bench::on_off_bench(
		state, quick ? 1 : 9, double(chunk) * chunks, "ns_per_iter",
		[&](bool two) { return thread_turns_run(chunk, chunks, two); });
}

/* One run of two stamping goroutines at procs 1; gaps in ns. */
struct gap_run {
	std::vector<std::uint64_t> gaps;
	std::uint64_t wall_ns;
};

gap_run preempt_gap_run(std::uint32_t chunks)
{
	constexpr std::uint64_t chunk = 1000; /* loop steps between stamps */
	std::vector<std::uint64_t> stamps[2];
	stamps[0].resize(chunks);
	stamps[1].resize(chunks);
	std::uint64_t t0 = gort_bench::now_ns();
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			for (int k = 0; k < 2; k++)
				gort::go([&, k] {
					std::uint64_t x = 0;
					for (std::uint32_t c = 0; c < chunks;
					     c++) {
						x += cpu_loop(chunk + (x & 1));
						stamps[k][c] =
							gort_bench::now_ns();
					}
					benchmark::DoNotOptimize(x);
					wg.done();
				});
			wg.wait();
		},
		gort::config{.procs = 1});
	gap_run r{{}, gort_bench::now_ns() - t0};
	/* Both goroutines' stamps in time order: where the goroutine
	 * changes, a hand-over happened between the two stamps. */
	std::vector<std::pair<std::uint64_t, int>> all;
	all.reserve(2 * std::size_t(chunks));
	for (int k = 0; k < 2; k++)
		for (std::uint64_t t : stamps[k])
			all.emplace_back(t, k);
	std::sort(all.begin(), all.end());
	for (std::size_t i = 1; i < all.size(); i++)
		if (all[i].second != all[i - 1].second)
			r.gaps.push_back(all[i].first - all[i - 1].first);
	return r;
}

void BM_preempt_gap_gort(benchmark::State &state)
{
	const bool quick = std::getenv("GORT_BENCH_QUICK") != nullptr;
	for (auto _ : state) {
		gap_run r = preempt_gap_run(quick ? 20000 : 100000);
		std::sort(r.gaps.begin(), r.gaps.end());
		std::uint64_t sum = 0;
		for (std::uint64_t g : r.gaps)
			sum += g;
		std::size_t n = r.gaps.size();
		state.counters["gaps"] = double(n);
		state.counters["gap_median_us"] =
			n != 0 ? double(r.gaps[n / 2]) / 1000 : 0;
		state.counters["gap_p90_us"] =
			n != 0 ? double(r.gaps[n * 9 / 10]) / 1000 : 0;
		state.counters["gap_share_pct"] =
			100.0 * double(sum) / double(r.wall_ns);
	}
}

} // namespace

BENCHMARK(BM_preempt_late_gort)->Iterations(1);
BENCHMARK(BM_preempt_cost)->Iterations(1)->UseManualTime();
BENCHMARK(BM_thread_turns_floor)->Iterations(1)->UseManualTime();
BENCHMARK(BM_preempt_gap_gort)->Iterations(1);
