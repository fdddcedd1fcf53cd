/*
 * bench/on_off.h - a cost measured as the same work with a feature on and
 * off, in one benchmark: runs alternate sides, the side that goes first
 * alternating too, and each side's best run counts.  On this shared VM a
 * run's time drifts by more than the costs measured this way (a few
 * percent), and drift only ever adds; two benchmarks run seconds apart
 * measured the drift between them as much as the feature.  Whole
 * benchmarks (on_off_bench) also report the median of the per-turn
 * ratios.
 */
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

namespace gort_bench {

struct on_off_best {
	double on = 1e30, off = 1e30; /* best ns per op of each side */
	bool on_first = false;

	/* Run both sides once (@run(on) returns the ns it took for @ops
	 * operations); returns the ns both took. */
	template <typename F>
	double turn(F run, double ops)
	{
		double total = 0;
		for (int k = 0; k < 2; k++) {
			bool side = (k == 0) == on_first;
			double ns = double(run(side));
			total += ns;
			double &best = side ? on : off;
			best = std::min(best, ns / ops);
		}
		on_first = !on_first;
		return total;
	}

	/* Counters on_<unit>, off_<unit> and on_over_off. */
	void report(benchmark::State &state, const std::string &unit) const
	{
		state.counters["on_" + unit] = on;
		state.counters["off_" + unit] = off;
		state.counters["on_over_off"] = on / off;
	}
};

/* A whole on/off benchmark: each iteration runs @rounds turns of @run
 * (see on_off_best::turn), reports the time both sides took and the
 * counters in @unit, and on_over_off_median: the median over the turns
 * of on's time over off's in the same turn.  Drift that spans a turn
 * cancels in each ratio, so the median moves less from run to run than
 * the best of each side does when the cost is a percent or two. */
template <typename F>
void on_off_bench(benchmark::State &state, int rounds, double ops,
		  const std::string &unit, F run)
{
	for (auto _ : state) {
		on_off_best best;
		std::vector<double> ratios;
		double total = 0;
		for (int i = 0; i < rounds; i++) {
			double on_ns = 0, off_ns = 0;
			total += best.turn(
				[&](bool on) {
					double ns = double(run(on));
					(on ? on_ns : off_ns) = ns;
					return ns;
				},
				ops);
			ratios.push_back(on_ns / off_ns);
		}
		std::sort(ratios.begin(), ratios.end());
		state.SetIterationTime(total / 1e9);
		best.report(state, unit);
		state.counters["on_over_off_median"] =
			ratios[ratios.size() / 2];
	}
}

} // namespace gort_bench
