/*
 * tests/runtime/syscall_test.cpp - blocking(): a goroutine in a blocking
 * call does not stop the others; it comes back on its own P, an idle P,
 * or through the run queue on another thread; threads stay bounded and
 * the limit is enforced; idle threads beyond the cache exit.
 */
#include <gort.h>

#include "../race_build.h"
#include "proc_util.h"
#include "runtime/proc.h"
#include "yielder.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

long tid()
{
	return long(::syscall(SYS_gettid));
}

/* Wait, yielding, until @cond holds (no sleep as synchronisation: the
 * condition is what is waited for; the runtime keeps running). */
template <typename F>
void wait_until(F cond)
{
	while (!cond())
		gort::sleep(100us);
}

/* @n goroutines, each blocked in blocking_long() reading the eventfd
 * semaphore @efd until a count is written for it, then done on @wg;
 * returns once every one has entered its call. */
void go_eventfd_readers(int n, int efd, gort::wait_group &wg)
{
	std::atomic<int> entered{0};
	wg.add(n);
	for (int i = 0; i < n; i++)
		gort::go([&entered, efd, &wg] {
			entered++;
			std::uint64_t v;
			gort::blocking_long([&] { return ::read(efd, &v, 8); });
			wg.done();
		});
	wait_until([&] { return entered.load() == n; });
}

} // namespace

TEST(blocking, a_blocked_read_does_not_stop_other_goroutines_at_procs_1)
{
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	std::atomic<bool> second_ran{false};
	char got = 0;
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				gort::blocking([&] {
					return ::read(fds[0], &got, 1);
				});
				wg.done();
			});
			gort::chan<int> done(0);
			gort::go([&] {
				second_ran = true;
				done.send(1);
				wg.done();
			});
			/* Only if the reader's P was handed off can the
			 * second goroutine run while the read blocks. */
			EXPECT_EQ(done.recv(), 1);
			EXPECT_TRUE(second_ran.load());
			ASSERT_EQ(::write(fds[1], "x", 1), 1);
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(got, 'x');
	::close(fds[0]);
	::close(fds[1]);
}

TEST(blocking, the_goroutine_resumes_through_the_run_queue_on_another_thread)
{
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	long before = 0, after = 0;
	std::uint64_t id_before = 0, id_after = 0;
	gort::run(
		[&] {
			std::atomic<bool> finished{false};
			std::atomic<bool> inside{false};
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				int local = 1234;
				id_before = gort::goid();
				before = tid();
				gort::blocking_long([&] {
					inside = true;
					char c;
					return ::read(fds[0], &c, 1);
				});
				/* No P was free: we came back through the
				 * global queue, on the thread holding it. */
				after = tid();
				id_after = gort::goid();
				EXPECT_EQ(local, 1234);
				finished = true;
				wg.done();
			});
			/* Keep the only P busy while the read returns. */
			gort::go([&] {
				while (!inside.load())
					gort::yield();
				ASSERT_EQ(::write(fds[1], "x", 1), 1);
				while (!finished.load())
					gort::yield();
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(id_before, id_after);
	EXPECT_NE(before, after);
	::close(fds[0]);
	::close(fds[1]);
}

TEST(blocking, exits_racing_hand_offs_lose_no_goroutine)
{
	/* A goroutine leaving a blocking call that finds no idle P queues
	 * itself globally and wakes an M only if a P is idle.  A hand-off
	 * of a P racing with it (sysmon retaking the P of another goroutine
	 * still in its call) saw the global queue empty a moment before; it
	 * must look again under the lock before it idles the P, or the P
	 * and that goroutine wait for ever and the run hangs (the test's
	 * timeout reports it).  Many calls long enough to be retaken, from
	 * many goroutines at procs 1: under qemu-user, where the window is
	 * wide, this hung one run in six before the second look. */
	constexpr int gs = 16, calls = 100;
	std::atomic<long> done{0};
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(gs);
			for (int i = 0; i < gs; i++)
				gort::go([&] {
					for (int k = 0; k < calls; k++) {
						gort::blocking([] {
							struct timespec ts = {
								0, 200000};
							return ::nanosleep(
								&ts, nullptr);
						});
						done++;
					}
					wg.done();
				});
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(done.load(), long(gs) * calls);
}

TEST(blocking, returns_the_value_and_propagates_exceptions)
{
	gort::run([] {
		EXPECT_EQ(gort::blocking([] { return 7; }), 7);
		EXPECT_THROW(gort::blocking([]() -> int {
				     throw std::runtime_error("boom");
			     }),
			     std::runtime_error);
		/* Back in the normal state: scheduling works. */
		gort::chan<int> c(1);
		c.send(1);
		EXPECT_EQ(c.recv(), 1);
		gort::yield();
	});
	EXPECT_EQ(gort::blocking([] { return 3; }), 3); /* plain thread */
}

TEST(blocking, gort_operations_inside_act_as_a_plain_threads)
{
	gort::run(
		[] {
			gort::chan<int> c(0);
			gort::go([&] { c.send(5); });
			int v = gort::blocking([&] { return *c.recv(); });
			EXPECT_EQ(v, 5);
		},
		gort::config{.procs = 1});
}

/* A goroutine that spends its time in short blocking calls keeps taking
 * its own P back (exitsyscall's first case), and sysmon, once backed off
 * to its 10 ms period, never sees one 1 ms call on two looks, so it never
 * retakes the P.  The slice still ends: the G yields as it takes the P
 * back once its 10 ms are over, and the goroutine waiting for that P
 * runs about once a slice.  Without that it waited for all 150 calls.
 * procs 1: main first spins alone for 50 ms, so that sysmon, finding
 * nothing to do, backs off to its longest period. */
TEST(blocking, short_calls_in_a_loop_still_end_their_time_slice)
{
	constexpr int CALLS = 150;
	int turns_seen = 0;
	gort::run(
		[&] {
			auto until = std::chrono::steady_clock::now() + 50ms;
			while (std::chrono::steady_clock::now() < until) {
			}
			gort_test::yielder other;
			for (int i = 0; i < CALLS; i++) {
				long before = other.turns();
				gort::blocking([] { return ::usleep(1000); });
				turns_seen += other.turns() != before ? 1 : 0;
			}
			other.stop();
		},
		gort::config{.procs = 1});
	std::printf("calls after which the other goroutine had run: %d of "
		    "%d\n",
		    turns_seen, CALLS);
	EXPECT_GE(turns_seen, 3);
}

/* A short call hands nothing off: its P waits in the syscall state and
 * the call takes it back.  procs 1: a goroutine counts and yields, ready
 * to run on the P the moment it is handed off; across 1,000 getppid()
 * calls it runs after only a few of them (a slice ending, a rare sysmon
 * retake).  Were every call to hand its P off, it would run after
 * nearly every one. */
TEST(blocking, a_short_call_hands_nothing_off)
{
	constexpr int CALLS = 1000;
	int ran_after = 0;
	gort::run(
		[&] {
			gort_test::yielder other;
			gort::yield(); /* the counter is running */
			for (int i = 0; i < CALLS; i++) {
				long before = other.turns();
				EXPECT_GT(gort::blocking(
						  [] { return ::getppid(); }),
					  0);
				ran_after += other.turns() != before ? 1 : 0;
			}
			other.stop();
		},
		gort::config{.procs = 1});
	std::printf("calls after which the other goroutine had run: %d of "
		    "%d\n",
		    ran_after, CALLS);
	EXPECT_LT(ran_after, CALLS / 4);
}

TEST(blocking, a_thousand_blocked_goroutines_keep_threads_bounded)
{
	int efd = ::eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	constexpr int N = 1000;
	long peak = 0, base = gort_test::threads_now();
	gort::run(
		[&] {
			std::atomic<int> entered{0};
			gort::wait_group wg;
			wg.add(N);
			for (int i = 0; i < N; i++)
				gort::go([&] {
					entered++;
					std::uint64_t v = 0;
					gort::blocking([&] {
						return ::read(efd, &v, 8);
					});
					EXPECT_EQ(v, 1u);
					wg.done();
				});
			wait_until([&] { return entered.load() == N; });
			peak = gort_test::threads_now();
			std::uint64_t n = N;
			ASSERT_EQ(::write(efd, &n, 8), 8);
			wg.wait();
		},
		gort::config{.procs = 2});
	/* One thread per blocked goroutine at most, plus the Ps' threads,
	 * sysmon and a few idle ones. */
	EXPECT_LE(peak - base, N + 2 + 8);
	::close(efd);
}

/* A call that returns to find no P (exitsyscall's third case) queues
 * its goroutine and leaves its thread asleep in the idle-M cache, not
 * gone: at procs 1, after 8 blocking_long calls return at once, about 8
 * threads sit idle (the default 10 s before an idle one exits). */
TEST(blocking, a_call_that_finds_no_p_leaves_its_thread_in_the_idle_cache)
{
	int efd = ::eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	constexpr int N = 8;
	unsigned idle = 0;
	gort::run(
		[&] {
			gort::wait_group wg;
			go_eventfd_readers(N, efd, wg);
			std::uint64_t n = N;
			ASSERT_EQ(::write(efd, &n, 8), 8);
			wg.wait();
			/* All but the one running main, once each has gone to
			 * sleep (a few seconds at most, however slow). */
			auto give_up = std::chrono::steady_clock::now() + 5s;
			do {
				gort::sleep(100us);
				gort::rt::lock(&gort::rt::sched.lock);
				idle = gort::rt::sched.nmidle;
				gort::rt::unlock(&gort::rt::sched.lock);
			} while (idle < unsigned(N - 1) &&
				 std::chrono::steady_clock::now() < give_up);
		},
		gort::config{.procs = 1});
	::close(efd);
	EXPECT_GE(idle, unsigned(N - 1));
}

TEST(blocking, idle_threads_beyond_the_cache_exit)
{
	int efd = ::eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	constexpr int N = 64;
	gort::run(
		[&] {
			long base = gort_test::threads_now();
			gort::wait_group wg;
			go_eventfd_readers(N, efd, wg);
			wait_until([&] {
				return gort_test::threads_now() >= base + N;
			});
			std::uint64_t n = N;
			ASSERT_EQ(::write(efd, &n, 8), 8);
			wg.wait();
			/* The extra threads go idle, then exit after 20 ms. */
			wait_until([&] {
				return gort_test::threads_now() <= base + 8;
			});
		},
		gort::config{.procs = 1, .idle_thread_timeout = 20ms});
	::close(efd);
}

/* The limit is Go's 10,000 threads unless the config says otherwise. */
TEST(blocking, the_thread_limit_defaults_to_10000)
{
	unsigned seen = 0;
	gort::run([&] { seen = gort::rt::sched.max_threads; });
	EXPECT_EQ(seen, 10000u);
	gort::run([&] { seen = gort::rt::sched.max_threads; },
		  gort::config{.max_threads = 50});
	EXPECT_EQ(seen, 50u);
}

TEST(blocking, exceeding_the_thread_limit_is_a_clear_fatal_error)
{
	EXPECT_EXIT(gort::run(
			    [] {
				    int efd = ::eventfd(0, EFD_CLOEXEC);
				    for (int i = 0; i < 64; i++)
					    gort::go([efd] {
						    std::uint64_t v;
						    gort::blocking_long([&] {
							    return ::read(
								    efd, &v, 8);
						    });
					    });
				    gort::sleep(10s);
			    },
			    gort::config{.procs = 1, .max_threads = 16}),
		    testing::ExitedWithCode(2),
		    "program exceeds 16-thread limit(.|\n)*thread exhaustion");
}

TEST(os, write_file_then_read_file_round_trip)
{
	std::string path = "/tmp/gort-os-test-" + std::to_string(::getpid());
	std::string data(200000, '\0');
	for (std::size_t i = 0; i < data.size(); i++)
		data[i] = char('a' + i % 26);
	gort::run([&] {
		EXPECT_FALSE(gort::os::write_file(path, data));
		auto [got, err] = gort::os::read_file(path);
		EXPECT_FALSE(err);
		EXPECT_EQ(got, data);
		auto [none, err2] = gort::os::read_file(path + ".missing");
		EXPECT_EQ(err2, std::errc::no_such_file_or_directory);
		EXPECT_TRUE(none.empty());
	});
	::unlink(path.c_str());
}

/* read_file() goes through the hand-off: at procs 1, its open() of a
 * FIFO waits for a writer, and only another goroutine can be that
 * writer.  Without the hand-off the P would wait in open() with the
 * reader: a watchdog thread then opens the FIFO itself after 20 s, so
 * that the test fails instead of hanging. */
TEST(os, read_file_of_a_fifo_does_not_stop_other_goroutines_at_procs_1)
{
	std::string path = "/tmp/gort-os-fifo-" + std::to_string(::getpid());
	::unlink(path.c_str());
	ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
	std::atomic<bool> done{false}, rescued{false};
	std::thread watchdog([&] {
		auto give_up = std::chrono::steady_clock::now() + 20s;
		while (!done.load() &&
		       std::chrono::steady_clock::now() < give_up)
			std::this_thread::sleep_for(10ms);
		if (done.load())
			return;
		rescued = true;
		int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
		if (fd >= 0)
			::close(fd);
	});
	std::string got;
	bool written = false;
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				auto [data, err] = gort::os::read_file(path);
				EXPECT_FALSE(err);
				got = data;
				wg.done();
			});
			/* Runs only if the reader's P was handed off. */
			gort::go([&] {
				auto give_up =
					std::chrono::steady_clock::now() + 20s;
				int fd;
				/* ENXIO: the reader has not opened it yet. */
				while ((fd = ::open(path.c_str(),
						    O_WRONLY | O_NONBLOCK)) <
					       0 &&
				       errno == ENXIO && !rescued.load() &&
				       std::chrono::steady_clock::now() <
					       give_up)
					gort::yield();
				if (fd >= 0) {
					written = ::write(fd, "fifo data", 9) ==
						  9;
					::close(fd);
				}
				wg.done();
			});
			wg.wait();
			gort_test::join_goroutines(); /* the data read */
		},
		gort::config{.procs = 1});
	done = true;
	watchdog.join();
	::unlink(path.c_str());
	EXPECT_FALSE(rescued.load()) << "the reader kept the only P";
	EXPECT_TRUE(written);
	EXPECT_EQ(got, "fifo data");
}

TEST(os, waiting_for_a_child_does_not_stop_other_goroutines_at_procs_1)
{
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	pid_t pid = ::fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c = 0;
		/* The child exits with the byte it is sent. */
		if (::read(fds[0], &c, 1) != 1)
			::_exit(100);
		::_exit(c);
	}
	int status = -1;
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				auto [st, err] = gort::os::wait_pid(pid);
				EXPECT_FALSE(err);
				status = st;
				wg.done();
			});
			/* Runs only if the waiter's P was handed off. */
			gort::go([&] {
				EXPECT_EQ(::write(fds[1], "\7", 1), 1);
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 1});
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 7);
	::close(fds[0]);
	::close(fds[1]);
}

/* sysmon's period, Go's schedule: 20 us after any round that found work,
 * unchanged for 50 idle rounds, then doubling each idle round up to
 * 10 ms, where it stays. */
TEST(sysmon, backs_off_from_20_us_to_10_ms)
{
	using gort::rt::sysmon_backoff;
	EXPECT_EQ(sysmon_backoff(10000000, 0), 20000);
	EXPECT_EQ(sysmon_backoff(20000, 0), 20000);
	long delay = 20000;
	for (unsigned idle = 1; idle <= 50; idle++) {
		delay = sysmon_backoff(delay, idle);
		ASSERT_EQ(delay, 20000) << "round " << idle;
	}
	std::vector<long> steps;
	for (unsigned idle = 51; idle <= 70; idle++) {
		delay = sysmon_backoff(delay, idle);
		steps.push_back(delay);
	}
	std::vector<long> want = {40000,    80000,    160000,	320000,
				  640000,   1280000,  2560000,	5120000,
				  10000000, 10000000, 10000000, 10000000,
				  10000000, 10000000, 10000000, 10000000,
				  10000000, 10000000, 10000000, 10000000};
	EXPECT_EQ(steps, want);
	EXPECT_EQ(sysmon_backoff(delay, 0), 20000) << "work found again";
}

TEST(sysmon, an_idle_runtime_does_not_tick)
{
	/* Every thread's switches: gort's, and under qemu-user the
	 * emulator's helper thread's. */
	long delta = 0;
	/* The race build's runtime has a thread of its own (TSan's), which
	 * wakes now and then: watch longer, allow more. */
	const auto idle = gort_test::RACE_BUILD ? 1000ms : 500ms;
	const long allowed = gort_test::RACE_BUILD ? 50 : 15;
	gort::run(
		[&] {
			/* Make sysmon busy, then let everything go idle. */
			gort::blocking([] { return ::usleep(2000); });
			gort::sleep(50ms);
			long before = gort_test::voluntary_switches();
			gort::sleep(idle);
			delta = gort_test::voluntary_switches() - before;
			std::printf("context switches while idle: %ld\n",
				    delta);
		},
		gort::config{.procs = 2});
	/* A 10 ms tick would be 50 wake-ups (100 in the race build's
	 * second); idle costs a handful (the timer's wake-up, sysmon
	 * noticing the idleness once). */
	EXPECT_LT(delta, allowed);
}
