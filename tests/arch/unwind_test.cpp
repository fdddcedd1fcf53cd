/*
 * tests/arch/unwind_test.cpp - the first frame of a context ends the call
 * chain: gdb's backtrace inside a fiber stops at gort_arch_start, with no
 * "corrupt stack" complaint and no frames from beyond the stack.  (The C++
 * unwinder's side of the same CFI is tested by the escaping-exception
 * tests in tests/runtime/fiber_test.cpp.)
 */
#include "../runtime/proc_util.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <string>

TEST(unwind, gdb_backtrace_inside_a_fiber_ends_at_its_first_frame)
{
	if (GORT_TEST_EMULATOR[0] != '\0')
		GTEST_SKIP() << "gdb drives native programs only";
	if (std::system("gdb --version >/dev/null 2>&1") != 0)
		GTEST_SKIP() << "gdb is not installed";
	std::string cmd = "gdb -nx -batch -ex 'break gort_test_bt_leaf' "
			  "-ex run -ex bt " +
			  std::string(GORT_CRASH_DIR) + "/crash_fiber_bt 2>&1";
	std::string out;
	FILE *p = ::popen(cmd.c_str(), "r");
	ASSERT_NE(p, nullptr);
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, n);
	::pclose(p);

	/* The chain from the breakpoint down to the fiber's first frame... */
	for (const char *frame :
	     {"gort_test_bt_leaf", "descend", "fiber_entry", "gort_arch_start"})
		EXPECT_NE(out.find(frame), std::string::npos)
			<< "missing " << frame << " in:\n"
			<< out;
	/* ...and nothing after it. */
	size_t start = out.find("gort_arch_start");
	ASSERT_NE(start, std::string::npos) << out;
	std::string after = out.substr(start);
	EXPECT_EQ(after.find("\n#"), std::string::npos)
		<< "frames beyond the first frame:\n"
		<< after;
	EXPECT_EQ(out.find("corrupt stack"), std::string::npos) << out;
	EXPECT_EQ(out.find("Backtrace stopped"), std::string::npos) << out;
}
