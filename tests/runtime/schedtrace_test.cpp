/*
 * tests/runtime/schedtrace_test.cpp - GORT_SCHEDTRACE / GORT_SCHEDDETAIL:
 * the summary line's shape and values, and the per-P, per-M and per-G
 * lines, read from this process's own standard error.
 */
#include <gort.h>

#include "proc_util.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string &s)
{
	std::vector<std::string> v;
	std::istringstream in(s);
	for (std::string l; std::getline(in, l);)
		v.push_back(l);
	return v;
}

size_t count_sched_lines(const std::string &s)
{
	size_t n = 0;
	for (size_t at = 0; (at = s.find("SCHED ", at)) != std::string::npos;
	     at++)
		n++;
	return n;
}

} // namespace

TEST(schedtrace, prints_go_shaped_lines_with_the_detail_asked_for)
{
	::setenv("GORT_SCHEDTRACE", "5", 1);
	::setenv("GORT_SCHEDDETAIL", "1", 1);
	std::string out;
	{
		gort_test::capture_stderr cap;
		gort::run(
			[&] {
				constexpr int BLOCKED = 3;
				gort::chan<int> never(0);
				gort::wait_group wg;
				wg.add(BLOCKED);
				for (int i = 0; i < BLOCKED; i++)
					gort::go([&] {
						(void)never.recv();
						wg.done();
					});
				/* Wait for three full pictures taken while
				 * the three goroutines are blocked (polling a
				 * condition; no timing is asserted). */
				size_t seen = count_sched_lines(cap.text());
				while (count_sched_lines(cap.text()) < seen + 3)
					gort::sleep(1ms);
				never.close();
				wg.wait();
			},
			gort::config{.procs = 2});
		out = cap.text();
	}
	::unsetenv("GORT_SCHEDTRACE");
	::unsetenv("GORT_SCHEDDETAIL");

	const std::regex summary(
		"SCHED [0-9]+ms: gomaxprocs=2 idleprocs=[0-2] threads=[0-9]+ "
		"spinningthreads=[0-9]+ idlethreads=[0-9]+ runqueue=[0-9]+ "
		"\\[[0-9]+ [0-9]+\\]");
	const std::regex p_line("  P[01]: status=(idle|running|syscall) "
				"schedtick=[0-9]+ syscalltick=[0-9]+ "
				"m=-?[0-9]+ runqsize=[0-9]+ timers=[0-9]+ "
				"gfreecnt=[0-9]+ inplace=[0-9]+");
	const std::regex m_line("  M[0-9]+: p=-?[0-9]+ curg=-?[0-9]+ "
				"spinning=(true|false) lockedg=-?[0-9]+");
	const std::regex g_line("  G[0-9]+: status=[a-z]+(\\([a-zA-Z. ]+\\))?"
				" m=-?[0-9]+ lockedm=-?[0-9]+");
	std::vector<std::string> lines = lines_of(out);
	int summaries = 0, ps = 0, ms = 0, gs = 0;
	int chan_waiters_in_last_full = -1, chan_waiters = 0;
	for (const std::string &l : lines) {
		if (l.rfind("SCHED ", 0) == 0) {
			ASSERT_TRUE(std::regex_match(l, summary)) << l;
			summaries++;
			if (summaries > 1)
				chan_waiters_in_last_full =
					std::max(chan_waiters_in_last_full,
						 chan_waiters);
			chan_waiters = 0;
		} else if (l.rfind("  P", 0) == 0) {
			ASSERT_TRUE(std::regex_match(l, p_line)) << l;
			ps++;
		} else if (l.rfind("  M", 0) == 0) {
			ASSERT_TRUE(std::regex_match(l, m_line)) << l;
			ms++;
		} else if (l.rfind("  G", 0) == 0) {
			ASSERT_TRUE(std::regex_match(l, g_line)) << l;
			gs++;
			if (l.find("status=waiting(chan receive)") !=
			    std::string::npos)
				chan_waiters++;
		}
	}
	EXPECT_GE(summaries, 3);
	EXPECT_EQ(ps, 2 * summaries) << "one line per P in every picture";
	EXPECT_GE(ms, summaries) << "at least M0 in every picture";
	EXPECT_GE(gs, summaries) << "at least the main G in every picture";
	EXPECT_EQ(chan_waiters_in_last_full, 3)
		<< "the three blocked goroutines, with their wait reason";
}

TEST(schedtrace, is_silent_unless_asked)
{
	gort_test::capture_stderr cap;
	gort::run([] { gort::sleep(20ms); }, gort::config{.procs = 2});
	EXPECT_EQ(cap.text().find("SCHED "), std::string::npos);
}
