/*
 * tests/runtime/fiber_migration_test.cpp - fibers hop between threads, as
 * goroutines move between Ms: each keeps its own rounding mode (the FP
 * control state travels with the context, not the thread) and its stack
 * contents across every hop.  The long version carries the "stress" label.
 */
#include "../race_edges.h"
#include "runtime/fiber.h"
#include "runtime/lock.h"

#include <cfenv>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

using namespace gort::rt;
using gort_test::lock_ordered;
using gort_test::switch_ordered;
using gort_test::unlock_ordered;

namespace {

constexpr int MODES[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};

/* The rounding mode the FP unit really applies, told by arithmetic:
 * +-(1 + 3*2^-24) lie halfway between floats, and each mode rounds the
 * pair a different way. */
int observed_mode()
{
	volatile float one = 1.0f, tiny = 3.0f * 5.9604644775390625e-8f;
	float pos = one + tiny;
	float neg = -one - tiny;
	bool pos_up = pos > 1.0f + 2.0f * 5.9604644775390625e-8f;
	bool neg_down = neg < -1.0f - 2.0f * 5.9604644775390625e-8f;
	if (pos_up && neg_down)
		return FE_TONEAREST;
	if (!pos_up && neg_down)
		return FE_DOWNWARD;
	if (pos_up)
		return FE_UPWARD;
	return FE_TOWARDZERO;
}

struct hopper {
	fiber f;
	fiber *resumer; /* the thread that switched in last */
	int mode;
	u64 hops;
	u64 bad = 0;
};

struct world {
	rt_lock l;
	std::vector<hopper *> queue; /* guarded by l */
	size_t finished = 0;	     /* guarded by l */
	size_t total = 0;
};

void hop(void *p)
{
	auto h = static_cast<hopper *>(p);
	std::fesetround(h->mode);
	volatile u64 canary = 0x5eed0000u + u64(h->mode);
	for (u64 i = 0; i < h->hops; i++) {
		switch_ordered(&h->f, h->resumer);
		if (std::fegetround() != h->mode ||
		    observed_mode() != h->mode ||
		    canary != 0x5eed0000u + u64(h->mode))
			h->bad++;
	}
	std::fesetround(FE_TONEAREST);
}

void worker(world *w)
{
	fiber self;
	fiber_init_thread(&self);
	for (;;) {
		lock_ordered(&w->l);
		if (w->finished == w->total) {
			unlock_ordered(&w->l);
			return;
		}
		hopper *h = nullptr;
		if (!w->queue.empty()) {
			h = w->queue.front();
			w->queue.erase(w->queue.begin());
		}
		unlock_ordered(&w->l);
		if (h == nullptr) {
			std::this_thread::yield();
			continue;
		}
		h->resumer = &self;
		h->f.exit_to = &self;
		switch_ordered(&self, &h->f);
		/* Our own mode is untouched by the fiber's. */
		if (std::fegetround() != FE_TONEAREST)
			h->bad++;
		lock_ordered(&w->l);
		if (h->f.done)
			w->finished++;
		else
			w->queue.push_back(h);
		unlock_ordered(&w->l);
	}
}

void run_hoppers(int threads, int fibers, u64 hops)
{
	world w;
	std::vector<hopper> hs(fibers);
	for (int i = 0; i < fibers; i++) {
		hs[i].mode = MODES[i % 4];
		hs[i].hops = hops;
		ASSERT_EQ(
			fiber_create(&hs[i].f, hop, &hs[i], 32 * 1024, nullptr),
			stack_err::none);
		w.queue.push_back(&hs[i]);
	}
	w.total = fibers;
	std::vector<std::thread> ts;
	for (int i = 0; i < threads; i++)
		ts.emplace_back(worker, &w);
	for (auto &t : ts)
		t.join();
	for (auto &h : hs) {
		EXPECT_TRUE(h.f.done);
		EXPECT_EQ(h.bad, 0u) << "fiber with mode " << h.mode;
		fiber_destroy(&h.f);
	}
}

} // namespace

TEST(fiber_migration, fp_mode_and_stack_travel_with_the_fiber)
{
	run_hoppers(3, 16, 2000);
}

TEST(fiber_migration_stress, many_threads_many_fibers_many_hops)
{
	run_hoppers(8, 256, 100000);
}
