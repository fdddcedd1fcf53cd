/*
 * bench/scenarios/sched_peers.cpp - the peers of gort's scheduler
 * benchmarks (see sched_peers.h): Boost.Fiber's yield and spawn + join,
 * pthread_create + join, and how late a 1 ms clock_nanosleep wakes.  The
 * Boost.Fiber part is built only when libboost-fiber-dev is installed;
 * without it its functions return 0 and have_boost_fiber() false, as in
 * switch_boost.cpp.
 */
#include "sched_peers.h"
#include "scenarios.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <sched.h>
#include <vector>

#ifdef GORT_HAVE_BOOST_FIBER
#include <boost/fiber/all.hpp>
#include <memory>
#endif

namespace gort_bench {

#ifdef GORT_HAVE_BOOST_FIBER

namespace {

struct yield_state {
	std::uint64_t rounds;
	std::uint64_t t0, t1;
};

/*
 * One of the two yielders.  Its first yield lets the other one start;
 * the first of the two back from it starts the clock, the last to finish
 * stops it, so fiber creation and first entry stay out of the figure.
 */
void yielder(yield_state *s)
{
	boost::this_fiber::yield();
	if (s->t0 == 0)
		s->t0 = now_ns();
	for (std::uint64_t i = 0; i < s->rounds; i++)
		boost::this_fiber::yield();
	s->t1 = now_ns();
}

void nothing() {}

/* Spawn @n fibers of nothing() on @stacks and join them all. */
void spawn_join_fibers(boost::fibers::pooled_fixedsize_stack &stacks,
		       std::vector<boost::fibers::fiber> &fibers,
		       std::uint64_t n)
{
	for (std::uint64_t i = 0; i < n; i++)
		fibers.emplace_back(std::allocator_arg, stacks, nothing);
	for (auto &f : fibers)
		f.join();
}

} // namespace

bool have_boost_fiber()
{
	return true;
}

std::uint64_t yield_boost_fiber(std::uint64_t rounds)
{
	boost::fibers::pooled_fixedsize_stack stacks;
	yield_state s{rounds, 0, 0};
	boost::fibers::fiber a(std::allocator_arg, stacks, yielder, &s);
	boost::fibers::fiber b(std::allocator_arg, stacks, yielder, &s);
	a.join();
	b.join();
	return s.t1 - s.t0;
}

std::uint64_t chan_pingpong_boost_fiber(std::uint64_t rounds)
{
	boost::fibers::unbuffered_channel<int> ping, pong;
	std::uint64_t t0 = 0, t1 = 0;
	boost::fibers::fiber b([&] {
		int v;
		while (ping.pop(v) == boost::fibers::channel_op_status::success)
			pong.push(v);
	});
	boost::fibers::fiber a([&] {
		int v;
		ping.push(0);
		pong.pop(v);
		t0 = now_ns();
		for (std::uint64_t i = 0; i < rounds; i++) {
			ping.push(1);
			pong.pop(v);
		}
		t1 = now_ns();
		ping.close();
	});
	a.join();
	b.join();
	return t1 - t0;
}

std::uint64_t chan_buffered_boost_fiber(std::uint64_t items)
{
	boost::fibers::buffered_channel<int> ch(128);
	std::uint64_t t0 = 0, t1 = 0;
	boost::fibers::fiber consumer([&] {
		int v;
		while (ch.pop(v) == boost::fibers::channel_op_status::success)
			;
		t1 = now_ns();
	});
	boost::fibers::fiber producer([&] {
		t0 = now_ns();
		for (std::uint64_t i = 0; i < items; i++)
			ch.push(int(i));
		ch.close();
	});
	producer.join();
	consumer.join();
	return t1 - t0;
}

std::uint64_t spawn_join_boost_fiber(std::uint64_t n)
{
	/*
	 * One pool for the process, of Boost's default 128 KiB stacks: it
	 * keeps every stack it has handed out, so after the untimed batch
	 * below it holds @n stacks whose pages are already touched, and
	 * later calls do not pay for filling it again.
	 */
	static boost::fibers::pooled_fixedsize_stack stacks;
	std::vector<boost::fibers::fiber> fibers;
	fibers.reserve(n);
	spawn_join_fibers(stacks, fibers, n);
	fibers.clear();
	boost::this_fiber::yield(); /* the dispatcher frees dead fibers */
	std::uint64_t t0 = now_ns();
	spawn_join_fibers(stacks, fibers, n);
	std::uint64_t t1 = now_ns();
	return t1 - t0;
}

#else

bool have_boost_fiber()
{
	return false;
}

std::uint64_t yield_boost_fiber(std::uint64_t)
{
	return 0;
}

std::uint64_t spawn_join_boost_fiber(std::uint64_t)
{
	return 0;
}

std::uint64_t chan_pingpong_boost_fiber(std::uint64_t)
{
	return 0;
}
std::uint64_t chan_buffered_boost_fiber(std::uint64_t)
{
	return 0;
}

#endif

namespace {

void *do_nothing(void *)
{
	return nullptr;
}

} // namespace

std::uint64_t spawn_join_pthread(std::uint64_t n, bool pinned)
{
	cpu_set_t saved;
	sched_getaffinity(0, sizeof(saved), &saved);
	if (pinned) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu(), &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, nullptr, do_nothing, nullptr) != 0) {
			std::fputs(
				"spawn_join_pthread: pthread_create failed\n",
				stderr);
			std::abort();
		}
		pthread_join(t, nullptr);
	}
	std::uint64_t t1 = now_ns();
	if (pinned)
		sched_setaffinity(0, sizeof(saved), &saved);
	return t1 - t0;
}

lateness sleep_lateness_nanosleep(int sleeps)
{
	constexpr std::uint64_t asked = 1000000; /* 1 ms */
	std::vector<double> late;
	late.reserve(sleeps > 0 ? std::size_t(sleeps) : 0);
	for (int i = 0; i < sleeps; i++) {
		struct timespec ts = {0, long(asked)};
		std::uint64_t t0 = now_ns();
		/* A signal cuts the sleep short: sleep the rest. */
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
			;
		std::uint64_t t1 = now_ns();
		late.push_back((double(t1 - t0) - double(asked)) / 1e3);
	}
	if (late.empty())
		return {0, 0};
	std::sort(late.begin(), late.end());
	return {late[late.size() / 2], late.back()};
}

} // namespace gort_bench
