/*
 * tests/runtime/fiber_test.cpp - fibers: deep recursion on a pooled stack,
 * exceptions thrown and caught inside a fiber (also across switches), an
 * escaping exception reported as a Go panic, the stack overflow report.
 */
#include "runtime/fiber.h"

#include "../race_edges.h"

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

using namespace gort::rt;
using gort_test::switch_ordered;

namespace {

struct runner {
	fiber main_f;
	fiber f;
};

/* Run fn(arg) on a fresh fiber until it finishes. */
void run_fiber(void (*fn)(void *), void *arg, usize stack_size = 0)
{
	runner r;
	fiber_init_thread(&r.main_f);
	ASSERT_EQ(fiber_create(&r.f, fn, arg, stack_size, &r.main_f),
		  stack_err::none);
	switch_ordered(&r.main_f, &r.f);
	ASSERT_TRUE(r.f.done);
	fiber_destroy(&r.f);
}

GORT_NOINLINE u64 recurse(u64 depth)
{
	volatile char frame[512];
	frame[0] = static_cast<char>(depth);
	frame[511] = static_cast<char>(depth >> 8);
	if (depth == 0)
		return 0;
	return recurse(depth - 1) + 1 + static_cast<u64>(frame[0] & 0);
}

} // namespace

TEST(fiber, deep_recursion_uses_most_of_the_stack)
{
	struct ctx {
		u64 result;
	} c{};
	/* 256 KiB stack; ~600 bytes per frame; 350 frames ~ 210 KiB. */
	run_fiber(
		[](void *p) {
			auto cp = static_cast<ctx *>(p);
			cp->result = recurse(350);
		},
		&c, 256 * 1024);
	EXPECT_EQ(c.result, 350u);
}

TEST(fiber, exception_thrown_and_caught_inside_a_fiber)
{
	std::string caught;
	run_fiber(
		[](void *p) {
			auto out = static_cast<std::string *>(p);
			try {
				throw std::runtime_error("inside");
			} catch (const std::exception &e) {
				*out = e.what();
			}
		},
		&caught);
	EXPECT_EQ(caught, "inside");
}

namespace {

struct two_fibers {
	fiber main_f, a, b;
	std::string a_rethrown, b_caught;
};

void throws_in_b(void *p)
{
	auto t = static_cast<two_fibers *>(p);
	try {
		throw std::logic_error("from b");
	} catch (const std::exception &e) {
		t->b_caught = e.what();
	}
	switch_ordered(&t->b, &t->a);
}

void catches_then_switches(void *p)
{
	auto t = static_cast<two_fibers *>(p);
	try {
		try {
			throw std::runtime_error("from a");
		} catch (...) {
			/* Inside a handler, let another fiber throw and catch
			 * its own exception, then rethrow ours. */
			switch_ordered(&t->a, &t->b);
			throw;
		}
	} catch (const std::exception &e) {
		t->a_rethrown = e.what();
	}
}

} // namespace

TEST(fiber, rethrow_after_another_fiber_threw_and_caught)
{
	two_fibers t;
	fiber_init_thread(&t.main_f);
	ASSERT_EQ(fiber_create(&t.a, catches_then_switches, &t, 0, &t.main_f),
		  stack_err::none);
	ASSERT_EQ(fiber_create(&t.b, throws_in_b, &t, 0, &t.main_f),
		  stack_err::none);
	switch_ordered(&t.main_f, &t.a);
	EXPECT_TRUE(t.a.done);
	EXPECT_EQ(t.b_caught, "from b");
	EXPECT_EQ(t.a_rethrown, "from a");
	fiber_destroy(&t.a);
	fiber_destroy(&t.b); /* never finished: abandoned mid-frame */
}

TEST(fiber, ids_are_unique_and_stamped_on_the_stack)
{
	fiber main_f, a, b;
	fiber_init_thread(&main_f);
	auto nop = [](void *) {
	};
	ASSERT_EQ(fiber_create(&a, nop, nullptr, 0, &main_f), stack_err::none);
	ASSERT_EQ(fiber_create(&b, nop, nullptr, 0, &main_f), stack_err::none);
	EXPECT_NE(a.id, b.id);
	EXPECT_EQ(a.stk->owner_id, a.id);
	EXPECT_EQ(b.stk->owner_id, b.id);
	fiber_destroy(&a);
	fiber_destroy(&b);
}

TEST(fiber_death, escaping_exception_is_reported_as_a_panic)
{
	EXPECT_EXIT(run_fiber([](void *) { throw std::runtime_error("boom"); },
			      nullptr),
		    testing::ExitedWithCode(2),
		    "panic: boom\n\ngoroutine [0-9]+ \\[running\\]:");
}

TEST(fiber_death, escaping_non_standard_exception_is_reported)
{
	EXPECT_EXIT(
		run_fiber([](void *) { throw 42; }, nullptr),
		testing::ExitedWithCode(2),
		"panic: a C\\+\\+ exception not derived from std::exception");
}

namespace {

/* Recurses until the guard stops it; the volatile limit hides that from
 * the compiler's infinite-recursion warning. */
volatile u64 g_recursion_limit = ~u64{0};

GORT_NOINLINE u64 recurse_forever(u64 depth)
{
	volatile char frame[256];
	frame[0] = static_cast<char>(depth);
	if (depth == g_recursion_limit)
		return 0;
	return recurse_forever(depth + 1) + static_cast<u64>(frame[0]);
}

} // namespace

TEST(fiber_death, overflow_hits_the_guard_and_is_reported)
{
	EXPECT_EXIT(
		run_fiber([](void *) { recurse_forever(0); }, nullptr,
			  64 * 1024),
		testing::ExitedWithCode(2),
		"runtime: goroutine [0-9]+ stack exceeds 65536-byte limit\n"
		"runtime: fault addr=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+ "
		"stack=\\[0x[0-9a-f]+, 0x[0-9a-f]+\\]\n"
		"fatal error: stack overflow");
}
