/*
 * tests/tools/gdb_test.cpp - tools/gdb/gort_gdb.py, driven through gdb in
 * batch mode over tests/tools/gdb_target.cpp, stopped where its main
 * goroutine calls gdb_breakpoint_here():
 * - "info goroutines" lists every live goroutine once, with the status
 *   and wait reason the target arranged, and marks the one on the
 *   selected thread;
 * - "goroutine N bt" shows a parked goroutine's own frames, from its
 *   saved context, down to its first frame;
 * - the thread that lent its registers has every one of them back
 *   afterwards, also when the command failed, and the program then runs
 *   to its normal end;
 * - the same listing and backtrace from a core file.
 * gdb's whole output is printed with any failure: if gdb cannot run the
 * program (ptrace forbidden, say), the test fails and shows why.
 */
#include "../runtime/proc_util.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

/* Why this build does not run the test, or nullptr. */
const char *skip_reason()
{
	/* The sanitizers' runtimes reserve terabytes of shadow memory and
	 * (ASan) move locals to fake stacks, so what the test expects on a
	 * goroutine's stack is not there; gdb support is for ordinary
	 * builds. */
	if (GORT_TEST_SANITIZE[0] != '\0')
		return "sanitizer build (GORT_SANITIZE=" GORT_TEST_SANITIZE
		       "): the gdb test runs on uninstrumented builds";
	if (std::system("gdb --version >/dev/null 2>&1") != 0)
		return "gdb is not installed";
	return nullptr;
}

std::string quote(const std::string &s)
{
	std::string r = "'";
	for (char c : s)
		r += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return r + "'";
}

/* gdb in batch mode, no init files, running @cmds over @args. */
std::string gdb_line(const std::vector<std::string> &cmds,
		     const std::string &args)
{
	std::string line = "timeout 120 gdb -nx -batch "
			   "-iex 'set debuginfod enabled off' "
			   "-iex 'set pagination off' "
			   "-iex 'set width 0' ";
	for (const std::string &c : cmds)
		line += "-ex " + quote(c) + " ";
	return line + args;
}

std::string mark(const char *name)
{
	return std::string("echo @@") + name + "\\n";
}

/* What gdb printed between "echo @@name" and the next mark. */
std::string section(const std::string &out, const char *name)
{
	std::string m = std::string("@@") + name + "\n";
	size_t b = out.find(m);
	if (b == std::string::npos)
		return "";
	b += m.size();
	size_t e = out.find("@@", b);
	return out.substr(b, e == std::string::npos ? e : e - b);
}

/* The value of "p expr": "$1 = 42" gives 42. */
unsigned long printed_value(const std::string &s)
{
	size_t eq = s.find(" = ");
	return eq == std::string::npos
		       ? 0
		       : std::strtoul(s.c_str() + eq + 3, nullptr, 0);
}

std::string trim(const std::string &s)
{
	size_t b = s.find_first_not_of(' ');
	size_t e = s.find_last_not_of(' ');
	return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct row {
	bool selected = false;
	unsigned long id = 0;
	std::string status, reason, where;
};

/* The lines of "info goroutines", cut at its header's columns. */
std::vector<row> parse_list(const std::string &s)
{
	std::vector<row> rows;
	size_t h = s.find("Id  ");
	if (h == std::string::npos)
		return rows;
	size_t hb = s.rfind('\n', h);
	hb = hb == std::string::npos ? 0 : hb + 1;
	std::string header = s.substr(hb, s.find('\n', h) - hb);
	size_t c_status = header.find("Status");
	size_t c_reason = header.find("Wait reason");
	size_t c_where = header.find("Where");
	size_t pos = s.find('\n', h);
	while (pos != std::string::npos && pos + 1 < s.size()) {
		size_t next = s.find('\n', pos + 1);
		std::string l = s.substr(pos + 1, next == std::string::npos
							  ? next
							  : next - pos - 1);
		pos = next;
		if (l.size() <= c_where)
			continue;
		row r;
		r.selected = l[0] == '*';
		r.id = std::strtoul(l.c_str() + 1, nullptr, 10);
		r.status = trim(l.substr(c_status, c_reason - c_status));
		r.reason = trim(l.substr(c_reason, c_where - c_reason));
		r.where = l.substr(c_where);
		rows.push_back(r);
	}
	return rows;
}

int count(const std::vector<row> &rows, const std::string &status,
	  const std::string &reason)
{
	int n = 0;
	for (const row &r : rows)
		n += r.status == status && r.reason == reason;
	return n;
}

const row *find_row(const std::vector<row> &rows, unsigned long id)
{
	for (const row &r : rows)
		if (r.id == id)
			return &r;
	return nullptr;
}

/* @names appear in @s in this order; "" if so, else what is wrong. */
std::string in_order(const std::string &s,
		     const std::vector<std::string> &names)
{
	size_t at = 0;
	for (const std::string &n : names) {
		size_t p = s.find(n, at);
		if (p == std::string::npos)
			return "missing or out of order: " + n;
		at = p + n.size();
	}
	return "";
}

/* The listing the target sets up, whoever reads it. */
void check_list(const std::vector<row> &rows, unsigned long deep,
		unsigned long sys, unsigned long runnable,
		const std::string &out)
{
	EXPECT_EQ(rows.size(), 8u) << out;
	EXPECT_EQ(count(rows, "running", ""), 1) << out;
	EXPECT_EQ(count(rows, "waiting", "chan receive"), 3) << out;
	EXPECT_EQ(count(rows, "waiting", "sleep"), 1) << out;
	EXPECT_EQ(count(rows, "waiting", "sync.Mutex.Lock"), 1) << out;
	EXPECT_EQ(count(rows, "syscall", ""), 1) << out;
	EXPECT_EQ(count(rows, "runnable", ""), 1) << out;
	int selected = 0;
	for (const row &r : rows) {
		if (!r.selected)
			continue;
		selected++;
		EXPECT_EQ(r.id, 1u) << out;
		EXPECT_EQ(r.status, "running") << out;
		EXPECT_NE(r.where.find("gdb_breakpoint_here"),
			  std::string::npos)
			<< out;
	}
	EXPECT_EQ(selected, 1) << out;
	const row *r = find_row(rows, deep);
	ASSERT_NE(r, nullptr) << "goroutine " << deep << ":\n" << out;
	EXPECT_EQ(r->reason, "chan receive") << out;
	r = find_row(rows, sys);
	ASSERT_NE(r, nullptr) << "goroutine " << sys << ":\n" << out;
	EXPECT_EQ(r->status, "syscall") << out;
	EXPECT_NE(r->where.find("thread "), std::string::npos) << out;
	r = find_row(rows, runnable);
	ASSERT_NE(r, nullptr) << "goroutine " << runnable << ":\n" << out;
	EXPECT_EQ(r->status, "runnable") << out;
}

/* A parked goroutine's backtrace: its frames from the park down to its
 * first one, none of the lending thread's, no complaint from gdb. */
void check_parked_bt(const std::string &bt, const std::string &out)
{
	EXPECT_EQ(in_order(bt, {"parked_in_depth_1", "parked_in_depth_2",
				"parked_in_depth_3", "gort_arch_start"}),
		  "")
		<< out;
	EXPECT_EQ(bt.find("gdb_breakpoint_here"), std::string::npos) << out;
	EXPECT_EQ(bt.find("main_goroutine"), std::string::npos) << out;
	EXPECT_EQ(bt.find("Backtrace stopped"), std::string::npos) << out;
	EXPECT_EQ(bt.find("corrupt stack"), std::string::npos) << out;
	EXPECT_EQ(bt.find("Python Exception"), std::string::npos) << out;
}

} // namespace

TEST(gdb, lists_goroutines_and_backtraces_a_parked_one)
{
	if (const char *why = skip_reason())
		GTEST_SKIP() << why;
	std::vector<std::string> cmds = {
		"source " GORT_GDB_SCRIPT,
		"handle SIGURG nostop noprint pass",
		"break gdb_breakpoint_here",
		"run",
		mark("ids"),
		"p gdb_target_deep_goid",
		mark("sys"),
		"p gdb_target_syscall_goid",
		mark("runnable"),
		"p gdb_target_runnable_goid",
		mark("list"),
		"info goroutines",
		mark("regs-before"),
		"info registers",
		mark("bt-deep"),
		"goroutine gdb_target_deep_goid bt",
		mark("regs-after"),
		"info registers",
		mark("bt-self"),
		"bt",
		mark("bt-error"),
		"goroutine gdb_target_deep_goid frame 999",
		mark("regs-after-error"),
		"info registers",
		mark("refused"),
		"goroutine gdb_target_deep_goid continue",
		mark("bt-syscall"),
		"goroutine gdb_target_syscall_goid bt",
		mark("bt-main"),
		"goroutine 1 bt",
		mark("bt-runnable"),
		"goroutine gdb_target_runnable_goid bt",
		mark("bt-all"),
		"goroutine all bt 1",
		mark("regs-end"),
		"info registers",
		mark("continue"),
		"continue",
	};
	auto r = gort_test::run_command(gdb_line(cmds, GORT_GDB_TARGET));
	const std::string &out = r.output;
	ASSERT_NE(out.find("hit Breakpoint 1"), std::string::npos)
		<< "gdb did not stop the program at gdb_breakpoint_here:\n"
		<< out;
	ASSERT_EQ(out.find("Python Exception"), std::string::npos) << out;
	ASSERT_EQ(out.find("Error occurred in Python"), std::string::npos)
		<< out;

	unsigned long deep = printed_value(section(out, "ids"));
	unsigned long sys = printed_value(section(out, "sys"));
	unsigned long runnable = printed_value(section(out, "runnable"));
	ASSERT_NE(deep, 0u) << out;
	check_list(parse_list(section(out, "list")), deep, sys, runnable, out);

	/* The parked goroutine's frames, from its saved context. */
	std::string bt = section(out, "bt-deep");
	EXPECT_EQ(bt.rfind("#0 ", 0), 0u) << out;
	check_parked_bt(bt, out);

	/* The thread that lent its registers has them all back, and its
	 * own stack is where it was. */
	std::string before = section(out, "regs-before");
	EXPECT_NE(before.find("sp"), std::string::npos) << out;
	EXPECT_EQ(section(out, "regs-after"), before) << out;
	EXPECT_EQ(in_order(section(out, "bt-self"),
			   {"#0 ", "gdb_breakpoint_here", "main_goroutine"}),
		  "")
		<< out;
	EXPECT_NE(section(out, "bt-error").find("No frame at level 999"),
		  std::string::npos)
		<< out;
	EXPECT_EQ(section(out, "regs-after-error"), before) << out;
	EXPECT_NE(section(out, "refused").find("refused"), std::string::npos)
		<< out;
	EXPECT_EQ(section(out, "regs-end"), before) << out;

	/* Goroutines on a thread: the command runs on that thread. */
	std::string sysbt = section(out, "bt-syscall");
	EXPECT_NE(sysbt.find("in a system call on thread"), std::string::npos)
		<< out;
	EXPECT_NE(sysbt.find("blocked_in_read"), std::string::npos) << out;
	std::string mainbt = section(out, "bt-main");
	EXPECT_NE(mainbt.find("running on thread"), std::string::npos) << out;
	EXPECT_EQ(in_order(mainbt, {"gdb_breakpoint_here", "main_goroutine"}),
		  "")
		<< out;

	/* A goroutine that yielded: its stack down to its first frame. */
	std::string rbt = section(out, "bt-runnable");
	EXPECT_NE(rbt.find("gort_arch_start"), std::string::npos) << out;
	EXPECT_EQ(rbt.find("Backtrace stopped"), std::string::npos) << out;

	/* "goroutine all": one heading per goroutine. */
	std::string all = section(out, "bt-all");
	for (unsigned long id : {1ul, deep, sys, runnable})
		EXPECT_NE(all.find("goroutine " + std::to_string(id) + " ["),
			  std::string::npos)
			<< id << ":\n"
			<< out;

	/* The breakpoint's thread resumes where it stopped. */
	std::string tail = section(out, "continue");
	EXPECT_NE(tail.find("gdb_target: done"), std::string::npos) << out;
	EXPECT_NE(tail.find("exited normally"), std::string::npos) << out;
}

TEST(gdb, reads_goroutines_from_a_core_file)
{
	if (const char *why = skip_reason())
		GTEST_SKIP() << why;
	char path[] = "/tmp/gort_gdb_core_XXXXXX";
	int fd = ::mkstemp(path);
	ASSERT_GE(fd, 0);
	::close(fd);
	/* gcore (gdb 13) writes zeros for a mapping that holds guard pages
	 * installed with MADV_GUARD_INSTALL, the goroutine stacks' arenas
	 * among them: the mprotect guards keep the stacks in the core. */
	std::vector<std::string> dump = {
		"break gdb_breakpoint_here",
		"run",
		std::string("gcore ") + path,
		"kill",
	};
	auto d = gort_test::run_command("GORT_STACK_GUARD=mprotect " +
					gdb_line(dump, GORT_GDB_TARGET));
	ASSERT_NE(d.output.find("Saved corefile"), std::string::npos)
		<< d.output;

	std::vector<std::string> cmds = {
		"source " GORT_GDB_SCRIPT,
		mark("ids"),
		"p gdb_target_deep_goid",
		mark("sys"),
		"p gdb_target_syscall_goid",
		mark("runnable"),
		"p gdb_target_runnable_goid",
		mark("list"),
		"info goroutines",
		mark("bt-deep"),
		"goroutine gdb_target_deep_goid bt",
		mark("bt-self"),
		"bt",
		mark("end"),
	};
	auto r = gort_test::run_command(
		gdb_line(cmds, std::string(GORT_GDB_TARGET) + " " + path));
	::unlink(path);
	const std::string &out = r.output;
	ASSERT_EQ(out.find("Python Exception"), std::string::npos) << out;
	unsigned long deep = printed_value(section(out, "ids"));
	ASSERT_NE(deep, 0u) << out;
	check_list(parse_list(section(out, "list")), deep,
		   printed_value(section(out, "sys")),
		   printed_value(section(out, "runnable")), out);

	/* In a core file the goroutine's frames are #1 and up. */
	std::string bt = section(out, "bt-deep");
	EXPECT_EQ(bt.rfind("#1 ", 0), 0u) << out;
	EXPECT_EQ(bt.find("#0 "), std::string::npos) << out;
	check_parked_bt(bt, out);
	EXPECT_EQ(in_order(section(out, "bt-self"),
			   {"#0 ", "gdb_breakpoint_here", "main_goroutine"}),
		  "")
		<< out;
}
