/*
 * tools/examples/parallel_letters.cpp - the seed's "Goroutines and
 * parallelism" program: the same two alphabet printers on two logical
 * processors, so they run at the same time and their letters interleave.
 * The content is fixed (each alphabet three times, complete); the order
 * is not.
 */
#include <gort.h>

#include <cstdio>

int main()
{
	return gort::run(
		[] {
			gort::wait_group wg;
			wg.add(2);
			std::printf("Start Goroutines\n");
			gort::go([&] {
				for (int count = 0; count < 3; count++)
					for (char r = 'a'; r <= 'z'; r++)
						std::printf("%c ", r);
				wg.done();
			});
			gort::go([&] {
				for (int count = 0; count < 3; count++)
					for (char r = 'A'; r <= 'Z'; r++)
						std::printf("%c ", r);
				wg.done();
			});
			std::printf("Waiting To Finish\n");
			wg.wait();
			std::printf("\nTerminating Program\n");
		},
		gort::config{.procs = 2});
}
