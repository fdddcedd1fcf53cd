/*
 * runtime/chan.h - the type-erased core of gort::chan<T> (gort/chan.h):
 * a lock, a ring buffer of elements, and FIFO queues of blocked senders
 * and receivers, as in Go's runtime/chan.go.
 *
 * INV-CHAN-1: sendq is non-empty only while the buffer is full (or the
 *   channel unbuffered) and no receiver waits; recvq only while the
 *   buffer is empty and no sender waits.  So an operation that finds a
 *   waiter on the other side always completes with it directly.
 * INV-CHAN-2: a blocked receiver on an unbuffered channel is handed the
 *   value straight into its destination (sudog.elem), never through a
 *   buffer; a receiver that takes from a full buffer refills that slot
 *   from the first blocked sender, which keeps FIFO order.
 * INV-CHAN-3: every field is guarded by lock; a sudog is on at most one
 *   queue, and its waiter is woken exactly once, after the value moved.
 * Memory model: each operation takes the lock, so a send happens before
 * the receive that takes its value completes, a close before a receive
 * that sees it, an unbuffered receive before its send completes, and the
 * k-th receive before the (k+C)-th send completes (the slot it frees).
 *
 * Elements move through two functions supplied by the typed wrapper:
 * move_init(dst, src) move-constructs into raw storage, destroy(p) ends an
 * element's life.  The core never copies.
 */
#pragma once

#include <gort/chan.h>

#include "runtime/lock.h"
#include "runtime/waitq.h"

namespace gort::rt {

/* A select's shared state: the first waker to CAS done wins. */
struct select_state {
	std::atomic<u32> done{0};
	struct sudog *winner = nullptr; /* set by the winning waker */
};

struct sudog {
	waiter *w = nullptr;  /* who sleeps (shared by a select's sudogs) */
	void *elem = nullptr; /* send: the value; recv: raw storage */
	bool success = false; /* woken by a transfer, not by close */
	select_state *sel = nullptr; /* non-null: part of a select */
	struct hchan *c = nullptr;   /* the channel it waits on */
	sudog *next = nullptr;	     /* the channel's queue (fifo.h) */
	sudog *prev = nullptr;
	bool queued = false;
};

struct sudogq : fifo<sudog> {
	/* The first sudog that may still be woken: a select's sudog counts
	 * only if this caller wins its select (and is then its winner).
	 * Inline for the common case, an empty queue. */
	sudog *pop() { return empty() ? nullptr : pop_waiter(); }

private:
	sudog *pop_waiter();
};

struct hchan {
	rt_lock lock;
	u32 qcount = 0;	  /* elements in buf */
	u32 dataqsiz = 0; /* capacity */
	u32 sendx = 0, recvx = 0;
	bool closed = false;
	unsigned char *buf = nullptr;
	const elem_ops *ops = nullptr;
	/* From ops, constant: read on every operation, kept here so that a
	 * buffered operation reads no other cache line. */
	u32 elemsize = 0;
	bool plain = false; /* no move_init or destroy: a memcpy moves it */
	/* Buffered, plain, 4 or 8 bytes: chan_send/chan_recv's fast path
	 * may take it (chan.cpp, "The buffered fast path"). */
	bool word_ring = false;
	sudogq recvq, sendq;
	std::atomic<long> refs{1}; /* handles (gort::chan copies) */
};

/* The operations themselves (chan_make, chan_send, chan_recv, chan_close,
 * chan_len, chan_cap, chan_block_forever) are declared in gort/chan.h,
 * next to the template that calls them:
 *   chan_send: moves from *src only when the result is done; closed means
 *     the caller panics.
 *   chan_recv: constructs *dst only when the result is done; closed means
 *     closed and drained.
 *   chan_close: false if it was closed already (the caller panics). */

/* Complete a send or receive now if it can: done, closed, or would_block.
 * *wake: a waiter to wake once the lock is dropped, if any.  Shared by
 * plain operations and select.  Context: c->lock held. */
chan_result chan_try_send_locked(hchan *c, void *src, sudog **wake);
chan_result chan_try_recv_locked(hchan *c, void *dst, sudog **wake);

} // namespace gort::rt
