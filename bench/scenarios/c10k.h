/*
 * bench/scenarios/c10k.h - the seed notes' C10k argument, measured: N
 * units of concurrency (goroutines, or OS threads) all alive at once,
 * each blocked until a token reaches it, then one token passed down the
 * chain through every one of them.
 *
 *   main -> unit 0 -> unit 1 -> ... -> unit N-1 -> main
 *
 * Each function fills a c10k_result with three figures:
 * - start: from the first spawn until every unit has run and reached the
 *   point where it blocks (a receive on its channel; a futex wait);
 * - memory: what all N add while they are blocked, read from
 *   /proc/self/status (VmRSS, VmPTE) before the first spawn and after the
 *   last has started, plus one kernel stack per thread;
 * - message: from main's first send until the token comes back through
 *   all N units (N hand-offs, each waking a blocked unit).
 *
 * The per-unit mailboxes (a channel each; a futex word each) are made
 * before the clock starts and before memory is first read: the figures
 * are the units' own.  Both functions are meant to run in a fresh child
 * process (tools/compare forks one per call), so that no earlier
 * measurement leaves warm stacks or pages behind.
 *
 * Limits.  A thread takes a pid, a slot under kernel.threads-max and
 * RLIMIT_NPROC, and two memory mappings (its stack and the guard below
 * it) under vm.max_map_count.  c10k_pthread() reads these before it
 * starts and creates only as many threads as fit, leaving a reserve of
 * pids free for the rest of the machine (pids and threads-max are
 * system-wide: taking the last one makes every other fork() on the
 * machine fail).  If pthread_create() fails anyway, it stops there.
 * Either way it wakes and joins the threads it made, records how many
 * and which limit stopped it, and still measures the ones it made.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace gort_bench {

/* Kernel stack of one thread (THREAD_SIZE): 16 KiB on x86-64 and on
 * arm64 with 4 KiB pages.  Not visible in the process's own accounting,
 * so the thread figures add it per thread. */
constexpr std::size_t C10K_KERNEL_STACK_BYTES = 16 * 1024;

/* Stack each C10k thread is created with (pthread_attr_setstacksize);
 * glibc adds a one-page guard below it.  Resident pages are the same as
 * with glibc's default 8 MiB (about 8.5 KB a thread either way), but
 * with stacks 8 MiB apart each thread needs a page-table page of its
 * own (VmPTE measured 4,136 B a thread against 136): the small stack is
 * the threads' best case. */
constexpr std::size_t C10K_THREAD_STACK_BYTES = 64 * 1024;

/* Pids (and threads-max slots) c10k_pthread() leaves free. */
constexpr long C10K_PID_RESERVE = 512;

struct c10k_result {
	int n;	   /* units asked for */
	int made;  /* units that ran (all N unless stopped) */
	int procs; /* gort: processors; threads: 0 */
	double start_ns;
	double message_ns;
	long rss_bytes;	   /* VmRSS growth */
	long pte_bytes;	   /* VmPTE growth */
	long kstack_bytes; /* made * C10K_KERNEL_STACK_BYTES (threads) */
	/* Cross-check: growth of KernelStack in /proc/meminfo (system-wide,
	 * so other processes' threads add noise); -1 if unreadable. */
	long kstack_meminfo_bytes;
	/* Why fewer than n were made ("" when all were), e.g.
	 * "kernel.pid_max = 32768 (system-wide; 90 running, 512 left free
	 * for others)". */
	char stopped_by[192];
};

/* The limits that stop threads, as this machine sets them; -1 when
 * unreadable, RLIMIT_NPROC -1 when unlimited. */
struct thread_limits {
	long pid_max;	      /* /proc/sys/kernel/pid_max */
	long threads_max;     /* /proc/sys/kernel/threads-max */
	long max_map_count;   /* /proc/sys/vm/max_map_count */
	long nproc;	      /* RLIMIT_NPROC, soft */
	bool nproc_exempt;    /* root: RLIMIT_NPROC is not enforced */
	long cgroup_pids;     /* this cgroup's pids.max; -1: none */
	long cgroup_pids_now; /* and its pids.current */
	long tasks;	      /* threads alive on the machine now */
	long maps;	      /* this process's memory mappings now */
};
thread_limits read_thread_limits();

/* The "@name:  123 kB" line of @path (/proc/self/status,
 * /proc/meminfo), in bytes; -1 when missing. */
long proc_kb_bytes(const char *path, const char *name);

/* @n goroutines under gort::run() with the default processors. */
void c10k_gort(int n, c10k_result *r);

/* @n pthreads of C10K_THREAD_STACK_BYTES stacks, as far as the limits
 * allow (see above). */
void c10k_pthread(int n, c10k_result *r);

} // namespace gort_bench
