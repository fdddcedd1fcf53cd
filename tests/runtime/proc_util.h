/*
 * tests/runtime/proc_util.h - small helpers the tests share: resident
 * memory, thread count and sleeps of this process, running a program from
 * tests/crash/ to check how it ended, and joining a test's goroutines.
 */
#pragma once

#include <gort.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace gort_test {

/* Resident set size in bytes, from /proc/self/statm. */
inline long rss_bytes()
{
	long pages_total = 0, pages_rss = 0;
	FILE *f = std::fopen("/proc/self/statm", "r");
	if (f == nullptr)
		return -1;
	if (std::fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2)
		pages_rss = -1;
	std::fclose(f);
	return pages_rss * sysconf(_SC_PAGESIZE);
}

/* Threads in this process, from /proc/self/status (-1 if unknown). */
inline long threads_now()
{
	FILE *f = std::fopen("/proc/self/status", "r");
	if (f == nullptr)
		return -1;
	char line[256];
	long n = -1;
	while (std::fgets(line, sizeof(line), f) != nullptr)
		if (std::strncmp(line, "Threads:", 8) == 0)
			n = std::strtol(line + 8, nullptr, 10);
	std::fclose(f);
	return n;
}

/*
 * Voluntary context switches (each time a thread went to sleep), from
 * /proc, summed over this process's threads whose name is @name, or over
 * all of them if @name is nullptr; -1 if no thread matched.  Not the
 * involuntary ones: those count other processes taking the CPU (a
 * parallel test run), not wake-ups of ours.  Under qemu-user the
 * threads are the host's and so are the counts; the unnamed sum then
 * also holds qemu's own helper thread, which sleeps while the guest
 * idles.
 */
inline long voluntary_switches(const char *name = nullptr)
{
	DIR *d = ::opendir("/proc/self/task");
	if (d == nullptr)
		return -1;
	long total = -1;
	while (struct dirent *e = ::readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		std::string dir = std::string("/proc/self/task/") + e->d_name;
		if (name != nullptr) {
			char comm[32] = {};
			FILE *c = std::fopen((dir + "/comm").c_str(), "r");
			if (c == nullptr)
				continue; /* the thread just exited */
			bool ours =
				std::fgets(comm, sizeof(comm), c) != nullptr &&
				std::strncmp(comm, name, std::strlen(name)) ==
					0 &&
				comm[std::strlen(name)] == '\n';
			std::fclose(c);
			if (!ours)
				continue;
		}
		FILE *f = std::fopen((dir + "/status").c_str(), "r");
		if (f == nullptr)
			continue;
		char line[256];
		const char key[] = "voluntary_ctxt_switches:";
		while (std::fgets(line, sizeof(line), f) != nullptr)
			if (std::strncmp(line, key, sizeof(key) - 1) == 0)
				total = (total < 0 ? 0 : total) +
					std::strtol(line + sizeof(key) - 1,
						    nullptr, 10);
		std::fclose(f);
	}
	::closedir(d);
	return total;
}

struct run_result {
	int exit_code = -1; /* -1 unless it exited */
	int signal = 0;	    /* 0 unless it was killed by a signal */
	std::string output; /* stdout and stderr together */
};

/* Run the shell command @cmd (2>&1 added) and collect what it said and
 * how it ended. */
inline run_result run_command(const std::string &cmd)
{
	run_result r;
	FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
	if (p == nullptr)
		return r;
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
		r.output.append(buf, n);
	int st = ::pclose(p);
	if (WIFEXITED(st))
		r.exit_code = WEXITSTATUS(st);
	/* /bin/sh reports a child killed by signal S as status 128 + S. */
	if (r.exit_code > 128) {
		r.signal = r.exit_code - 128;
		r.exit_code = -1;
	} else if (WIFSIGNALED(st))
		r.signal = WTERMSIG(st);
	return r;
}

/* Run tests/crash/<name> (under the cross emulator, if any). */
inline run_result run_crash_program(const std::string &name)
{
	std::string cmd;
	/* Emulated, code runs many times slower: stretch the time slice
	 * so that the seed programs' goroutines are preempted where they
	 * would be natively (not at all, in the short ones). */
	if (GORT_TEST_EMULATOR[0] != '\0')
		cmd = "GORT_TIME_SLICE_MS=1000 " +
		      std::string(GORT_TEST_EMULATOR) + " ";
	return run_command(cmd + std::string(GORT_CRASH_DIR) + "/" + name);
}

/* Standard error goes to a file while an object of this lives. */
struct capture_stderr {
	char path[64] = "/tmp/gort_stderr_XXXXXX";
	int fd = -1, saved = -1;

	capture_stderr()
	{
		fd = ::mkstemp(path);
		saved = ::dup(2);
		::dup2(fd, 2);
	}
	~capture_stderr()
	{
		::dup2(saved, 2);
		::close(saved);
		::close(fd);
		::unlink(path);
	}
	std::string text() const
	{
		std::string s;
		char buf[4096];
		for (off_t off = 0;;) {
			ssize_t n = ::pread(fd, buf, sizeof(buf), off);
			if (n <= 0)
				break;
			s.append(buf, size_t(n));
			off += n;
		}
		return s;
	}
};

/* Wait until main is the only goroutine left.  One still alive when
 * run() returns is discarded without running its destructors, as Go
 * discards goroutines at exit, and the asan preset reports what it
 * captured as leaked.  A goroutine whose last act is to send its result
 * can be stopped by a preemption request right after the send (chan
 * operations check for one), before it has destroyed anything.  Called
 * on the passing path only: after a failed assertion a goroutine may stay
 * parked for ever.  Yielding, not sleeping: each pass lets the others run
 * to their end. */
inline void join_goroutines()
{
	while (gort::num_goroutine() > 1)
		gort::yield();
}

} // namespace gort_test
