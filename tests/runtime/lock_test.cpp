/*
 * tests/runtime/lock_test.cpp - the runtime's thread-blocking lock: mutual
 * exclusion under contention from several threads, and sleepers woken,
 * with membarrier (the unlock's plain store is then enough: lock.h,
 * INV-LOCK-1) and as on a kernel without it.
 *
 * Race-detector build: rt_lock is runtime code, which that build leaves
 * uninstrumented on purpose (its locks must not order goroutines), so TSan
 * cannot see this lock's edges; lock_ordered() and unlock_ordered() draw
 * them (tests/race_edges.h).  The counter checks the exclusion itself.
 */
#include "runtime/lock.h"

#include "../race_edges.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <vector>

using namespace gort::rt;
using gort_test::lock_ordered;
using gort_test::unlock_ordered;

namespace {

struct shared {
	rt_lock l;
	long counter = 0; /* guarded by l; deliberately non-atomic */
	int iters = 0;
};

void *hammer(void *p)
{
	auto s = static_cast<shared *>(p);
	for (int i = 0; i < s->iters; i++) {
		lock_ordered(&s->l);
		long v = s->counter;
		if ((i & 63) == 0)
			sched_yield(); /* provoke sleeping waiters */
		s->counter = v + 1;
		unlock_ordered(&s->l);
	}
	return nullptr;
}

} // namespace

static void contend(shared &s)
{
	s.iters = 20000;
	constexpr int T = 4;
	std::vector<pthread_t> th(T);
	for (auto &t : th)
		ASSERT_EQ(::pthread_create(&t, nullptr, hammer, &s), 0);
	for (auto &t : th)
		::pthread_join(t, nullptr);
	EXPECT_EQ(s.counter, long(T) * s.iters);
	EXPECT_EQ(s.l.state.load(), 0u);
	EXPECT_EQ(lock_sleepers(&s.l).load(), 0u)
		<< "every sleeper counted out";
}

TEST(rt_lock, excludes_and_wakes_under_contention)
{
	shared s;
	contend(s);
}

TEST(rt_lock, excludes_and_wakes_without_membarrier)
{
	lock_barrier_disable_for_test();
	shared s;
	contend(s);
}
