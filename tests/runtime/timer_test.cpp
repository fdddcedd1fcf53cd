/*
 * tests/runtime/timer_test.cpp - sleep, timers and tickers: wake-up order
 * follows deadlines, 100,000 goroutines sleep at once, stop and reset,
 * tickers tick and drop missed ticks, sleep from a plain thread.
 */
#include <gort.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>

#include "../race_build.h"
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

TEST(timer, sleepers_wake_in_deadline_order)
{
	std::vector<int> order;
	std::mutex mu;
	gort::run(
		[&] {
			gort::wait_group wg;
			int delays[] = {40, 10, 30, 0, 20};
			for (int d : delays) {
				wg.add(1);
				gort::go([&, d] {
					gort::sleep(
						std::chrono::milliseconds(d));
					{
						std::lock_guard<std::mutex> g(
							mu);
						order.push_back(d);
					}
					wg.done(); /* after the unlock: run()'s
						      caller reuses mu's stack */
				});
			}
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(order, (std::vector<int>{0, 10, 20, 30, 40}));
}

TEST(timer, sleep_lasts_at_least_its_duration)
{
	gort::run([] {
		for (auto d : {1ms, 5ms, 20ms}) {
			auto t0 = clk::now();
			gort::sleep(d);
			EXPECT_GE(clk::now() - t0, d);
		}
	});
}

TEST(timer, sleep_one_ms_on_an_idle_runtime_is_not_late_by_much)
{
	/* The precise figure lives in bench/ beside Go's; this bound is
	 * wide (the issue asks 2 ms at the median) so it never flakes. */
	std::vector<long> late_us;
	gort::run([&] {
		for (int i = 0; i < 50; i++) {
			auto t0 = clk::now();
			gort::sleep(1ms);
			auto us = std::chrono::duration_cast<
					  std::chrono::microseconds>(
					  clk::now() - t0 - 1ms)
					  .count();
			late_us.push_back(long(us));
		}
	});
	std::sort(late_us.begin(), late_us.end());
	EXPECT_LT(late_us[late_us.size() / 2], 10000);
}

TEST(timer, hundred_thousand_goroutines_sleep_at_once)
{
	/* Under qemu-user stacks use mprotect guards, two mappings each, and
	 * qemu shares the mapping limit with its guest: stay below it. */
	const int N = gort_test::RACE_BUILD	      ? gort_test::RACE_LIVE_MAX
		      : GORT_TEST_EMULATOR[0] != '\0' ? 10000
						      : 100000;
	std::atomic<int> woke{0};
	gort::run([&] {
		gort::wait_group wg;
		wg.add(N);
		for (int i = 0; i < N; i++)
			gort::go_with(
				gort::spawn_options{.stack_size = 16 * 1024},
				[&, i] {
					gort::sleep(std::chrono::milliseconds(
						50 + i % 50));
					woke++;
					wg.done();
				});
		EXPECT_GE(gort::num_goroutine(), 1);
		wg.wait();
	});
	EXPECT_EQ(woke.load(), N);
}

TEST(timer, stopped_timer_never_fires_and_reset_rearms)
{
	gort::run([] {
		gort::timer t(20ms);
		EXPECT_TRUE(t.stop());
		EXPECT_FALSE(t.stop()) << "already stopped";
		gort::sleep(40ms);
		EXPECT_FALSE(t.fired());
		EXPECT_FALSE(t.reset(5ms));
		t.wait();
		EXPECT_TRUE(t.fired());
		t.wait(); /* a fired timer stays fired */
	});
}

TEST(timer, ticker_ticks_and_drops_missed_ticks)
{
	gort::run([] {
		auto t0 = clk::now(); /* before: the first tick is 5 ms after */
		gort::ticker tk(5ms);
		for (int i = 0; i < 4; i++)
			tk.wait();
		EXPECT_GE(clk::now() - t0, 20ms);
		gort::sleep(30ms); /* several ticks pass unobserved... */
		auto t1 = clk::now();
		tk.wait(); /* ...one was kept: returns at once */
		tk.wait(); /* the next tick, within one period */
		tk.wait(); /* and one full period after that */
		/* Had the missed ticks been queued, all three would return at
		 * once; dropped, the last two are a period apart. */
		EXPECT_GE(clk::now() - t1, 4ms);
		tk.stop();
	});
}

TEST(timer, after_and_waiting_from_a_plain_thread)
{
	gort::run([] {
		gort::wait_group wg;
		wg.add(1);
		std::thread t([&] {
			auto t0 = clk::now();
			auto ch = gort::after(5ms);
			(void)ch.recv(); /* blocks this thread, not a goroutine */
			EXPECT_GE(clk::now() - t0, 5ms);
			wg.done();
		});
		wg.wait();
		t.join();
	});
	/* Outside run(): sleep still works, timers say what is missing. */
	auto t1 = clk::now();
	gort::sleep(2ms);
	EXPECT_GE(clk::now() - t1, 2ms);
	EXPECT_THROW(gort::after(1ms), gort::panic_error);
}
