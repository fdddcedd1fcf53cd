/*
 * tests/runtime/start_in_place_test.cpp - the next goroutine starts in
 * place (runtime/proc.cpp, g_next_in_place()): when a goroutine ends and
 * the next in its P's queue has not run yet, that one runs on the same
 * stack and in the same G, without a pass through the scheduler.  Each
 * goroutine started that way must still be itself (its id, its closure,
 * its stack size, its panics) and must not keep timers or other
 * goroutines from running.
 */
#include <gort.h>

#include "../race_build.h"
#include "runtime/proc.h"
#include "runtime/stack.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <gtest/gtest.h>
#include <sched.h>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace gort::rt;
using namespace std::chrono_literals;

namespace {

constexpr int BURST = 1000;

/* The usable bytes of the stack the caller runs on. */
usize my_stack_size()
{
	auto here = reinterpret_cast<uptr>(__builtin_frame_address(0));
	stack *s = stack_find(here);
	return s != nullptr ? s->hi - s->lo : 0;
}

/* At procs 1: main spawns BURST goroutines, each running body(i), and
 * waits for them; then it runs after(). */
template <typename Body, typename After>
void burst(Body body, After after)
{
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(BURST);
			for (int i = 0; i < BURST; i++)
				gort::go([&, i] {
					body(i);
					wg.done();
				});
			wg.wait();
			after();
		},
		gort::config{.procs = 1});
}

} // namespace

/* At procs 1, main spawns a burst and waits: every goroutine but the
 * first, and those that follow a 61st schedule, starts where the one
 * before it ended.  Each runs its own closure once, under its own id. */
TEST(start_in_place, a_burst_runs_one_after_the_other_in_place)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP()
			<< "the race detector's build takes stacks at go()";
	u64 in_place = 0;
	std::vector<std::uint64_t> seen(BURST);
	std::vector<int> ran(BURST);
	int goroutines_after = 0;
	burst(
		[&](int i) {
			ran[i]++;
			seen[i] = gort::goid();
		},
		[&] {
			in_place = in_place_starts();
			goroutines_after = gort::num_goroutine();
		});
	EXPECT_GE(in_place, u64(BURST * 9 / 10));
	for (int i = 0; i < BURST; i++)
		ASSERT_EQ(ran[i], 1) << "goroutine " << i;
	std::sort(seen.begin(), seen.end());
	EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end())
		<< "two goroutines had one id";
	EXPECT_NE(seen.front(), 1u) << "main's id";
	EXPECT_EQ(goroutines_after, 1);
}

/* A goroutine that asked for a larger stack gets it, whatever ended
 * before it: it is never started on the default-sized stack in place. */
TEST(start_in_place, a_goroutine_wanting_another_stack_size_gets_it)
{
	constexpr usize WANT = 1024 * 1024;
	std::vector<usize> sizes(2 * 100);
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(int(sizes.size()));
			for (usize i = 0; i < sizes.size(); i++) {
				auto f = [&, i] {
					sizes[i] = my_stack_size();
					wg.done();
				};
				if (i % 2 == 0)
					gort::go(f);
				else
					gort::go_with({.stack_size = WANT}, f);
			}
			wg.wait();
		},
		gort::config{.procs = 1});
	/* Usable: the size asked for, less the G's page at the top. */
	for (usize i = 1; i < sizes.size(); i += 2)
		ASSERT_GE(sizes[i], WANT - 4096) << "goroutine " << i;
	/* And one of the default size never starts in place on the larger
	 * stack of one that ended. */
	for (usize i = 0; i < sizes.size(); i += 2) {
		ASSERT_GT(sizes[i], 0u) << "goroutine " << i;
		ASSERT_LT(sizes[i], WANT - 4096) << "goroutine " << i;
	}
}

/* One link of a chain of goroutines: it counts itself, then spawns the
 * next link and ends, until told to stop. */
struct chain_link {
	std::atomic<bool> *stop;
	std::atomic<long> *links;
	gort::wait_group *done;
	void operator()() const
	{
		links->fetch_add(1, std::memory_order_relaxed);
		if (stop->load(std::memory_order_relaxed))
			done->done();
		else
			gort::go(*this);
	}
};

/* Stops a chain that the runtime failed to break, so that such a test
 * fails instead of hanging: sets *stop after 30 s unless disarmed first,
 * and says whether it had to. */
class watchdog {
public:
	explicit watchdog(std::atomic<bool> *stop)
	    : t_([this, stop] {
		      auto end = std::chrono::steady_clock::now() + 30s;
		      while (!disarmed_.load()) {
			      if (std::chrono::steady_clock::now() > end) {
				      fired_ = true;
				      stop->store(true);
				      return;
			      }
			      std::this_thread::sleep_for(1ms);
		      }
	      })
	{}
	~watchdog() { disarm(); }
	/* True if it stopped the chain itself. */
	bool disarm()
	{
		disarmed_ = true;
		if (t_.joinable())
			t_.join();
		return fired_.load();
	}

private:
	std::atomic<bool> disarmed_{false}, fired_{false};
	std::thread t_;
};

/* A chain of goroutines, each spawning the next and ending, would run in
 * place for ever (each takes the slice of the one before from runnext).
 * The goroutine that yielded to it must still get its turn (sysmon's
 * time slice), and so must a sleeping one (the P's timers).  With no
 * signals: the request is honoured in go(), just after the next link
 * became runnext, which must then wait behind the queue. */
TEST(start_in_place, a_chain_of_goroutines_lets_the_others_run)
{
	std::atomic<bool> stop{false};
	std::atomic<long> links{0};
	bool woke = false;
	watchdog dog(&stop);
	gort::run(
		[&] {
			gort::wait_group chain_done;
			chain_done.add(1);
			gort::go(chain_link{&stop, &links, &chain_done});
			gort::yield(); /* the chain runs; main waits its turn */
			gort::sleep(1ms); /* and a timer fires through it */
			woke = !stop.load();
			stop = true;
			chain_done.wait();
		},
		gort::config{
			.procs = 1, .async_preempt = false, .time_slice = 1ms});
	EXPECT_FALSE(dog.disarm()) << "the chain kept the P";
	EXPECT_TRUE(woke);
	EXPECT_GT(links.load(), 1);
}

/* The same chain, and a goroutine in the global queue (from a plain
 * thread, once the chain runs): the scheduler looks there every 61st
 * time slice, and the chain must let it. */
TEST(start_in_place, a_chain_of_goroutines_lets_the_global_queue_run)
{
	std::atomic<bool> stop{false}, global_ran{false};
	std::atomic<long> links{0};
	watchdog dog(&stop);
	std::thread t;
	gort::run(
		[&] {
			gort::wait_group chain_done;
			chain_done.add(1);
			gort::go(chain_link{&stop, &links, &chain_done});
			t = std::thread([&] {
				while (links.load() < 10000 && !stop.load())
					::sched_yield();
				gort::go([&] {
					global_ran = true;
					stop = true;
				});
			});
			chain_done.wait();
		},
		gort::config{
			.procs = 1, .async_preempt = false, .time_slice = 1ms});
	t.join();
	EXPECT_FALSE(dog.disarm()) << "the chain kept the P";
	EXPECT_TRUE(global_ran.load());
}

/* Two chains at procs 2, then set_procs(1): the P beyond the new count
 * retires, though its chain never passes through the scheduler on its
 * own (each link inherits the slice, and sysmon does not watch a
 * retiring P). */
TEST(start_in_place, a_retiring_p_leaves_its_chain)
{
	std::atomic<bool> stop{false};
	std::atomic<long> links{0};
	bool retired = false;
	watchdog dog(&stop);
	gort::run(
		[&] {
			gort::wait_group chains_done;
			chains_done.add(2);
			gort::go(chain_link{&stop, &links, &chains_done});
			gort::go(chain_link{&stop, &links, &chains_done});
			gort::sleep(5ms); /* one chain per P */
			gort::set_procs(1);
			while (!stop.load() && !retired) {
				gort::sleep(1ms);
				retired = sched.allp[1]->status.load() ==
					  pstatus::dead;
			}
			stop = true;
			chains_done.wait();
		},
		gort::config{.procs = 2, .async_preempt = false});
	EXPECT_FALSE(dog.disarm()) << "P1 kept running its chain";
	EXPECT_TRUE(retired);
}

/* A panic in a goroutine started in place names that goroutine. */
TEST(start_in_place_death, a_panic_names_the_goroutine_started_in_place)
{
	EXPECT_EXIT(
		gort::run(
			[] {
				gort::wait_group wg;
				wg.add(1);
				/* The second (goroutine 3) runs first, from
				     * runnext, and ends; the first (goroutine 2)
				     * then starts in its place. */
				gort::go([] {
					throw std::runtime_error(
						"goroutine " +
						std::to_string(gort::goid()));
				});
				gort::go([] {});
				wg.wait();
			},
			gort::config{.procs = 1}),
		testing::ExitedWithCode(2),
		"panic: goroutine 2\n\ngoroutine 2 \\[running\\]:");
}
