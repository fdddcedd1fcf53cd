/*
 * tools/compare/compare.cpp - the README's main job: what a goroutine
 * costs next to an OS thread, measured in one run on this machine.
 *
 *   compare [--quick] [--svg PATH | --no-svg]
 *
 *   --quick      3 runs per figure instead of 9, and the C10k part at
 *                N = 1,000 and 10,000 only (a CI smoke run)
 *   --svg PATH   write the chart to PATH (default ./gort-compare.svg)
 *   --no-svg     write no chart
 *
 * It measures, goroutines against pthreads: a one-way switch (the raw
 * context switch, yield(), and a hand-off through an unbuffered
 * channel, each against two threads handing a token through a futex),
 * creating and joining one unit, getting a stack, and the seed notes'
 * C10k argument: for N = 1,000, 10,000 and 100,000 units alive at once,
 * the time to start them all, the memory each costs (resident pages +
 * page tables + kernel stack), and the time for one message to pass
 * through all of them (bench/scenarios/c10k.h).  The memory per idle
 * unit table is the C10k runs' memory, broken down.
 *
 * The in-process figures are the median of the runs taken in this
 * process, printed with their min and max; every ratio divides gort's
 * median by the peer's median from the same run.  Each C10k figure is
 * one run in a fresh child process (fork), measured before this process
 * has run anything: no measurement reuses another's warm pages, and a
 * thread side that hits a limit or dies cannot take the tool with it.
 * Where pid_max, threads-max, vm.max_map_count, RLIMIT_NPROC or a
 * cgroup stop the threads, the table says which, and how many were made.
 *
 * Output: the tables on stdout; a progress line on stderr (rewritten in
 * place on a terminal, one line per step otherwise); an SVG chart of the
 * C10k figures on a log scale (svg_chart.h).
 */
#include "scenarios/c10k.h"
#include "scenarios/scenarios.h"
#include "scenarios/sched_gort.h"
#include "scenarios/sched_peers.h"
#include "svg_chart.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

using namespace gort_bench;
using namespace gort_compare;

namespace {

int g_runs = 9;

/* A C10k child gets this long before it is killed as hung. */
constexpr unsigned CHILD_TIMEOUT_S = 120;

struct stats {
	double median, min, max;
};

/* Per-operation nanoseconds over g_runs runs of @ops operations each. */
template <typename F>
stats measure(F run_once, double ops)
{
	std::vector<double> v;
	for (int i = 0; i < g_runs; i++)
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

/* 1234567 -> "1,234,567". */
std::string commas(long v)
{
	std::string digits = std::to_string(v < 0 ? -v : v), o;
	for (std::size_t i = 0; i < digits.size(); i++) {
		if (i > 0 && (digits.size() - i) % 3 == 0)
			o += ',';
		o += digits[i];
	}
	return v < 0 ? "-" + o : o;
}

/* Milliseconds with three significant digits or so. */
std::string ms(double ns)
{
	double v = ns / 1e6;
	char b[32];
	if (v >= 1000)
		return commas(long(v + 0.5));
	std::snprintf(b, sizeof(b),
		      v < 1	? "%.3f"
		      : v < 100 ? "%.2f"
				: "%.0f",
		      v);
	return b;
}

std::string times(double r)
{
	char b[32];
	std::snprintf(b, sizeof(b), r >= 10 ? "%.0fx" : "%.1fx", r);
	return b;
}

/*
 * The progress line, on stderr: one line rewritten in place on a
 * terminal, a plain line per step otherwise (CI logs), so stdout keeps
 * only the tables.
 */
struct progress {
	int total = 0;
	int at = 0;
	bool tty = isatty(STDERR_FILENO) != 0;
	std::size_t width = 0;

	void step(const std::string &what)
	{
		char line[160];
		int len = std::snprintf(line, sizeof(line), "[%2d/%d] %s ...",
					++at, total, what.c_str());
		std::size_t n = len < 0 ? 0 : std::size_t(len);
		if (tty) {
			std::fprintf(stderr, "\r%s%*s", line,
				     int(width > n ? width - n : 0), "");
			width = n;
		} else {
			std::fprintf(stderr, "%s\n", line);
		}
		std::fflush(stderr);
	}

	void done()
	{
		if (tty && width > 0)
			std::fprintf(stderr, "\r%*s\r", int(width), "");
		std::fflush(stderr);
	}
};

/*
 * Run @f(&result) in a fresh child process and copy its result back.
 * False, with *why saying what happened, if the child could not be
 * started, died, or ran past CHILD_TIMEOUT_S.
 */
template <typename T, typename F>
bool in_child(F f, T *out, std::string *why)
{
	static_assert(std::is_trivially_copyable_v<T>);
	int fds[2];
	if (pipe(fds) != 0) {
		*why = std::string("pipe: ") + std::strerror(errno);
		return false;
	}
	std::fflush(stdout);
	std::fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		*why = std::string("fork: ") + std::strerror(errno);
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		alarm(CHILD_TIMEOUT_S);
		T v{};
		f(&v);
		auto p = reinterpret_cast<const char *>(&v);
		std::size_t left = sizeof(v);
		while (left > 0) {
			ssize_t w = write(fds[1], p, left);
			if (w <= 0)
				_exit(1);
			p += w;
			left -= std::size_t(w);
		}
		_exit(0);
	}
	close(fds[1]);
	auto p = reinterpret_cast<char *>(out);
	std::size_t got = 0;
	while (got < sizeof(T)) {
		ssize_t r = read(fds[0], p + got, sizeof(T) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += std::size_t(r);
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof(T) && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	char b[128];
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		std::snprintf(b, sizeof(b), "timed out after %u s",
			      CHILD_TIMEOUT_S);
	else if (WIFSIGNALED(status))
		std::snprintf(b, sizeof(b), "killed by signal %d (%s)",
			      WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		std::snprintf(b, sizeof(b), "exited with status %d",
			      WEXITSTATUS(status));
	*why = b;
	return false;
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

/* One C10k figure: a child's result, or why there is none. */
struct c10k_cell {
	bool ran = false;
	std::string failed; /* the child died: how */
	c10k_result r{};

	/* All N made and measured. */
	bool full() const { return ran && r.made == r.n && r.made > 0; }
	long bytes_per_unit() const
	{
		return r.made > 0
			       ? (r.rss_bytes + r.pte_bytes + r.kstack_bytes) /
					 r.made
			       : 0;
	}
	/* What the table prints instead of a figure. */
	const char *gap() const { return ran ? "stopped" : "failed"; }
	/* Why, for the note under the row. */
	std::string why(const char *unit) const
	{
		if (!ran)
			return std::string(unit) + ": the child " + failed;
		return std::string(unit) + ": stopped at " + commas(r.made) +
		       " of " + commas(r.n) + ": " + r.stopped_by;
	}
};

struct c10k_row {
	int n;
	c10k_cell gor, thr;
};

/* The short name of the limit in a stopped_by text: up to " = ". */
std::string limit_name(const c10k_cell &c)
{
	if (!c.ran)
		return "child " + c.failed;
	std::string s = c.r.stopped_by;
	std::size_t eq = s.find(" = ");
	return eq == std::string::npos ? s : s.substr(0, eq);
}

void print_limits(const thread_limits &l)
{
	std::printf("  thread limits: kernel.pid_max %s, kernel.threads-max "
		    "%s, vm.max_map_count %s,\n",
		    commas(l.pid_max).c_str(), commas(l.threads_max).c_str(),
		    commas(l.max_map_count).c_str());
	std::printf("    ulimit -u %s%s, cgroup pids.max %s; %s threads "
		    "running on the machine\n",
		    l.nproc < 0 ? "unlimited" : commas(l.nproc).c_str(),
		    l.nproc_exempt ? " (not enforced: root)" : "",
		    l.cgroup_pids < 0 ? "none" : commas(l.cgroup_pids).c_str(),
		    commas(l.tasks).c_str());
}

void print_memory(const std::vector<c10k_row> &rows)
{
	std::printf("\nMemory per idle unit (bytes each, all N alive and "
		    "blocked at once; from the C10k runs below):\n");
	std::printf("  %-9s %-11s %9s %12s %13s %9s\n", "N", "unit", "resident",
		    "page tables", "kernel stack", "total");
	for (const c10k_row &w : rows) {
		bool first = true;
		for (const c10k_cell *c : {&w.gor, &w.thr}) {
			const char *unit =
				c == &w.gor ? "goroutines" : "threads";
			std::string n = first ? commas(w.n) : "";
			first = false;
			if (!c->ran || c->r.made == 0) {
				std::printf("  %-9s %-11s %9s   (%s)\n",
					    n.c_str(), unit, c->gap(),
					    c->why(unit).c_str());
				continue;
			}
			long m = c->r.made;
			std::printf("  %-9s %-11s %9s %12s %13s %9s", n.c_str(),
				    unit, commas(c->r.rss_bytes / m).c_str(),
				    commas(c->r.pte_bytes / m).c_str(),
				    commas(c->r.kstack_bytes / m).c_str(),
				    commas(c->bytes_per_unit()).c_str());
			if (c->r.made < c->r.n)
				std::printf("   (%s made)",
					    commas(c->r.made).c_str());
			std::printf("\n");
		}
	}
}

void print_c10k(const std::vector<c10k_row> &rows, int procs)
{
	std::printf(
		"\nC10k: N units alive at once, each blocked until a token "
		"passed down the chain\nof all N reaches it (each figure one "
		"run in a fresh process):\n");
	std::printf("  %-9s %-21s %-21s %-21s %s\n", "", "start all N, ms",
		    "bytes per unit (a)", "pass one message, ms",
		    "threads / goroutines");
	std::printf("  %-9s %10s %10s %10s %10s %10s %10s %7s %7s %7s\n", "N",
		    "goroutine", "thread", "goroutine", "thread", "goroutine",
		    "thread", "start", "bytes", "message");
	std::vector<std::string> notes;
	for (const c10k_row &w : rows) {
		const c10k_cell &g = w.gor, &t = w.thr;
		auto cell = [](const c10k_cell &c, std::string v) {
			return c.full() ? v : std::string(c.gap());
		};
		bool both = g.full() && t.full();
		std::printf(
			"  %-9s %10s %10s %10s %10s %10s %10s %7s %7s %7s\n",
			commas(w.n).c_str(), cell(g, ms(g.r.start_ns)).c_str(),
			cell(t, ms(t.r.start_ns)).c_str(),
			cell(g, commas(g.bytes_per_unit())).c_str(),
			cell(t, commas(t.bytes_per_unit())).c_str(),
			cell(g, ms(g.r.message_ns)).c_str(),
			cell(t, ms(t.r.message_ns)).c_str(),
			both ? times(t.r.start_ns / g.r.start_ns).c_str() : "-",
			both ? times(double(t.bytes_per_unit()) /
				     double(g.bytes_per_unit()))
					.c_str()
			     : "-",
			both ? times(t.r.message_ns / g.r.message_ns).c_str()
			     : "-");
		for (const c10k_cell *c : {&g, &t}) {
			if (c->full())
				continue;
			const char *unit = c == &g ? "goroutines" : "threads";
			std::printf("  %-9s %s\n", "", c->why(unit).c_str());
			if (c->ran && c->r.made > 0)
				std::printf(
					"  %-9s with the %s made: start %s ms, "
					"%s B/unit, message %s ms\n",
					"", commas(c->r.made).c_str(),
					ms(c->r.start_ns).c_str(),
					commas(c->bytes_per_unit()).c_str(),
					ms(c->r.message_ns).c_str());
		}
	}

	/* The measured kernel-stack growth, as a check on the 16 KiB. */
	long ks = 0, made = 0;
	for (const c10k_row &w : rows)
		if (w.thr.ran && w.thr.r.kstack_meminfo_bytes >= 0) {
			ks += w.thr.r.kstack_meminfo_bytes;
			made += w.thr.r.made;
		}
	std::printf(
		"  Goroutines: gort::run at its default %d procs, each parked "
		"in a receive on its own\n"
		"  chan<int>(0).  Threads: pthread_create with %zu KiB stacks "
		"(glibc adds a 4 KiB guard),\n"
		"  each in FUTEX_WAIT on its own word, through the kernel's "
		"global futex hash (c10k.h).\n"
		"  Small stacks favour threads: glibc's default 8 MiB stack "
		"costs the same resident\n"
		"  pages but a page-table page (4 KiB) more per thread.\n"
		"  Start: from the first spawn until all N have reached their "
		"wait, in a fresh process,\n"
		"  so it includes the page faults of first touching each "
		"unit's memory (the create + join\n"
		"  figures above reuse warm memory).\n",
		procs, C10K_THREAD_STACK_BYTES / 1024);
	std::printf("  (a) growth of VmRSS + VmPTE (/proc/self/status) "
		    "while all N are blocked, plus for\n"
		    "      threads one %zu KiB kernel stack each "
		    "(THREAD_SIZE on x86-64 and arm64), which the\n"
		    "      process's own figures do not show",
		    C10K_KERNEL_STACK_BYTES / 1024);
	if (made > 0)
		std::printf(" (KernelStack in /proc/meminfo grew\n"
			    "      %.1f KiB per thread in these runs)",
			    double(ks) / double(made) / 1024.0);
	std::printf("; task_struct and other kernel\n"
		    "      objects are not counted.  The runtime's own "
		    "threads exist before the first goroutine.\n");
	std::printf("  (b) main sends to unit 0, each unit receives and "
		    "sends on to the next, the last\n"
		    "      back to main: N hand-offs, each waking a blocked "
		    "unit.  Per hand-off, ns:\n");
	for (const c10k_row &w : rows) {
		std::printf("      N = %-9s goroutines ", commas(w.n).c_str());
		if (w.gor.ran && w.gor.r.made > 0)
			std::printf("%8.0f", w.gor.r.message_ns / w.gor.r.made);
		else
			std::printf("%8s", w.gor.gap());
		std::printf("   threads ");
		if (w.thr.ran && w.thr.r.made > 0)
			std::printf("%8.0f%s\n",
				    w.thr.r.message_ns / w.thr.r.made,
				    w.thr.full() ? "" : "  (of those made)");
		else
			std::printf("%8s\n", w.thr.gap());
	}
}

/* The C10k chart: start time, bytes per unit, message time, each vs N. */
void write_chart(const std::vector<c10k_row> &rows, const std::string &path,
		 const std::string &machine)
{
	chart c;
	c.title = "gort: goroutines vs pthreads, C10k (log scale)";
	char date[32];
	std::time_t now = std::time(nullptr);
	struct tm tm;
	localtime_r(&now, &tm);
	std::strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	c.subtitle =
		machine + ", " + date + "; each bar one run in a fresh process";
	c.x_label = "N units alive at once";
	c.series = {{"goroutines", "#00add8"}, {"pthreads", "#d1495b"}};
	for (const c10k_row &w : rows)
		c.categories.push_back(commas(w.n));

	chart_panel start{"Start all N", "milliseconds", {{}, {}}, {{}, {}}};
	chart_panel bytes{"Memory per unit",
			  "bytes (RSS + PTE + kernel stack)",
			  {{}, {}},
			  {{}, {}}};
	chart_panel msg{"Pass one message through all N",
			"milliseconds",
			{{}, {}},
			{{}, {}}};
	for (const c10k_row &w : rows) {
		int s = 0;
		for (const c10k_cell *cell : {&w.gor, &w.thr}) {
			if (cell->full()) {
				start.values[s].push_back(cell->r.start_ns /
							  1e6);
				start.labels[s].push_back(ms(cell->r.start_ns));
				bytes.values[s].push_back(
					double(cell->bytes_per_unit()));
				bytes.labels[s].push_back(
					commas(cell->bytes_per_unit()));
				msg.values[s].push_back(cell->r.message_ns /
							1e6);
				msg.labels[s].push_back(ms(cell->r.message_ns));
			} else {
				std::string why =
					cell->ran
						? "stopped at " +
							  commas(cell->r.made) +
							  ": " +
							  limit_name(*cell)
						: "failed";
				for (chart_panel *p : {&start, &bytes, &msg}) {
					p->values[s].push_back(0);
					p->labels[s].push_back(why);
				}
			}
			s++;
		}
	}
	c.panels = {start, bytes, msg};
	c.notes.push_back(
		"Goroutines: gort::run, default procs, each parked in a "
		"receive on its own unbuffered channel. Threads: "
		"pthread_create, " +
		std::to_string(C10K_THREAD_STACK_BYTES / 1024) +
		" KiB stacks, each in FUTEX_WAIT on its own word.");
	c.notes.push_back(
		"Memory: growth of VmRSS + VmPTE while all N are blocked, "
		"plus a " +
		std::to_string(C10K_KERNEL_STACK_BYTES / 1024) +
		" KiB kernel stack per thread. Message: a token passed "
		"down the chain of all N and back.");
	for (const c10k_row &w : rows)
		for (const c10k_cell *cell : {&w.gor, &w.thr})
			if (!cell->full())
				c.notes.push_back(
					"N = " + commas(w.n) + ", " +
					cell->why(cell == &w.gor ? "goroutines"
								 : "threads"));
	std::string err;
	if (write_svg_chart(c, path, &err))
		std::printf("\nChart (SVG, log scale): %s\n", path.c_str());
	else
		std::printf("\nChart: not written to %s: %s\n", path.c_str(),
			    err.c_str());
}

int usage(const char *me, int status)
{
	std::fprintf(status == 0 ? stdout : stderr,
		     "usage: %s [--quick] [--svg PATH | --no-svg]\n"
		     "  --quick     fewer runs; C10k at N = 1,000 and 10,000 "
		     "only\n"
		     "  --svg PATH  write the chart there (default "
		     "./gort-compare.svg)\n"
		     "  --no-svg    write no chart\n",
		     me);
	return status;
}

} // namespace

int main(int argc, char **argv)
{
	bool quick = false, svg = true;
	std::string svg_path = "./gort-compare.svg";
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--quick")
			quick = true;
		else if (a == "--no-svg")
			svg = false;
		else if (a == "--svg" && i + 1 < argc)
			svg_path = argv[++i];
		else if (a.rfind("--svg=", 0) == 0 && a.size() > 6)
			svg_path = a.substr(6);
		else if (a == "-h" || a == "--help")
			return usage(argv[0], 0);
		else
			return usage(argv[0], 2);
	}
	if (quick)
		g_runs = 3;
	std::vector<int> ns = {1000, 10000, 100000};
	if (quick)
		ns.pop_back();

	progress prog;
	prog.total = 2 * int(ns.size()) + 5;
	thread_limits limits = read_thread_limits();

	/* C10k first, each N in a child of this still pristine process:
	 * later measurements would leave warm stacks for goroutines to
	 * reuse, and a child forked after gort::run() would inherit a
	 * runtime whose threads it does not have. */
	std::vector<c10k_row> rows;
	int procs = int(std::thread::hardware_concurrency());
	for (int n : ns) {
		c10k_row w;
		w.n = n;
		prog.step("C10k: " + commas(n) + " goroutines");
		w.gor.ran = in_child<c10k_result>(
			[n](c10k_result *r) { c10k_gort(n, r); }, &w.gor.r,
			&w.gor.failed);
		if (w.gor.ran)
			procs = w.gor.r.procs;
		prog.step("C10k: " + commas(n) + " threads");
		w.thr.ran = in_child<c10k_result>(
			[n](c10k_result *r) { c10k_pthread(n, r); }, &w.thr.r,
			&w.thr.failed);
		rows.push_back(w);
	}

	constexpr std::uint64_t R = 1 << 18, RT = 1 << 12;
	prog.step("one-way switch: gort, futex hand-off, Boost.Context");
	stats g = measure([] { return switch_gort(R); }, 2.0 * R);
	stats tp = measure([] { return switch_pthread_futex(RT, true); },
			   2.0 * RT);
	stats tu = measure([] { return switch_pthread_futex(RT, false); },
			   2.0 * RT);
	stats b{};
	if (have_boost_context())
		b = measure([] { return switch_boost_fcontext(R); }, 2.0 * R);

	prog.step("yield: two goroutines at procs 1");
	constexpr std::uint64_t Y = 1 << 16;
	stats gy = measure([] { return yield_gort(Y); }, 2.0 * Y);

	prog.step("unbuffered channel ping-pong at procs 1");
	constexpr std::uint64_t C = 1 << 16;
	stats gc = measure([] { return chan_pingpong_gort(C, 1); }, 2.0 * C);

	prog.step("create + join: goroutines, threads");
	constexpr std::uint64_t SG = 10000, ST = 1000;
	stats s1 = measure([] { return spawn_join_gort(SG, 1); }, SG);
	stats s2 = measure([] { return spawn_join_gort(SG, 2); }, SG);
	stats pp = measure([] { return spawn_join_pthread(ST, true); }, ST);
	stats pu = measure([] { return spawn_join_pthread(ST, false); }, ST);

	prog.step("stacks: gort's pool, fresh mmap");
	constexpr std::uint64_t S = 1 << 14;
	stats sp = measure([] { return stack_pool_cycle(S, true); }, S);
	stats sm = measure([] { return stack_mmap_cycle(S, true); }, S);
	prog.done();

	struct utsname u;
	std::string kernel = uname(&u) == 0 ? std::string(" ") + u.release : "";
	std::string machine =
		cpu_model() + ", " +
		std::to_string(std::thread::hardware_concurrency()) +
		" CPUs, Linux" + kernel + ", compiler " + __VERSION__;
	std::printf("gort compare: goroutines vs pthreads%s\n",
		    quick ? " (--quick)" : "");
	std::printf("  compiler %s, %s, %u CPUs, Linux%s\n", __VERSION__,
		    cpu_model().c_str(), std::thread::hardware_concurrency(),
		    kernel.c_str());
	std::printf("  each figure: median of %d runs in this process, "
		    "except memory and C10k\n",
		    g_runs);
	print_limits(limits);
	std::printf("\n");

	std::printf("One-way switch (a goroutine yielding to another vs one "
		    "thread waking another):\n");
	row("gort switch", g);
	row("pthreads, futex hand-off, one CPU", tp);
	row("pthreads, futex hand-off, any CPU", tu);
	ratio("gort / pthreads (one CPU)", g, tp);
	ratio("gort / pthreads (any CPU)", g, tu);
	if (have_boost_context()) {
		row("Boost.Context fcontext", b);
		ratio("gort / Boost.Context", g, b);
	}

	std::printf("\nSwitching between two runnable units on one CPU "
		    "(yield):\n");
	row("gort::yield(), two goroutines, procs 1", gy);
	row("pthreads, futex hand-off, one CPU", tp);
	ratio("gort / pthreads", gy, tp);

	std::printf("\nOne-way hand-off through an unbuffered channel (the "
		    "receiver is parked, the\nsend wakes it; the peer: two "
		    "threads passing a token through one futex word):\n");
	row("gort::chan<int>(0) ping-pong, procs 1", gc);
	row("pthreads, futex hand-off, one CPU", tp);
	ratio("gort / pthreads", gc, tp);

	std::printf("\nCreate, run and join one unit (batches of 10,000 "
		    "goroutines, 1,000 threads):\n");
	row("gort::go + wait_group, procs 1", s1);
	row("gort::go + wait_group, procs 2", s2);
	row("pthread_create + join, one CPU", pp);
	row("pthread_create + join, any CPU", pu);
	ratio("gort procs 1 / pthreads one CPU", s1, pp);
	ratio("gort procs 2 / pthreads any CPU", s2, pu);

	std::printf("\nA stack (128 KiB reserved, top page touched), got and "
		    "given back:\n");
	row("gort stack pool", sp);
	row("fresh mmap + guard + munmap", sm);
	ratio("pool / fresh mmap", sp, sm);

	print_memory(rows);
	print_c10k(rows, procs);
	if (svg)
		write_chart(rows, svg_path, machine);
	return 0;
}
