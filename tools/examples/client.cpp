/*
 * tools/examples/client.cpp - the seed's "Goroutine client-server
 * example", client side: connect to the server and copy what it sends to
 * stdout until EOF.
 *
 *   example_client [address]      (default "localhost:8000")
 *
 * Exits 0 at EOF, 1 with a message on stderr if the dial or a read or a
 * write fails (as log.Fatal does).  Writing to stdout may block (a full
 * pipe), so it goes through gort::blocking(), as Go's os.Stdout.Write
 * goes through a system call that gives the processor up.
 */
#include <gort.h>
#include <gort/net.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

/* Write all of @buf to stdout; false on error (errno set). */
bool write_stdout(const char *buf, std::size_t len)
{
	while (len > 0) {
		ssize_t n =
			gort::blocking([&] { return ::write(1, buf, len); });
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		buf += n;
		len -= std::size_t(n);
	}
	return true;
}

/* Go's mustCopy(os.Stdout, conn). */
int must_copy(gort::net::conn &c)
{
	char buf[4096];
	for (;;) {
		auto [n, err] = c.read(buf, sizeof(buf));
		if (err == gort::net::errc::eof)
			return 0;
		if (err) {
			std::fprintf(stderr, "read: %s\n",
				     err.message().c_str());
			return 1;
		}
		if (!write_stdout(buf, n)) {
			std::fprintf(stderr, "write: %s\n",
				     std::strerror(errno));
			return 1;
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		std::fprintf(stderr, "usage: example_client [address]\n");
		return 2;
	}
	std::string address = argc == 2 ? argv[1] : "localhost:8000";
	return gort::run([&] {
		auto [c, err] = gort::net::dial("tcp", address);
		if (err) {
			std::fprintf(stderr, "dial tcp %s: %s\n",
				     address.c_str(), err.message().c_str());
			return 1;
		}
		int status = must_copy(c);
		c.close();
		return status;
	});
}
