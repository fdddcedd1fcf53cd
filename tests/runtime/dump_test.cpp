/*
 * tests/runtime/dump_test.cpp - the goroutine dump (runtime/dump.cpp):
 * gort::dump_goroutines(), SIGQUIT, and the backtraces an uncaught panic
 * prints; the deadlock report's is checked in proc_test.
 */
#include "../race_build.h"
#include "proc_util.h"

#include <gort.h>
#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

size_t count(const std::string &s, const std::string &what)
{
	size_t n = 0;
	for (size_t at = 0; (at = s.find(what, at)) != std::string::npos; at++)
		n++;
	return n;
}

/* Dump until @ready says the output shows what the test waits for (the
 * goroutines parked), yielding in between. */
template <typename F>
std::string dump_until(F ready)
{
	for (;;) {
		gort_test::capture_stderr cap;
		gort::dump_goroutines();
		std::string out = cap.text();
		if (ready(out))
			return out;
		gort::yield();
	}
}

/* Three frames the backtrace must show, innermost first.  The work after
 * each call keeps the compiler from making it a tail call, which would
 * drop the caller's frame. */
__attribute__((noinline)) int depth_1(gort::chan<int> c)
{
	return c.recv().value_or(0) + 1;
}
__attribute__((noinline)) int depth_2(gort::chan<int> c)
{
	return depth_1(c) * 3;
}
__attribute__((noinline)) int depth_3(gort::chan<int> c)
{
	return depth_2(c) - 5;
}

__attribute__((noinline)) void throw_from_here(int v)
{
	if (v > 0)
		throw std::runtime_error("boom");
}

/* The lines of goroutine @id's entry. */
std::string entry_of(const std::string &out, const std::string &id)
{
	size_t at = out.find("goroutine " + id + " [");
	if (at == std::string::npos)
		return "";
	size_t end = out.find("\n\n", at);
	return out.substr(at, end == std::string::npos ? end : end - at);
}

} // namespace

TEST(dump, shows_each_goroutine_with_its_stack_and_creator)
{
	std::string out;
	gort::run(
		[&] {
			gort::chan<int> c(0);
			gort::wait_group done;
			done.add(1);
			gort::go([&] {
				depth_3(c);
				done.done();
			});
			out = dump_until([](const std::string &o) {
				return o.find("[chan receive]") !=
				       std::string::npos;
			});
			c.send(1);
			done.wait();
		},
		gort::config{.procs = 2});
	/* The caller first: the main goroutine, running, from here. */
	EXPECT_EQ(out.rfind("goroutine 1 [running]:\n", 0), 0u) << out;
	std::string main = entry_of(out, "1");
	EXPECT_NE(main.find("TestBody"), std::string::npos) << out;

	size_t at = out.find("[chan receive]:");
	ASSERT_NE(at, std::string::npos) << out;
	std::string g = out.substr(at, out.find("\n\n", at) - at);
	size_t d1 = g.find("depth_1("), d2 = g.find("depth_2("),
	       d3 = g.find("depth_3(");
	ASSERT_NE(d1, std::string::npos) << g;
	ASSERT_NE(d2, std::string::npos) << g;
	ASSERT_NE(d3, std::string::npos) << g;
	EXPECT_LT(d1, d2) << g;
	EXPECT_LT(d2, d3) << g;
	/* Every frame: "function+0xoff", then a tab and "object +0xoff". */
	size_t f1 = g.find("depth_1(gort::chan<int>)");
	EXPECT_NE(g.find("+0x", f1), std::string::npos) << g;
	EXPECT_NE(g.find("\n\t/"), std::string::npos) << g;
	/* The stack ends at the first frame of every goroutine. */
	EXPECT_NE(g.find("gort_arch_start+0x"), std::string::npos) << g;
	/* Created by the test body's lambda, in goroutine 1. */
	size_t cb = g.find("created by ");
	ASSERT_NE(cb, std::string::npos) << g;
	std::string line = g.substr(cb, g.find('\n', cb) - cb);
	EXPECT_NE(line.find("TestBody"), std::string::npos) << line;
	EXPECT_NE(line.find(" in goroutine 1"), std::string::npos) << line;
}

TEST(dump, groups_goroutines_with_the_same_stack)
{
	/* Many goroutines parked at one place cost one entry. */
	const int n = gort_test::RACE_BUILD ? 500 : 5000;
	std::string out;
	gort::run(
		[&] {
			gort::chan<int> c(0);
			gort::wait_group done;
			done.add(n);
			for (int i = 0; i < n; i++)
				gort::go([&] {
					(void)c.recv();
					done.done();
				});
			std::string want = "... and " + std::to_string(n - 1) +
					   " more goroutines with this state "
					   "and stack:";
			/* All parked: before they first run, they are one
			 * group of the same size, runnable. */
			out = dump_until([&](const std::string &o) {
				return o.find(want) != std::string::npos &&
				       o.find("[runnable]") ==
					       std::string::npos;
			});
			c.close();
			done.wait();
		},
		gort::config{.procs = 1});
	EXPECT_EQ(count(out, "[chan receive]:"), 1u) << out;
	EXPECT_LT(count(out, "\n"), 100u) << "bounded output";
	/* The first DUMP_IDS_SHOWN ids, then "...". */
	EXPECT_NE(out.find(" ...\n"), std::string::npos) << out;
}

TEST(dump, prints_nothing_without_a_runtime)
{
	gort_test::capture_stderr cap;
	gort::dump_goroutines();
	EXPECT_EQ(cap.text(), "");
}

TEST(dump_death, sigquit_prints_every_goroutine_and_exits_2)
{
	/* TSan delays a signal until the thread it hit makes an
	 * intercepted call; a thread blocked in a raw futex may not. */
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "TSan defers signal handlers";
	EXPECT_EXIT(gort::run(
			    [] {
				    gort::chan<int> c(0), started(0);
				    gort::go([&] {
					    started.close();
					    depth_3(c);
				    });
				    /* procs 1: main runs again once the other
				     * goroutine has parked in depth_1. */
				    (void)started.recv();
				    ::kill(::getpid(), SIGQUIT);
				    /* Blocked with a timer pending (not a
				     * deadlock) until sysmon has dumped. */
				    gort::sleep(3600s);
			    },
			    gort::config{.procs = 1}),
		    testing::ExitedWithCode(2),
		    /* main: asleep, or (a slow machine: qemu) still on
		     * its way there when sysmon dumps, shown running. */
		    "^SIGQUIT: quit\n\n"
		    "goroutine 1 \\[(sleep|running)\\]:\n"
		    "(.+\n)+\n"
		    "goroutine [0-9]+ \\[chan receive\\]:\n"
		    "(.+\n\t.+\n)*.*depth_1\\(gort::chan<int>\\).*\\+0x[0-9a-f]"
		    "+\n");
}

TEST(dump_death, a_panic_shows_where_it_was_thrown_then_the_others)
{
	EXPECT_EXIT(gort::run(
			    [] {
				    gort::wait_group wg;
				    wg.add(1);
				    gort::go([] { throw_from_here(1); });
				    wg.wait();
			    },
			    gort::config{.procs = 1}),
		    testing::ExitedWithCode(2),
		    "^panic: boom\n\n"
		    "goroutine [0-9]+ \\[running\\]:\n"
		    /* From the throw down, as Go's starts at panic(). */
		    "(.*__cxa_throw.*\n\t.+\n)+"
		    ".*throw_from_here\\(int\\).*\\+0x[0-9a-f]+\n\t.+\n"
		    "(.+\n\t.+\n)*gort_arch_start\\+0x[0-9a-f]+\n\t.+\n\n"
		    "goroutine 1 \\[sync.WaitGroup.Wait\\]:\n");
}

TEST(dump_death, terminate_on_a_plain_thread_keeps_its_meaning)
{
	/* gort's terminate handler reports goroutines' panics only; a plain
	 * thread's uncaught exception still reaches the handler before. */
	EXPECT_DEATH(
		{
			gort::run([] {}); /* installs the handler */
			std::thread t([] { throw_from_here(1); });
			t.join();
		},
		"terminate called after throwing an instance of "
		"'std::runtime_error'");
}
