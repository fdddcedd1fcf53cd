/*
 * tests/tools/examples_test.cpp - the seed notes' programs, run as they
 * ship in tools/examples/, checked against the output the notes print.
 */
#include "../runtime/proc_util.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <string>

namespace {

std::string alphabet(char first, int times)
{
	std::string s;
	for (int t = 0; t < times; t++)
		for (char c = first; c < first + 26; c++)
			s += std::string(1, c) + " ";
	return s;
}

} // namespace

TEST(examples, waitgroup_letters_matches_the_seed_byte_for_byte)
{
	auto r = gort_test::run_crash_program(
		"../tools/examples/example_waitgroup_letters");
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(r.output, "Start Goroutines\nWaiting To Finish\n" +
				    alphabet('A', 3) + alphabet('a', 3) +
				    "\nTerminating Program\n");
}

TEST(examples, time_slicing_matches_the_seed_byte_for_byte)
{
	const char *hashes[] = {
		"356a192b7913b04c54574d18c28d46e6395428ab",
		"da4b9237bacccdf19c0760cab7aec4a8359010b0",
		"77de68daecd823babbb58edb1c8e14d7106e83bb",
		"1b6453892473a467d07372d45eb05abc2031647a",
		"ac3478d69a3c81fa62e60f5c3696165a4e5e6ac4",
		"c1dfd96eea8cc2b62785275bca38ac261256e278",
		"902ba3cda1883801594b6e1b452790cc53948fda",
		"fe5dbbcea5ce7e2988b8c69bcfdfde8904aabc1f",
		"0ade7c2cf97f75d009975f4d720d1fa6c19f4897",
		"b1d5781111d84f7b3fe45a0852e59758cd7a87e5",
	};
	std::string want = "Create Goroutines\nWaiting To Finish\n";
	for (const char *who : {"B", "A"}) {
		for (int i = 1; i <= 10; i++) {
			char line[80];
			std::snprintf(line, sizeof(line), "%s: %05d: %s\n", who,
				      i, hashes[i - 1]);
			want += line;
		}
		want += std::string("Completed ") + who + "\n";
	}
	want += "Terminating Program\n";
	auto r = gort_test::run_crash_program(
		"../tools/examples/example_time_slicing");
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(r.output, want);
}

TEST(examples, time_slicing_interleaves_long_runs_through_preemption)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) ||           \
	!(defined(__x86_64__) || defined(__aarch64__))
	GTEST_SKIP() << "this build preempts cooperatively only";
#endif
	/* The seed: with enough work, "the output of goroutines A and B
	 * get interleaved" on one processor: each is preempted after its
	 * time slice, though neither ever blocks. */
	const char *prog = "../tools/examples/example_time_slicing 50000";
	/* Under the emulator run_crash_program() stretches the slice to a
	 * second, and B's whole run takes a fifth of that there: 20 ms. */
	auto r = GORT_TEST_EMULATOR[0] == '\0'
			 ? gort_test::run_crash_program(prog)
			 : gort_test::run_command(
				   std::string("GORT_TIME_SLICE_MS=20 ") +
				   GORT_TEST_EMULATOR + " " + GORT_CRASH_DIR +
				   "/" + prog);
	EXPECT_EQ(r.exit_code, 0);
	size_t first_a = r.output.find("\nA: ");
	size_t last_b = r.output.rfind("\nB: ");
	ASSERT_NE(first_a, std::string::npos);
	ASSERT_NE(last_b, std::string::npos);
	EXPECT_LT(r.output.find("\nB: "), first_a) << "B starts (runnext)";
	EXPECT_LT(first_a, last_b) << "A ran before B finished";
	EXPECT_NE(r.output.find("Completed A\n"), std::string::npos);
	EXPECT_NE(r.output.find("Completed B\n"), std::string::npos);
	EXPECT_NE(r.output.find("Terminating Program\n"), std::string::npos);
}

TEST(examples, parallel_letters_prints_every_alphabet_complete)
{
	auto r = gort_test::run_crash_program(
		"../tools/examples/example_parallel_letters");
	EXPECT_EQ(r.exit_code, 0);
	/* With two processors the letters may start before main prints
	 * "Waiting To Finish" (as in Go: it is a race).  Fixed: the first
	 * line, the last line, and each alphabet printed three times. */
	std::string out = r.output;
	const std::string head = "Start Goroutines\n";
	const std::string tail = "\nTerminating Program\n";
	ASSERT_EQ(out.substr(0, head.size()), head) << out;
	ASSERT_GE(out.size(), head.size() + tail.size());
	ASSERT_EQ(out.substr(out.size() - tail.size()), tail) << out;
	std::string body =
		out.substr(head.size(), out.size() - head.size() - tail.size());
	size_t w = body.find("Waiting To Finish\n");
	ASSERT_NE(w, std::string::npos) << out;
	body.erase(w, std::string("Waiting To Finish\n").size());
	for (char c = 'a'; c <= 'z'; c++) {
		EXPECT_EQ(std::count(body.begin(), body.end(), c), 3) << c;
		EXPECT_EQ(std::count(body.begin(), body.end(), char(c - 32)),
			  3);
	}
	EXPECT_EQ(body.size(), size_t(2 * 26 * 3 * 2));
}

TEST(examples, closures_behave_as_the_notes_say)
{
	auto r = gort_test::run_crash_program(
		"../tools/examples/example_closures");
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(r.output, "return from function\nvalue of i: 1\ndone..\n"
			    "3\n1\n2\n");
}
