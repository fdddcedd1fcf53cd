/*
 * tests/runtime/asan_report_test.cpp - AddressSanitizer on goroutine
 * stacks (the asan build only): a heap overflow and a use after return
 * inside a goroutine are reported, with the goroutine's own frames (down
 * to fiber_entry) in the report.
 */
#include <gort.h>

#include <gtest/gtest.h>

namespace {

__attribute__((noinline)) void overflow_heap()
{
	int *volatile p = new int[4];
	p[4] = 1; /* one past the end */
	delete[] p;
}

__attribute__((noinline)) int *address_of_a_local()
{
	int local = 42;
	int *volatile p = &local;
	return p;
}

__attribute__((noinline)) void use_after_return()
{
	int *p = address_of_a_local();
	*p = 7; /* the frame is gone */
}

} // namespace

TEST(asan_death, heap_overflow_in_a_goroutine_is_reported_with_its_stack)
{
	EXPECT_DEATH(gort::run([] {
			     gort::wait_group wg;
			     wg.add(1);
			     gort::go([&] {
				     overflow_heap();
				     wg.done();
			     });
			     wg.wait();
		     }),
		     "heap-buffer-overflow(.|\n)*overflow_heap(.|\n)*"
		     "fiber_entry");
}

TEST(asan_death, use_after_return_in_a_goroutine_is_reported_with_its_stack)
{
	EXPECT_DEATH(gort::run([] {
			     gort::wait_group wg;
			     wg.add(1);
			     gort::go([&] {
				     use_after_return();
				     wg.done();
			     });
			     wg.wait();
		     }),
		     "stack-use-after-return(.|\n)*use_after_return(.|\n)*"
		     "fiber_entry");
}
