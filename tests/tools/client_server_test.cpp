/*
 * tests/tools/client_server_test.cpp - the seed's client-server example
 * (tools/examples/server.cpp and client.cpp): the client prints what the
 * server writes until the server closes the connection, the server
 * serves clients side by side, and a failed dial says why.
 */
#include "../runtime/proc_util.h"

#include <csignal>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

const std::string EXAMPLES = "../tools/examples/";

/* A running example_server and the address it said it listens on. */
struct server_proc {
	pid_t pid = -1;
	std::string address;
};

/* Start example_server --count @count on a port the kernel picks, and
 * read its first line on stderr, "listening on 127.0.0.1:<port>". */
server_proc start_server(int count)
{
	server_proc s;
	int fds[2];
	if (::pipe(fds) != 0)
		return s;
	std::string cmd = "exec ";
	if (GORT_TEST_EMULATOR[0] != '\0')
		cmd += std::string(GORT_TEST_EMULATOR) + " ";
	cmd += std::string(GORT_CRASH_DIR) + "/" + EXAMPLES +
	       "example_server --count " + std::to_string(count) +
	       " 127.0.0.1:0";
	s.pid = ::fork();
	if (s.pid == 0) {
		::dup2(fds[1], 2);
		::close(fds[0]);
		::close(fds[1]);
		::execl("/bin/sh", "sh", "-c", cmd.c_str(), (char *)nullptr);
		::_exit(127);
	}
	::close(fds[1]);
	std::string line;
	char c;
	while (::read(fds[0], &c, 1) == 1 && c != '\n')
		line += c;
	::close(fds[0]);
	const std::string prefix = "listening on ";
	if (line.compare(0, prefix.size(), prefix) == 0)
		s.address = line.substr(prefix.size());
	return s;
}

void stop_server(const server_proc &s)
{
	if (s.pid <= 0)
		return;
	::kill(s.pid, SIGTERM);
	::waitpid(s.pid, nullptr, 0);
}

std::string responses(int n)
{
	std::string s;
	for (int i = 0; i < n; i++)
		s += "response from server\n";
	return s;
}

} // namespace

TEST(client_server, the_client_prints_each_response_until_the_server_closes)
{
	server_proc s = start_server(2);
	if (s.address.empty()) {
		stop_server(s);
		FAIL() << "example_server did not say where it listens";
	}
	auto r = gort_test::run_crash_program(EXAMPLES + "example_client " +
					      s.address);
	stop_server(s);
	EXPECT_EQ(r.exit_code, 0);
	EXPECT_EQ(r.output, responses(2));
}

TEST(client_server, two_clients_are_served_side_by_side)
{
	server_proc s = start_server(2);
	if (s.address.empty()) {
		stop_server(s);
		FAIL() << "example_server did not say where it listens";
	}
	/* Both connect before either finishes: the second is not kept
	 * waiting behind the first. */
	std::string cmd = std::string(GORT_CRASH_DIR) + "/" + EXAMPLES +
			  "example_client " + s.address;
	if (GORT_TEST_EMULATOR[0] != '\0')
		cmd = std::string(GORT_TEST_EMULATOR) + " " + cmd;
	FILE *a = ::popen(cmd.c_str(), "r");
	FILE *b = ::popen(cmd.c_str(), "r");
	ASSERT_NE(a, nullptr);
	ASSERT_NE(b, nullptr);
	std::string out[2];
	FILE *f[2] = {a, b};
	int status[2];
	for (int i = 0; i < 2; i++) {
		char buf[256];
		size_t n;
		while ((n = std::fread(buf, 1, sizeof(buf), f[i])) > 0)
			out[i].append(buf, n);
		status[i] = ::pclose(f[i]);
	}
	stop_server(s);
	for (int i = 0; i < 2; i++) {
		EXPECT_TRUE(WIFEXITED(status[i]) &&
			    WEXITSTATUS(status[i]) == 0);
		EXPECT_EQ(out[i], responses(2));
	}
}

TEST(client_server, a_failed_dial_says_why_and_exits_1)
{
	/* A port that is bound but not listening: connect is refused.  It
	 * stays bound until the client has tried, so nobody else takes it. */
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(fd, 0);
	sockaddr_in sa{};
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(sa);
	ASSERT_EQ(::bind(fd, (sockaddr *)&sa, sizeof(sa)), 0);
	ASSERT_EQ(::getsockname(fd, (sockaddr *)&sa, &len), 0);
	std::string address = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
	auto r = gort_test::run_crash_program(EXAMPLES + "example_client " +
					      address);
	::close(fd);
	EXPECT_EQ(r.exit_code, 1);
	EXPECT_NE(r.output.find("dial tcp " + address + ": "),
		  std::string::npos)
		<< r.output;
	EXPECT_NE(r.output.find("onnection refused"), std::string::npos)
		<< r.output;
}
