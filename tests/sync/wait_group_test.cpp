/*
 * tests/sync/wait_group_test.cpp - wait_group: many waiters released at
 * once, reuse, use from plain threads, Go's panic on a negative
 * counter, and a cache line of its own.
 */
#include <gort.h>

#include <atomic>
#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

TEST(wait_group, releases_every_waiter_and_orders_their_memory)
{
	std::atomic<int> released{0};
	gort::run(
		[&] {
			gort::wait_group gate, all;
			int payload = 0;
			gate.add(1);
			for (int i = 0; i < 20; i++) {
				all.add(1);
				gort::go([&] {
					gate.wait();
					if (payload ==
					    99) /* written before done */
						released++;
					all.done();
				});
			}
			gort::yield();
			payload = 99;
			gate.done();
			all.wait();
		},
		gort::config{.procs = 2});
	EXPECT_EQ(released.load(), 20);
}

TEST(wait_group, can_be_reused_after_wait_returns)
{
	gort::run([] {
		gort::wait_group wg;
		for (int round = 0; round < 100; round++) {
			std::atomic<int> n{0};
			wg.add(3);
			for (int i = 0; i < 3; i++)
				gort::go([&] {
					n++;
					wg.done();
				});
			wg.wait();
			ASSERT_EQ(n.load(), 3);
		}
	});
}

TEST(wait_group, works_between_plain_threads)
{
	gort::wait_group wg;
	std::atomic<int> n{0};
	wg.add(4);
	std::vector<std::thread> ts;
	for (int i = 0; i < 4; i++)
		ts.emplace_back([&] {
			n++;
			wg.done();
		});
	wg.wait();
	EXPECT_EQ(n.load(), 4);
	for (auto &t : ts)
		t.join();
}

TEST(wait_group, negative_counter_panics_with_gos_message)
{
	gort::wait_group wg;
	try {
		wg.done();
		FAIL() << "expected a panic";
	} catch (const gort::panic_error &e) {
		EXPECT_EQ(std::string(e.what()),
			  "sync: negative WaitGroup counter");
	}
	wg.add(1); /* still usable */
	wg.done();
	wg.wait();
}

TEST(wait_group, has_a_cache_line_to_itself)
{
	/* Its neighbours on a goroutine's stack are written by go() at each
	 * call, and done() comes from other CPUs (gort/wait_group.h). */
	static_assert(alignof(gort::wait_group) == 64);
	static_assert(sizeof(gort::wait_group) == 64);
	struct frame {
		void *before;
		gort::wait_group wg;
		void *after;
	} f{};
	auto line = [](const void *p) {
		return reinterpret_cast<std::uintptr_t>(p) / 64;
	};
	EXPECT_NE(line(&f.before), line(&f.wg));
	EXPECT_NE(line(&f.after), line(&f.wg));
	EXPECT_EQ(line(&f.wg), line(reinterpret_cast<char *>(&f.wg) + 63));
}
