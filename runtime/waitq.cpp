/*
 * runtime/waitq.cpp - see waitq.h.
 */
#include "runtime/waitq.h"

#include "runtime/futex_linux.h"

namespace gort::rt {

void waiter_init(waiter *w)
{
	w->gp = current_g();
	w->note.store(0, std::memory_order_relaxed);
	w->next = nullptr;
	if (w->gp == nullptr && current_m() == nullptr)
		foreign_used_note();
}

void waiter_block(waiter *w, rt_lock *l, const char *reason)
{
	if (w->gp != nullptr) {
		/* The lock is dropped on the scheduler context, after the G
		 * is marked waiting: a waker cannot find it any earlier. */
		park(
			[](g *, void *lk) {
				unlock(static_cast<rt_lock *>(lk));
				return true;
			},
			l, reason);
		return;
	}
	unlock(l);
	/* Acquire pairs with waiter_wake's release store. */
	while (w->note.load(std::memory_order_acquire) == 0)
		futex_wait(&w->note, 0, -1);
}

void waiter_block_with(waiter *w, void (*release)(void *arg), void *arg,
		       const char *reason)
{
	struct ctx {
		void (*release)(void *);
		void *arg;
	} c{release, arg};
	if (w->gp != nullptr) {
		park(
			[](g *, void *p) {
				auto cp = static_cast<ctx *>(p);
				cp->release(cp->arg);
				return true;
			},
			&c, reason);
		return;
	}
	release(arg);
	while (w->note.load(std::memory_order_acquire) == 0)
		futex_wait(&w->note, 0, -1);
}

void waiter_wake(waiter *w)
{
	g *gp = w->gp; /* read first: once readied, w may vanish */
	if (gp != nullptr) {
		ready(gp);
		return;
	}
	w->note.store(1, std::memory_order_release);
	/* If the thread already saw the store and returned, this wakes
	 * nobody, or at worst causes a spurious wake-up elsewhere, which
	 * every futex user tolerates. */
	futex_wake(&w->note, 1);
}

} // namespace gort::rt
