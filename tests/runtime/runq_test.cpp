/*
 * tests/runtime/runq_test.cpp - the per-P run queue on its own: owner
 * FIFO order, runnext, steal-half, overflow to the global queue, the
 * global queue's batches, and no G seen twice when thieves race the
 * owner.
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

/* Take from the global queue for @pp as its owner does. */
static glist take(bool one)
{
	lock(&sched.lock);
	glist l = globrunq_take_locked(one);
	unlock(&sched.lock);
	return l;
}

/* The Gs of @l, in order, as globrunq_spread() hands them to @pp. */
static std::vector<g *> spread(p *pp, glist l)
{
	std::vector<g *> got;
	if (g *gp = globrunq_spread(pp, l))
		got.push_back(gp);
	bool inherit;
	while (g *gp = runq_get(pp, &inherit))
		got.push_back(gp);
	return got;
}

static std::vector<g *> range(fixture &f, size_t from, size_t to)
{
	std::vector<g *> v;
	for (size_t i = from; i < to; i++)
		v.push_back(&f.gs[i]);
	return v;
}

/* Queue gs[from, to) as one batch, as a ring overflow does. */
static void put_batch(fixture &f, size_t from, size_t to)
{
	for (size_t i = from; i + 1 < to; i++)
		f.gs[i].schedlink = &f.gs[i + 1];
	lock(&sched.lock);
	globrunq_put_batch_locked(&f.gs[from], &f.gs[to - 1], u32(to - from));
	unlock(&sched.lock);
}

TEST(runq, the_global_queue_hands_out_whole_batches_in_order)
{
	constexpr u32 B = GLOBQ_BATCH_MAX; /* one overflow's batch */
	fixture f(2 * B + 1);
	put_batch(f, 0, B);
	put_batch(f, B, 2 * B);
	put_batch(f, 2 * B, 2 * B + 1); /* a G on its own */

	/* A fair share at procs 2 is (2B + 1) / 2 + 1: the first batch
	 * whole, not the second, which would pass it. */
	glist l = take(false);
	EXPECT_EQ(l.n, B);
	EXPECT_EQ(spread(&f.b, l), range(f, 0, B));
	/* The fairness check's single G splits the next batch... */
	l = take(true);
	EXPECT_EQ(l.n, 1u);
	EXPECT_EQ(spread(&f.b, l), range(f, B, B + 1));
	/* ...whose rest is still a batch, taken whole though it passes a
	 * fair share; the lone G stays. */
	l = take(false);
	EXPECT_EQ(l.n, B - 1);
	EXPECT_EQ(spread(&f.b, l), range(f, B + 1, 2 * B));
	EXPECT_EQ(sched.runq_size.load(), 1u);
	EXPECT_EQ(spread(&f.b, take(false)), range(f, 2 * B, 2 * B + 1));
	EXPECT_EQ(take(false).head, nullptr);
	EXPECT_EQ(sched.runq_tail, nullptr);
}

TEST(runq, the_global_queue_joins_small_batches_up_to_a_fair_share)
{
	fixture f(10);
	lock(&sched.lock);
	for (auto &gp : f.gs)
		globrunq_put_locked(&gp);
	unlock(&sched.lock);
	glist l = take(false); /* 10 / 2 + 1 */
	EXPECT_EQ(l.n, 6u);
	EXPECT_EQ(spread(&f.b, l), range(f, 0, 6));
	l = take(false); /* 4 / 2 + 1 */
	EXPECT_EQ(spread(&f.b, l), range(f, 6, 9));
	EXPECT_EQ(spread(&f.b, take(false)), range(f, 9, 10));
}

TEST(runq, a_long_list_for_the_global_queue_is_cut_into_batches)
{
	constexpr u32 N = 2 * GLOBQ_BATCH_MAX + 42;
	fixture f(N);
	put_batch(f, 0, N);
	/* At procs 1 a fair share is all of it, but half a ring: one
	 * batch a take. */
	sched.procs.store(1);
	size_t at = 0;
	for (u32 want : {GLOBQ_BATCH_MAX, GLOBQ_BATCH_MAX, 42u}) {
		glist l = take(false);
		EXPECT_EQ(l.n, want);
		EXPECT_EQ(spread(&f.b, l), range(f, at, at + want));
		at += want;
	}
	EXPECT_EQ(at, N);
	EXPECT_EQ(sched.runq_size.load(), 0u);
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
