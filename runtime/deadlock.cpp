/*
 * runtime/deadlock.cpp - "fatal error: all goroutines are asleep -
 * deadlock!", as Go detects it: by counting, not by analysis.
 *
 * The runtime is dead when no M runs or spins, no timer is pending, no
 * G is runnable, and yet some G is alive: all of them wait for each other.
 * Checked whenever an M goes to sleep (it may be the last one).
 *
 * The rule for embedded runtimes.  A thread the runtime did not create
 * can wake goroutines at any time (go(), wait_group::done(), and later
 * channel sends and mutex unlocks), and the runtime cannot know whether
 * it will.  So the check reports a deadlock only while the process has no
 * threads but the runtime's own Ms (counted from /proc/self/stat, only
 * once everything else says "dead"), and turns off for the rest of the
 * run() once a foreign thread has called in.  Go makes the same choice
 * for c-archive and c-shared builds, where the host program's threads
 * call in.  Config{.deadlock_check = false} or GORT_DEADLOCK_CHECK=0
 * turns it off from the start.
 */
#include "runtime/proc.h"

#include "runtime/panic.h"
#include "runtime/print.h"
#include "runtime/runq.h"
#include "runtime/timer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace gort::rt {

/* Threads in this process (field 20 of /proc/self/stat), or -1. */
static long process_threads()
{
	int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[1024];
	long n = ::read(fd, buf, sizeof(buf) - 1);
	::close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces: count from its ')'. */
	char *q = std::strrchr(buf, ')');
	if (q == nullptr)
		return -1;
	int field = 2;
	for (; *q != '\0' && field < 20; q++)
		if (*q == ' ')
			field++;
	return std::strtol(q, nullptr, 10);
}

void checkdead_locked()
{
	if (!sched.deadlock_check || sched.stopping.load() ||
	    sched.foreign_used.load(std::memory_order_relaxed))
		return;
	if (sched.nm - sched.nmidle - sched.nmidlelocked > 0)
		return;
	if (timers_earliest() != 0 || sched.runq_size.load() > 0)
		return;
	u32 procs = sched.procs.load();
	for (u32 i = 0; i < procs; i++)
		if (!runq_empty(sched.allp[i]))
			return;
	if (goroutine_count_locked() == 0)
		return;
	/* Unknown (qemu-user's /proc/self/stat says 0) counts as "maybe
	 * a foreign thread": no report rather than a false one. */
	long threads = process_threads();
	long ours = long(sched.nm) + (sched.sysmon_started ? 1 : 0);
#ifdef GORT_TSAN
	ours += 1; /* ThreadSanitizer's own background thread */
#endif
	if (threads < 1 || threads > ours)
		return; /* a foreign thread may still call in */

	std::fflush(nullptr); /* what the program printed comes first */
	print_buf b;
	b.str("fatal error: all goroutines are asleep - deadlock!\n\n");
	b.flush();
	/* No M runs a goroutine: every stack is still, the dump exact. */
	print_goroutines(nullptr, false);
	exit_now(2);
}

} // namespace gort::rt
