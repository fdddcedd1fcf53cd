/*
 * tests/tools/gdb_target.cpp - a program whose goroutines are stopped in
 * known places, for tests/tools/gdb_test.cpp to inspect with
 * tools/gdb/gort_gdb.py.  When the main goroutine calls
 * gdb_breakpoint_here(), the goroutines are:
 *
 *   main          running on the thread that hit the breakpoint
 *   three         waiting [chan receive] on one channel; one of them
 *                 down parked_in_depth_3 -> 2 -> 1
 *   one           waiting [sleep], in an hour-long gort::sleep
 *   one           waiting [sync.Mutex.Lock], on a mutex main holds
 *   one           in a system call: read() of a pipe, in blocking_long()
 *   one           runnable: it yielded and waits in the run queue
 *
 * How main knows they are there without sleeping: with one P, main runs
 * again only when the goroutine that has the P gives it up.  Each
 * goroutine sends on "ready" (buffered: never blocks) and then blocks,
 * which is what gives up the P; main receives once per goroutine.  The
 * goroutine in the system call gives up the P as it enters the call
 * (blocking_long hands it off at once) and is in syscall state from then
 * on, whether or not read() itself has begun.
 *
 * The ids of interesting goroutines are kept in globals, so that the
 * test can name them in gdb ("goroutine gdb_target_deep_goid bt").
 * After the breakpoint main wakes the system call and returns: run()
 * discards the goroutines still parked, and the exit status is 0.
 */
#include <gort.h>

#include <cstdint>
#include <cstdio>
#include <unistd.h>

extern "C" {
volatile std::uint64_t gdb_target_deep_goid;
volatile std::uint64_t gdb_target_syscall_goid;
volatile std::uint64_t gdb_target_runnable_goid;
}

/* The test sets its breakpoint here. */
extern "C" __attribute__((noinline)) void gdb_breakpoint_here()
{
	__asm__ __volatile__("" ::: "memory");
}

namespace {

gort::chan<int> ready(16);
gort::chan<int> never(0);

__attribute__((noinline)) void parked_in_depth_1()
{
	ready.send(1);
	never.recv();
	__asm__ __volatile__("" ::: "memory"); /* not a tail call */
}

__attribute__((noinline)) void parked_in_depth_2()
{
	parked_in_depth_1();
	__asm__ __volatile__("" ::: "memory");
}

__attribute__((noinline)) void parked_in_depth_3()
{
	gdb_target_deep_goid = gort::goid();
	parked_in_depth_2();
	__asm__ __volatile__("" ::: "memory");
}

__attribute__((noinline)) void blocked_in_read(int fd)
{
	gdb_target_syscall_goid = gort::goid();
	ready.send(1);
	char c;
	ssize_t n = gort::blocking_long([fd, &c] { return ::read(fd, &c, 1); });
	if (n != 1)
		std::printf("gdb_target: read returned %zd\n", n);
}

int main_goroutine()
{
	int fds[2];
	if (::pipe(fds) != 0)
		return 1;
	int started = 0;

	gort::go(parked_in_depth_3);
	started++;
	for (int i = 0; i < 2; i++) {
		gort::go([] {
			ready.send(1);
			never.recv();
		});
		started++;
	}
	gort::go([] {
		ready.send(1);
		gort::sleep(std::chrono::hours(1));
	});
	started++;
	gort::mutex mu;
	mu.lock();
	gort::go([&mu] {
		ready.send(1);
		mu.lock();
	});
	started++;
	gort::chan<int> read_done(1);
	gort::go([fd = fds[0], read_done]() mutable {
		blocked_in_read(fd);
		read_done.send(1);
	});
	started++;
	gort::go([] {
		gdb_target_runnable_goid = gort::goid();
		ready.send(1);
		gort::yield();
	});
	started++;
	for (int i = 0; i < started; i++)
		ready.recv();

	gdb_breakpoint_here();

	/* Wake the goroutine in read(): its thread must end for run() to
	 * return.  The others are discarded. */
	if (::write(fds[1], "x", 1) != 1)
		return 1;
	read_done.recv();
	std::printf("gdb_target: done\n");
	return 0;
}

} // namespace

int main()
{
	gort::config cfg;
	cfg.procs = 1;
	return gort::run(main_goroutine, cfg);
}
