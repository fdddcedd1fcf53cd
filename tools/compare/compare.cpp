/*
 * tools/compare/compare.cpp - the README's main job: what a goroutine
 * costs next to an OS thread, measured in one run on this machine.
 *
 * Every figure is the median of RUNS runs taken in this process, printed
 * with its min and max; every ratio divides gort's median by the peer's
 * median from the same run.  Today it compares the switch and the stack;
 * spawn + join and memory per idle unit join it with the scheduler.
 */
#include "scenarios/scenarios.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace gort_bench;

namespace {

constexpr int RUNS = 9;

struct stats {
	double median, min, max;
};

/* Per-operation nanoseconds over RUNS runs of @ops operations each. */
template <typename F>
stats measure(F run_once, double ops)
{
	std::vector<double> v;
	for (int i = 0; i < RUNS; i++)
		v.push_back(double(run_once()) / ops);
	std::sort(v.begin(), v.end());
	return {v[v.size() / 2], v.front(), v.back()};
}

std::string cpu_model()
{
	FILE *f = std::fopen("/proc/cpuinfo", "r");
	char line[256];
	std::string model = "unknown CPU";
	while (f != nullptr && std::fgets(line, sizeof(line), f) != nullptr) {
		if (std::strncmp(line, "model name", 10) == 0) {
			const char *p = std::strchr(line, ':');
			if (p != nullptr) {
				model = p + 2;
				model.erase(model.find_last_not_of("\n ") + 1);
			}
			break;
		}
	}
	if (f != nullptr)
		std::fclose(f);
	return model;
}

void row(const char *what, stats s)
{
	std::printf("  %-38s %10.2f ns   (min %.2f, max %.2f)\n", what,
		    s.median, s.min, s.max);
}

void ratio(const char *what, stats gort, stats peer)
{
	double r = gort.median / peer.median;
	if (r >= 0.1)
		std::printf("  %-38s %10.3fx\n", what, r);
	else /* three decimals would print 0.000x */
		std::printf(
		    "  %-38s %10.5fx   (the peer takes %.0fx as long)\n", what,
		    r, 1.0 / r);
}

} // namespace

int main()
{
	std::printf("gort compare: goroutines vs pthreads\n");
	std::printf("  compiler %s, %s, %u CPUs\n", __VERSION__,
		    cpu_model().c_str(), std::thread::hardware_concurrency());
	std::printf("  each figure: median of %d runs in this process\n\n",
		    RUNS);

	std::printf("One-way switch (a goroutine yielding to another vs one "
		    "thread waking another):\n");
	constexpr std::uint64_t R = 1 << 18, RT = 1 << 12;
	stats g = measure([] { return switch_gort(R); }, 2.0 * R);
	stats tp =
	    measure([] { return switch_pthread_futex(RT, true); }, 2.0 * RT);
	stats tu =
	    measure([] { return switch_pthread_futex(RT, false); }, 2.0 * RT);
	row("gort switch", g);
	row("pthreads, futex hand-off, one CPU", tp);
	row("pthreads, futex hand-off, any CPU", tu);
	ratio("gort / pthreads (one CPU)", g, tp);
	ratio("gort / pthreads (any CPU)", g, tu);
	if (have_boost_context()) {
		stats b =
		    measure([] { return switch_boost_fcontext(R); }, 2.0 * R);
		row("Boost.Context fcontext", b);
		ratio("gort / Boost.Context", g, b);
	}

	std::printf("\nA stack (256 KiB reserved, top page touched), got and "
		    "given back:\n");
	constexpr std::uint64_t S = 1 << 14;
	stats sp = measure([] { return stack_pool_cycle(S, true); }, S);
	stats sm = measure([] { return stack_mmap_cycle(S, true); }, S);
	row("gort stack pool", sp);
	row("fresh mmap + guard + munmap", sm);
	ratio("pool / fresh mmap", sp, sm);
	return 0;
}
