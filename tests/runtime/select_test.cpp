/*
 * tests/runtime/select_test.cpp - select: the ready case is taken, the
 * default when none is, a uniform choice among ready cases, blocking
 * without polling, nil channels never chosen, closed channels, timeouts
 * with after(), opposite lock orders without deadlock, plain threads.
 */
#include <gort.h>

#include "proc_util.h"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST(select, takes_the_ready_case_or_the_default)
{
	gort::run([] {
		gort::chan<int> a(1), b(1);
		b.send(7);
		int got = 0;
		int k = gort::select(
			gort::recv_case(a,
					[&](std::optional<int>) { got = -1; }),
			gort::recv_case(
				b, [&](std::optional<int> v) { got = *v; }));
		EXPECT_EQ(k, 1);
		EXPECT_EQ(got, 7);

		bool defaulted = false;
		k = gort::select(gort::recv_case(a, [&](std::optional<int>) {}),
				 gort::default_case([&] { defaulted = true; }));
		EXPECT_EQ(k, 1);
		EXPECT_TRUE(defaulted);

		k = gort::select(gort::send_case(a, 5, [] {}),
				 gort::default_case([] {}));
		EXPECT_EQ(k, 0);
		EXPECT_EQ(*a.recv(), 5);
	});
}

TEST(select, chooses_uniformly_among_ready_cases)
{
	constexpr int CH = 8, ROUNDS = 80000;
	std::vector<int> hits(CH);
	gort::run([&] {
		std::vector<gort::chan<int>> cs;
		for (int i = 0; i < CH; i++) {
			cs.emplace_back(1);
			cs.back().send(i);
		}
		for (int r = 0; r < ROUNDS; r++) {
			auto on = [&](std::optional<int> v) {
				hits[*v]++;
				cs[*v].send(*v); /* ready again */
			};
			gort::select(gort::recv_case(cs[0], on),
				     gort::recv_case(cs[1], on),
				     gort::recv_case(cs[2], on),
				     gort::recv_case(cs[3], on),
				     gort::recv_case(cs[4], on),
				     gort::recv_case(cs[5], on),
				     gort::recv_case(cs[6], on),
				     gort::recv_case(cs[7], on));
		}
	});
	/* Expected 10,000 each; the standard deviation is ~94, so +-1,000
	 * never fails by chance yet catches any bias worth the name. */
	for (int i = 0; i < CH; i++) {
		EXPECT_GT(hits[i], ROUNDS / CH - 1000) << "case " << i;
		EXPECT_LT(hits[i], ROUNDS / CH + 1000) << "case " << i;
	}
}

TEST(select, blocks_without_polling_until_a_case_is_ready)
{
	struct rusage before, after;
	int got = 0;
	gort::run(
		[&] {
			gort::chan<int> a(0), b(0);
			gort::go([=] {
				gort::sleep(300ms);
				b.send(42);
			});
			getrusage(RUSAGE_SELF, &before);
			gort::select(
				gort::recv_case(a, [&](std::optional<int>) {}),
				gort::recv_case(b, [&](std::optional<int> v) {
					got = *v;
				}));
			getrusage(RUSAGE_SELF, &after);
			/* The sender still owns copies of a and b. */
			gort_test::join_goroutines();
		},
		gort::config{.procs = 2});
	auto us = [](const struct timeval &t) {
		return long(t.tv_sec) * 1000000 + t.tv_usec;
	};
	long cpu = us(after.ru_utime) - us(before.ru_utime) +
		   us(after.ru_stime) - us(before.ru_stime);
	EXPECT_EQ(got, 42);
	EXPECT_LT(cpu, 100000) << "blocked select burned " << cpu << " us";
}

TEST(select, a_nil_channels_case_is_never_chosen)
{
	gort::run([] {
		gort::chan<int> nil, ready(1);
		ready.send(1);
		for (int i = 0; i < 100; i++) {
			int k = gort::select(
				gort::recv_case(nil, [](std::optional<int>) {}),
				gort::send_case(nil, 1, [] {}),
				gort::default_case([] {}));
			ASSERT_EQ(k, 2);
		}
		int k = gort::select(
			gort::recv_case(nil, [](std::optional<int>) {}),
			gort::recv_case(ready, [](std::optional<int>) {}));
		EXPECT_EQ(k, 1);
	});
}

TEST(select, closed_channels_receive_nothing_and_send_panics)
{
	gort::run([] {
		gort::chan<int> c(0);
		c.close();
		bool closed_seen = false;
		gort::select(gort::recv_case(c, [&](std::optional<int> v) {
			closed_seen = !v.has_value();
		}));
		EXPECT_TRUE(closed_seen);
		try {
			gort::select(gort::send_case(c, 1, [] {}));
			ADD_FAILURE() << "send on a closed channel must panic";
		} catch (const gort::panic_error &e) {
			EXPECT_EQ(std::string(e.what()),
				  "send on closed channel");
		}
	});
}

TEST(select, a_blocked_select_is_woken_by_close)
{
	bool closed_seen = false;
	gort::run([&] {
		gort::chan<int> a(0), b(0);
		gort::go([=] {
			gort::sleep(10ms);
			b.close();
		});
		gort::select(gort::recv_case(a, [](std::optional<int>) {}),
			     gort::recv_case(b, [&](std::optional<int> v) {
				     closed_seen = !v.has_value();
			     }));
		gort_test::join_goroutines();
	});
	EXPECT_TRUE(closed_seen);
}

TEST(select, timeout_with_after)
{
	gort::run([] {
		gort::chan<int> never(0);
		auto t0 = std::chrono::steady_clock::now();
		bool timed_out = false;
		gort::select(gort::recv_case(never, [](std::optional<int>) {}),
			     gort::recv_case(gort::after(20ms),
					     [&](auto) { timed_out = true; }));
		EXPECT_TRUE(timed_out);
		EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
	});
}

TEST(select, opposite_orders_over_the_same_channels_do_not_deadlock)
{
	constexpr int N = 20000;
	std::atomic<int> moved{0};
	gort::run(
		[&] {
			gort::chan<int> a(0), b(0);
			gort::wait_group wg;
			wg.add(2);
			/* One side sends on a or b, the other receives from b
			 * or a: lock orders differ in the source, not at run
			 * time. */
			gort::go([&] {
				for (int i = 0; i < N; i++)
					gort::select(
						gort::send_case(a, i, [] {}),
						gort::send_case(b, i, [] {}));
				wg.done();
			});
			gort::go([&] {
				for (int i = 0; i < N; i++)
					gort::select(
						gort::recv_case(
							b,
							[&](auto) { moved++; }),
						gort::recv_case(a, [&](auto) {
							moved++;
						}));
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 2});
	EXPECT_EQ(moved.load(), N);
}

TEST(select, from_a_plain_thread)
{
	int got = 0;
	gort::run([&] {
		gort::chan<int> a(0), b(0);
		std::thread t([&] {
			gort::select(
				gort::recv_case(a,
						[&](std::optional<int> v) {
							got = *v;
						}),
				gort::recv_case(b, [&](std::optional<int> v) {
					got = *v;
				}));
		});
		gort::sleep(5ms);
		a.send(11);
		t.join();
	});
	EXPECT_EQ(got, 11);
}
