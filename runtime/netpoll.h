/*
 * runtime/netpoll.h - the network poller: goroutines wait for descriptors
 * without holding a thread.
 *
 * The interface every backend implements (netpoll_<os>.cpp):
 *
 *   netpoll_backend_init()  make the poller (epoll: an epoll fd and an
 *                           eventfd to interrupt it);
 *   netpoll_backend_open()  register a descriptor once, for its lifetime,
 *                           for both directions (epoll: EPOLLIN | EPOLLOUT
 *                           | EPOLLRDHUP | EPOLLET);
 *   netpoll_backend_close() forget it (epoll: EPOLL_CTL_DEL);
 *   netpoll(delay)          wait up to @delay ns (0: just look, -1: until
 *                           an event or netpoll_break()), hand each event
 *                           to netpoll_ready(), and return the goroutines
 *                           that became runnable;
 *   netpoll_break()         interrupt a netpoll() blocked on another M;
 *                           concurrent calls coalesce into one wake-up.
 *
 * How the backends map onto it: a readiness backend (epoll, kqueue)
 * reports "descriptor D may now be read/written" and the goroutine retries
 * the non-blocking call; net/ is written that way (it calls recv() and
 * waits on EAGAIN).  A completion backend (IOCP) keeps that contract by
 * polling for readiness through the completion port: netpoll_backend_open()
 * associates the socket with the port and keeps one AFD_POLL request
 * (IOCTL_AFD_POLL, what wepoll and libuv use) outstanding per socket; its
 * completion is the readiness event, handed to netpoll_ready() like an
 * epoll event, and the backend re-arms it.  So netpoll.cpp and net/ stay
 * the same.  Overlapped reads and writes into the caller's buffer (Go's
 * way on Windows, with an I/O path of its own in internal/poll) would
 * need net/ to hand its buffers to the backend: a different operation
 * interface, which this one does not try to be.
 *
 * A poll_desc (pd) is the runtime's record of one registered descriptor.
 * pds are never freed, only reused, so a late event or timer for a
 * descriptor closed meanwhile finds a valid pd: the sequence number (seq),
 * bumped at each reuse and carried in the epoll event, tells that the
 * event is stale.  Deadline timers need no tag: closing stops them and
 * waits for a running one to finish before the pd can be reused, and a
 * timer that fires checks the deadline it was armed for.
 *
 * Per direction (rg for reads, wg for writes) a word holds:
 *   PD_NONE   nothing;
 *   PD_READY  an event arrived with nobody waiting: latched, so an edge is
 *             never lost; the next wait consumes it and returns at once;
 *   PD_WAIT   a goroutine is about to park;
 *   a g*      that goroutine is parked.
 * INV-PD-1: only the one goroutine using a direction moves it from NONE
 *   to WAIT and from WAIT to g*; only netpoll_ready(), deadlines and
 *   eviction move it from WAIT or g* back to READY or NONE, and whoever
 *   does so readies the g* it took.
 * INV-PD-2: closing and the expired flags are set before the waiter is
 *   unblocked, and a waiter checks them after publishing PD_WAIT (both
 *   seq_cst): a waiter either sees the flag or is unblocked.
 * Fields: fd, seq, closing, the deadlines and their timers belong to
 * pd->lock; rg/wg are lock-free as above.
 */
#pragma once

#include "runtime/proc.h"
#include "runtime/timer.h"

namespace gort::rt {

constexpr uptr PD_NONE = 0;
constexpr uptr PD_READY = 1;
constexpr uptr PD_WAIT = 2;

/* Directions, a bit each. */
constexpr int POLL_R = 1;
constexpr int POLL_W = 2;

enum class poll_err : int { none = 0, closing = 1, timeout = 2 };

struct poll_desc {
	poll_desc *link = nullptr; /* free list */
	u32 index = 0;		   /* in the pd table; constant */
	rt_lock lock;
	int fd = -1;
	std::atomic<u32> seq{0};
	std::atomic<bool> closing{false};
	std::atomic<uptr> rg{PD_NONE};
	std::atomic<uptr> wg{PD_NONE};
	/* Deadlines: 0 none, > 0 pending (timer armed), -1 passed. */
	std::atomic<i64> rd{0};
	std::atomic<i64> wd{0};
	timer rt, wt;
};

/* The generic part (netpoll.cpp). */
bool netpoll_inited();
/* Register @fd (non-blocking) with the poller; nullptr with *err = errno
 * on failure. */
poll_desc *netpoll_open(int fd, int *err);
/* Unregister; the caller closes the fd afterwards.  Call once nobody
 * uses the pd any more (after netpoll_evict). */
void netpoll_close(poll_desc *pd);
/* Wake every goroutine waiting on @pd with poll_err::closing, and make
 * every later wait fail the same way. */
void netpoll_evict(poll_desc *pd);
/* Wait until @pd may be ready in @mode (POLL_R or POLL_W), the deadline passes
 * or the pd is evicted.  A goroutine parks; a plain thread blocks in
 * poll(2). */
poll_err netpoll_wait(poll_desc *pd, int mode);
/* Set the absolute nanotime() deadline for @mode (POLL_R, POLL_W or both);
 * 0 clears it, a time in the past expires it at once. */
void netpoll_set_deadline(poll_desc *pd, int mode, i64 when);
/* The backend saw @mode (POLL_R, POLL_W or both) become ready on the pd
 * with table index @index and sequence @seq: add the goroutines to wake to
 * *@list (linked through schedlink).  A stale @seq is ignored. */
void netpoll_ready(u32 index, u32 seq, int mode, g **list);
/* Make the Gs of @list runnable: on @pp's queue if not nullptr, else on
 * the global queue; then wake an M for them. */
void inject_glist(g *list, p *pp = nullptr);
/* run() is ending and its goroutines are discarded: forget the ones
 * parked on descriptors, so that a later event cannot wake a G struct
 * that was reused meanwhile.  Context: every M but the caller is gone. */
void netpoll_forget_waiters();
/* Goroutines parked in netpoll_wait(); only their count matters. */
extern std::atomic<i32> netpoll_waiters;

/* Goroutines wait on descriptors and no M is blocked in the poller:
 * somebody must poll (sched.lastpoll is 0 while an M is). */
inline bool netpoll_unpolled()
{
	return netpoll_waiters.load(std::memory_order_relaxed) > 0 &&
	       sched.lastpoll.load(std::memory_order_relaxed) != 0;
}

/* Closed or past its deadline for @mode, without waiting. */
poll_err netpoll_check(poll_desc *pd, int mode);

/* The backend (netpoll_epoll.cpp). */
int netpoll_backend_init();
int netpoll_backend_open(poll_desc *pd);
void netpoll_backend_close(poll_desc *pd);
g *netpoll(i64 delay_ns);
void netpoll_break();

} // namespace gort::rt
