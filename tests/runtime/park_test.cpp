/*
 * tests/runtime/park_test.cpp - park() through its direct switch (proc.cpp,
 * "Direct switches"): the G switched to finishes the parking G off, runs
 * its unlock callback exactly once, and requeues it when the callback
 * calls the park off; a ready() then wakes it as usual.
 */
#include "runtime/proc.h"
#include "runtime/sanitizer.h"

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

/*
 * The unlock callback runs on whatever context finishes the parking G off
 * (the scheduler's, or the next G's after a direct switch), once the G is
 * off its stack.  The runtime's own callbacks are runtime code, which the
 * race-detector build does not instrument, so it draws no edge into them;
 * this one reads what the parking G wrote before park(), so the test
 * draws that edge itself (released in park_now()).
 */
bool probe_unlock(g *gp, void *arg)
{
	auto pr = static_cast<park_probe *>(arg);
	race_acquire(pr);
	pr->calls++;
	pr->parked = gp;
	return pr->result;
}

/* park() through probe_unlock, which may read what came before. */
void park_now(park_probe *pr)
{
	race_release(pr);
	park(probe_unlock, pr, "test park");
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
				park_now(&pr);
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
				park_now(&pr);
				step_at_wake = steps.load();
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(pr.calls.load(), 1);
	EXPECT_EQ(step_at_wake, 2) << "woken only by ready()";
}
