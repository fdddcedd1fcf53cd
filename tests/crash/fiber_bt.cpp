/*
 * tests/crash/fiber_bt.cpp - a fiber stopped in a known function, for
 * tests/arch/unwind_test.cpp to inspect with gdb: the backtrace from inside
 * the fiber must end cleanly at the fiber's first frame.
 */
#include "runtime/fiber.h"

#include <cstdio>

extern "C" GORT_NOINLINE void gort_test_bt_leaf(int depth)
{
	/* gdb breaks here. */
	std::printf("leaf reached at depth %d\n", depth);
}

static GORT_NOINLINE void descend(int depth)
{
	if (depth == 0) {
		gort_test_bt_leaf(depth);
		return;
	}
	descend(depth - 1);
	__asm__ __volatile__("" ::: "memory"); /* not a tail call */
}

int main()
{
	gort::rt::fiber self, f;
	gort::rt::fiber_init_thread(&self);
	if (gort::rt::fiber_create(
		    &f, [](void *) { descend(3); }, nullptr, 0, &self) !=
	    gort::rt::stack_err::none)
		return 1;
	gort::rt::fiber_switch(&self, &f);
	return f.done ? 0 : 1;
}
