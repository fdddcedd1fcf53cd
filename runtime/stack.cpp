/*
 * runtime/stack.cpp - see stack.h for the layout, the guard modes and the
 * pool's trim policy.
 *
 * INV-STK-1: a stack is in exactly one place: in use, in one P's cache
 *   (->next links it), in its class's pool (its slot free in the class's
 *   free index), or in a trim batch in flight; ->state says which.
 * INV-STK-2: every stack handed out has a guard region installed below it.
 * INV-STK-3: an arena, once published on g_arenas, is never unmapped and
 *   its geometry never changes, so the signal handler may read it at any
 *   time without a lock.
 * INV-STK-4: under its class's lock, the unchecked index's free slots
 *   are a subset of the free index's, and nunchecked equals the
 *   unchecked index's count.
 */
#include "runtime/stack.h"

#include "runtime/lock.h"
#include "runtime/mem_probe.h"
#include "runtime/panic.h"
#include "runtime/sanitizer.h"
#include "runtime/slot_index.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#define MADV_GUARD_REMOVE 103
#endif

namespace gort::rt {

enum stack_state : u32 {
	STACK_IN_USE = 1,
	STACK_CACHED,	      /* in a P's stack_cache */
	STACK_FREE_UNCHECKED, /* released; pages below the keep zone unknown */
	STACK_FREE,	      /* released and trimmed */
	STACK_TRIMMING,	      /* off the pool while a trim checks it */
};

struct stack_arena {
	uptr base; /* the mapping: [base, end) */
	uptr end;
	uptr first;	   /* start of slot 0's guard region */
	usize stride;	   /* guard + size */
	usize size;	   /* usable bytes per stack */
	u32 cls;	   /* size class */
	u32 count;	   /* slots carved (all guarded) */
	u32 group;	   /* in its class's slot indexes; constant */
	stack_arena *next; /* older arena; constant once published */
	stack slots[STACK_ARENA_MAX];
};
static_assert(STACK_ARENA_MAX == SLOT_GROUP, "an arena is a slot group");

static constexpr u32 STACK_MIN_SHIFT = 14; /* 16 KiB */
static constexpr u32 STACK_NCLASS = 30 - STACK_MIN_SHIFT + 1;
static_assert((usize{1} << STACK_MIN_SHIFT) == STACK_MIN_BYTES);
static_assert((usize{1} << (STACK_MIN_SHIFT + STACK_NCLASS - 1)) ==
	      STACK_MAX_BYTES);

/*
 * A size class's pool: its free stacks, handed out lowest first (see
 * slot_index.h for why), and the subset not yet checked by a trim.  A
 * stack's slot is its arena's group * 64 + its index.
 */
struct stack_class {
	rt_lock lock;
	slot_index free;      /* lock; every stack in the pool */
	slot_index unchecked; /* lock; the pool's stacks not yet trimmed */
	/* unchecked.nfree, also written under lock but read without it by
	 * idle Ms looking for work (a hint). */
	std::atomic<u32> nunchecked;
};

static stack_class g_classes[STACK_NCLASS];
static std::atomic<stack_arena *> g_arenas{nullptr};
static rt_lock g_mode_lock;
static std::atomic<int> g_mode{static_cast<int>(stack_guard_mode::undecided)};
static std::atomic<usize> g_default_size{0};
static std::atomic<u64> g_stat_arenas{0};
static std::atomic<u64> g_stat_stacks{0};
static std::atomic<u64> g_stat_trimmed{0};
/* Unchecked stacks in the pool, all classes; changed under a class lock. */
static std::atomic<u64> g_unchecked_total{0};

static usize page_size()
{
	static const usize page = static_cast<usize>(getauxval(AT_PAGESZ));
	return page;
}

static uptr round_up(uptr v, uptr to)
{
	return (v + to - 1) & ~(to - 1);
}

static u32 class_of(usize size)
{
	u32 cls = 0;
	while ((usize{1} << (STACK_MIN_SHIFT + cls)) < size)
		cls++;
	return cls;
}

static usize class_size(u32 cls)
{
	usize sz = usize{1} << (STACK_MIN_SHIFT + cls);
	return round_up(sz, page_size());
}

static usize guard_size()
{
	return round_up(STACK_GUARD_BYTES, page_size());
}

/*
 * Failures: classify an mmap/mprotect ENOMEM.  The kernel gives the same
 * errno whether memory or the mapping count ran out; counting our mappings
 * tells them apart.  Only runs on the failure path.
 */
static long read_small_file(const char *path, char *buf, usize len)
{
	int fd = ::open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long n = ::read(fd, buf, len - 1);
	::close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static long count_mappings()
{
	int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[4096];
	long lines = 0;
	for (;;) {
		long n = ::read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	::close(fd);
	return lines;
}

static stack_err classify_enomem()
{
	char buf[32];
	if (read_small_file("/proc/sys/vm/max_map_count", buf, sizeof(buf)) <=
	    0)
		return stack_err::no_memory;
	long limit = std::strtol(buf, nullptr, 10);
	long used = count_mappings();
	/* Leave slack for the split that just failed. */
	if (limit > 0 && used >= 0 && used + 8 >= limit)
		return stack_err::map_count;
	return stack_err::no_memory;
}

const char *stack_err_text(stack_err e)
{
	switch (e) {
	case stack_err::none:
		return "no error";
	case stack_err::bad_size:
		return "goroutine stack: requested size exceeds the 1 GiB "
		       "limit; ask for a smaller stack";
	case stack_err::map_count:
		return "goroutine stack: the process reached vm.max_map_count "
		       "(each guarded stack needs its own mappings on this "
		       "kernel); raise it, e.g. 'sysctl -w "
		       "vm.max_map_count=1048576', run on Linux 6.13 or "
		       "later, or run fewer goroutines at once";
	case stack_err::no_memory:
		return "goroutine stack: out of memory or address space "
		       "(mmap failed); use smaller stacks (GORT_STACK_SIZE), "
		       "fewer goroutines, or check 'ulimit -v'";
	}
	return "goroutine stack: unknown error";
}

/*
 * Guard modes.  qemu-user accepts MADV_GUARD_INSTALL and ignores it, so a
 * successful madvise proves nothing: the probe asks the kernel to read the
 * guard page and expects to be refused.
 */
static bool guard_is_effective(uptr guard)
{
	return !mem_kernel_readable(guard);
}

static bool env_forces_mprotect()
{
	const char *v = std::getenv("GORT_STACK_GUARD");
	return v != nullptr && v[0] == 'm' && v[1] == 'p';
}

static stack_guard_mode decide_guard_mode(uptr probe_guard)
{
	lock_guard g(&g_mode_lock);
	auto mode = static_cast<stack_guard_mode>(g_mode.load());
	if (mode != stack_guard_mode::undecided)
		return mode;
	mode = stack_guard_mode::mprotect;
	if (!env_forces_mprotect() &&
	    ::madvise(reinterpret_cast<void *>(probe_guard), page_size(),
		      MADV_GUARD_INSTALL) == 0) {
		if (guard_is_effective(probe_guard))
			mode = stack_guard_mode::madvise;
		else
			::madvise(reinterpret_cast<void *>(probe_guard),
				  page_size(), MADV_GUARD_REMOVE);
	}
	g_mode.store(static_cast<int>(mode));
	return mode;
}

stack_guard_mode stack_guard_mode_in_use()
{
	return static_cast<stack_guard_mode>(g_mode.load());
}

static bool guard_install(uptr addr, usize len, stack_guard_mode mode)
{
	void *p = reinterpret_cast<void *>(addr);
	if (mode == stack_guard_mode::madvise)
		return ::madvise(p, len, MADV_GUARD_INSTALL) == 0;
	return ::mprotect(p, len, PROT_NONE) == 0;
}

/*
 * A new arena for class @cls, published for stack_find_guard() but not
 * yet in the class's pool.  Returns nullptr and *err on failure.
 */
static stack_arena *arena_create(u32 cls, stack_err *err)
{
	usize size = class_size(cls);
	usize guard = guard_size();
	usize stride = guard + size;
	usize n = STACK_ARENA_TARGET_BYTES / stride;
	n = n < 1 ? 1 : (n > STACK_ARENA_MAX ? STACK_ARENA_MAX : n);
	usize header = round_up(sizeof(stack_arena), page_size());
	usize span = header + n * stride;

	void *p = ::mmap(nullptr, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		*err = classify_enomem();
		return nullptr;
	}
	uptr base = reinterpret_cast<uptr>(p);
	uptr first = base + header;
	/* Transparent huge pages would commit 2 MiB per touched stack. */
	::madvise(p, span, MADV_NOHUGEPAGE);

	auto mode = static_cast<stack_guard_mode>(g_mode.load());
	if (mode == stack_guard_mode::undecided)
		mode = decide_guard_mode(first);
	u32 guarded = 0;
	while (guarded < n &&
	       guard_install(first + guarded * stride, guard, mode))
		guarded++;
	if (guarded == 0) {
		*err = classify_enomem();
		::munmap(p, span);
		return nullptr;
	}

	auto a = static_cast<stack_arena *>(p);
	a->base = base;
	a->end = base + span;
	a->first = first;
	a->stride = stride;
	a->size = size;
	a->cls = cls;
	a->count = guarded;
	for (u32 i = 0; i < guarded; i++) {
		stack *s = &a->slots[i];
		s->lo = first + i * stride + guard;
		/* The G's room at the top, staggered (stack.h). */
		s->hi = s->lo + size - STACK_TOP_RESERVE -
			(i % STACK_TOP_COLOURS) * 64;
		s->arena = a;
		s->next = nullptr;
		s->owner_id = 0;
		s->preempt_area = nullptr;
		s->preempt_area_size = 0;
		s->state = STACK_IN_USE; /* until it joins the pool */
		s->index = i;
		/* Stacks are never unmapped: registered once, for good. */
		valgrind_stack_register(s->lo, s->hi);
	}
	/* Release publishes the filled-in arena to stack_find_guard(). */
	stack_arena *head = g_arenas.load(std::memory_order_relaxed);
	do {
		a->next = head;
	} while (!g_arenas.compare_exchange_weak(
		head, a, std::memory_order_release, std::memory_order_relaxed));
	g_stat_arenas.fetch_add(1, std::memory_order_relaxed);
	g_stat_stacks.fetch_add(guarded, std::memory_order_relaxed);
	return a;
}

static u32 slot_of(const stack *s)
{
	return s->arena->group * SLOT_GROUP + s->index;
}

/* Put @s into its class's pool, used since its last trim, leaving the
 * unchecked counters to the caller (they are shared: one update per
 * batch). */
static void pool_put_unchecked_uncounted_locked(stack_class *c, stack *s)
{
	u32 slot = slot_of(s);
	slot_index_put(&c->free, slot);
	slot_index_put(&c->unchecked, slot);
	s->state = STACK_FREE_UNCHECKED;
}

/* @n stacks of @c became unchecked, or (uncount) stopped being so. */
static void count_unchecked(stack_class *c, u32 n)
{
	c->nunchecked.fetch_add(n, std::memory_order_relaxed);
	g_unchecked_total.fetch_add(n, std::memory_order_relaxed);
}

static void uncount_unchecked(stack_class *c, u32 n)
{
	c->nunchecked.fetch_sub(n, std::memory_order_relaxed);
	g_unchecked_total.fetch_sub(n, std::memory_order_relaxed);
}

/* Put @s into its class's pool; @unchecked: used since its last trim. */
static void pool_put_locked(stack_class *c, stack *s, bool unchecked)
{
	if (unchecked) {
		pool_put_unchecked_uncounted_locked(c, s);
		count_unchecked(c, 1);
	} else {
		slot_index_put(&c->free, slot_of(s));
		s->state = STACK_FREE;
	}
}

/* Take the lowest stack of @c's pool, or nullptr if it is empty. */
static stack *pool_take_locked(stack_class *c)
{
	u32 slot = slot_index_take(&c->free);
	if (slot == ~0u)
		return nullptr;
	auto a = static_cast<stack_arena *>(slot_index_owner(&c->free, slot));
	if (slot_index_remove(&c->unchecked, slot)) {
		uncount_unchecked(c, 1);
	}
	return &a->slots[slot % SLOT_GROUP];
}

stack_alloc_result stack_alloc(usize size)
{
	if (size == 0)
		size = stack_default_size();
	if (size > STACK_MAX_BYTES)
		return {nullptr, stack_err::bad_size};
	u32 cls = class_of(size);
	stack_class *c = &g_classes[cls];

	lock(&c->lock);
	stack *s = pool_take_locked(c);
	unlock(&c->lock);
	if (s == nullptr) {
		stack_err err = stack_err::none;
		stack_arena *a = arena_create(cls, &err);
		if (a == nullptr)
			return {nullptr, err};
		/* Slot 0 is ours; the rest join the pool. */
		lock(&c->lock);
		u32 group = slot_index_add_group(&c->free, a);
		bool ok = group != ~0u &&
			  slot_index_add_group(&c->unchecked, a) == group;
		if (ok) {
			a->group = group;
			for (u32 i = 1; i < a->count; i++)
				pool_put_locked(c, &a->slots[i], false);
		}
		unlock(&c->lock);
		if (!ok)
			return {nullptr, stack_err::no_memory};
		s = &a->slots[0];
	}
	s->next = nullptr;
	s->state = STACK_IN_USE;
	s->owner_id = 0;
	return {s, stack_err::none};
}

static void dontneed(uptr lo, uptr hi)
{
	::madvise(reinterpret_cast<void *>(lo), hi - lo, MADV_DONTNEED);
	g_stat_trimmed.fetch_add(hi - lo, std::memory_order_relaxed);
}

/*
 * Trim one batch (at most STACK_TRIM_BATCH stacks, sorted by address).
 * Cold: give each stack back whole.  Otherwise ask mincore() about the
 * pages below each stack's keep zone, one call for a run of neighbours
 * in the same arena, and give back only stacks that went deep.
 */
static void trim_sorted(stack **v, u32 n, bool cold)
{
	const usize page = page_size();
	constexpr usize WINDOW_PAGES = 4096;
	unsigned char vec[WINDOW_PAGES];
	uptr win_lo = 0, win_hi = 0;

	if (cold) {
		/* One madvise per run of neighbours in an arena: the guard
		 * regions between them keep their protection. */
		for (u32 i = 0; i < n;) {
			u32 j = i;
			while (j + 1 < n && v[j + 1]->arena == v[i]->arena &&
			       v[j + 1]->index == v[j]->index + 1)
				j++;
			dontneed(v[i]->lo, stack_end(v[j]));
			i = j + 1;
		}
		return;
	}
	for (u32 i = 0; i < n; i++) {
		stack *s = v[i];
		uptr t_lo = s->lo;
		uptr t_hi = stack_end(s) - STACK_KEEP_BYTES;
		if (t_hi <= t_lo)
			continue; /* the whole stack is keep zone */
		if (t_lo < win_lo || t_hi > win_hi) {
			/* Extend the window over later stacks of this arena. */
			uptr end = t_lo + WINDOW_PAGES * page;
			uptr run_end = t_hi;
			for (u32 j = i + 1; j < n && v[j]->arena == s->arena;
			     j++)
				run_end = stack_end(v[j]) - STACK_KEEP_BYTES;
			if (end > run_end)
				end = run_end;
			if (end < t_hi ||
			    ::mincore(reinterpret_cast<void *>(t_lo),
				      end - t_lo, vec) != 0) {
				dontneed(t_lo, t_hi); /* cannot tell: trim */
				win_lo = win_hi = 0;
				continue;
			}
			win_lo = t_lo;
			win_hi = end;
		}
		usize first = (t_lo - win_lo) / page;
		usize last = (t_hi - win_lo) / page;
		for (usize k = first; k < last; k++) {
			if (vec[k] & 1) {
				dontneed(t_lo, t_hi);
				break;
			}
		}
	}
}

/* Take the unchecked stacks of one arena of @c off the pool (at most 64,
 * STACK_TRIM_BATCH, in address order), trim them with no lock held, and
 * put them back as checked.  Returns false if there were none. */
static bool trim_chunk(stack_class *c)
{
	static_assert(STACK_TRIM_BATCH >= STACK_ARENA_MAX);
	stack *v[STACK_ARENA_MAX];
	u32 n = 0;
	lock(&c->lock);
	bool cold = c->free.nfree - c->unchecked.nfree > STACK_WARM_MAX;
	u32 group = 0;
	u64 mask = slot_index_take_group(&c->unchecked, &group);
	auto a = mask == 0 ? nullptr
			   : static_cast<stack_arena *>(slot_index_owner(
				     &c->free, group * SLOT_GROUP));
	for (; mask != 0; mask &= mask - 1) {
		stack *s = &a->slots[__builtin_ctzll(mask)];
		slot_index_remove(&c->free, slot_of(s));
		s->state = STACK_TRIMMING;
		v[n++] = s;
	}
	uncount_unchecked(c, n);
	unlock(&c->lock);
	if (n == 0)
		return false;
	trim_sorted(v, n, cold);

	lock(&c->lock);
	for (u32 i = 0; i < n; i++)
		pool_put_locked(c, v[i], false);
	unlock(&c->lock);
	return true;
}

void stack_free(stack *s)
{
	stack_class *c = &g_classes[s->arena->cls];

	s->owner_id = 0;
	s->next = nullptr;
	lock(&c->lock);
	pool_put_locked(c, s, true);
	bool over = c->nunchecked.load(std::memory_order_relaxed) >
		    STACK_TRIM_BACKLOG;
	unlock(&c->lock);

	/* Normally idle Ms trim (stack_pool_trim_some); a backlog this long
	 * means nobody idles, so the releaser pays for a chunk. */
	if (over)
		trim_chunk(c);
}

void stack_cache_init(stack_cache *sc, usize size)
{
	stack_cache_flush(sc);
	sc->size = size;
	if (size == 0)
		size = stack_default_size();
	sc->cls = size <= STACK_MAX_BYTES ? class_of(size) : ~0u;
}

/* Move the @n least recently cached stacks (all, if fewer) to the
 * class's pool, unchecked; the warmest stay for the next spawns. */
static void cache_spill(stack_cache *sc, u32 n)
{
	if (sc->n == 0)
		return;
	if (n > sc->n)
		n = sc->n;
	stack_class *c = &g_classes[sc->cls];
	/* The list is newest first: keep the first sc->n - n. */
	stack **cut = &sc->list;
	for (u32 i = 0; i < sc->n - n; i++)
		cut = &(*cut)->next;
	stack *first = *cut;
	*cut = nullptr;
	sc->n -= n;
	lock(&c->lock);
	for (stack *s = first; s != nullptr;) {
		stack *next = s->next;
		s->next = nullptr;
		pool_put_unchecked_uncounted_locked(c, s);
		s = next;
	}
	count_unchecked(c, n);
	bool over = c->nunchecked.load(std::memory_order_relaxed) >
		    STACK_TRIM_BACKLOG;
	unlock(&c->lock);
	if (over)
		trim_chunk(c);
}

void stack_cache_flush(stack_cache *sc)
{
	if (sc->n > 0)
		cache_spill(sc, sc->n);
}

stack_alloc_result stack_alloc_cached(stack_cache *sc, usize size)
{
	/* Spawns ask for the size the cache was set up for: one compare,
	 * not a class lookup per goroutine. */
	if (sc == nullptr || size != sc->size || sc->cls == ~0u)
		return stack_alloc(size);
	if (sc->n == 0) {
		/* Refill: up to a batch under one lock, lowest address
		 * first, and handed out in that order. */
		stack_class *c = &g_classes[sc->cls];
		stack **tail = &sc->list;
		u32 unchecked = 0;
		lock(&c->lock);
		/* A whole group of the index at a time: one look-up per
		 * group, and the counters once per refill. */
		while (sc->n < STACK_CACHE_BATCH) {
			u32 group;
			u64 bits = slot_index_take_group(&c->free, &group);
			if (bits == 0)
				break;
			unchecked += popcount64(slot_index_remove_bits(
				&c->unchecked, group, bits));
			auto a = static_cast<stack_arena *>(
				slot_index_owner(&c->free, group * SLOT_GROUP));
			for (; bits != 0; bits &= bits - 1) {
				stack *s = &a->slots[__builtin_ctzll(bits)];
				s->state = STACK_CACHED;
				*tail = s;
				tail = &s->next;
				sc->n++;
			}
		}
		if (unchecked != 0)
			uncount_unchecked(c, unchecked);
		*tail = nullptr;
		unlock(&c->lock);
		if (sc->n == 0)
			return stack_alloc(size); /* maps a new arena */
	}
	stack *s = sc->list;
	sc->list = s->next;
	sc->n--;
	s->next = nullptr;
	s->state = STACK_IN_USE;
	s->owner_id = 0;
	return {s, stack_err::none};
}

bool stack_cache_class_of(const stack_cache *sc, const stack *s)
{
	return s->arena->cls == sc->cls;
}

void stack_free_cached(stack_cache *sc, stack *s)
{
	if (sc == nullptr || s->arena->cls != sc->cls) {
		stack_free(s);
		return;
	}
	if (sc->n >= STACK_CACHE_MAX)
		cache_spill(sc, STACK_CACHE_MAX / 2);
	s->state = STACK_CACHED;
	s->owner_id = 0;
	s->next = sc->list;
	sc->list = s;
	sc->n++;
}

u64 stack_pool_unchecked()
{
	return g_unchecked_total.load(std::memory_order_relaxed);
}

bool stack_pool_trim_some()
{
	for (u32 cls = 0; cls < STACK_NCLASS; cls++)
		if (g_classes[cls].nunchecked.load(std::memory_order_relaxed) !=
			    0 &&
		    trim_chunk(&g_classes[cls]))
			return true;
	return false;
}

void stack_pool_trim()
{
	while (stack_pool_trim_some())
		;
}

/* The slot whose guard region (@guard) or usable region holds @addr. */
static stack *arena_slot(uptr addr, bool guard)
{
	/* Acquire pairs with the release that published each arena. */
	for (stack_arena *a = g_arenas.load(std::memory_order_acquire);
	     a != nullptr; a = a->next) {
		if (addr < a->first || addr >= a->end)
			continue;
		uptr off = addr - a->first;
		u64 i = off / a->stride;
		bool in_guard = off % a->stride < a->stride - a->size;
		if (i < a->count && in_guard == guard)
			return &a->slots[i];
		return nullptr;
	}
	return nullptr;
}

stack *stack_slot_next(stack *prev)
{
	stack_arena *a;
	u32 i;
	if (prev == nullptr) {
		a = g_arenas.load(std::memory_order_acquire);
		i = 0;
	} else {
		a = prev->arena;
		i = prev->index + 1u;
	}
	while (a != nullptr && i >= a->count) {
		a = a->next;
		i = 0;
	}
	return a != nullptr ? &a->slots[i] : nullptr;
}

stack *stack_find_guard(uptr addr)
{
	return arena_slot(addr, true);
}

stack *stack_find(uptr addr)
{
	return arena_slot(addr, false);
}

static usize parse_size(const char *v)
{
	char *end = nullptr;
	unsigned long long n = std::strtoull(v, &end, 10);
	if (end == v)
		return 0;
	if (*end == 'k' || *end == 'K')
		n <<= 10;
	else if (*end == 'm' || *end == 'M')
		n <<= 20;
	return static_cast<usize>(n);
}

usize stack_default_size()
{
	usize sz = g_default_size.load(std::memory_order_relaxed);
	if (likely(sz != 0))
		return sz;
	const char *v = std::getenv("GORT_STACK_SIZE");
	sz = v != nullptr ? parse_size(v) : 0;
	if (sz == 0 || sz > STACK_MAX_BYTES)
		sz = STACK_DEFAULT_BYTES;
	if (sz < STACK_MIN_BYTES)
		sz = STACK_MIN_BYTES;
	g_default_size.store(sz, std::memory_order_relaxed);
	return sz;
}

void stack_set_default_size(usize size)
{
	if (size < STACK_MIN_BYTES)
		size = STACK_MIN_BYTES;
	if (size > STACK_MAX_BYTES)
		size = STACK_MAX_BYTES;
	g_default_size.store(size, std::memory_order_relaxed);
}

stack_pool_stats stack_pool_stats_get()
{
	stack_pool_stats st{};
	st.arenas = g_stat_arenas.load(std::memory_order_relaxed);
	st.stacks = g_stat_stacks.load(std::memory_order_relaxed);
	for (u32 cls = 0; cls < STACK_NCLASS; cls++) {
		stack_class *c = &g_classes[cls];
		lock(&c->lock);
		st.free += c->free.nfree;
		unlock(&c->lock);
	}
	st.trimmed_bytes = g_stat_trimmed.load(std::memory_order_relaxed);
	return st;
}

} // namespace gort::rt
