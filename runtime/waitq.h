/*
 * runtime/waitq.h - a waiter is whoever blocks on a gort object: a
 * goroutine (parked, later readied) or a thread the runtime does not run
 * (sleeping on a futex).  sync/ and timers queue waiters; one wake-up
 * function serves both kinds, which is what lets plain threads use
 * wait_group, mutexes and channels.
 *
 * Protocol: the object's lock guards its waitq.  To wait: init a waiter
 * on the stack, push it under the lock, then waiter_block(), which
 * releases the lock only once the waiter can no longer miss its wake-up
 * (a G is parked and off its stack; a thread's note is armed).  To wake:
 * pop it under the lock, then waiter_wake() (with or without the lock).
 * INV-WAITQ-1: a waiter is on at most one queue and woken at most once.
 */
#pragma once

#include "runtime/fifo.h"
#include "runtime/lock.h"
#include "runtime/proc.h"

namespace gort::rt {

struct waiter {
	g *gp = nullptr;	  /* nullptr: a thread outside the runtime */
	std::atomic<u32> note{0}; /* threads: 1 once woken */
	waiter *next = nullptr;	  /* the queue's (fifo.h) */
	waiter *prev = nullptr;
	bool queued = false;
};

using waitq = fifo<waiter>;

/* Fill in who is waiting.  A thread outside the runtime that waits turns
 * the deadlock check off for this run() (deadlock.cpp explains). */
void waiter_init(waiter *w);

/* Block until waiter_wake(@w); releases @l (held on entry).
 * @reason: Go's wait reason, shown in deadlock reports. */
void waiter_block(waiter *w, rt_lock *l, const char *reason);

/* The same, for a waiter queued on several objects at once (select):
 * @release(@arg) drops every lock it holds. */
void waiter_block_with(waiter *w, void (*release)(void *arg), void *arg,
		       const char *reason);

/* Wake @w, already taken off its queue.  @w may be gone on return. */
void waiter_wake(waiter *w);

} // namespace gort::rt
