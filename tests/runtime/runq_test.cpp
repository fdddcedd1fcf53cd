/*
 * tests/runtime/runq_test.cpp - the per-P run queue on its own: owner
 * FIFO order, runnext, steal-half, overflow to the global queue, and no G
 * seen twice when thieves race the owner.
 */
#include "runtime/runq.h"

#include <atomic>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

using namespace gort::rt;

namespace {

struct fixture {
	std::vector<g> gs;
	p a, b;
	explicit fixture(size_t n) : gs(n)
	{
		a.id = 0;
		b.id = 1;
		sched.procs.store(2);
	}
	~fixture()
	{
		/* Leave the global queue empty for the next test. */
		sched.runq_head = sched.runq_tail = nullptr;
		sched.runq_size.store(0);
		sched.procs.store(0);
	}
};

} // namespace

TEST(runq, owner_gets_fifo_and_runnext_first)
{
	fixture f(4);
	bool inherit;
	runq_put(&f.a, &f.gs[0], false);
	runq_put(&f.a, &f.gs[1], false);
	runq_put(&f.a, &f.gs[2], true);
	runq_put(&f.a, &f.gs[3], true); /* kicks gs[2] to the tail */
	EXPECT_EQ(runq_get(&f.a, &inherit), &f.gs[3]);
	EXPECT_TRUE(inherit);
	EXPECT_EQ(runq_get(&f.a, &inherit), &f.gs[0]);
	EXPECT_FALSE(inherit);
	EXPECT_EQ(runq_get(&f.a, &inherit), &f.gs[1]);
	EXPECT_EQ(runq_get(&f.a, &inherit), &f.gs[2]);
	EXPECT_EQ(runq_get(&f.a, &inherit), nullptr);
	EXPECT_TRUE(runq_empty(&f.a));
}

TEST(runq, steal_takes_half_and_leaves_the_rest_in_order)
{
	fixture f(10);
	for (auto &gp : f.gs)
		runq_put(&f.a, &gp, false);
	g *got = runq_steal(&f.b, &f.a, false);
	ASSERT_NE(got, nullptr);
	EXPECT_EQ(runq_len(&f.b) + 1, 5u);
	EXPECT_EQ(runq_len(&f.a), 5u);
	bool inherit;
	for (int i = 5; i < 10; i++)
		EXPECT_EQ(runq_get(&f.a, &inherit), &f.gs[i]);
}

TEST(runq, runnext_is_stolen_only_when_asked)
{
	fixture f(1);
	runq_put(&f.a, &f.gs[0], true);
	EXPECT_EQ(runq_steal(&f.b, &f.a, false), nullptr);
	EXPECT_EQ(runq_steal(&f.b, &f.a, true), &f.gs[0]);
}

TEST(runq, full_ring_moves_half_to_the_global_queue)
{
	fixture f(RUNQ_SIZE + 1);
	for (auto &gp : f.gs)
		runq_put(&f.a, &gp, false);
	EXPECT_EQ(sched.runq_size.load(), RUNQ_SIZE / 2 + 1);
	EXPECT_EQ(runq_len(&f.a), RUNQ_SIZE / 2);
	/* Oldest half first in the global queue, in order. */
	EXPECT_EQ(sched.runq_head, &f.gs[0]);
}

TEST(runq, racing_thieves_never_see_a_g_twice)
{
	constexpr int N = 200000;
	fixture f(N);
	std::vector<std::atomic<int>> seen(N);
	std::atomic<bool> done{false};
	auto mark = [&](g *gp) {
		seen[gp - f.gs.data()]++;
	};
	std::vector<p> thieves(3);
	std::vector<std::thread> ts;
	for (auto &tp : thieves)
		ts.emplace_back([&, tpp = &tp] {
			bool inh;
			while (!done.load()) {
				if (g *gp = runq_steal(tpp, &f.a, true))
					mark(gp);
				while (g *gp = runq_get(tpp, &inh))
					mark(gp);
			}
		});
	bool inherit;
	for (int i = 0; i < N; i++) {
		runq_put(&f.a, &f.gs[i], i % 7 == 0);
		if (i % 3 == 0)
			if (g *gp = runq_get(&f.a, &inherit))
				mark(gp);
	}
	while (g *gp = runq_get(&f.a, &inherit))
		mark(gp);
	done = true;
	for (auto &t : ts)
		t.join();
	for (g *gp = sched.runq_head; gp != nullptr; gp = gp->schedlink)
		mark(gp);
	for (auto &tp : thieves)
		while (g *gp = runq_get(&tp, &inherit))
			mark(gp);
	int twice = 0, never = 0;
	for (auto &s : seen) {
		twice += s.load() > 1;
		never += s.load() == 0;
	}
	EXPECT_EQ(twice, 0);
	EXPECT_EQ(never, 0);
}
