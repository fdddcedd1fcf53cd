/*
 * tests/runtime/lock_test.cpp - the runtime's thread-blocking lock: mutual
 * exclusion under contention from several threads, and sleepers woken.
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

TEST(rt_lock, excludes_and_wakes_under_contention)
{
	shared s;
	s.iters = 20000;
	constexpr int T = 4;
	std::vector<pthread_t> th(T);
	for (auto &t : th)
		ASSERT_EQ(::pthread_create(&t, nullptr, hammer, &s), 0);
	for (auto &t : th)
		::pthread_join(t, nullptr);
	EXPECT_EQ(s.counter, long(T) * s.iters);
	EXPECT_EQ(s.l.state.load(), 0u);
}
