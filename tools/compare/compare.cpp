/*
 * tools/compare/compare.cpp - the README's main job: what a goroutine
 * costs next to an OS thread, measured in one run on this machine.
 *
 * Every figure is the median of RUNS runs taken in this process, printed
 * with its min and max; every ratio divides gort's median by the peer's
 * median from the same run.  It compares what the seed notes argue: the
 * cost of a switch, of creating and joining a unit of concurrency, and
 * of keeping many of them alive (the C10k argument), goroutines against
 * OS threads.
 */
#include "scenarios/scenarios.h"
#include "scenarios/sched_gort.h"
#include "scenarios/sched_peers.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
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

/* Run @f in a fresh child process and return what it returns: memory is
 * measured where no earlier measurement left warm pages to reuse. */
template <typename F>
double in_child(F f)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		double v = f();
		ssize_t w = write(fds[1], &v, sizeof(v));
		_exit(w == sizeof(v) ? 0 : 1);
	}
	double v = -1;
	if (read(fds[0], &v, sizeof(v)) != sizeof(v))
		v = -1;
	close(fds[0]);
	close(fds[1]);
	waitpid(pid, nullptr, 0);
	return v;
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
			"  %-38s %10.5fx   (the peer takes %.0fx as long)\n",
			what, r, 1.0 / r);
}

} // namespace

int main()
{
	std::printf("gort compare: goroutines vs pthreads\n");
	std::printf("  compiler %s, %s, %u CPUs\n", __VERSION__,
		    cpu_model().c_str(), std::thread::hardware_concurrency());
	std::printf("  each figure: median of %d runs in this process\n\n",
		    RUNS);

	/* Memory first, each in a child of this still pristine process:
	 * later measurements would leave warm stacks for goroutines to
	 * reuse, and the figure would hide what a goroutine costs. */
	struct mem_row {
		int n;
		double goroutine, thread;
		int threads_made;
	} mem[2] = {{10000, 0, 0, 0}, {100000, 0, 0, 0}};
	for (mem_row &r : mem) {
		int n = r.n;
		r.goroutine = in_child([n] { return idle_goroutine_bytes(n); });
		double tb = in_child([n] {
			int made = 0;
			double b = idle_pthread_bytes(n, &made);
			return made < n ? -double(made) : b;
		});
		r.threads_made = tb < 0 ? int(-tb) : n;
		if (tb < 0) {
			int made_n = r.threads_made;
			tb = in_child([made_n] {
				int made = 0;
				return idle_pthread_bytes(made_n, &made);
			});
		}
		r.thread = tb;
	}

	std::printf("One-way switch (a goroutine yielding to another vs one "
		    "thread waking another):\n");
	constexpr std::uint64_t R = 1 << 18, RT = 1 << 12;
	stats g = measure([] { return switch_gort(R); }, 2.0 * R);
	stats tp = measure([] { return switch_pthread_futex(RT, true); },
			   2.0 * RT);
	stats tu = measure([] { return switch_pthread_futex(RT, false); },
			   2.0 * RT);
	row("gort switch", g);
	row("pthreads, futex hand-off, one CPU", tp);
	row("pthreads, futex hand-off, any CPU", tu);
	ratio("gort / pthreads (one CPU)", g, tp);
	ratio("gort / pthreads (any CPU)", g, tu);
	if (have_boost_context()) {
		stats b = measure([] { return switch_boost_fcontext(R); },
				  2.0 * R);
		row("Boost.Context fcontext", b);
		ratio("gort / Boost.Context", g, b);
	}

	std::printf("\nSwitching between two runnable units on one CPU "
		    "(yield):\n");
	constexpr std::uint64_t Y = 1 << 16;
	stats gy = measure([] { return yield_gort(Y); }, 2.0 * Y);
	row("gort::yield(), two goroutines, procs 1", gy);
	row("pthreads, futex hand-off, one CPU", tp);
	ratio("gort / pthreads", gy, tp);

	std::printf("\nCreate, run and join one unit (batches of 10,000 "
		    "goroutines, 1,000 threads):\n");
	constexpr std::uint64_t SG = 10000, ST = 1000;
	stats s1 = measure([] { return spawn_join_gort(SG, 1); }, SG);
	stats s2 = measure([] { return spawn_join_gort(SG, 2); }, SG);
	stats pp = measure([] { return spawn_join_pthread(ST, true); }, ST);
	stats pu = measure([] { return spawn_join_pthread(ST, false); }, ST);
	row("gort::go + wait_group, procs 1", s1);
	row("gort::go + wait_group, procs 2", s2);
	row("pthread_create + join, one CPU", pp);
	row("pthread_create + join, any CPU", pu);
	ratio("gort procs 1 / pthreads one CPU", s1, pp);
	ratio("gort procs 2 / pthreads any CPU", s2, pu);

	std::printf(
		"\nMemory per idle unit (resident bytes each, all alive "
		"and blocked at once; each measured in a fresh process):\n");
	for (const mem_row &r : mem) {
		std::printf("  %-7d goroutines %8.0f B   threads %8.0f B", r.n,
			    r.goroutine, r.thread);
		if (r.threads_made < r.n)
			std::printf("   (only %d threads could be created: "
				    "the rest failed)",
				    r.threads_made);
		else
			std::printf("   threads / goroutines %.1fx",
				    r.thread / r.goroutine);
		std::printf("\n");
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
