/*
 * bench/sched_gort.cpp - gort's scheduler benchmarks, each read beside
 * its peer in the same binary (bench/sched_peers.cpp: Boost.Fiber,
 * pthreads) or the same script (bench/run.sh adds the Go programs).  The
 * figure to read is ns_per_op: per one-way yield, per goroutine spawned,
 * run and joined, per wake-up of a parked goroutine.
 */
#include "scenarios/sched_gort.h"
#include "on_off.h"
#include "scenarios/sched_peers.h"

#include <benchmark/benchmark.h>

#include <cstdio>

using namespace gort_bench;

namespace {

constexpr std::uint64_t YIELD_BATCH = 1 << 16;
constexpr std::uint64_t SPAWN_BATCH = 100000; /* as bench/go/spawn.go */
constexpr std::uint64_t WAKE_BATCH = 1 << 14;
constexpr std::uint64_t CHAN_ITEMS = 1 << 18;
constexpr std::uint64_t MUTEX_OPS = 1 << 18;
constexpr int FANS = 100;

/* One untimed run first: the first run() of a process maps its stack
 * arenas and faults in their pages, which later runs reuse (as Go's
 * peers report medians of several runs). */
template <typename F>
void run_ops(benchmark::State &state, F scenario, std::uint64_t ops)
{
	scenario();
	for (auto _ : state)
		state.SetIterationTime(double(scenario()) * 1e-9);
	state.counters["ns_per_op"] = benchmark::Counter(
		double(state.iterations() * ops),
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_yield_gort(benchmark::State &state)
{
	run_ops(
		state, [] { return yield_gort(YIELD_BATCH); }, 2 * YIELD_BATCH);
}

/*
 * The execution tracer's cost: the same loop recorded and not, in turns
 * (on_off.h).  The trace file is written after each traced batch's
 * clock stops.
 * kind 0: yield; 1: unbuffered ping-pong at procs 1.
 */
const char *bench_trace_path()
{
	static char path[] = "/tmp/gort_bench_trace.json";
	return path;
}

std::uint64_t trace_cost_batch(int kind, const char *path)
{
	return kind == 0 ? yield_gort(YIELD_BATCH, path)
			 : chan_pingpong_gort(WAKE_BATCH, 1, path);
}

void trace_cost(benchmark::State &state, int kind)
{
	double ops = double(2 * (kind == 0 ? YIELD_BATCH : WAKE_BATCH));
	trace_cost_batch(kind, nullptr); /* as run_ops: map the stacks */
	on_off_best best;
	for (auto _ : state)
		state.SetIterationTime(
			best.turn(
				[&](bool on) {
					return trace_cost_batch(
						kind, on ? bench_trace_path()
							 : nullptr);
				},
				ops) *
			1e-9);
	std::remove(bench_trace_path());
	best.report(state, "ns_per_op");
}

void BM_trace_cost_yield(benchmark::State &state)
{
	trace_cost(state, 0);
}

void BM_trace_cost_pingpong(benchmark::State &state)
{
	trace_cost(state, 1);
}

void BM_spawn_join_gort(benchmark::State &state)
{
	int procs = int(state.range(0));
	run_ops(
		state, [procs] { return spawn_join_gort(SPAWN_BATCH, procs); },
		SPAWN_BATCH);
}

void BM_wake_gort(benchmark::State &state)
{
	int procs = int(state.range(0));
	run_ops(
		state, [procs] { return wake_gort(WAKE_BATCH, procs); },
		2 * WAKE_BATCH);
}

void BM_chan_pingpong_gort(benchmark::State &state)
{
	int procs = int(state.range(0));
	run_ops(
		state,
		[procs] { return chan_pingpong_gort(WAKE_BATCH, procs); },
		2 * WAKE_BATCH);
}

void BM_chan_buffered128_gort(benchmark::State &state)
{
	int procs = int(state.range(0));
	run_ops(
		state,
		[procs] { return chan_buffered_gort(CHAN_ITEMS, procs); },
		CHAN_ITEMS);
}

void BM_chan_pingpong_boost_fiber(benchmark::State &state)
{
	if (!have_boost_fiber()) {
		state.SkipWithError("built without libboost-fiber-dev");
		return;
	}
	run_ops(
		state, [] { return chan_pingpong_boost_fiber(WAKE_BATCH); },
		2 * WAKE_BATCH);
}

void BM_chan_buffered128_boost_fiber(benchmark::State &state)
{
	if (!have_boost_fiber()) {
		state.SkipWithError("built without libboost-fiber-dev");
		return;
	}
	run_ops(
		state, [] { return chan_buffered_boost_fiber(CHAN_ITEMS); },
		CHAN_ITEMS);
}

void BM_select4_gort(benchmark::State &state)
{
	int procs = int(state.range(0));
	run_ops(
		state, [procs] { return select4_gort(CHAN_ITEMS, procs); },
		CHAN_ITEMS);
}

void BM_fanout1000_gort(benchmark::State &state)
{
	int procs = int(state.range(0));
	run_ops(
		state, [procs] { return fanout1000_gort(FANS, procs); }, FANS);
}

void BM_mutex_contended_gort(benchmark::State &state)
{
	int gs = int(state.range(0));
	run_ops(
		state, [gs] { return mutex_contended_gort(MUTEX_OPS, gs); },
		MUTEX_OPS);
}

void BM_mutex_contended_std(benchmark::State &state)
{
	int ts = int(state.range(0));
	run_ops(
		state, [ts] { return mutex_contended_std(MUTEX_OPS, ts); },
		MUTEX_OPS);
}

/* Memory: one measurement, reported as a counter.  Meaningful once per
 * process: the goroutines' G structs, page tables and (until trimmed)
 * stack pages stay in gort's pools after run(), so a second measurement
 * counts only what had to be added (bench/run.sh runs this alone). */
void BM_park_memory_gort(benchmark::State &state)
{
	for (auto _ : state)
		state.counters["bytes_per_goroutine"] =
			park_memory_gort(int(state.range(0)));
}

/* Lateness is a distribution, not a rate: report median and max (us). */
void BM_sleep_late_gort(benchmark::State &state)
{
	for (auto _ : state) {
		lateness_gort l = sleep_lateness_gort(200);
		state.counters["late_median_us"] = l.median_us;
		state.counters["late_max_us"] = l.max_us;
	}
}

void BM_sleep_late_nanosleep(benchmark::State &state)
{
	for (auto _ : state) {
		lateness l = sleep_lateness_nanosleep(200);
		state.counters["late_median_us"] = l.median_us;
		state.counters["late_max_us"] = l.max_us;
	}
}

} // namespace

BENCHMARK(BM_yield_gort)->UseManualTime();
BENCHMARK(BM_trace_cost_yield)->UseManualTime();
BENCHMARK(BM_trace_cost_pingpong)->UseManualTime();
BENCHMARK(BM_spawn_join_gort)
	->ArgName("procs")
	->Arg(1)
	->Arg(2)
	->UseManualTime();
BENCHMARK(BM_wake_gort)->ArgName("procs")->Arg(1)->Arg(2)->UseManualTime();
BENCHMARK(BM_chan_pingpong_gort)
	->ArgName("procs")
	->Arg(1)
	->Arg(2)
	->UseManualTime();
BENCHMARK(BM_chan_pingpong_boost_fiber)->UseManualTime();
BENCHMARK(BM_chan_buffered128_gort)
	->ArgName("procs")
	->Arg(1)
	->Arg(2)
	->UseManualTime();
BENCHMARK(BM_chan_buffered128_boost_fiber)->UseManualTime();
BENCHMARK(BM_select4_gort)->ArgName("procs")->Arg(1)->Arg(2)->UseManualTime();
BENCHMARK(BM_fanout1000_gort)
	->ArgName("procs")
	->Arg(1)
	->Arg(2)
	->UseManualTime();
BENCHMARK(BM_mutex_contended_gort)
	->ArgName("goroutines")
	->Arg(2)
	->Arg(8)
	->UseManualTime();
BENCHMARK(BM_mutex_contended_std)
	->ArgName("threads")
	->Arg(2)
	->Arg(8)
	->UseManualTime();
BENCHMARK(BM_park_memory_gort)->Arg(1000000)->Iterations(1);
BENCHMARK(BM_sleep_late_gort)->Iterations(1);
BENCHMARK(BM_sleep_late_nanosleep)->Iterations(1);
