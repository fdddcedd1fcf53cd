/*
 * bench/line_round_trip.cpp - what a cache line costs to cross between two
 * threads right now: two threads hand one counter back and forth by
 * spinning on it, and the time per round trip (two crossings) is printed
 * as "<ns> ns".  On a shared VM this moves from minute to minute as the
 * host places the vCPUs, and every procs-2 benchmark moves with it;
 * bench/run.sh prints it at the start of each paired round.
 */
#include <atomic>
#include <chrono>
#include <cstdio>
#include <sched.h>
#include <thread>

int main()
{
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0 ||
	    CPU_COUNT(&cpus) < 2) {
		std::printf("n/a (one CPU)\n");
		return 0;
	}
	constexpr long rounds = 100000;
	alignas(64) static std::atomic<long> turn{0};
	auto play = [](long first) {
		for (long i = first; i < 2 * rounds; i += 2) {
			/* Both on one CPU after all: let the other run. */
			for (long spins = 0;
			     turn.load(std::memory_order_acquire) != i;)
				if (++spins % 100000 == 0)
					std::this_thread::yield();
			turn.store(i + 1, std::memory_order_release);
		}
	};
	auto t0 = std::chrono::steady_clock::now();
	std::thread other(play, 1);
	play(0);
	other.join();
	std::chrono::duration<double, std::nano> took =
		std::chrono::steady_clock::now() - t0;
	std::printf("%.0f ns\n", took.count() / rounds);
	return 0;
}
