/*
 * tests/runtime/spawn_pool_test.cpp - where a goroutine's G lives: a
 * spawn G from go() until its first run, then the G at the top of its
 * stack (runtime/proc.cpp, "A goroutine's G lives on its stack"); and the
 * spawn pool giving Gs back (runtime/spawn_pool.h).
 */
#include <gort.h>

#include "../race_build.h"
#include "runtime/proc.h"
#include "runtime/spawn_pool.h"
#include "runtime/stack.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <string>

using namespace gort::rt;
using namespace std::chrono_literals;

namespace {

/* Spawn Gs neither free in the pool nor in a P's cache.  Context: a
 * goroutine at procs 1 (its P's cache is its own; retired Ps' are
 * still). */
u64 spawn_gs_in_use()
{
	spawn_pool_stats st = spawn_pool_stats_get();
	u64 cached = 0;
	for (u32 i = 0; i < MAX_PROCS && sched.allp[i] != nullptr; i++)
		cached += sched.allp[i]->ngfree;
	return st.made - st.free - cached;
}

/* A function whose move may throw: it cannot be moved out of its spawn
 * G, which then stays taken until the goroutine ends.  It says it
 * started, then receives from @ch, or with none waits for ever. */
struct throwing_move {
	gort::chan<int> *ch;
	gort::wait_group *started;
	throwing_move(gort::chan<int> *c, gort::wait_group *s)
	    : ch(c), started(s)
	{}
	throwing_move(const throwing_move &) = default;
	throwing_move(throwing_move &&o) noexcept(false)
	    : ch(o.ch), started(o.started)
	{}
	void operator()() const
	{
		started->done();
		if (ch != nullptr) {
			(void)ch->recv();
			return;
		}
		gort::wait_group never;
		never.add(1);
		never.wait();
	}
};

/* Waits for ever (run() discards it), on its own stack. */
void block_for_ever()
{
	gort::wait_group never;
	never.add(1);
	never.wait();
}

/* Restores the spawn pool's thresholds however a test ends. */
struct scoped_limits {
	scoped_limits(u32 warm, i64 age_ns, u32 floor)
	{
		spawn_pool_set_limits(warm, age_ns, floor);
	}
	~scoped_limits() { spawn_pool_set_limits_default(); }
};

} // namespace

TEST(spawn_g, a_running_goroutines_g_is_the_top_of_its_stack)
{
	gort::run([] {
		gort::wait_group wg;
		wg.add(2);
		auto check = [&] {
			g *gp = current_g();
			stack *s = gp->f.stk;
			ASSERT_NE(s, nullptr);
			EXPECT_EQ(reinterpret_cast<uptr>(gp), s->hi);
			EXPECT_GE(stack_end(s) - s->hi, STACK_TOP_RESERVE);
			EXPECT_LT(stack_end(s) - s->hi,
				  STACK_TOP_RESERVE + STACK_TOP_COLOURS * 64);
			/* Not a local's address: ASan may keep locals on a
			 * stack of its own. */
			auto at = reinterpret_cast<uptr>(
				__builtin_frame_address(0));
			EXPECT_TRUE(at >= s->lo && at < s->hi);
			wg.done();
		};
		gort::go(check); /* a spawn G first */
		char big[256] = {};
		gort::go([check, big] { /* too large: a stack at go() */
					(void)big;
					check();
		});
		wg.wait();
	});
}

/* A function too large for a spawn G is built at the top of its stack
 * and run there, not moved again: 70 KiB of it fit a 128 KiB stack
 * once, not twice. */
TEST(spawn_g, a_large_function_runs_where_go_put_it)
{
	struct big {
		char bytes[70 * 1024];
		big() = default;
		big(const big &) = default;
		/* Out of line, so that a move would need a second big. */
		__attribute__((noinline)) big(big &&o) noexcept
		{
			std::memcpy(bytes, o.bytes, sizeof(bytes));
		}
	};
	auto b = std::make_unique<big>();
	b->bytes[0] = 7;
	b->bytes[sizeof(big::bytes) - 1] = 9;
	int first = 0, last = 0;
	gort::run([&] {
		gort::wait_group wg;
		wg.add(1);
		gort::go(
			[&](const big &x) {
				first = x.bytes[0];
				last = x.bytes[sizeof(big::bytes) - 1];
				wg.done();
			},
			*b);
		wg.wait();
	});
	EXPECT_EQ(first, 7);
	EXPECT_EQ(last, 9);
}

TEST(spawn_g, a_started_goroutine_gives_its_spawn_g_back_at_once)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "the race detector's build takes each "
				"goroutine's stack at go(): no spawn Gs";
	constexpr int n = 1000;
	gort::run(
		[] {
			u64 before = spawn_gs_in_use();
			gort::chan<int> ch(0);
			gort::wait_group started;
			started.add(n);
			for (int i = 0; i < n; i++)
				gort::go([&] {
					started.done();
					(void)ch.recv();
				});
			started.wait();
			/* All parked, none holding a spawn G. */
			EXPECT_EQ(spawn_gs_in_use(), before);
			ch.close();
		},
		gort::config{.procs = 1});
}

TEST(spawn_g, a_function_that_cannot_move_keeps_its_spawn_g_until_it_ends)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "the race detector's build takes each "
				"goroutine's stack at go(): no spawn Gs";
	constexpr int n = 100;
	gort::run(
		[] {
			u64 before = spawn_gs_in_use();
			gort::chan<int> ch(0);
			gort::wait_group started, ended;
			started.add(n);
			ended.add(n);
			for (int i = 0; i < n; i++)
				gort::go([&, f = throwing_move(&ch, &started)] {
					f();
					ended.done();
				});
			started.wait();
			EXPECT_EQ(spawn_gs_in_use(), before + n);
			ch.close();
			ended.wait();
			EXPECT_EQ(spawn_gs_in_use(), before);
		},
		gort::config{.procs = 1});
}

TEST(spawn_g, goroutines_discarded_by_run_give_their_spawn_gs_back)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "the race detector's build takes each "
				"goroutine's stack at go(): no spawn Gs";
	u64 before = 0, after = 0;
	gort::run(
		[&] {
			before = spawn_gs_in_use();
			gort::wait_group started;
			started.add(20);
			for (int i = 0; i < 10; i++) {
				gort::go([&] {
					started.done();
					block_for_ever();
				});
				gort::go([f = throwing_move(
						  nullptr, &started)] { f(); });
			}
			started.wait();
			for (int i = 0; i < 10; i++) /* never run */
				gort::go(block_for_ever);
		},
		gort::config{.procs = 1});
	gort::run([&] { after = spawn_gs_in_use(); }, gort::config{.procs = 1});
	EXPECT_EQ(after, before);
}

/* A burst beyond the warm count gives whole groups back as they empty;
 * the Gs of a group given back are made anew when a burst takes them
 * again, and they work. */
TEST(spawn_pool, beyond_the_warm_count_free_groups_go_back_at_once)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "the race detector's build takes each "
				"goroutine's stack at go(): no spawn Gs";
	scoped_limits limits(1024, i64{1} << 62, 0);
	constexpr int n = 20000;
	for (int round = 0; round < 3; round++) {
		u64 back_before = spawn_pool_stats_get().given_back;
		std::atomic<int> ran{0};
		gort::run(
			[&] {
				gort::wait_group wg;
				wg.add(n);
				for (int i = 0; i < n; i++)
					gort::go([&] {
						ran.fetch_add(
							1,
							std::memory_order_relaxed);
						wg.done();
					});
				wg.wait();
			},
			gort::config{.procs = 1});
		EXPECT_EQ(ran.load(), n);
		/* About (n - 1024) / 64 groups a burst. */
		EXPECT_GT(spawn_pool_stats_get().given_back, back_before + 100)
			<< "round " << round;
	}
}

/* Below the warm count, sysmon gives back groups that have stayed free
 * for the age, while goroutines run. */
TEST(spawn_pool, sysmon_gives_back_groups_free_for_the_age)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "the race detector's build takes each "
				"goroutine's stack at go(): no spawn Gs";
	scoped_limits limits(1u << 30, 1000000 /* 1 ms */, 0);
	u64 back_before = spawn_pool_stats_get().given_back;
	u64 back_after = back_before;
	gort::run(
		[&] {
			constexpr int n = 5000;
			gort::wait_group wg;
			wg.add(n);
			for (int i = 0; i < n; i++)
				gort::go([&] { wg.done(); });
			wg.wait();
			/* Keep the runtime busy (sysmon sleeps when it idles)
			 * until sysmon has looked. */
			std::atomic<bool> stop{false};
			gort::go([&] {
				while (!stop.load(std::memory_order_relaxed))
					gort::yield();
			});
			auto end = std::chrono::steady_clock::now() + 20s;
			while (spawn_pool_stats_get().given_back ==
				       back_before &&
			       std::chrono::steady_clock::now() < end)
				gort::sleep(1ms);
			back_after = spawn_pool_stats_get().given_back;
			stop = true;
		},
		gort::config{.procs = 2});
	EXPECT_GT(back_after, back_before);
}
