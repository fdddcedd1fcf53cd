/*
 * runtime/chan.cpp - see chan.h for the invariants.
 */
#include "runtime/chan.h"

#include "runtime/futex_linux.h"
#include "runtime/panic.h"
#include "runtime/preempt.h"
#include "runtime/sanitizer.h"

#include <cstring>

#include <new>

namespace gort::rt {

sudog *sudogq::pop_waiter()
{
	while (sudog *s = fifo<sudog>::pop()) {
		if (s->sel == nullptr)
			return s;
		u32 zero = 0;
		/* acq_rel: the winner's writes (success, elem) reach the
		 * selecting G through its own acquire of done. */
		if (s->sel->done.compare_exchange_strong(
			    zero, 1, std::memory_order_acq_rel)) {
			s->sel->winner = s;
			return s;
		}
		/* Its select was won elsewhere: drop it, try the next. */
	}
	return nullptr;
}

/* Element moves.  A plain type (trivially copyable, no ops) is a
 * memcpy, inline for word-sized values (the common case; a call into the
 * C library's memcpy was a twentieth of a channel hand-off).  Other
 * types' ops are the program's code, run under c->lock, where the G must
 * not be preempted asynchronously (preempt.h). */
static GORT_NOINLINE void elem_move_ops(const elem_ops *ops, void *dst,
					void *src)
{
	no_async_preempt guard;
	ops->move_init(dst, src);
}

static inline void elem_move(const hchan *c, void *dst, void *src)
{
	if (unlikely(!c->plain)) {
		if (c->ops->move_init != nullptr) {
			elem_move_ops(c->ops, dst, src);
			return;
		}
	}
	switch (c->elemsize) {
	case 4:
		std::memcpy(dst, src, 4);
		return;
	case 8:
		std::memcpy(dst, src, 8);
		return;
	default:
		std::memcpy(dst, src, c->elemsize);
		return;
	}
}

static void elem_destroy(const hchan *c, void *p)
{
	if (!c->plain && c->ops->destroy != nullptr) {
		no_async_preempt guard;
		c->ops->destroy(p);
	}
}

/* The ring's next index after @i (no division: it was a div per
 * operation). */
static inline u32 ring_next(const hchan *c, u32 i)
{
	return i + 1 == c->dataqsiz ? 0 : i + 1;
}

hchan *chan_make(const elem_ops *ops, unsigned cap)
{
	hchan *c = new hchan();
	c->ops = ops;
	c->elemsize = u32(ops->size);
	c->plain = ops->move_init == nullptr && ops->destroy == nullptr;
	c->dataqsiz = cap;
	c->word_ring = !RACE_ANNOTATED && c->plain && cap > 0 &&
		       (c->elemsize == 4 || c->elemsize == 8);
	if (cap > 0)
		c->buf = static_cast<unsigned char *>(::operator new(
			usize(cap) * ops->size, std::align_val_t(ops->align)));
	return c;
}

void chan_ref(hchan *c)
{
	c->refs.fetch_add(1, std::memory_order_relaxed);
}

void chan_unref(hchan *c)
{
	/* acq_rel: the last owner sees every other owner's writes. */
	if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
		return;
	for (u32 i = 0; i < c->qcount; i++)
		elem_destroy(c, c->buf + usize((c->recvx + i) % c->dataqsiz) *
						 c->elemsize);
	if (c->buf != nullptr)
		::operator delete(c->buf, std::align_val_t(c->ops->align));
	delete c;
}

static void *slot(hchan *c, u32 i)
{
	return c->buf + usize(i) * c->elemsize;
}

/* chan_try_send_locked and chan_try_recv_locked, inlined into the plain
 * operations below (select calls the out-of-line copies). */
GORT_ALWAYS_INLINE static chan_result try_send_locked(hchan *c, void *src,
						      sudog **wake)
{
	if (c->closed)
		return chan_result::closed;
	if (sudog *r = c->recvq.pop()) {
		/* INV-CHAN-2: straight into the waiting receiver. */
		race_acquire(r->w);
		elem_move(c, r->elem, src);
		race_release(r->w); /* the send happens before the receive */
		r->success = true;
		*wake = r;
		return chan_result::done;
	}
	if (c->qcount < c->dataqsiz) {
		void *to = slot(c, c->sendx);
		/* The receive that emptied this slot happens before this send
		 * (the k-th receive before the (k+C)-th send completes). */
		race_acquire(to);
		elem_move(c, to, src);
		race_release(to);
		c->sendx = ring_next(c, c->sendx);
		c->qcount++;
		return chan_result::done;
	}
	return chan_result::would_block;
}

GORT_ALWAYS_INLINE static chan_result try_recv_locked(hchan *c, void *dst,
						      sudog **wake)
{
	if (sudog *snd = c->sendq.pop()) {
		race_acquire(snd->w);
		if (c->dataqsiz == 0) {
			elem_move(c, dst, snd->elem);
		} else {
			/* Full buffer: take the oldest, and the sender's value
			 * takes its slot (FIFO, INV-CHAN-2). */
			void *old = slot(c, c->recvx);
			race_acquire(old);
			elem_move(c, dst, old);
			elem_destroy(c, old);
			elem_move(c, old, snd->elem);
			race_release(old);
			c->recvx = ring_next(c, c->recvx);
			c->sendx = c->recvx;
		}
		/* The blocked sender completes after this receive. */
		race_release(snd->w);
		snd->success = true;
		*wake = snd;
		return chan_result::done;
	}
	if (c->qcount > 0) {
		void *old = slot(c, c->recvx);
		race_acquire(old);
		elem_move(c, dst, old);
		elem_destroy(c, old);
		race_release(old);
		c->recvx = ring_next(c, c->recvx);
		c->qcount--;
		return chan_result::done;
	}
	if (!c->closed)
		return chan_result::would_block;
	race_acquire(&c->closed); /* the close happens before this */
	return chan_result::closed;
}

chan_result chan_try_send_locked(hchan *c, void *src, sudog **wake)
{
	return try_send_locked(c, src, wake);
}

chan_result chan_try_recv_locked(hchan *c, void *dst, sudog **wake)
{
	return try_recv_locked(c, dst, wake);
}

/* chan_op's way when the operation must wait: queue and park.  Out of
 * line, so that the common case carries no waiter or sudog in its frame.
 * Context: c->lock held; dropped by the park. */
static GORT_NOINLINE chan_result chan_wait(hchan *c, void *elem, bool send)
{
	waiter w;
	waiter_init(&w);
	sudog s;
	s.w = &w;
	s.elem = elem;
	s.c = c;
	(send ? c->sendq : c->recvq).push(&s);
	race_release(&w); /* for the other side's race_acquire(s->w) */
	waiter_block(&w, &c->lock, send ? "chan send" : "chan receive");
	/* The other side moved the value, or close woke us. */
	race_acquire(&w);
	if (!s.success) {
		race_acquire(&c->closed);
		return chan_result::closed;
	}
	return chan_result::done;
}

/* One operation: try now; else queue and wait (if @block).  Context:
 * c->lock held; dropped. */
GORT_ALWAYS_INLINE static chan_result chan_op_locked(hchan *c, void *elem,
						     bool send, bool block)
{
	sudog *wake = nullptr;
	chan_result r = send ? try_send_locked(c, elem, &wake)
			     : try_recv_locked(c, elem, &wake);
	if (r == chan_result::would_block && block)
		return chan_wait(c, elem, send);
	unlock(&c->lock);
	if (wake != nullptr)
		waiter_wake(wake->w);
	if (preempt_requests.load(std::memory_order_relaxed) != 0)
		preempt_check();
	return r;
}

/* The general operation, out of line for the fast paths below.
 * Context: c->lock held (chan_op_held) or not (chan_op). */
static GORT_NOINLINE chan_result chan_op_held(hchan *c, void *elem, bool send,
					      bool block)
{
	return chan_op_locked(c, elem, send, block);
}

static GORT_NOINLINE chan_result chan_op(hchan *c, void *elem, bool send,
					 bool block)
{
	lock(&c->lock);
	return chan_op_locked(c, elem, send, block);
}

/*
 * The buffered fast path: a word-sized plain element (c->word_ring), the
 * lock free at the first try, a free slot (send) or a filled one
 * (receive), and nobody queued on the other side.  Then the operation is
 * the buffer part of chan_op_locked, on registers only: every other case
 * leaves by a tail call into the general operation, so nothing here
 * makes the compiler save registers or set up a frame.  That was 60 of
 * a buffered item's 149 instructions.  Not in the race detector's build
 * (RACE_ANNOTATED): the general path carries its annotations.
 */
static inline void word_copy(const hchan *c, void *dst, const void *src)
{
	if (c->elemsize == 8)
		std::memcpy(dst, src, 8);
	else
		std::memcpy(dst, src, 4);
}

chan_result chan_send(hchan *c, void *src, bool block)
{
	if (unlikely(!c->word_ring) || unlikely(!try_lock(&c->lock)))
		return chan_op(c, src, true, block);
	if (unlikely(c->closed || !c->recvq.empty() ||
		     c->qcount == c->dataqsiz))
		return chan_op_held(c, src, true, block);
	word_copy(c, slot(c, c->sendx), src);
	c->sendx = ring_next(c, c->sendx);
	c->qcount++;
	unlock(&c->lock);
	if (preempt_requests.load(std::memory_order_relaxed) != 0)
		preempt_check();
	return chan_result::done;
}

chan_result chan_recv(hchan *c, void *dst, bool block)
{
	if (unlikely(!c->word_ring) || unlikely(!try_lock(&c->lock)))
		return chan_op(c, dst, false, block);
	if (unlikely(c->qcount == 0 || !c->sendq.empty()))
		return chan_op_held(c, dst, false, block);
	word_copy(c, dst, slot(c, c->recvx));
	c->recvx = ring_next(c, c->recvx);
	c->qcount--;
	unlock(&c->lock);
	if (preempt_requests.load(std::memory_order_relaxed) != 0)
		preempt_check();
	return chan_result::done;
}

bool chan_close(hchan *c)
{
	lock(&c->lock);
	if (c->closed) {
		unlock(&c->lock);
		return false;
	}
	race_release(&c->closed);
	c->closed = true;
	/* Everyone waiting leaves: receivers with nothing, senders to
	 * panic.  Wake them after dropping the lock. */
	sudogq woken;
	while (sudog *s = c->recvq.pop())
		woken.push(s);
	while (sudog *s = c->sendq.pop())
		woken.push(s);
	unlock(&c->lock);
	/* Not woken.pop(): these already won their selects above. */
	while (sudog *s = woken.head) {
		woken.unlink(s);
		s->success = false;
		waiter_wake(s->w);
	}
	return true;
}

unsigned chan_cap(hchan *c)
{
	return c->dataqsiz;
}

u32 chan_len(hchan *c)
{
	lock(&c->lock);
	u32 n = c->qcount;
	unlock(&c->lock);
	return n;
}

void chan_block_forever(const char *reason)
{
	if (current_g() != nullptr) {
		park(nullptr, nullptr, reason); /* nobody will ready us */
		fatal("chan: a goroutine blocked on a nil channel was woken");
	}
	if (current_m() == nullptr) /* not a goroutine inside blocking() */
		foreign_used_note();
	std::atomic<u32> never{0};
	for (;;)
		futex_wait(&never, 0, -1);
}

} // namespace gort::rt
