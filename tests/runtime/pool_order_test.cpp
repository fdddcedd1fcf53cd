/*
 * tests/runtime/pool_order_test.cpp - a burst of goroutines gets its G
 * structs and stacks in address order even when the previous burst
 * released them in a scrambled order (slot_index.h says why that
 * matters: spawn+join cost grew 3x over fifty bursts without it).
 */
#include "runtime/proc.h"
#include "runtime/stack.h"

#include <gort.h>

#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace gort::rt;

namespace {

constexpr int N = 3000;

/* Fraction of i in [skip, n) where v[i] > v[i - 1]. */
double ascending(const std::vector<uptr> &v, usize skip)
{
	usize up = 0;
	for (usize i = skip; i < v.size(); i++)
		up += v[i] > v[i - 1];
	return double(up) / double(v.size() - skip);
}

} // namespace

TEST(pool_order, a_burst_gets_gs_and_stacks_in_address_order)
{
	std::vector<uptr> gs(N), sps(N);
	gort::run(
		[&] {
			/* Burst 1: N goroutines, ended in a random order. */
			std::vector<gort::wait_group> release(N);
			gort::wait_group ended;
			ended.add(N);
			for (int i = 0; i < N; i++) {
				release[i].add(1);
				gort::go([&, i] {
					release[i].wait();
					ended.done();
				});
			}
			std::vector<int> order(N);
			for (int i = 0; i < N; i++)
				order[i] = i;
			std::shuffle(order.begin(), order.end(),
				     std::mt19937(5));
			for (int i : order) {
				release[i].done();
				gort::yield(); /* let it end now, in this order */
			}
			ended.wait();

			/* Burst 2: each goroutine notes its G and its stack,
			 * then waits, so that none ends (and gives its G or
			 * stack back) before all are spawned. */
			gort::wait_group started, go_ahead, done;
			started.add(N);
			go_ahead.add(1);
			done.add(N);
			for (int i = 0; i < N; i++) {
				gort::go([&, i] {
					/* The stack itself, not a local's
					 * address: ASan's use-after-return
					 * check moves locals to a heap of its
					 * own. */
					g *self = current_g();
					gs[i] = reinterpret_cast<uptr>(self);
					sps[i] = self->f.stk->lo;
					started.done();
					go_ahead.wait();
					done.done();
				});
			}
			started.wait();
			go_ahead.done();
			done.wait();
		},
		gort::config{.procs = 1});

	/* The per-P caches hand back their warmest entries first, in the
	 * order they came back; after them, the pools' order shows. */
	EXPECT_GT(ascending(gs, P_GFREE_MAX), 0.9);
	EXPECT_GT(ascending(sps, STACK_CACHE_MAX), 0.9);
}
