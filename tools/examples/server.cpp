/*
 * tools/examples/server.cpp - the seed's "Goroutine client-server
 * example", server side: listen on localhost:8000 and, for each client,
 * in its own goroutine, write "response from server\n" once a second
 * until a write fails (the client went away).
 *
 *   example_server [--count N] [address]
 *
 * address: where to listen (default "localhost:8000"; "127.0.0.1:0" lets
 * the kernel choose a port).  Once listening it says where on stderr:
 * "listening on 127.0.0.1:8000".  --count N: close each connection after
 * N responses (the client then sees EOF), for tests; by default it writes
 * until the client goes away, as the seed's does.
 */
#include <gort.h>
#include <gort/net.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void handle_conn(gort::net::conn c, long count)
{
	for (long n = 0; count < 0 || n < count; n++) {
		if (n > 0)
			gort::sleep(std::chrono::seconds(1));
		if (c.write("response from server\n").err)
			break;
	}
	c.close();
}

int usage()
{
	std::fprintf(stderr, "usage: example_server [--count N] [address]\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	std::string address = "localhost:8000";
	long count = -1;
	for (int i = 1; i < argc; i++) {
		if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			char *end;
			count = std::strtol(argv[++i], &end, 10);
			if (*end != '\0' || count < 0)
				return usage();
		} else if (argv[i][0] == '-') {
			return usage();
		} else {
			address = argv[i];
		}
	}
	return gort::run([&] {
		auto [ln, err] = gort::net::listen("tcp", address);
		if (err) {
			std::fprintf(stderr, "listen tcp %s: %s\n",
				     address.c_str(), err.message().c_str());
			return 1;
		}
		std::fprintf(stderr, "listening on %s\n",
			     ln.address().string().c_str());
		for (;;) {
			auto [c, aerr] = ln.accept();
			if (aerr) {
				std::fprintf(stderr, "accept: %s\n",
					     aerr.message().c_str());
				return 1;
			}
			gort::go(handle_conn, c, count);
		}
	});
}
