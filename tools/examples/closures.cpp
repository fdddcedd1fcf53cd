/*
 * tools/examples/closures.cpp - the seed's "Goroutine and Closure"
 * examples.  C++ has no escape analysis: a goroutine that outlives the
 * function that started it must own what it uses, so Example 1 captures
 * its counter by shared_ptr where Go would move `i` to the heap.
 * Example 2 passes the loop variable as an argument, which go() copies
 * at the call, as Go evaluates arguments at the go statement.
 */
#include <gort.h>

#include <cstdio>
#include <memory>

int main()
{
	return gort::run(
		[] {
			/* Example 1 */
			gort::wait_group wg;
			auto incr = [](gort::wait_group *w) {
				auto i = std::make_shared<int>(0);
				w->add(1);
				gort::go([w, i] {
					++*i;
					std::printf("value of i: %d\n", *i);
					w->done();
				});
				std::printf("return from function\n");
			};
			incr(&wg);
			wg.wait();
			std::printf("done..\n");

			/* Example 2 */
			for (int i = 1; i <= 3; i++) {
				wg.add(1);
				gort::go(
					[&wg](int v) {
						std::printf("%d\n", v);
						wg.done();
					},
					i);
			}
			wg.wait();
		},
		gort::config{.procs = 1});
}
