/*
 * gort/wait_group.h - Go's sync.WaitGroup: wait for a collection of
 * goroutines (or threads) to finish.
 *
 *   gort::wait_group wg;
 *   wg.add(2);
 *   gort::go([&] { work(); wg.done(); });
 *   gort::go([&] { work(); wg.done(); });
 *   wg.wait();
 *
 * Usable from goroutines and from plain threads alike.  Memory model: a
 * done() happens before the wait() it releases returns.  Misuse panics
 * with Go's message: a counter below zero throws panic_error("sync:
 * negative WaitGroup counter").  Not copyable or movable (Go vet flags
 * copying a WaitGroup for the same reason: waiters hold its address).
 *
 * A wait_group takes a cache line of its own (64 bytes, aligned): every
 * goroutine that calls done() writes it, often from another CPU, while
 * its neighbours are usually the spawning goroutine's own stack frame,
 * which go() writes at each call.  Sharing a line, each done() and each
 * go() took it from the other CPU: spawn+join at procs 2 spent a quarter
 * of its samples in done()'s atomic add.  (Go's WaitGroup escapes to
 * the heap, away from the spawner's stack.)
 */
#pragma once

#include "gort/panic.h"

#include <cstddef>

namespace gort {

class alignas(64) wait_group {
public:
	wait_group();
	~wait_group();
	wait_group(const wait_group &) = delete;
	wait_group &operator=(const wait_group &) = delete;

	/* Add @delta (may be negative) to the counter; at zero, release
	 * every waiter. */
	void add(int delta);
	void done() { add(-1); }
	/* Block until the counter is zero. */
	void wait();

private:
	/* The runtime's state (sync/wait_group.cpp): a lock, the counter
	 * and a queue of waiters.  Opaque, so that this header does not
	 * expose the runtime's internals. */
	alignas(8) unsigned char state_[40];
};

} // namespace gort
