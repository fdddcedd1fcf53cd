/*
 * tests/runtime/stack_test.cpp - goroutine stacks: size classes, guard
 * regions below every stack, reuse from the pool, memory given back by the
 * trim pass, 100,000 guarded stacks at once, and the clear error when the
 * mapping limit is reached (mprotect guards); goroutines take their stack
 * when they first run, and one that can get none stops the program with a
 * message that says what ran out.
 *
 * ctest runs this file twice: as is (MADV_GUARD_INSTALL where the kernel
 * has it) and with GORT_STACK_GUARD=mprotect.
 */
#include "runtime/stack.h"

#include <gort.h>

#include "../race_build.h"
#include "../race_edges.h"
#include "proc_util.h"
#include "runtime/fiber.h"
#include "runtime/mem_probe.h"
#include "runtime/proc.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace gort::rt;
using gort_test::rss_bytes;
using gort_test::switch_ordered;

namespace {

bool under_emulator()
{
	return GORT_TEST_EMULATOR[0] != '\0';
}

long max_map_count()
{
	FILE *f = std::fopen("/proc/sys/vm/max_map_count", "r");
	long v = -1;
	if (f != nullptr) {
		if (std::fscanf(f, "%ld", &v) != 1)
			v = -1;
		std::fclose(f);
	}
	return v;
}

} // namespace

TEST(stack, sizes_round_up_to_a_class_and_default_is_documented)
{
	/* A stack of N bytes is N bytes of pages, the top STACK_TOP_RESERVE
	 * of which hold its goroutine's G. */
	auto r = stack_alloc(20 * 1024);
	ASSERT_NE(r.stk, nullptr);
	EXPECT_EQ(stack_end(r.stk) - r.stk->lo, 32u * 1024);
	EXPECT_LE(r.stk->hi - r.stk->lo, 32u * 1024 - STACK_TOP_RESERVE);
	EXPECT_GT(r.stk->hi - r.stk->lo,
		  32u * 1024 - STACK_TOP_RESERVE - STACK_TOP_COLOURS * 64);
	EXPECT_EQ(stack_end(r.stk) % 4096, 0u);
	stack_free(r.stk);

	auto d = stack_alloc(0);
	ASSERT_NE(d.stk, nullptr);
	EXPECT_EQ(stack_end(d.stk) - d.stk->lo, stack_default_size());
	EXPECT_EQ(stack_default_size(), 128u * 1024);
	stack_free(d.stk);
}

TEST(stack, oversized_request_is_refused_with_a_clear_error)
{
	auto r = stack_alloc(STACK_MAX_BYTES + 1);
	EXPECT_EQ(r.stk, nullptr);
	EXPECT_EQ(r.err, stack_err::bad_size);
	EXPECT_NE(std::string(stack_err_text(r.err)).find("1 GiB"),
		  std::string::npos);
}

TEST(stack, every_stack_has_a_guard_below_it_and_is_writable)
{
	std::vector<stack *> v;
	for (int i = 0; i < 100; i++) {
		auto r = stack_alloc(64 * 1024);
		ASSERT_NE(r.stk, nullptr);
		v.push_back(r.stk);
	}
	EXPECT_NE(stack_guard_mode_in_use(), stack_guard_mode::undecided);
	const char *forced = std::getenv("GORT_STACK_GUARD");
	if (forced != nullptr && std::string(forced) == "mprotect") {
		EXPECT_EQ(stack_guard_mode_in_use(),
			  stack_guard_mode::mprotect);
	}
	for (stack *s : v) {
		/* Top and bottom usable bytes are writable... */
		reinterpret_cast<volatile char *>(s->hi)[-1] = 1;
		reinterpret_cast<volatile char *>(s->lo)[0] = 1;
		/* ...the page right below is a guard the kernel refuses... */
		EXPECT_TRUE(mem_kernel_readable(s->hi - 8));
		EXPECT_FALSE(mem_kernel_readable(s->lo - 8));
		/* ...and the fault handler can tell whose guard it is. */
		EXPECT_EQ(stack_find_guard(s->lo - 1), s);
		EXPECT_EQ(stack_find_guard(s->lo), nullptr);
	}
	for (stack *s : v)
		stack_free(s);
}

TEST(stack, freed_stacks_are_reused_before_new_ones_are_mapped)
{
	auto r = stack_alloc(32 * 1024);
	ASSERT_NE(r.stk, nullptr);
	stack *first = r.stk;
	stack_free(first);
	auto again = stack_alloc(32 * 1024);
	EXPECT_EQ(again.stk, first); /* the lowest free one */
	u64 arenas = stack_pool_stats_get().arenas;
	std::vector<stack *> v;
	for (int i = 0; i < 1000; i++) {
		v.push_back(stack_alloc(32 * 1024).stk);
		ASSERT_NE(v.back(), nullptr);
	}
	for (stack *s : v)
		stack_free(s);
	u64 arenas_after_first_round = stack_pool_stats_get().arenas;
	for (int round = 0; round < 5; round++) {
		for (auto &s : v)
			s = stack_alloc(32 * 1024).stk;
		for (stack *s : v)
			stack_free(s);
	}
	EXPECT_GT(arenas_after_first_round, arenas);
	EXPECT_EQ(stack_pool_stats_get().arenas, arenas_after_first_round)
		<< "later rounds must be served from the pool";
	stack_free(again.stk);
}

TEST(stack, the_pool_hands_out_stacks_in_the_same_order_however_they_came_back)
{
	/* A class no other test here uses, so the pool starts empty: the
	 * first round maps arenas and hands out their slots in order. */
	constexpr usize SIZE = 1024 * 1024;
	constexpr int N = 200; /* several arenas */
	std::vector<stack *> first;
	for (int i = 0; i < N; i++) {
		first.push_back(stack_alloc(SIZE).stk);
		ASSERT_NE(first.back(), nullptr);
	}
	std::vector<stack *> shuffled = first;
	std::mt19937 rng(11);
	std::shuffle(shuffled.begin(), shuffled.end(), rng);
	for (stack *s : shuffled)
		stack_free(s);
	stack_pool_trim(); /* half of them checked, half not: no matter */
	for (int i = 0; i < N; i++) {
		stack *s = stack_alloc(SIZE).stk;
		ASSERT_EQ(s, first[i]) << "stack " << i << " of the round";
	}
	/* Neighbours in an arena are neighbours in the round. */
	int adjacent = 0;
	for (int i = 1; i < N; i++)
		adjacent += first[i]->arena == first[i - 1]->arena &&
			    first[i]->index == first[i - 1]->index + 1;
	EXPECT_GT(adjacent, N / 2);
	for (stack *s : first)
		stack_free(s);
}

namespace {

struct toucher {
	fiber main_f, f;
	usize bytes;
};

GORT_NOINLINE void touch_stack(usize bytes)
{
	/* Volatile stores to every page of a frame this deep: no compiler
	 * may skip them or shrink the frame. */
	auto p = static_cast<volatile char *>(__builtin_alloca(bytes));
	for (usize i = 0; i < bytes; i += 1024)
		p[i] = 1;
}

} // namespace

TEST(stack, trim_pass_gives_back_deep_pages_and_keeps_shallow_stacks)
{
	constexpr int N = 64; /* one trim batch */
	constexpr usize DEPTH = 192 * 1024;
	std::vector<toucher> t(N);
	for (auto &x : t) {
		fiber_init_thread(&x.main_f);
		x.bytes = DEPTH;
		ASSERT_EQ(fiber_create(
				  &x.f,
				  [](void *p) {
					  auto tp = static_cast<toucher *>(p);
					  touch_stack(tp->bytes);
				  },
				  &x, 256 * 1024, &x.main_f),
			  stack_err::none);
	}
	stack_pool_trim(); /* start from an empty unchecked list */
	long before = rss_bytes();
	for (auto &x : t)
		switch_ordered(&x.main_f, &x.f);
	long deep = rss_bytes();
	EXPECT_GT(deep - before, long(N * DEPTH * 3 / 4))
		<< "the fibers really touched their stacks";
	u64 trimmed0 = stack_pool_stats_get().trimmed_bytes;
	for (auto &x : t)
		fiber_destroy(&x.f);
	stack_pool_trim();
	long after = rss_bytes();
	EXPECT_LT(after, deep - long(N * DEPTH / 2))
		<< "deep pages went back to the kernel";
	EXPECT_GT(stack_pool_stats_get().trimmed_bytes, trimmed0);

	/* Shallow stacks: released without a single MADV_DONTNEED. */
	for (auto &x : t) {
		x.bytes = 4096;
		ASSERT_EQ(fiber_create(
				  &x.f,
				  [](void *p) {
					  auto tp = static_cast<toucher *>(p);
					  touch_stack(tp->bytes);
				  },
				  &x, 256 * 1024, &x.main_f),
			  stack_err::none);
		switch_ordered(&x.main_f, &x.f);
	}
	u64 trimmed1 = stack_pool_stats_get().trimmed_bytes;
	for (auto &x : t)
		fiber_destroy(&x.f);
	stack_pool_trim();
	/* qemu-user's mincore reports pages resident that the kernel has
	 * dropped, so this half can only be checked natively. */
	if (!under_emulator()) {
		EXPECT_EQ(stack_pool_stats_get().trimmed_bytes, trimmed1);
	}
}

namespace {

/*
 * Holds up to @n guarded 16 KiB stacks at once and checks what the mode
 * promises.  Returns a description of the first broken promise, or "".
 * Runs in a child process: with mprotect guards it uses up the mapping
 * limit, after which the process could map nothing else.
 */
std::string hold_many_stacks(int n)
{
	std::vector<stack *> v;
	v.reserve(n);
	stack_err err = stack_err::none;
	for (int i = 0; i < n; i++) {
		auto r = stack_alloc(16 * 1024);
		if (r.stk == nullptr) {
			err = r.err;
			break;
		}
		v.push_back(r.stk);
	}
	for (stack *s : v) {
		reinterpret_cast<volatile char *>(s->hi)[-1] = 1;
		if (stack_find_guard(s->lo - 1) != s)
			return "a stack's guard is not recognised";
	}
	if (stack_guard_mode_in_use() == stack_guard_mode::madvise) {
		/* Linux 6.13+: guards take no mapping; the stock limit holds. */
		if (long(v.size()) != n)
			return "madvise guards: only " +
			       std::to_string(v.size()) +
			       " stacks: " + stack_err_text(err);
		return "";
	}
	if (long(v.size()) == n)
		return "";
	/* mprotect guards: two mappings per stack.  The limit must be
	 * reported as such, not as a crash or a vague ENOMEM. */
	if (max_map_count() > 2L * n + 1000)
		return "ran out below the mapping limit: " +
		       std::string(stack_err_text(err));
	if (err != stack_err::map_count)
		return "wrong error at the mapping limit: " +
		       std::string(stack_err_text(err));
	if (std::string(stack_err_text(err)).find("vm.max_map_count") ==
	    std::string::npos)
		return "the error does not name vm.max_map_count";
	std::fprintf(stderr, "mprotect guards: %zu stacks before the limit\n",
		     v.size());
	return "";
}

/* Bytes of address space the process has mapped (VmSize). */
usize address_space_bytes()
{
	FILE *f = std::fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (f != nullptr) {
		if (std::fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		std::fclose(f);
	}
	return pages * usize(::sysconf(_SC_PAGESIZE));
}

/* Goroutines with 256 MiB stacks, in an address space capped at 1 GiB
 * more than the process has: the fourth to start finds no room. */
void start_goroutines_beyond_the_address_space()
{
	gort::run(
		[] {
			rlimit rl{};
			::getrlimit(RLIMIT_AS, &rl);
			rl.rlim_cur = address_space_bytes() + (usize{1} << 30);
			::setrlimit(RLIMIT_AS, &rl);
			gort::chan<int> never(0);
			for (int i = 0; i < 8; i++)
				gort::go_with(
					gort::spawn_options{.stack_size =
								    256 << 20},
					[never] { (void)never.recv(); });
			(void)never.recv();
		},
		gort::config{.procs = 1});
}

void hold_many_stacks_and_exit(int n)
{
	std::string broken = hold_many_stacks(n);
	if (!broken.empty())
		std::fprintf(stderr, "BROKEN: %s\n", broken.c_str());
	else
		std::fprintf(stderr, "all promises kept\n");
	std::fflush(stderr);
	_exit(broken.empty() ? 0 : 1); /* no exit hooks: nothing left to map */
}

} // namespace

TEST(stack, hundred_thousand_guarded_stacks_at_once)
{
	/* qemu-user shares the host process's mapping limit with its guest
	 * and dies itself when the guest exhausts it, so under emulation the
	 * test stays well below the limit.  So does the race-detector build
	 * with mprotect guards: TSan maps memory of its own as the program
	 * runs (its allocator's, the shadow of each new mapping) and dies
	 * once the process has reached the limit ("ThreadSanitizer:
	 * allocator is out of memory ... failed to allocate 0x1000 (4096)
	 * bytes of TwoLevelMap (error code: 12)"), even with the arenas
	 * mapped behind its back, before gort can report it.  The other
	 * builds check that report. */
	stack_free(stack_alloc(16 * 1024).stk); /* the guard mode is known */
	bool tsan_mprotect =
		gort_test::RACE_BUILD &&
		stack_guard_mode_in_use() == stack_guard_mode::mprotect;
	const int n = under_emulator() || tsan_mprotect ? 10000 : 100000;
	EXPECT_EXIT(hold_many_stacks_and_exit(n), testing::ExitedWithCode(0),
		    "all promises kept");
}

TEST(stack, goroutines_take_their_stack_when_they_first_run)
{
	if (gort_test::RACE_BUILD)
		GTEST_SKIP() << "the race detector's build takes them at go()";
	/* procs 1: none of them runs before main waits, so a stack taken
	 * at go() would make the pool carve about n new ones. */
	const int n = int(stack_pool_stats_get().free) + 4096;
	long sum = 0;
	u64 carved = 0;
	gort::run(
		[&] {
			u64 before = stack_pool_stats_get().stacks;
			gort::wait_group wg;
			wg.add(n);
			for (int i = 0; i < n; i++)
				gort::go(
					[&](int v) {
						sum += v;
						wg.done();
					},
					i);
			carved = stack_pool_stats_get().stacks - before;
			wg.wait();
		},
		gort::config{.procs = 1});
	EXPECT_LT(carved, u64(n) / 2);
	EXPECT_EQ(sum, long(n) * (n - 1) / 2) << "each ran once, its argument";
}

TEST(stack, a_function_too_big_for_the_g_goes_on_the_stack_at_go)
{
	std::array<unsigned char, 4 * G_FN_INLINE> big{};
	for (usize i = 0; i < big.size(); i++)
		big[i] = static_cast<unsigned char>(i * 7);
	unsigned sum = 0, want = 0;
	for (unsigned char c : big)
		want += c;
	gort::run([&] {
		gort::wait_group wg;
		wg.add(1);
		gort::go(
			[&wg,
			 &sum](std::array<unsigned char, 4 * G_FN_INLINE> b) {
				for (unsigned char c : b)
					sum += c;
				wg.done();
			},
			big);
		wg.wait();
	});
	EXPECT_EQ(sum, want);
}

TEST(stack_death, a_goroutine_that_gets_no_stack_stops_the_program_saying_why)
{
	/* Sanitizers reserve terabytes of shadow address space, and
	 * qemu-user maps the guest's inside its own: a cap on the address
	 * space means nothing there. */
#if defined(__SANITIZE_ADDRESS__) || defined(GORT_TEST_RACE_BUILD)
	GTEST_SKIP() << "the address space is the sanitizer's";
#endif
	if (under_emulator())
		GTEST_SKIP() << "the address space is the emulator's";
	EXPECT_EXIT(start_goroutines_beyond_the_address_space(),
		    testing::ExitedWithCode(2),
		    "fatal error: goroutine stack: out of memory or address "
		    "space");
}
