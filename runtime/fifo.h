/*
 * runtime/fifo.h - the intrusive FIFO behind every wait queue (waiters of
 * sync objects and timers, a channel's blocked senders and receivers).
 * A node carries next, prev and queued; push at the tail, pop at the
 * head, and unlink from anywhere in O(1), which select needs to take its
 * losing entries off their channels.  The owner's lock guards it all.
 */
#pragma once

namespace gort::rt {

template <typename T>
struct fifo {
	T *head = nullptr;
	T *tail = nullptr;

	bool empty() const { return head == nullptr; }

	void push(T *n)
	{
		n->next = nullptr;
		n->prev = tail;
		if (tail != nullptr)
			tail->next = n;
		else
			head = n;
		tail = n;
		n->queued = true;
	}

	void unlink(T *n)
	{
		if (n->prev != nullptr)
			n->prev->next = n->next;
		else
			head = n->next;
		if (n->next != nullptr)
			n->next->prev = n->prev;
		else
			tail = n->prev;
		n->next = n->prev = nullptr;
		n->queued = false;
	}

	T *pop()
	{
		T *n = head;
		if (n != nullptr)
			unlink(n);
		return n;
	}

	/* Take @n off if it is still queued (it may have been popped). */
	void remove(T *n)
	{
		if (n->queued)
			unlink(n);
	}
};

} // namespace gort::rt
