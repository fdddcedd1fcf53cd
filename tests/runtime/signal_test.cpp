/*
 * tests/runtime/signal_test.cpp - gort's SIGSEGV handler claims only
 * faults in stack guards: other faults go to the handler installed before
 * it, or take the default action; threads get an alternate signal stack.
 */
#include "runtime/signal.h"

#include "proc_util.h"
#include "runtime/fiber.h"
#include "runtime/sanitizer.h"

#include <csignal>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>

using namespace gort::rt;

TEST(signal, fault_outside_guards_reaches_the_previous_handler)
{
	auto r = gort_test::run_crash_program("crash_segv_chain");
	EXPECT_EQ(r.exit_code, 42) << r.output;
	EXPECT_NE(r.output.find("own handler ran"), std::string::npos)
		<< r.output;
	EXPECT_EQ(r.output.find("stack overflow"), std::string::npos)
		<< r.output;
}

namespace {

void fault_on_a_protected_page()
{
	fiber self;
	fiber_init_thread(&self);
	void *p = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	*static_cast<volatile int *>(p) = 1;
}

} // namespace

#if defined(GORT_ASAN)
TEST(signal_death, fault_outside_guards_reaches_asan)
{
	/* Under ASan the handler before gort's is ASan's own. */
	EXPECT_EXIT(fault_on_a_protected_page(), testing::ExitedWithCode(1),
		    "AddressSanitizer: SEGV");
}
#elif defined(GORT_TSAN)
TEST(signal_death, fault_outside_guards_reaches_tsan)
{
	/* Under TSan too the handler before gort's is the sanitizer's (its
	 * sigaction interceptor hands back the handler it installed at
	 * start).  Reached from another handler, TSan's report stops after
	 * its first lines ("nested bug in the same thread"), in a program
	 * without gort as well; it still exits with TSan's status. */
	EXPECT_EXIT(fault_on_a_protected_page(), testing::ExitedWithCode(66),
		    "ThreadSanitizer: SEGV on unknown address");
}
#else
TEST(signal_death, fault_outside_guards_takes_the_default_action)
{
	EXPECT_EXIT(fault_on_a_protected_page(),
		    testing::KilledBySignal(SIGSEGV), "");
}
#endif

TEST(signal, threads_get_an_alternate_stack)
{
	pthread_t t;
	bool had = false;
	ASSERT_EQ(::pthread_create(
			  &t, nullptr,
			  [](void *p) -> void * {
				  signal_thread_init();
				  stack_t ss;
				  ::sigaltstack(nullptr, &ss);
				  *static_cast<bool *>(p) =
					  !(ss.ss_flags & SS_DISABLE) &&
					  ss.ss_size >= 16 * 1024;
				  return nullptr;
			  },
			  &had),
		  0);
	::pthread_join(t, nullptr);
	EXPECT_TRUE(had);
}

/* A thread that already has an alternate stack keeps it: under ASan that
 * is ASan's own, which ASan unmaps when the thread exits, so gort must
 * neither replace it (ASan would unmap gort's) nor free it.  Outside
 * ASan the test gives the thread a stack of its own first. */
TEST(signal, an_alternate_stack_the_thread_has_is_kept)
{
	struct result {
		bool ours_installed = false;
		bool kept = false;
	} r;
	pthread_t t;
	ASSERT_EQ(::pthread_create(
			  &t, nullptr,
			  [](void *p) -> void * {
				  auto *res = static_cast<result *>(p);
				  stack_t before;
				  ::sigaltstack(nullptr, &before);
				  void *mine = nullptr;
				  constexpr size_t size = 64 * 1024;
				  if (before.ss_flags & SS_DISABLE) {
					  mine = ::mmap(nullptr, size,
							PROT_READ | PROT_WRITE,
							MAP_PRIVATE |
								MAP_ANONYMOUS,
							-1, 0);
					  before = stack_t{};
					  before.ss_sp = mine;
					  before.ss_size = size;
					  ::sigaltstack(&before, nullptr);
					  res->ours_installed = true;
				  }
				  signal_thread_init();
				  stack_t after;
				  ::sigaltstack(nullptr, &after);
				  res->kept = !(after.ss_flags & SS_DISABLE) &&
					      after.ss_sp == before.ss_sp &&
					      after.ss_size == before.ss_size;
				  if (mine != nullptr) {
					  stack_t off = {};
					  off.ss_flags = SS_DISABLE;
					  ::sigaltstack(&off, nullptr);
					  ::munmap(mine, size);
				  }
				  return nullptr;
			  },
			  &r),
		  0);
	::pthread_join(t, nullptr);
	EXPECT_TRUE(r.kept);
#ifdef GORT_ASAN
	EXPECT_FALSE(r.ours_installed) << "ASan gives each thread its own";
#endif
}
