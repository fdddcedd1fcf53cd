/*
 * bench/scenarios/c10k_pthread.cpp - the thread side of the C10k
 * scenario (see c10k.h), and the limits that stop it.
 *
 * Each thread's mailbox is one 32-bit futex word: a thread sleeps in
 * FUTEX_WAIT on its own word until the token arrives, then sets the next
 * thread's word and wakes it.  That is the least a kernel hand-off can
 * cost (no mutex, no condition variable), so the figure is the kernel's
 * and not a library's.  Every wait main does is bounded (a futex timeout
 * and a re-check), so a thread that never arrives cannot hang the tool.
 *
 * The futex hash.  Since Linux 6.16 a threaded process gets a private
 * futex hash sized by min(threads, CPUs): 16 buckets on a 2-CPU machine.
 * With 30,000 threads asleep in it, each wake walks a bucket of ~2,000
 * waiters: on the 2-vCPU development VM, one pass down a chain of
 * 31,850 threads took 10.8 s (340 us a hand-off, against 25 us at 1,000
 * threads), and 1.6 s (50 us) with the global hash.  A C10k thread would sleep in a socket's wait queue, not in a shared
 * futex bucket, so before its first thread the process asks for the
 * kernel's global hash (PR_FUTEX_HASH, 0 slots), as every process had
 * before 6.16; older kernels reject the prctl and need nothing.
 */
#include "c10k.h"

#include "scenarios.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <memory>
#include <pthread.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#ifndef PR_FUTEX_HASH
#define PR_FUTEX_HASH 78 /* Linux 6.16 */
#define PR_FUTEX_HASH_SET_SLOTS 1
#endif

namespace gort_bench {

namespace {

/* Pids below this are not handed out again once pid numbers wrap
 * (RESERVED_PIDS in the kernel). */
constexpr long KERNEL_RESERVED_PIDS = 300;

long read_long(const char *path)
{
	FILE *f = std::fopen(path, "r");
	long v = -1;
	char word[32];
	if (f == nullptr)
		return -1;
	if (std::fscanf(f, "%31s", word) == 1 && std::strcmp(word, "max") != 0)
		v = std::strtol(word, nullptr, 10);
	std::fclose(f);
	return v;
}

long count_maps()
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[65536];
	long lines = 0;
	ssize_t got;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		lines += std::count(buf, buf + got, '\n');
	close(fd);
	return lines;
}

/* Threads alive on the machine: the 4th field of /proc/loadavg,
 * "running/total". */
long count_tasks()
{
	FILE *f = std::fopen("/proc/loadavg", "r");
	long running = 0, total = -1;
	if (f == nullptr)
		return -1;
	if (std::fscanf(f, "%*f %*f %*f %ld/%ld", &running, &total) != 2)
		total = -1;
	std::fclose(f);
	return total;
}

/* Threads whose real uid is ours: what RLIMIT_NPROC counts. */
long count_user_tasks()
{
	DIR *d = opendir("/proc");
	if (d == nullptr)
		return -1;
	long total = 0;
	uid_t me = getuid();
	while (dirent *e = readdir(d)) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		std::string path =
			std::string("/proc/") + e->d_name + "/status";
		FILE *f = std::fopen(path.c_str(), "r");
		if (f == nullptr)
			continue;
		char line[256];
		long uid = -1, threads = 0;
		while (std::fgets(line, sizeof(line), f) != nullptr) {
			if (std::strncmp(line, "Uid:", 4) == 0)
				uid = std::strtol(line + 4, nullptr, 10);
			else if (std::strncmp(line, "Threads:", 8) == 0)
				threads = std::strtol(line + 8, nullptr, 10);
		}
		std::fclose(f);
		if (uid == long(me))
			total += threads;
	}
	closedir(d);
	return total;
}

/* The tightest pids.max of this process's cgroup and its ancestors
 * (cgroup v2, or the v1 pids controller); -1 when none is set. */
void cgroup_pids(long *max, long *now)
{
	*max = -1;
	*now = -1;
	FILE *f = std::fopen("/proc/self/cgroup", "r");
	if (f == nullptr)
		return;
	char line[512];
	std::string dir;
	while (std::fgets(line, sizeof(line), f) != nullptr) {
		line[std::strcspn(line, "\n")] = '\0';
		if (std::strncmp(line, "0::", 3) == 0 && dir.empty())
			dir = std::string("/sys/fs/cgroup") + (line + 3);
		const char *v1 = std::strstr(line, ":pids:");
		if (v1 != nullptr)
			dir = std::string("/sys/fs/cgroup/pids") + (v1 + 6);
	}
	std::fclose(f);
	while (!dir.empty()) {
		long m = read_long((dir + "/pids.max").c_str());
		long c = read_long((dir + "/pids.current").c_str());
		if (m >= 0 && c >= 0 && (*max < 0 || m - c < *max - *now)) {
			*max = m;
			*now = c;
		}
		std::size_t slash = dir.find_last_of('/');
		if (slash == std::string::npos || dir == "/sys/fs/cgroup" ||
		    dir == "/sys/fs/cgroup/pids")
			break;
		dir.erase(slash);
	}
}

void futex_wait_ms(std::atomic<std::uint32_t> *w, std::uint32_t v, long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(w),
		FUTEX_WAIT_PRIVATE, v, ms > 0 ? &ts : nullptr, nullptr, 0);
}

void futex_wake_all(std::atomic<std::uint32_t> *w)
{
	syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(w),
		FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

/* The chain the threads form; one per process (each call is a child). */
struct chain {
	/* n + 1 mailboxes: thread i waits on box[i]; main on box[made]. */
	std::atomic<std::uint32_t> *box;
	/* Threads that have reached their wait, and how many main waits
	 * for (the plan, or fewer if pthread_create failed). */
	std::atomic<std::uint32_t> started{0};
	std::atomic<std::uint32_t> target{0};
	/* Main sleeps here until started reaches target. */
	std::atomic<std::uint32_t> all_started{0};
};
chain g_chain;

void *chain_unit(void *arg)
{
	auto i = std::uintptr_t(arg);
	std::atomic<std::uint32_t> *mine = &g_chain.box[i];
	if (g_chain.started.fetch_add(1) + 1 == g_chain.target.load()) {
		g_chain.all_started.store(1);
		futex_wake_all(&g_chain.all_started);
	}
	while (mine->load(std::memory_order_acquire) == 0)
		futex_wait_ms(mine, 0, 0);
	/* i + 1 is the next thread's mailbox or, for the last thread made,
	 * main's. */
	g_chain.box[i + 1].store(1, std::memory_order_release);
	futex_wake_all(&g_chain.box[i + 1]);
	return nullptr;
}

/*
 * How many threads fit under the limits, leaving C10K_PID_RESERVE
 * system-wide slots free; on a limit below @n, record it in @r.
 */
int plan_threads(int n, c10k_result *r)
{
	thread_limits l = read_thread_limits();
	long fit = n;
	char note[96];
	auto limit = [&](long room, const char *name, long value) {
		room = std::max(room, 0L);
		if (room >= fit)
			return;
		fit = room;
		std::snprintf(r->stopped_by, sizeof(r->stopped_by),
			      "%s = %ld (%s)", name, value, note);
	};
	std::snprintf(note, sizeof(note),
		      "2 mappings a thread: stack, guard; %ld in use before",
		      l.maps);
	if (l.max_map_count > 0 && l.maps >= 0)
		limit((l.max_map_count - l.maps - 64) / 2, "vm.max_map_count",
		      l.max_map_count);
	std::snprintf(note, sizeof(note),
		      "system-wide; %ld running, %ld left free for others",
		      l.tasks, C10K_PID_RESERVE);
	if (l.pid_max > 0 && l.tasks >= 0)
		limit(l.pid_max - KERNEL_RESERVED_PIDS - l.tasks -
			      C10K_PID_RESERVE,
		      "kernel.pid_max", l.pid_max);
	if (l.threads_max > 0 && l.tasks >= 0)
		limit(l.threads_max - l.tasks - C10K_PID_RESERVE,
		      "kernel.threads-max", l.threads_max);
	if (l.nproc >= 0 && !l.nproc_exempt) {
		long reserve = std::min(C10K_PID_RESERVE, l.nproc / 16);
		long mine = count_user_tasks();
		std::snprintf(note, sizeof(note),
			      "%ld of this user's running, %ld left free", mine,
			      reserve);
		limit(l.nproc - mine - reserve, "RLIMIT_NPROC (ulimit -u)",
		      l.nproc);
	}
	if (l.cgroup_pids >= 0) {
		long reserve = std::min(C10K_PID_RESERVE, l.cgroup_pids / 16);
		std::snprintf(note, sizeof(note),
			      "%ld in the cgroup, %ld left free",
			      l.cgroup_pids_now, reserve);
		limit(l.cgroup_pids - l.cgroup_pids_now - reserve,
		      "cgroup pids.max", l.cgroup_pids);
	}
	return int(fit);
}

/* pthread_create() failed with @err after some threads were made: say
 * which limit is the likely cause. */
void diagnose(int err, c10k_result *r)
{
	thread_limits l = read_thread_limits();
	struct rlimit as;
	auto set_reason = [r](const char *name, long value, const char *what,
			      long count) {
		std::snprintf(r->stopped_by, sizeof(r->stopped_by),
			      "%s = %ld (pthread_create failed at %ld %s)",
			      name, value, count, what);
	};
	if (l.max_map_count > 0 && l.maps + 8 >= l.max_map_count)
		set_reason("vm.max_map_count", l.max_map_count, "mappings",
			   l.maps);
	else if (l.threads_max > 0 && l.tasks + 16 >= l.threads_max)
		set_reason("kernel.threads-max", l.threads_max,
			   "threads on the machine", l.tasks);
	else if (l.pid_max > 0 &&
		 l.tasks + KERNEL_RESERVED_PIDS + 16 >= l.pid_max)
		set_reason("kernel.pid_max", l.pid_max,
			   "threads on the machine", l.tasks);
	else if (l.cgroup_pids >= 0 && l.cgroup_pids_now + 4 >= l.cgroup_pids)
		set_reason("cgroup pids.max", l.cgroup_pids,
			   "pids in the cgroup", l.cgroup_pids_now);
	else if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
		std::snprintf(r->stopped_by, sizeof(r->stopped_by),
			      "RLIMIT_AS (ulimit -v) = %ld KiB (pthread_create "
			      "failed: %s)",
			      long(as.rlim_cur / 1024), std::strerror(err));
	else if (l.nproc >= 0 && !l.nproc_exempt)
		std::snprintf(r->stopped_by, sizeof(r->stopped_by),
			      "RLIMIT_NPROC (ulimit -u) = %ld, or memory "
			      "(pthread_create failed: %s)",
			      l.nproc, std::strerror(err));
	else
		std::snprintf(r->stopped_by, sizeof(r->stopped_by),
			      "pthread_create failed: %s", std::strerror(err));
}

} // namespace

long proc_kb_bytes(const char *path, const char *name)
{
	FILE *f = std::fopen(path, "r");
	char line[256];
	long v = -1;
	std::size_t len = std::strlen(name);
	while (f != nullptr && std::fgets(line, sizeof(line), f) != nullptr)
		if (std::strncmp(line, name, len) == 0 && line[len] == ':')
			v = std::strtol(line + len + 1, nullptr, 10) * 1024;
	if (f != nullptr)
		std::fclose(f);
	return v;
}

thread_limits read_thread_limits()
{
	thread_limits l;
	l.pid_max = read_long("/proc/sys/kernel/pid_max");
	l.threads_max = read_long("/proc/sys/kernel/threads-max");
	l.max_map_count = read_long("/proc/sys/vm/max_map_count");
	struct rlimit rl;
	l.nproc = -1;
	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		l.nproc = long(rl.rlim_cur);
	/* The kernel lets the root user (or CAP_SYS_RESOURCE/ADMIN) past
	 * RLIMIT_NPROC; only root is detected here. */
	l.nproc_exempt = getuid() == 0;
	cgroup_pids(&l.cgroup_pids, &l.cgroup_pids_now);
	l.tasks = count_tasks();
	l.maps = count_maps();
	return l;
}

void c10k_pthread(int n, c10k_result *r)
{
	std::memset(r, 0, sizeof(*r));
	r->n = n;
	r->kstack_meminfo_bytes = -1;
	if (n <= 0)
		return;

	/* Everything main needs is allocated before memory is read. */
	std::unique_ptr<std::atomic<std::uint32_t>[]> box(
		new std::atomic<std::uint32_t>[std::size_t(n) + 1]);
	for (int i = 0; i <= n; i++)
		box[i].store(0);
	std::vector<pthread_t> ts(static_cast<std::size_t>(n));
	g_chain.box = box.get();
	(void)prctl(PR_FUTEX_HASH, PR_FUTEX_HASH_SET_SLOTS, 0UL, 0UL, 0UL);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, C10K_THREAD_STACK_BYTES);
	int plan = plan_threads(n, r);
	g_chain.target.store(std::uint32_t(plan));

	long rss0 = proc_kb_bytes("/proc/self/status", "VmRSS");
	long pte0 = proc_kb_bytes("/proc/self/status", "VmPTE");
	long ks0 = proc_kb_bytes("/proc/meminfo", "KernelStack");
	std::uint64_t t0 = now_ns();
	int made = 0;
	for (; made < plan; made++) {
		int err = pthread_create(
			&ts[std::size_t(made)], &attr, chain_unit,
			reinterpret_cast<void *>(std::uintptr_t(made)));
		if (err != 0) {
			/* Seen by any thread still to count itself, or
			 * main sees that thread's count (both seq_cst). */
			g_chain.target.store(std::uint32_t(made));
			diagnose(err, r);
			break;
		}
	}
	while (g_chain.started.load() < std::uint32_t(made))
		futex_wait_ms(&g_chain.all_started, 0, 10);
	std::uint64_t t1 = now_ns();
	long rss1 = proc_kb_bytes("/proc/self/status", "VmRSS");
	long pte1 = proc_kb_bytes("/proc/self/status", "VmPTE");
	long ks1 = proc_kb_bytes("/proc/meminfo", "KernelStack");

	/* The token goes down the chain; it also releases every thread. */
	std::uint64_t t2 = now_ns();
	if (made > 0) {
		box[0].store(1, std::memory_order_release);
		futex_wake_all(&box[0]);
		while (box[std::size_t(made)].load(std::memory_order_acquire) ==
		       0)
			futex_wait_ms(&box[std::size_t(made)], 0, 10);
	}
	std::uint64_t t3 = now_ns();
	for (int i = 0; i < made; i++)
		pthread_join(ts[std::size_t(i)], nullptr);
	pthread_attr_destroy(&attr);

	r->made = made;
	r->start_ns = double(t1 - t0);
	r->message_ns = double(t3 - t2);
	r->rss_bytes = rss1 - rss0;
	r->pte_bytes = pte1 - pte0;
	r->kstack_bytes = long(made) * long(C10K_KERNEL_STACK_BYTES);
	if (ks0 >= 0 && ks1 >= 0)
		r->kstack_meminfo_bytes = ks1 - ks0;
	if (made < n && r->stopped_by[0] == '\0')
		std::snprintf(r->stopped_by, sizeof(r->stopped_by),
			      "unknown limit");
}

} // namespace gort_bench
