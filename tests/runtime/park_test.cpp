/*
 * tests/runtime/park_test.cpp - park() through its direct switch (proc.cpp,
 * "Direct switches"): the G switched to finishes the parking G off, runs
 * its unlock callback exactly once, and requeues it when the callback
 * calls the park off; a ready() then wakes it as usual.
 */
#include "runtime/proc.h"

#include <gort.h>

#include <atomic>
#include <gtest/gtest.h>

using namespace gort::rt;

namespace {

struct park_probe {
	std::atomic<int> calls{0};
	bool result = false;
	g *parked = nullptr;
};

bool probe_unlock(g *gp, void *arg)
{
	auto pr = static_cast<park_probe *>(arg);
	pr->calls++;
	pr->parked = gp;
	return pr->result;
}

} // namespace

TEST(park, a_park_called_off_by_its_callback_resumes_the_goroutine)
{
	park_probe pr;
	int seen_by_other = -1;
	bool resumed = false;
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				/* The next G of this P, for park() to switch
				 * to directly. */
				gort::go([&] {
					seen_by_other = pr.calls.load();
					wg.done();
				});
				pr.result = false; /* call the park off */
				park(probe_unlock, &pr, "test park");
				resumed = true;
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_TRUE(resumed);
	EXPECT_EQ(pr.calls.load(), 1);
	EXPECT_EQ(seen_by_other, 1)
		<< "the callback runs before the next G's own code";
}

TEST(park, a_parked_goroutine_waits_until_readied)
{
	park_probe pr;
	std::atomic<int> steps{0};
	int step_at_wake = -1;
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				gort::go([&] {
					/* Runs while the other is parked. */
					steps = 1;
					EXPECT_EQ(pr.calls.load(), 1);
					EXPECT_EQ(pr.parked->status.load(),
						  gstatus::waiting);
					steps = 2;
					ready(pr.parked);
					wg.done();
				});
				pr.result = true;
				park(probe_unlock, &pr, "test park");
				step_at_wake = steps.load();
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(pr.calls.load(), 1);
	EXPECT_EQ(step_at_wake, 2) << "woken only by ready()";
}
