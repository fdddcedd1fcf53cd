/*
 * runtime/netpoll.cpp - the backend-independent half of the network
 * poller: poll descriptors, waiting, deadlines, eviction (netpoll.h has
 * the protocol and its invariants).
 *
 * poll_descs live in chunks that are never freed, found by index (the
 * backend carries index and seq in its events); a free list under
 * pd_cache_lock recycles them.
 */
#include "runtime/netpoll.h"

#include "runtime/panic.h"
#include "runtime/runq.h"
#include "runtime/sysalloc.h"

#include <cerrno>
#include <new>
#include <poll.h>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto acquire = std::memory_order_acquire;

static constexpr u32 PD_CHUNK = 256;
static constexpr u32 PD_MAX_CHUNKS = 8192; /* 2M descriptors */

static rt_lock pd_cache_lock;
static poll_desc *pd_free = nullptr;			  /* pd_cache_lock */
static std::atomic<poll_desc *> pd_chunks[PD_MAX_CHUNKS]; /* set once */
static u32 pd_nchunks = 0;				  /* pd_cache_lock */
static std::atomic<bool> inited{false};
std::atomic<i32> netpoll_waiters{0};

bool netpoll_inited()
{
	return inited.load(acquire);
}

static poll_desc *pd_lookup(u32 index)
{
	u32 c = index / PD_CHUNK;
	if (c >= PD_MAX_CHUNKS)
		return nullptr;
	poll_desc *chunk = pd_chunks[c].load(acquire);
	return chunk != nullptr ? &chunk[index % PD_CHUNK] : nullptr;
}

static void deadline_fired(timer *t, void *arg);

/* Context: pd_cache_lock held. */
static bool pd_grow_locked()
{
	if (pd_nchunks == PD_MAX_CHUNKS)
		return false;
	void *mem = sysalloc(PD_CHUNK * sizeof(poll_desc));
	if (mem == nullptr)
		return false;
	auto chunk = static_cast<poll_desc *>(mem);
	for (u32 i = 0; i < PD_CHUNK; i++) {
		poll_desc *pd = new (&chunk[i]) poll_desc();
		pd->index = pd_nchunks * PD_CHUNK + i;
		pd->rt.fn = deadline_fired;
		pd->rt.arg = pd;
		pd->wt.fn = deadline_fired;
		pd->wt.arg = pd;
	}
	for (u32 i = PD_CHUNK; i-- > 0;) {
		chunk[i].link = pd_free;
		pd_free = &chunk[i];
	}
	pd_chunks[pd_nchunks++].store(chunk, std::memory_order_release);
	return true;
}

static bool init_once(int *err)
{
	if (inited.load(acquire))
		return true;
	lock(&pd_cache_lock);
	if (!inited.load(relaxed)) {
		int e = netpoll_backend_init();
		if (e != 0) {
			unlock(&pd_cache_lock);
			*err = e;
			return false;
		}
		sched.lastpoll.store(nanotime(), relaxed);
		inited.store(true, std::memory_order_release);
	}
	unlock(&pd_cache_lock);
	return true;
}

poll_desc *netpoll_open(int fd, int *err)
{
	if (!init_once(err))
		return nullptr;
	lock(&pd_cache_lock);
	if (pd_free == nullptr && !pd_grow_locked()) {
		unlock(&pd_cache_lock);
		*err = ENOMEM;
		return nullptr;
	}
	poll_desc *pd = pd_free;
	pd_free = pd->link;
	unlock(&pd_cache_lock);

	lock(&pd->lock);
	pd->link = nullptr;
	pd->fd = fd;
	pd->closing.store(false, relaxed);
	pd->rg.store(PD_NONE, relaxed);
	pd->wg.store(PD_NONE, relaxed);
	pd->rd.store(0, relaxed);
	pd->wd.store(0, relaxed);
	unlock(&pd->lock);
	int e = netpoll_backend_open(pd);
	if (e != 0) {
		*err = e;
		netpoll_close(pd);
		return nullptr;
	}
	return pd;
}

/* Take the goroutine waiting in @w, leaving READY (@ioready) or NONE;
 * nullptr if none was parked (INV-PD-1). */
static g *unblock(std::atomic<uptr> *w, bool ioready)
{
	for (;;) {
		uptr old = w->load();
		if (old == PD_READY)
			return nullptr;
		if (old == PD_NONE && !ioready)
			return nullptr;
		if (w->compare_exchange_weak(old, ioready ? PD_READY : PD_NONE))
			return old > PD_WAIT ? reinterpret_cast<g *>(old)
					     : nullptr;
	}
}

static void push(g **list, g *gp)
{
	if (gp != nullptr) {
		gp->schedlink = *list;
		*list = gp;
	}
}

void netpoll_close(poll_desc *pd)
{
	if (pd->fd >= 0 && !pd->closing.load())
		netpoll_evict(pd);
	netpoll_backend_close(pd);
	lock(&pd->lock);
	pd->seq.fetch_add(1, relaxed); /* events in flight are now stale */
	pd->fd = -1;
	timer_stop(&pd->rt);
	timer_stop(&pd->wt);
	unlock(&pd->lock);
	timer_wait_idle(&pd->rt);
	timer_wait_idle(&pd->wt);
	lock(&pd_cache_lock);
	pd->link = pd_free;
	pd_free = pd;
	unlock(&pd_cache_lock);
}

void netpoll_evict(poll_desc *pd)
{
	g *list = nullptr;
	lock(&pd->lock);
	pd->closing.store(true); /* INV-PD-2: before the unblocks */
	timer_stop(&pd->rt);
	timer_stop(&pd->wt);
	push(&list, unblock(&pd->rg, false));
	push(&list, unblock(&pd->wg, false));
	unlock(&pd->lock);
	while (list != nullptr) {
		g *next = list->schedlink;
		ready(list);
		list = next;
	}
}

poll_err netpoll_check(poll_desc *pd, int mode)
{
	if (pd->closing.load())
		return poll_err::closing;
	std::atomic<i64> &d = mode == POLL_R ? pd->rd : pd->wd;
	if (d.load() < 0)
		return poll_err::timeout;
	return poll_err::none;
}

/* A plain thread has no goroutine to park: it blocks in poll(2), up to
 * the deadline.  Eviction does not interrupt it (HACKING.md, "Network
 * poller"); the deadline does. */
static poll_err thread_wait(poll_desc *pd, int mode)
{
	for (;;) {
		poll_err e = netpoll_check(pd, mode);
		if (e != poll_err::none)
			return e;
		i64 d = (mode == POLL_R ? pd->rd : pd->wd).load();
		int ms = -1;
		if (d > 0) {
			i64 left = d - nanotime();
			if (left <= 0) {
				(mode == POLL_R ? pd->rd : pd->wd).store(-1);
				return poll_err::timeout;
			}
			ms = int((left + 999999) / 1000000);
		}
		struct pollfd pfd = {
			pd->fd, short(mode == POLL_R ? POLLIN : POLLOUT), 0};
		int n = ::poll(&pfd, 1, ms);
		if (n > 0)
			return poll_err::none;
		if (n < 0 && errno != EINTR)
			return poll_err::none; /* let the caller's call fail */
	}
}

poll_err netpoll_wait(poll_desc *pd, int mode)
{
	if (current_g() == nullptr)
		return thread_wait(pd, mode);
	poll_err e = netpoll_check(pd, mode);
	if (e != poll_err::none)
		return e;
	std::atomic<uptr> *w = mode == POLL_R ? &pd->rg : &pd->wg;
	for (;;) {
		uptr old = w->load();
		if (old == PD_READY) {
			if (w->compare_exchange_weak(old, PD_NONE))
				return poll_err::none; /* a latched edge */
			continue;
		}
		if (old != PD_NONE)
			fatal("netpoll: two goroutines wait on one descriptor "
			      "in the same direction at once");
		if (w->compare_exchange_weak(old, PD_WAIT))
			break;
	}
	/* INV-PD-2: WAIT is published (seq_cst); now look at the flags. */
	if (netpoll_check(pd, mode) == poll_err::none) {
		netpoll_waiters.fetch_add(1);
		park(
			[](g *gp, void *arg) {
				auto ww = static_cast<std::atomic<uptr> *>(arg);
				uptr want = PD_WAIT;
				/* Fails if an event, a deadline or an eviction
				 * came first: then do not sleep. */
				return ww->compare_exchange_strong(
					want, reinterpret_cast<uptr>(gp));
			},
			w, "IO wait");
		netpoll_waiters.fetch_sub(1, relaxed);
	}
	uptr old = w->exchange(PD_NONE);
	if (old > PD_WAIT)
		fatal("netpoll: a goroutine resumed while still registered "
		      "as waiting");
	if (old == PD_READY)
		return poll_err::none;
	return netpoll_check(pd, mode);
}

static void deadline_fired(timer *t, void *arg)
{
	auto pd = static_cast<poll_desc *>(arg);
	bool is_read = t == &pd->rt;
	std::atomic<i64> &d = is_read ? pd->rd : pd->wd;
	lock(&pd->lock);
	g *gp = nullptr;
	/* Re-armed or cleared since this timer was started: not ours. */
	i64 when = d.load(relaxed);
	if (when > 0 && when <= nanotime()) {
		d.store(-1); /* INV-PD-2: before the unblock */
		gp = unblock(is_read ? &pd->rg : &pd->wg, false);
	}
	unlock(&pd->lock);
	if (gp != nullptr)
		ready(gp);
}

void netpoll_set_deadline(poll_desc *pd, int mode, i64 when)
{
	g *list = nullptr;
	i64 now = nanotime();
	lock(&pd->lock);
	for (int dir = POLL_R; dir <= POLL_W; dir <<= 1) {
		if (!(mode & dir))
			continue;
		timer *t = dir == POLL_R ? &pd->rt : &pd->wt;
		std::atomic<i64> &d = dir == POLL_R ? pd->rd : pd->wd;
		timer_stop(t);
		if (when == 0) {
			d.store(0);
		} else if (when <= now) {
			d.store(-1);
			push(&list,
			     unblock(dir == POLL_R ? &pd->rg : &pd->wg, false));
		} else {
			d.store(when);
			timer_start(t, when);
		}
	}
	unlock(&pd->lock);
	while (list != nullptr) {
		g *next = list->schedlink;
		ready(list);
		list = next;
	}
}

void netpoll_ready(u32 index, u32 seq, int mode, g **list)
{
	poll_desc *pd = pd_lookup(index);
	if (pd == nullptr || pd->seq.load(relaxed) != seq)
		return; /* the descriptor was closed meanwhile */
	if (mode & POLL_R)
		push(list, unblock(&pd->rg, true));
	if (mode & POLL_W)
		push(list, unblock(&pd->wg, true));
}

void netpoll_forget_waiters()
{
	lock(&pd_cache_lock);
	for (u32 c = 0; c < pd_nchunks; c++) {
		poll_desc *chunk = pd_chunks[c].load(relaxed);
		for (u32 i = 0; i < PD_CHUNK; i++) {
			if (chunk[i].rg.load(relaxed) >= PD_WAIT)
				chunk[i].rg.store(PD_NONE, relaxed);
			if (chunk[i].wg.load(relaxed) >= PD_WAIT)
				chunk[i].wg.store(PD_NONE, relaxed);
		}
	}
	unlock(&pd_cache_lock);
	netpoll_waiters.store(0, relaxed);
}

void inject_glist(g *list, p *pp)
{
	if (list == nullptr)
		return;
	g *head = nullptr, *tail = nullptr;
	u32 n = 0;
	while (list != nullptr) {
		g *gp = list;
		list = gp->schedlink;
		if (!g_cas_status(gp, gstatus::waiting, gstatus::runnable))
			fatal("netpoll: a goroutine to wake is not waiting");
		trace_ev(pp, trace_ev_type::go_unblock, gp->goid, 1);
		if (pp != nullptr) {
			runq_put(pp, gp, false);
			continue;
		}
		gp->schedlink = nullptr;
		if (tail == nullptr)
			head = gp;
		else
			tail->schedlink = gp;
		tail = gp;
		n++;
	}
	if (head != nullptr) {
		lock(&sched.lock);
		globrunq_put_batch_locked(head, tail, n);
		unlock(&sched.lock);
	}
	wakep();
}

} // namespace gort::rt
