/*
 * tools/examples/time_slicing.cpp - the seed's "Goroutine time slicing"
 * program: two goroutines print SHA-1 hashes of 1..N on one logical
 * processor.  With N = 10 (the default) the output matches Go's: B runs
 * first (runnext), then A.  Pass a larger N to watch the scheduler share
 * the processor once preemption exists.
 */
#include "sha1.h"

#include <gort.h>

#include <cstdio>
#include <cstdlib>
#include <string>

static void print_hashes(const char *prefix, int n)
{
	for (int i = 1; i <= n; i++) {
		std::string num = std::to_string(i);
		std::printf("%s: %05d: %s\n", prefix, i,
			    gort_examples::sha1_hex(num).c_str());
	}
	std::printf("Completed %s\n", prefix);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 10;
	return gort::run(
		[n] {
			gort::wait_group wg;
			wg.add(2);
			std::printf("Create Goroutines\n");
			gort::go([&] {
				print_hashes("A", n);
				wg.done();
			});
			gort::go([&] {
				print_hashes("B", n);
				wg.done();
			});
			std::printf("Waiting To Finish\n");
			wg.wait();
			std::printf("Terminating Program\n");
		},
		gort::config{.procs = 1});
}
