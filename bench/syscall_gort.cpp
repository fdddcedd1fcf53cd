/*
 * bench/syscall_gort.cpp - what the system-call hand-off costs: a
 * goroutine (procs 2) calls a short system call that never blocks, in a
 * loop, through gort::blocking() and directly.  The difference is the
 * price of entering and leaving the syscall state (the P left for sysmon
 * to retake, then taken back by CAS).  The peer is Go's syscall.Syscall
 * (which does the same, entersyscall / exitsyscall) beside
 * syscall.RawSyscall (which does not), in bench/go/syscall.go.
 *
 *   call:0  getppid(): a system call that does almost nothing
 *   call:1  read(2) of 8 bytes from an EFD_SEMAPHORE eventfd whose count
 *           never runs out: a descriptor that is always ready
 *
 * The figure to read is ns_per_op: per call.
 */
#include "scenarios/scenarios.h"

#include <gort.h>

#include <benchmark/benchmark.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/eventfd.h>
#include <unistd.h>

using namespace gort_bench;

namespace {

constexpr std::uint64_t CALLS = 1 << 16;
constexpr int PROCS = 2;

enum class call { getppid, eventfd_read };

inline long do_call(call c, int efd)
{
	if (c == call::getppid)
		return ::getppid();
	std::uint64_t v;
	return ::read(efd, &v, sizeof(v));
}

/* The timed loop: @n calls of @c, through blocking() if @handoff. */
std::uint64_t calls_loop(std::uint64_t n, call c, int efd, bool handoff)
{
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 0; i < n; i++) {
		long r;
		if (handoff)
			r = gort::blocking([&] { return do_call(c, efd); });
		else
			r = do_call(c, efd);
		benchmark::DoNotOptimize(r);
	}
	return now_ns() - t0;
}

/* The loop in the main goroutine of a run() at procs 2; returns its
 * nanoseconds. */
std::uint64_t calls_gort(std::uint64_t n, call c, bool handoff)
{
	/* The largest count an eventfd holds: 2^32 - 2 reads before empty. */
	int efd = eventfd(0xfffffffeu, EFD_SEMAPHORE | EFD_CLOEXEC);
	if (efd < 0) {
		std::perror("syscall_gort: eventfd");
		std::exit(1);
	}
	std::uint64_t ns = 0;
	gort::run([&] { ns = calls_loop(n, c, efd, handoff); },
		  gort::config{.procs = PROCS});
	::close(efd);
	return ns;
}

void run_calls(benchmark::State &state, bool handoff)
{
	call c = state.range(0) == 0 ? call::getppid : call::eventfd_read;
	(void)calls_gort(CALLS, c, handoff); /* warm-up, as in sched_gort */
	for (auto _ : state)
		state.SetIterationTime(double(calls_gort(CALLS, c, handoff)) *
				       1e-9);
	state.counters["ns_per_op"] = benchmark::Counter(
		double(state.iterations() * CALLS),
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_syscall_blocking_gort(benchmark::State &state)
{
	run_calls(state, true);
}

void BM_syscall_direct(benchmark::State &state)
{
	run_calls(state, false);
}

} // namespace

BENCHMARK(BM_syscall_blocking_gort)
	->ArgName("call")
	->Arg(0)
	->Arg(1)
	->UseManualTime();
BENCHMARK(BM_syscall_direct)->ArgName("call")->Arg(0)->Arg(1)->UseManualTime();
