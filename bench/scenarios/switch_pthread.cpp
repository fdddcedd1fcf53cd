/*
 * bench/scenarios/switch_pthread.cpp - the OS peer: two threads hand a
 * token back and forth through a futex, so each one-way hand-off is a
 * futex wake plus a kernel context switch.  Pinned, both threads share
 * one CPU (the fair comparison with a one-thread switch); unpinned, the
 * wake-up crosses CPUs.
 */
#include "scenarios.h"

#include <atomic>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort_bench {

namespace {

struct handoff {
	std::atomic<std::uint32_t> turn{0}; /* 0: main's turn, 1: peer's */
	std::uint64_t rounds;
	bool pinned;
	int cpu;
};

void futex_wait(std::atomic<std::uint32_t> *w, std::uint32_t v)
{
	syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(w),
		FUTEX_WAIT_PRIVATE, v, nullptr, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t> *w)
{
	syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(w),
		FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Hand the turn to @to and sleep until it comes back. */
void pass(handoff *h, std::uint32_t to)
{
	h->turn.store(to, std::memory_order_release);
	futex_wake(&h->turn);
	while (h->turn.load(std::memory_order_acquire) == to)
		futex_wait(&h->turn, to);
}

void *peer(void *p)
{
	auto h = static_cast<handoff *>(p);
	if (h->pinned)
		pin_to(h->cpu);
	for (std::uint64_t i = 0; i < h->rounds + 1; i++) {
		while (h->turn.load(std::memory_order_acquire) == 0)
			futex_wait(&h->turn, 0);
		if (i == h->rounds) /* the last hand-back ends it */
			break;
		pass(h, 0);
	}
	h->turn.store(0, std::memory_order_release);
	futex_wake(&h->turn);
	return nullptr;
}

} // namespace

std::uint64_t switch_pthread_futex(std::uint64_t rounds, bool pinned)
{
	cpu_set_t saved;
	sched_getaffinity(0, sizeof(saved), &saved);
	handoff h;
	h.rounds = rounds;
	h.pinned = pinned;
	h.cpu = sched_getcpu();
	if (pinned)
		pin_to(h.cpu);
	pthread_t t;
	pthread_create(&t, nullptr, peer, &h);
	pass(&h, 1); /* warm up: the peer is running and parked */
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 1; i < rounds; i++)
		pass(&h, 1);
	std::uint64_t t1 = now_ns();
	h.turn.store(1, std::memory_order_release);
	futex_wake(&h.turn);
	pthread_join(t, nullptr);
	sched_setaffinity(0, sizeof(saved), &saved);
	/* rounds - 1 timed round trips; scale to @rounds. */
	return rounds > 1 ? (t1 - t0) * rounds / (rounds - 1) : t1 - t0;
}

} // namespace gort_bench
