/*
 * bench/scenarios/sched_gort.h - gort's side of the scheduler
 * benchmarks; the peers are in sched_peers.h and bench/go/.  Each
 * function starts its own gort::run() and returns the elapsed nanoseconds
 * of the timed part only.
 */
#pragma once

#include <cstdint>

namespace gort_bench {

/* Two goroutines on one P, each calling gort::yield() @rounds times
 * (2 * @rounds switches).  Peer: Go's runtime.Gosched ping-pong.  With
 * @trace_path, the execution tracer records the timed part into it (the
 * file is written after the clock stops). */
std::uint64_t yield_gort(std::uint64_t rounds,
			 const char *trace_path = nullptr);

/* Spawn @n goroutines that each call wait_group::done(), and wait for all
 * of them, at @procs processors.  Peer: Go's go + WaitGroup. */
std::uint64_t spawn_join_gort(std::uint64_t n, int procs);

/* Two goroutines hand a turn back and forth through wait_groups, @rounds
 * round trips (2 * @rounds wake-ups of a parked goroutine), at @procs.
 * Peer: Go's unbuffered-channel ping-pong. */
std::uint64_t wake_gort(std::uint64_t rounds, int procs);

/* Unbuffered channel ping-pong between two goroutines, @rounds round
 * trips (2 * @rounds messages), at @procs.  Peer: Go's, Boost.Fiber's. */
std::uint64_t chan_pingpong_gort(std::uint64_t rounds, int procs,
				 const char *trace_path = nullptr);

/* A producer sends @items ints through a channel of capacity 128 to a
 * consumer, at @procs.  Peer: Go's, Boost.Fiber's buffered_channel. */
std::uint64_t chan_buffered_gort(std::uint64_t items, int procs);

/* A producer sends @items ints round-robin into 4 channels of capacity
 * 128; the consumer selects over the 4.  Peer: Go's select. */
std::uint64_t select4_gort(std::uint64_t items, int procs);

/* @fans times: spawn 1,000 goroutines that each call done(), and wait.
 * Peer: Go's WaitGroup fan-out. */
std::uint64_t fanout1000_gort(int fans, int procs);

/* @gs goroutines at procs 2 lock and unlock one gort::mutex, @ops pairs
 * in all.  Peers: Go's sync.Mutex, std::mutex between threads. */
std::uint64_t mutex_contended_gort(std::uint64_t ops, int gs);
std::uint64_t mutex_contended_std(std::uint64_t ops, int threads);

/* Bytes per goroutine (growth of VmRSS + VmPTE) with @n parked on a
 * channel receive at once.  Peer: Go's (bench/go/mutex.go). */
double park_memory_gort(int n);

/* How late gort::sleep(1ms) returns on an idle runtime, @sleeps times. */
struct lateness_gort {
	double median_us, max_us;
};
lateness_gort sleep_lateness_gort(int sleeps);

/* Resident bytes per idle goroutine with @n of them blocked at once. */
double idle_goroutine_bytes(int n);

/* Resident bytes per idle pthread (default attributes) with @n blocked
 * at once; sets *created to how many could be created (the rest failed:
 * the limit is reported, not hidden). */
double idle_pthread_bytes(int n, int *created);

} // namespace gort_bench
