/*
 * tests/race/race_test.cpp - gort's race detector (the TSan build): each
 * program of race_programs.cpp, at procs 1 and 2, must be reported as a
 * data race exactly when the Go memory model leaves its accesses
 * unordered.  At procs 1 nothing runs in parallel, so a report there
 * shows that the scheduler's own hand-offs order nothing.
 */
#include "../runtime/proc_util.h"

#include <gtest/gtest.h>
#include <string>

namespace {

using gort_test::run_result;

run_result run_program(const std::string &name, int procs)
{
	return gort_test::run_command(
		"TSAN_OPTIONS=halt_on_error=0:exitcode=66 " +
		std::string(GORT_RACE_PROGRAMS) + " " + name + " " +
		std::to_string(procs));
}

bool reported(const run_result &o)
{
	return o.output.find("WARNING: ThreadSanitizer: data race") !=
	       std::string::npos;
}

struct expectation {
	const char *name;
	bool racy;
};

const expectation cases[] = {
	{"seed_data_race", true},
	{"go_statement_orders", false},
	{"exit_orders_nothing", true},
	{"send_before_receive", false},
	{"close_before_receive", false},
	{"unbuffered_receive_before_send_completes", false},
	{"buffered_receive_does_not_order_the_send", true},
	{"kth_receive_before_send_k_plus_cap", false},
	{"counter_with_mutex", false},
	{"counter_with_channel", false},
	{"counter_with_atomic", false},
	{"join_then_read", false},
	{"read_before_join", true},
};

} // namespace

TEST(race_detector, reports_exactly_the_races_the_go_memory_model_allows)
{
	for (const expectation &e : cases) {
		for (int procs : {1, 2}) {
			run_result o = run_program(e.name, procs);
			SCOPED_TRACE(std::string(e.name) + " at procs " +
				     std::to_string(procs));
			EXPECT_EQ(reported(o), e.racy) << o.output;
			EXPECT_EQ(o.exit_code, e.racy ? 66 : 0) << o.output;
		}
	}
}

TEST(race_detector, a_report_names_both_goroutines_accesses)
{
	run_result o = run_program("seed_data_race", 1);
	ASSERT_TRUE(reported(o)) << o.output;
	/* Both stacks lead to bump(), one a write, one a read or write. */
	EXPECT_NE(o.output.find("Previous"), std::string::npos) << o.output;
	EXPECT_NE(o.output.find("bump"), std::string::npos) << o.output;
	EXPECT_NE(o.output.find("race_programs.cpp"), std::string::npos)
		<< o.output;
}
