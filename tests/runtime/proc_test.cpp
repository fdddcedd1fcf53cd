/*
 * tests/runtime/proc_test.cpp - goroutines through the public API: run()
 * and its result, go() and its arguments, a million goroutines, many
 * run()s in one process, go() and waits from foreign threads, yield and
 * sleep stress at several procs, set_procs while running, work spreading
 * to other Ps, lock_os_thread, exception state across migrations, and
 * the misuse errors.
 */
#include <gort.h>

#include <atomic>
#include <gtest/gtest.h>

#include "../race_build.h"
#include "proc_util.h"
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

TEST(run, returns_the_main_goroutines_result)
{
	EXPECT_EQ(gort::run([] { return 42; }), 42);
	EXPECT_EQ(gort::run([] {}), 0);
}

TEST(run, main_goroutine_is_goroutine_one_and_counts_itself)
{
	std::uint64_t id = 0;
	int n = 0;
	gort::run([&] {
		id = gort::goid();
		n = gort::num_goroutine();
	});
	EXPECT_EQ(id, 1u);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(gort::goid(), 0u) << "no goroutine outside run()";
}

/* Each P counts the goroutines spawned and ended on it, so a goroutine
 * started on one P and ended on another, one started by a foreign
 * thread, and Ps that set_procs() retires and brings back must all add
 * up. */
TEST(run, num_goroutine_adds_up_wherever_goroutines_start_and_end)
{
	int alive = 0, after_procs = 0, at_end = 0;
	gort::run(
		[&] {
			gort::chan<int> release(0);
			gort::wait_group started;
			auto blocked = [&] {
				started.done();
				release.recv();
			};
			/* Spawners on whichever Ps pick them up. */
			started.add(4 * 25);
			for (int s = 0; s < 4; s++)
				gort::go([&] {
					for (int i = 0; i < 25; i++)
						gort::go(blocked);
				});
			started.add(10);
			std::thread foreign([&] {
				for (int i = 0; i < 10; i++)
					gort::go(blocked);
			});
			foreign.join();
			started.wait();
			/* The spawners end just after their last go(). */
			while (gort::num_goroutine() > 1 + 110)
				gort::yield();
			alive = gort::num_goroutine();
			gort::set_procs(1);
			gort::yield();
			gort::set_procs(4);
			after_procs = gort::num_goroutine();
			release.close();
			while (gort::num_goroutine() > 1)
				gort::yield();
			at_end = gort::num_goroutine();
		},
		gort::config{.procs = 4});
	EXPECT_EQ(alive, 1 + 110);
	EXPECT_EQ(after_procs, 1 + 110);
	EXPECT_EQ(at_end, 1);
}

TEST(run, can_run_many_times_in_one_process)
{
	for (int i = 0; i < 200; i++) {
		int got = gort::run(
			[i] {
				gort::wait_group wg;
				std::atomic<int> sum{0};
				for (int k = 0; k < 10; k++) {
					wg.add(1);
					gort::go([&, k] {
						sum += k;
						wg.done();
					});
				}
				wg.wait();
				return sum.load() + i;
			},
			gort::config{.procs = 1 + i % 3});
		ASSERT_EQ(got, 45 + i);
	}
}

TEST(run,
     threads_sleep_with_a_fine_timer_slack_and_the_caller_gets_its_own_back)
{
	/* Ms sleep with a 1 us timer slack so that timers fire on time
	 * (sched.cpp); the thread that called run() is the program's, and
	 * gets its own slack back. */
	ASSERT_EQ(::prctl(PR_SET_TIMERSLACK, 70000ul, 0, 0, 0), 0);
	std::atomic<int> in_goroutine{0}, in_another{0};
	gort::run(
		[&] {
			in_goroutine = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				in_another =
					::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 2});
	EXPECT_EQ(in_goroutine.load(), 1000);
	EXPECT_EQ(in_another.load(), 1000);
	EXPECT_EQ(::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 70000);
	::prctl(PR_SET_TIMERSLACK, 0ul, 0, 0, 0); /* the default again */
}

TEST(run, discards_goroutines_still_alive_when_main_returns)
{
	std::atomic<int> started{0};
	gort::run([&] {
		for (int i = 0; i < 100; i++)
			gort::go([&] {
				started++;
				gort::wait_group never;
				never.add(1);
				never.wait(); /* blocks for ever */
			});
		while (started.load() < 100)
			gort::yield();
	});
	/* The next run starts clean. */
	EXPECT_EQ(gort::run([] { return gort::num_goroutine(); }), 1);
}

TEST(run, nested_run_panics)
{
	std::string msg;
	gort::run([&] {
		try {
			gort::run([] {});
		} catch (const gort::panic_error &e) {
			msg = e.what();
		}
	});
	EXPECT_NE(msg.find("already running"), std::string::npos) << msg;
}

TEST(go, arguments_are_evaluated_at_the_go_statement)
{
	std::vector<int> seen;
	gort::mutex mu; /* procs 1 runs them one at a time, but only a
			   lock orders them for the race detector */
	gort::run(
		[&] {
			gort::wait_group wg;
			for (int i = 0; i < 5; i++) {
				wg.add(1);
				gort::go(
					[&](int v) {
						mu.lock();
						seen.push_back(v);
						mu.unlock();
						wg.done();
					},
					i);
			}
			wg.wait();
		},
		gort::config{.procs = 1});
	/* procs 1: the newest runs first (runnext), then the rest FIFO. */
	EXPECT_EQ(seen, (std::vector<int>{4, 0, 1, 2, 3}));
}

TEST(go, move_only_arguments_and_callables)
{
	int got = 0;
	gort::run([&] {
		gort::wait_group wg;
		wg.add(1);
		auto p = std::make_unique<int>(7);
		gort::go(
			[&,
			 q = std::make_unique<int>(3)](std::unique_ptr<int> r) {
				got = *q + *r;
				wg.done();
			},
			std::move(p));
		wg.wait();
		gort_test::join_goroutines();
	});
	EXPECT_EQ(got, 10);
}

TEST(go, without_a_runtime_panics_with_a_clear_message)
{
	try {
		gort::go([] {});
		FAIL() << "go() outside run() must throw";
	} catch (const gort::panic_error &e) {
		EXPECT_NE(std::string(e.what()).find("gort::run"),
			  std::string::npos);
	}
}

TEST(go, a_million_goroutines_spawned_and_joined)
{
	/* A tenth as many under the race detector, where each goroutine
	 * costs a TSan fiber. */
	const int N = gort_test::RACE_BUILD ? 100000 : 1000000;
	/* Natively all may be alive at once.  Under qemu-user stacks use
	 * mprotect guards and qemu shares the mapping limit with its guest,
	 * so at most 10,000 are alive at a time there. */
	const int wave = gort_test::RACE_BUILD ? gort_test::RACE_LIVE_MAX
			 : GORT_TEST_EMULATOR[0] != '\0' ? 10000
							 : N;
	std::atomic<int> ran{0};
	gort::run([&] {
		for (int done = 0; done < N; done += wave) {
			gort::wait_group wg;
			wg.add(wave);
			for (int i = 0; i < wave; i++)
				gort::go([&] {
					ran.fetch_add(
						1, std::memory_order_relaxed);
					wg.done();
				});
			wg.wait();
		}
	});
	EXPECT_EQ(ran.load(), N);
}

TEST(go, from_a_foreign_thread_while_running)
{
	std::atomic<int> ran{0};
	gort::run([&] {
		gort::wait_group wg;
		wg.add(1000);
		std::thread t([&] {
			for (int i = 0; i < 1000; i++)
				gort::go([&] {
					ran++;
					wg.done();
				});
		});
		wg.wait();
		t.join();
	});
	EXPECT_EQ(ran.load(), 1000);
}

TEST(go, foreign_thread_waits_for_goroutines)
{
	std::atomic<int> ran{0};
	bool thread_saw_all = false;
	gort::run([&] {
		gort::wait_group wg, thread_done;
		wg.add(50);
		thread_done.add(1);
		std::thread t([&] {
			wg.wait(); /* blocks this thread, not a goroutine */
			thread_saw_all = ran.load() == 50;
			thread_done.done();
		});
		for (int i = 0; i < 50; i++)
			gort::go([&] {
				gort::sleep(1ms);
				ran++;
				wg.done();
			});
		thread_done.wait();
		t.join();
	});
	EXPECT_TRUE(thread_saw_all);
}

namespace {

/* Random spawn / yield / sleep / wait, checking that every goroutine ran
 * exactly once and saw its own state throughout. */
void random_stress(int procs, int roots, unsigned seed)
{
	std::atomic<long> finished{0};
	std::atomic<long> spawned{0};
	std::atomic<long> corrupt{0};
	gort::run(
		[&] {
			gort::wait_group wg;
			std::function<void(unsigned, int)> body;
			body = [&](unsigned s, int depth) {
				std::minstd_rand r(s);
				volatile unsigned mine = s;
				for (int step = 0; step < 20; step++) {
					switch (r() % 8) {
					case 0:
						if (depth < 3) {
							wg.add(1);
							spawned++;
							gort::go(body,
								 unsigned(r()),
								 depth + 1);
						}
						break;
					case 1:
						gort::sleep(
							std::chrono::
								microseconds(
									r() %
									200));
						break;
					default:
						gort::yield();
					}
					if (mine != s)
						corrupt++;
				}
				finished++;
				wg.done();
			};
			for (int i = 0; i < roots; i++) {
				wg.add(1);
				spawned++;
				gort::go(body, seed + unsigned(i), 0);
			}
			wg.wait();
			gort_test::join_goroutines(); /* copies of body */
		},
		gort::config{.procs = procs});
	EXPECT_EQ(finished.load(), spawned.load());
	EXPECT_EQ(corrupt.load(), 0);
}

} // namespace

TEST(sched, random_spawn_yield_sleep_at_procs_1_2_4_8)
{
	for (int procs : {1, 2, 4, 8})
		random_stress(procs, 200, 1234u + unsigned(procs));
}

TEST(sched_stress, random_spawn_yield_sleep_repeated)
{
	for (int round = 0; round < 20; round++)
		for (int procs : {1, 2, 4, 8})
			random_stress(procs, 2000,
				      unsigned(round * 97 + procs));
}

TEST(sched, set_procs_up_and_down_while_goroutines_run)
{
	std::atomic<long> work{0};
	int first = 0, back = 0;
	gort::run(
		[&] {
			gort::wait_group wg;
			std::atomic<bool> stop{false};
			for (int i = 0; i < 16; i++) {
				wg.add(1);
				gort::go([&] {
					while (!stop.load()) {
						work++;
						gort::yield();
					}
					wg.done();
				});
			}
			int sizes[] = {4, 1, 8, 2, 3, 1, 2};
			for (int n : sizes) {
				int prev = gort::set_procs(n);
				if (first == 0)
					first = prev;
				EXPECT_EQ(gort::procs(), n);
				gort::sleep(5ms);
			}
			back = gort::set_procs(2);
			stop = true;
			wg.wait();
		},
		gort::config{.procs = 2});
	EXPECT_EQ(first, 2);
	EXPECT_EQ(back, 2);
	EXPECT_GT(work.load(), 0);
}

TEST(sched, work_spreads_to_other_ps)
{
	std::mutex mu;
	std::set<pid_t> threads;
	gort::run(
		[&] {
			gort::wait_group wg;
			for (int i = 0; i < 64; i++) {
				wg.add(1);
				gort::go([&] {
					/* Busy, never yielding: only another
					 * P's M can run the rest meanwhile. */
					volatile unsigned x = 0;
					for (int k = 0; k < 2000000; k++)
						x = x + unsigned(k);
					std::lock_guard<std::mutex> g(mu);
					threads.insert(pid_t(gettid()));
					wg.done();
				});
			}
			wg.wait();
		},
		gort::config{.procs = 2});
	EXPECT_GE(threads.size(), 2u);
}

namespace {

/* A burst of goroutines that come and go, leaving released stacks and
 * idle Ms behind: the state an idle runtime must not spin on. */
void burst(int n)
{
	gort::wait_group wg;
	wg.add(n);
	for (int i = 0; i < n; i++)
		gort::go([&] { wg.done(); });
	wg.wait();
}

} // namespace

TEST(sched, idle_runtime_burns_no_cpu)
{
	struct rusage before, after;
	gort::run([] { burst(5000); }, gort::config{.procs = 4});
	gort::run(
		[&] {
			/* After bursts in this run and the last, sleep idle
			 * for a second. */
			burst(5000);
			burst(5000);
			gort::sleep(50ms);
			getrusage(RUSAGE_SELF, &before);
			gort::sleep(1s);
			getrusage(RUSAGE_SELF, &after);
		},
		gort::config{.procs = 4});
	auto us = [](const struct timeval &t) {
		return long(t.tv_sec) * 1000000 + t.tv_usec;
	};
	long cpu = us(after.ru_utime) - us(before.ru_utime) +
		   us(after.ru_stime) - us(before.ru_stime);
	EXPECT_LT(cpu, 50000) << "an idle second cost " << cpu << " us of CPU";
}

TEST(sched, lock_os_thread_keeps_a_goroutine_on_its_thread)
{
	std::atomic<long> others{0};
	bool same = true;
	gort::run(
		[&] {
			gort::wait_group wg;
			std::atomic<bool> stop{false};
			for (int i = 0; i < 4; i++) {
				wg.add(1);
				gort::go([&] {
					while (!stop.load()) {
						others++;
						gort::yield();
					}
					wg.done();
				});
			}
			gort::lock_os_thread();
			pid_t tid = pid_t(gettid());
			for (int i = 0; i < 200; i++) {
				if (i % 2)
					gort::yield();
				else
					gort::sleep(100us);
				if (pid_t(gettid()) != tid)
					same = false;
			}
			gort::unlock_os_thread();
			stop = true;
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_TRUE(same);
	EXPECT_GT(others.load(), 0) << "other goroutines ran meanwhile";
}

TEST(sched, exception_state_travels_with_the_goroutine)
{
	std::atomic<int> ok{0};
	constexpr int N = 64;
	gort::run(
		[&] {
			gort::wait_group wg;
			for (int i = 0; i < N; i++) {
				wg.add(1);
				gort::go([&, i] {
					std::string want =
						"g" + std::to_string(i);
					try {
						try {
							throw std::
								runtime_error(
									want);
						} catch (...) {
							/* Block inside the handler:
							 * others throw meanwhile, and
							 * we may change threads. */
							for (int k = 0; k < 20;
							     k++)
								gort::yield();
							gort::sleep(1ms);
							throw;
						}
					} catch (const std::exception &e) {
						if (want == e.what() &&
						    std::uncaught_exceptions() ==
							    0)
							ok++;
					}
					wg.done();
				});
			}
			wg.wait();
		},
		gort::config{.procs = 2});
	EXPECT_EQ(ok.load(), N);
}

TEST(sched_death, escaping_exception_is_a_panic)
{
	EXPECT_EXIT(gort::run([] {
			    gort::wait_group wg;
			    wg.add(1);
			    gort::go([] { throw std::runtime_error("boom"); });
			    wg.wait();
		    }),
		    testing::ExitedWithCode(2),
		    "panic: boom\n\ngoroutine [0-9]+ \\[running\\]:");
}

TEST(sched_death, all_goroutines_asleep_is_a_deadlock)
{
	/* qemu-user's /proc/self/stat does not count threads, so the
	 * report stays off there (deadlock.cpp explains). */
	if (GORT_TEST_EMULATOR[0] != '\0')
		GTEST_SKIP() << "the deadlock report needs a real /proc";
	EXPECT_EXIT(gort::run([] {
			    gort::wait_group wg, never;
			    wg.add(1);
			    never.add(1);
			    gort::go([&] { never.wait(); });
			    wg.wait();
		    }),
		    testing::ExitedWithCode(2),
		    /* Each goroutine with its stack, the main one first;
		     * the other says who created it. */
		    "^fatal error: all goroutines are asleep - deadlock!\n\n"
		    "goroutine 1 \\[sync.WaitGroup.Wait\\]:\n"
		    "(.+\n\t.+\n)*gort::wait_group::wait\\(\\)\\+0x[0-9a-f]+\n"
		    "(.+\n\t.+\n)*gort_arch_start\\+0x[0-9a-f]+\n\t.+\n\n"
		    "goroutine [0-9]+ \\[sync.WaitGroup.Wait\\]:\n"
		    "(.+\n\t.+\n)*gort::wait_group::wait\\(\\)\\+0x[0-9a-f]+\n"
		    "(.+\n\t.+\n)*gort_arch_start\\+0x[0-9a-f]+\n\t.+\n"
		    "created by .* in goroutine 1\n\t.+\n\n$");
}

TEST(sched, a_yield_lets_the_global_queue_run)
{
	/* 5,000 new goroutines overflow the P's 256-slot ring into the
	 * global queue.  A goroutine yielding in a loop must let them all
	 * run within a few yields, as Go's Gosched does (it queues the
	 * yielder globally), not one per 61 schedules: that would take
	 * about 290,000 yields. */
	constexpr int N = 5000;
	int yields = 0;
	gort::run(
		[&] {
			std::atomic<int> ran{0};
			for (int i = 0; i < N; i++)
				gort::go([&] { ran.fetch_add(1); });
			while (ran.load() < N && yields < 100000) {
				gort::yield();
				yields++;
			}
		},
		gort::config{.procs = 1});
	EXPECT_LT(yields, 5000);
}

TEST(sched, a_sleeping_goroutine_is_not_a_deadlock)
{
	bool done = false;
	gort::run([&] {
		gort::wait_group wg;
		wg.add(1);
		gort::go([&] {
			gort::sleep(30ms);
			wg.done();
		});
		wg.wait();
		done = true;
	});
	EXPECT_TRUE(done);
}
