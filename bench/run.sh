#!/bin/bash
# bench/run.sh - every benchmark of gort beside its peers, in one run:
# gort_bench (gort, Boost.Context, Boost.Fiber, pthreads) and the Go
# programs in bench/go/, then a table of gort's figures as ratios to the
# peers' from this same run.  Build first:
#   cmake --preset release && cmake --build --preset release
# Usage: bench/run.sh [--quick | --pairs]
#   --quick: minimal times, for CI smoke; --pairs: only the paired rounds.
# GORT_BENCH_BIN: another gort_bench to run (default: the release build's).
# GORT_BENCH_ROUNDS: paired rounds for the procs-2 and network rows (5).
# GORT_BENCH_PAIRS: a regular expression; only the paired groups whose
#   line below matches it run (e.g. netecho, or 'spawn|mutex').
#
# Paired rounds.  On a shared VM the cost of a cache line crossing
# between the two vCPUs changes from minute to minute (about 20 ns one
# time, 230 ns another, as the host moves the vCPUs between cores), and
# every procs-2 figure moves with it: Go's spawn + join at procs 2 measured
# 186 ns in one full run and 706 to 829 ns minutes later.  A table built
# from gort's benchmarks first and Go's a few minutes after compares two
# machines.  So those rows are measured again in rounds, each gort
# benchmark and its Go peer back to back, and reported as the
# median of the rounds' ratios with their range; the line cost at the
# start of each round is printed beside.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="${GORT_BENCH_BIN:-$here/../build/release/bench/gort_bench}"
[ -x "$bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

min_time=0.5
reps=5
mode="${1:-}"
if [ "$mode" = "--quick" ]; then
	min_time=0.01
	reps=1
	export GORT_BENCH_QUICK=1 # netecho.go, syscall.go: one short run
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# One counter of one benchmark: fig NAME COUNTER, from NAME's median line
# (with repetitions) or its only line (--quick), in ns or us as printed,
# in $figs (gort_bench's output).
figs="$out"
fig() {
	{ grep -E "^$1_median " "$figs" || grep -E "^$1 " "$figs"; } | head -1 |
		sed -E "s/.*$2=([0-9.]+)([kmun]?)s?.*/\1 \2/" |
		awk '{ v = $1; u = $2;
		       if (u == "k") v *= 1000; if (u == "u") v *= 1000;
		       if (u == "m") v /= 1000; print v }'
}
gofig() { echo "$go_out" | grep -E "^$1 " | sed -E 's/.*median=([0-9.]+).*/\1/'; }
ratio() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$3" != "0" ]; then
		awk -v a="$2" -v b="$3" -v w="$1" 'BEGIN { printf "  %-44s %8.3fx\n", w, a / b }'
	else
		printf "  %-44s %9s\n" "$1" "n/a"
	fi
}

# As ratio, then both figures: shown WHAT GORT PEER UNIT.  GORT and PEER
# are in ns (in us for UNIT "ms"); UNIT "us" shows them in microseconds, "rt/s" shows ns per
# round trip as round trips per second, "ns" as they are.
shown() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$2" != "0" ] && [ "$3" != "0" ]; then
		awk -v a="$2" -v b="$3" -v w="$1" -v u="$4" 'BEGIN {
			x = a; y = b; f = "%.1f"
			if (u == "us") { x = a / 1000; y = b / 1000 }
			if (u == "ms") { x = a / 1000; y = b / 1000 } # from us
			if (u == "rt/s") { x = 1e9 / a; y = 1e9 / b; f = "%.0f" }
			printf "  %-44s %8.3fx   (gort " f " %s, peer " f " %s)\n",
				w, a / b, x, u, y, u }'
	else
		printf "  %-44s %9s\n" "$1" "n/a"
	fi
}
# A counter printed in us (rtt_median_us), in ns.
us_fig() { fig "$1" "$2" | awk '{ print $1 * 1000 }'; }

# The whole suite once, then the table (not with --pairs).
if [ "$mode" != "--pairs" ]; then
echo "== gort_bench (median of $reps repetitions)"
"$bin" --benchmark_filter=-BM_park_memory \
	--benchmark_min_time="$min_time" --benchmark_repetitions="$reps" \
	--benchmark_report_aggregates_only=true 2>/dev/null | tee "$out" |
	grep -E '^BM_' | grep -vE '_(mean|stddev|cv) ' || true
# Memory per parked goroutine: once, in a process of its own.  A second
# measurement in one process reuses the G structs, page tables and stack
# pages the first left in the pools, and reports the growth of memory
# already there as 30% less than a goroutine costs.
"$bin" --benchmark_filter=BM_park_memory 2>/dev/null | tee -a "$out" |
	grep -E '^BM_' || true
# The cost of preemption again with the process on one CPU.  A goroutine
# preempted by the signal resumes on its own thread (HACKING.md,
# "Preemption"), so each turn hands the P from one thread to another;
# unpinned, on this VM, that is a wake-up on the other vCPU, which alone
# costs about the whole 1% budget (the floor row).  On one CPU it is a
# local switch, and what is left is gort's own cost.
cpu0=$(taskset -pc $$ 2>/dev/null | sed -E 's/.*: *//; s/[-,].*//')
if [ -n "$cpu0" ]; then
	taskset -c "$cpu0" "$bin" \
		--benchmark_filter='BM_preempt_cost|BM_thread_turns_floor' \
		2>/dev/null | sed 's/^BM_/BM_one_cpu_/' | tee -a "$out" |
		grep -E '^BM_' || true
fi
echo
echo "== Go peers"
go_out=$(bash "$here/go/run.sh")
echo "$go_out"

echo
echo "== ratios, gort / peer, this run (lower is better)"
ratio "switch / Boost.Context fcontext" "$(fig BM_switch_gort/manual_time ns_per_switch)" "$(fig BM_switch_boost_fcontext/manual_time ns_per_switch)"
ratio "yield / Go runtime.Gosched" "$(fig BM_yield_gort/manual_time ns_per_op)" "$(gofig go_yield/procs=1)"
ratio "yield / Boost.Fiber yield" "$(fig BM_yield_gort/manual_time ns_per_op)" "$(fig BM_yield_boost_fiber/manual_time ns_per_op)"
ratio "spawn+join procs 1 / Go go+WaitGroup" "$(fig BM_spawn_join_gort/procs:1/manual_time ns_per_op)" "$(gofig go_spawn_join/procs=1)"
ratio "spawn+join procs 2 / Go go+WaitGroup" "$(fig BM_spawn_join_gort/procs:2/manual_time ns_per_op)" "$(gofig go_spawn_join/procs=2)"
ratio "spawn+join procs 1 / Boost.Fiber" "$(fig BM_spawn_join_gort/procs:1/manual_time ns_per_op)" "$(fig BM_spawn_join_boost_fiber/manual_time ns_per_op)"
ratio "wake procs 2 / Go chan ping-pong" "$(fig BM_wake_gort/procs:2/manual_time ns_per_op)" "$(gofig go_chan_pingpong/procs=2)"
ratio "chan ping-pong procs 1 / Go" "$(fig BM_chan_pingpong_gort/procs:1/manual_time ns_per_op)" "$(gofig go_chan_pingpong/procs=1)"
ratio "chan ping-pong procs 2 / Go" "$(fig BM_chan_pingpong_gort/procs:2/manual_time ns_per_op)" "$(gofig go_chan_pingpong/procs=2)"
ratio "chan ping-pong procs 1 / Boost.Fiber" "$(fig BM_chan_pingpong_gort/procs:1/manual_time ns_per_op)" "$(fig BM_chan_pingpong_boost_fiber/manual_time ns_per_op)"
ratio "chan buffered(128) procs 1 / Go" "$(fig BM_chan_buffered128_gort/procs:1/manual_time ns_per_op)" "$(gofig go_chan_buffered128/procs=1)"
ratio "chan buffered(128) procs 2 / Go" "$(fig BM_chan_buffered128_gort/procs:2/manual_time ns_per_op)" "$(gofig go_chan_buffered128/procs=2)"
ratio "chan buffered(128) procs 1 / Boost.Fiber" "$(fig BM_chan_buffered128_gort/procs:1/manual_time ns_per_op)" "$(fig BM_chan_buffered128_boost_fiber/manual_time ns_per_op)"
ratio "select over 4, procs 1 / Go" "$(fig BM_select4_gort/procs:1/manual_time ns_per_op)" "$(gofig go_select4/procs=1)"
ratio "select over 4, procs 2 / Go" "$(fig BM_select4_gort/procs:2/manual_time ns_per_op)" "$(gofig go_select4/procs=2)"
ratio "wait_group fan-out 1000, procs 1 / Go" "$(fig BM_fanout1000_gort/procs:1/manual_time ns_per_op)" "$(gofig go_fanout1000/procs=1)"
ratio "wait_group fan-out 1000, procs 2 / Go" "$(fig BM_fanout1000_gort/procs:2/manual_time ns_per_op)" "$(gofig go_fanout1000/procs=2)"
ratio "contended mutex, 2 goroutines / Go" "$(fig BM_mutex_contended_gort/goroutines:2/manual_time ns_per_op)" "$(gofig go_mutex/goroutines=2)"
ratio "contended mutex, 8 goroutines / Go" "$(fig BM_mutex_contended_gort/goroutines:8/manual_time ns_per_op)" "$(gofig go_mutex/goroutines=8)"
ratio "contended mutex, 2 / std::mutex 2 threads" "$(fig BM_mutex_contended_gort/goroutines:2/manual_time ns_per_op)" "$(fig BM_mutex_contended_std/threads:2/manual_time ns_per_op)"
ratio "parked goroutine bytes / Go's" "$(fig BM_park_memory_gort/1000000/iterations:1 bytes_per_goroutine)" "$(echo "$go_out" | grep go_park_memory | sed -E 's/.*bytes=([0-9.]+).*/\1/')"
ratio "sleep(1ms) lateness / Go time.Sleep" "$(fig BM_sleep_late_gort/iterations:1 late_median_us)" "$(echo "$go_out" | grep go_sleep_late | sed -E 's/.*median=([0-9.]+).*/\1/')"
shown "preemption: lateness, median / Go" "$(fig BM_preempt_late_gort/iterations:1 late_median_us)" "$(echo "$go_out" | grep go_preempt_late | sed -E 's/.*median=([0-9.]+).*/\1/')" ms
shown "preemption: lateness, max / Go" "$(fig BM_preempt_late_gort/iterations:1 late_max_us)" "$(echo "$go_out" | grep go_preempt_late | sed -E 's/.*max=([0-9.]+).*/\1/')" ms
ratio "yield, traced / not traced (best batches)" "$(fig BM_trace_cost_yield/manual_time on_ns_per_op)" "$(fig BM_trace_cost_yield/manual_time off_ns_per_op)"
ratio "chan ping-pong procs 1, traced / not" "$(fig BM_trace_cost_pingpong/manual_time on_ns_per_op)" "$(fig BM_trace_cost_pingpong/manual_time off_ns_per_op)"
ratio "preemption: CPU loop, on / off (median of 9)" "$(fig BM_preempt_cost/iterations:1/manual_time on_over_off_median)" 1
ratio "  floor: 2 pthreads taking turns / 1 thread" "$(fig BM_thread_turns_floor/iterations:1/manual_time on_over_off_median)" 1
ratio "  the same on one CPU (taskset)" "$(fig BM_one_cpu_preempt_cost/iterations:1/manual_time on_over_off_median)" 1
ratio "  its floor on one CPU" "$(fig BM_one_cpu_thread_turns_floor/iterations:1/manual_time on_over_off_median)" 1
ratio "  Go, on / off (median of 9 process pairs)" "$(echo "$go_out" | grep go_preempt_cost | sed -E 's/.*median=([0-9.]+).*/\1/')" 1
printf "  %-44s %8s    (median %s us, p90 %s us, %s hand-overs)\n" \
	"  gaps at hand-overs, % of the run" \
	"$(fig BM_preempt_gap_gort/iterations:1 gap_share_pct)%" \
	"$(fig BM_preempt_gap_gort/iterations:1 gap_median_us)" \
	"$(fig BM_preempt_gap_gort/iterations:1 gap_p90_us)" \
	"$(fig BM_preempt_gap_gort/iterations:1 gaps)"
ratio "sleep(1ms) lateness / clock_nanosleep" "$(fig BM_sleep_late_gort/iterations:1 late_median_us)" "$(fig BM_sleep_late_nanosleep/iterations:1 late_median_us)"
shown "echo round trip, 1 conn, median / Go" "$(us_fig BM_net_echo_latency_gort/manual_time rtt_median_us)" "$(gofig go_echo_latency/conns=1)" us
shown "echo round trip, 1 conn, p99 / Go" "$(us_fig BM_net_echo_latency_gort/manual_time rtt_p99_us)" "$(gofig go_echo_latency_p99/conns=1)" us
shown "echo throughput, 100 conns / Go" "$(fig BM_net_echo_gort/conns:100/manual_time ns_per_op)" "$(gofig go_echo/conns=100)" rt/s
shown "echo throughput, 1000 conns / Go" "$(fig BM_net_echo_gort/conns:1000/manual_time ns_per_op)" "$(gofig go_echo/conns=1000)" rt/s
shown "blocking(getppid) / Go syscall.Syscall" "$(fig BM_syscall_blocking_gort/call:0/manual_time ns_per_op)" "$(gofig go_syscall/getppid)" ns
shown "blocking(eventfd read) / Go syscall.Syscall" "$(fig BM_syscall_blocking_gort/call:1/manual_time ns_per_op)" "$(gofig go_syscall/eventfd_read)" ns
shown "blocking(getppid) / direct getppid" "$(fig BM_syscall_blocking_gort/call:0/manual_time ns_per_op)" "$(fig BM_syscall_direct/call:0/manual_time ns_per_op)" ns
shown "blocking(eventfd read) / direct read" "$(fig BM_syscall_blocking_gort/call:1/manual_time ns_per_op)" "$(fig BM_syscall_direct/call:1/manual_time ns_per_op)" ns

fi

# Paired rounds (see the top): the rows that move with the line cost.
rounds="${GORT_BENCH_ROUNDS:-5}"
[ "$mode" = "--quick" ] && rounds=1
# Each group: gort's benchmarks (a filter) @ the Go programs with their
# peers, run right after.
pair_groups=(
	'BM_spawn_join_gort/procs:2@spawn'
	'BM_(wake|chan_pingpong|chan_buffered128)_gort/procs:2@wake chanbuf'
	'BM_(select4|fanout1000)_gort/procs:2@select'
	'BM_mutex_contended_gort@mutex'
	'BM_net_echo@netecho'
)
pairs=$(mktemp)
figs=$(mktemp)
trap 'rm -f "$out" "$pairs" "$figs"' EXIT
# A round's ratio: pair NAME GORT PEER, appended to $pairs.
pair() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$3" != "0" ]; then
		awk -v a="$2" -v b="$3" -v w="$1" 'BEGIN { printf "%s\t%.4f\n", w, a / b }' >>"$pairs"
	fi
}
echo
echo "== paired rounds: gort then Go, $rounds times (ratio per round)"
for r in $(seq 1 "$rounds"); do
	line=$("$(dirname "$bin")/line_round_trip" 2>/dev/null || echo "n/a")
	: >"$figs"
	go_out=
	for group in "${pair_groups[@]}"; do
		[[ "$group" =~ ${GORT_BENCH_PAIRS:-.} ]] || continue
		"$bin" --benchmark_filter="${group%@*}" \
			--benchmark_min_time="$min_time" 2>/dev/null >>"$figs"
		go_out+=$(GORT_GO_PROGRAMS="${group#*@}" bash "$here/go/run.sh")
		go_out+=$'\n'
	done
	before=$(wc -l <"$pairs")
	pair "spawn+join procs 2 / Go" "$(fig BM_spawn_join_gort/procs:2/manual_time ns_per_op)" "$(gofig go_spawn_join/procs=2)"
	pair "wake procs 2 / Go chan ping-pong" "$(fig BM_wake_gort/procs:2/manual_time ns_per_op)" "$(gofig go_chan_pingpong/procs=2)"
	pair "chan ping-pong procs 2 / Go" "$(fig BM_chan_pingpong_gort/procs:2/manual_time ns_per_op)" "$(gofig go_chan_pingpong/procs=2)"
	pair "chan buffered(128) procs 2 / Go" "$(fig BM_chan_buffered128_gort/procs:2/manual_time ns_per_op)" "$(gofig go_chan_buffered128/procs=2)"
	pair "select over 4, procs 2 / Go" "$(fig BM_select4_gort/procs:2/manual_time ns_per_op)" "$(gofig go_select4/procs=2)"
	pair "wait_group fan-out 1000, procs 2 / Go" "$(fig BM_fanout1000_gort/procs:2/manual_time ns_per_op)" "$(gofig go_fanout1000/procs=2)"
	pair "contended mutex, 2 goroutines / Go" "$(fig BM_mutex_contended_gort/goroutines:2/manual_time ns_per_op)" "$(gofig go_mutex/goroutines=2)"
	pair "contended mutex, 8 goroutines / Go" "$(fig BM_mutex_contended_gort/goroutines:8/manual_time ns_per_op)" "$(gofig go_mutex/goroutines=8)"
	pair "echo round trip, 1 conn, median / Go" "$(fig BM_net_echo_latency_gort/manual_time rtt_median_us | awk '{ print $1 * 1000 }')" "$(gofig go_echo_latency/conns=1)"
	pair "echo throughput, 100 conns / Go" "$(fig BM_net_echo_gort/conns:100/manual_time ns_per_op)" "$(gofig go_echo/conns=100)"
	pair "echo throughput, 1000 conns / Go" "$(fig BM_net_echo_gort/conns:1000/manual_time ns_per_op)" "$(gofig go_echo/conns=1000)"
	echo "  round $r: line round trip $line;" \
		"$(tail -n +"$((before + 1))" "$pairs" | awk -F'\t' '{ printf "%s%s", sep, $2; sep = " " }')"
done
echo
echo "== paired ratios, gort / Go, median of $rounds rounds [range] (lower is better)"
awk -F'\t' '
	{ n[$1]++; v[$1, n[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
	END {
		for (i = 1; i <= k; i++) {
			w = order[i]; m = n[w]
			for (a = 1; a <= m; a++) x[a] = v[w, a]
			for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++)
				if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
			med = m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
			printf "  %-44s %8.3fx   [%.3f .. %.3f]\n", w, med, x[1], x[m]
		}
	}' "$pairs"
