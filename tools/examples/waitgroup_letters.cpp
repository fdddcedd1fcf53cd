/*
 * tools/examples/waitgroup_letters.cpp - the seed's "Goroutine
 * Orchestration by using WaitGroup" program: two goroutines print the
 * alphabet three times each, on one logical processor.
 *
 * With procs 1 the output matches Go's byte for byte: the uppercase
 * goroutine, started last, sits in the runnext slot and runs first when
 * main blocks in wait(); the lowercase one runs after it.
 */
#include <gort.h>

#include <cstdio>

static void lowercase()
{
	for (int count = 0; count < 3; count++)
		for (char r = 'a'; r <= 'z'; r++)
			std::printf("%c ", r);
}

static void uppercase()
{
	for (int count = 0; count < 3; count++)
		for (char r = 'A'; r <= 'Z'; r++)
			std::printf("%c ", r);
}

int main()
{
	return gort::run(
		[] {
			gort::wait_group wg;
			wg.add(2);
			std::printf("Start Goroutines\n");
			gort::go([&] {
				lowercase();
				wg.done();
			});
			gort::go([&] {
				uppercase();
				wg.done();
			});
			std::printf("Waiting To Finish\n");
			wg.wait();
			std::printf("\nTerminating Program\n");
		},
		gort::config{.procs = 1});
}
