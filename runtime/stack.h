/*
 * runtime/stack.h - goroutine stacks: mmap'd, guarded, pooled, trimmed.
 *
 * Layout.  Stacks are carved out of arenas, one mmap each, holding up to
 * STACK_ARENA_MAX stacks of one size class:
 *
 *   base                                                        end
 *   | header | guard | stack 0 | guard | stack 1 | ... | guard | stack n-1 |
 *              ^ no access       ^ lo           hi ^
 *
 * A stack grows down from hi towards lo; the guard region below lo faults
 * on overflow.  The kernel commits a stack's pages one by one as they are
 * first touched (MAP_NORESERVE, no huge pages), so a goroutine that uses
 * 3 KiB of stack costs one page of memory whatever the stack's size.
 *
 * Guards.  On Linux 6.13+ madvise(MADV_GUARD_INSTALL) marks the guard
 * pages inside the arena's one mapping: 100,000 stacks cost ~1,600
 * mappings.  Elsewhere (older kernels, qemu-user, which accepts the advice
 * but ignores it) each guard is an mprotect(PROT_NONE) that splits the
 * mapping, so vm.max_map_count (65530 by default) caps a process at about
 * 32,000 stacks; reaching it is reported as stack_err::map_count.  The
 * mode is chosen once per process by probing; GORT_STACK_GUARD=mprotect
 * forces the fallback.  A stack is never handed out unguarded.
 *
 * Pool.  Each size class keeps its free stacks as one bit per slot in
 * each arena, and hands out the lowest free slot first (the class's
 * arenas in the order they were mapped, then slot by slot): a burst of
 * goroutines walks its stacks in address order whatever order the last
 * burst released them in, so neighbouring goroutines share page-table
 * cache lines.  A released stack is marked "unchecked" until a trim
 * looks at it.  Checking costs system calls (about 3 ns per page of
 * address range in mincore), far more than the rest of a goroutine's
 * life, so it happens off the hot path: an M about to go idle trims one
 * arena's unchecked stacks at a time while it has nothing else to do,
 * and only a backlog of STACK_TRIM_BACKLOG unchecked stacks in a class (a
 * burst that ended with no idle time since) makes a releasing thread
 * trim itself.  Trimming asks mincore() about a run of neighbours at
 * once and gives back with MADV_DONTNEED every page touched below the
 * top STACK_KEEP_BYTES, so a free stack keeps at most its top 16 KiB
 * resident (one or two pages for most goroutines) and a burst of
 * goroutines that ends can be repeated without a page fault per
 * goroutine.  While more than STACK_WARM_MAX (131,072) stacks are free
 * in a class, released stacks are given back whole, one madvise per run
 * of neighbours.  Address space is never unmapped: memory is.
 *
 * Locks: each size class has one rt_lock guarding its bitmaps, masks and
 * counters.  The arena list is append-only and read without a lock (by the SIGSEGV
 * handler); an arena's geometry never changes after it is published.
 *
 * Ownership: a stack in use belongs to whoever allocated it (a goroutine,
 * a test); ->next and ->state belong to the pool while the stack is free.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

constexpr usize STACK_DEFAULT_BYTES = 128 * 1024;
constexpr usize STACK_MIN_BYTES = 16 * 1024;
constexpr usize STACK_MAX_BYTES = usize{1} << 30;
constexpr usize STACK_GUARD_BYTES = 64 * 1024;
constexpr usize STACK_KEEP_BYTES = 16 * 1024;
constexpr u32 STACK_ARENA_MAX = 64;
constexpr usize STACK_ARENA_TARGET_BYTES = 32u << 20;
constexpr u32 STACK_TRIM_BATCH = 64;
constexpr u32 STACK_TRIM_BACKLOG = 1u << 17;
constexpr u32 STACK_WARM_MAX = 1u << 17;

struct stack_arena;

/*
 * The top of every stack slot, [hi, hi + STACK_TOP_RESERVE) less a
 * stagger of up to 448 bytes (below), holds the G of the goroutine
 * running on it
 * (runtime/proc.cpp, "A goroutine's G lives on its stack"): a parked
 * goroutine then costs the one page its frames and its G share.  The
 * reserve counts against the stack's size: a 128 KiB stack has 128 KiB
 * minus the reserve for frames.
 */
#if defined(__aarch64__)
constexpr usize STACK_TOP_RESERVE = 512; /* a larger saved context */
#else
constexpr usize STACK_TOP_RESERVE = 384;
#endif

struct stack {
	uptr lo;	    /* usable [lo, hi); guard region below lo */
	uptr hi;	    /* the top reserve above it; constant */
	stack_arena *arena; /* constant */
	stack *next;	    /* pool's free-list link while free */
	u64 owner_id;	    /* goroutine id, for overflow reports */
	/* Where an asynchronous preemption saves the registers of the
	 * goroutine on this stack (preempt.h); made at the first, kept
	 * with the stack for its next goroutines. */
	void *preempt_area;
	u32 preempt_area_size;
	u16 state; /* enum stack_state; pool's while free */
	u16 index; /* slot in the arena; constant */
};
static_assert(STACK_ARENA_MAX <= 65536);

/*
 * Slot i's G sits (i % STACK_TOP_COLOURS) * 64 bytes lower than slot 0's.
 * Why: two goroutines taking turns on one CPU save their registers into
 * one G and load them from the other, and with every G at the same
 * offset in its page the CPU takes the load for one depending on the
 * store (the addresses agree in their low 12 bits) and waits; a yield
 * measured 20.4-21.8 ns against 18.8-19.9 with Gs apart from their
 * stacks, and 18.0-21.9 staggered.  The stack's frames start below its
 * G, so they are staggered too.
 */
constexpr usize STACK_TOP_COLOURS = 8;

/* The end of @s's slot (page-aligned): past its G and the stagger. */
inline uptr stack_end(const stack *s)
{
	return (s->hi + STACK_TOP_RESERVE + 4095) & ~uptr{4095};
}

enum class stack_err : int {
	none = 0,
	bad_size,  /* larger than STACK_MAX_BYTES */
	map_count, /* vm.max_map_count reached */
	no_memory, /* mmap said ENOMEM for another reason */
};

enum class stack_guard_mode : int { undecided, madvise, mprotect };

struct stack_alloc_result {
	stack *stk;
	stack_err err;
};

/*
 * A per-P cache of free stacks of one size class, in front of the class's
 * locked lists: a P that spawns and buries goroutines takes the class
 * lock once per STACK_CACHE_BATCH stacks instead of twice per goroutine.
 * Cached stacks are not trimmed; at most STACK_CACHE_MAX wait per cache,
 * and a P's M flushes its cache to the pool whenever it runs out of work,
 * so they are trimmed with the rest once the burst is over.  A refill
 * takes the pool's lowest stacks in address order (see "Pool" above).
 * Ownership: the P's owner; flushed when the P retires or run() ends.
 */
constexpr u32 STACK_CACHE_MAX = 512;
constexpr u32 STACK_CACHE_BATCH = 256;

struct stack_cache {
	stack *list = nullptr;
	u32 n = 0;
	u32 cls = ~0u;	/* the class it caches; ~0: none yet */
	usize size = 0; /* the request it was set up for (0: default) */
};

/* Cache stacks of @size (0: the default) in @sc, emptying it first. */
void stack_cache_init(stack_cache *sc, usize size);
/* Give every cached stack back to its class. */
void stack_cache_flush(stack_cache *sc);
/* Is @s of the class @sc caches (one it could have handed out)? */
bool stack_cache_class_of(const stack_cache *sc, const stack *s);
/* stack_alloc/stack_free through @sc (nullptr: straight to the pool). */
struct stack_alloc_result stack_alloc_cached(stack_cache *sc, usize size);
void stack_free_cached(stack_cache *sc, stack *s);

/* A stack with at least @size usable bytes (0: the default size).
 * Context: any thread; takes the size class's lock, may mmap. */
stack_alloc_result stack_alloc(usize size);

/* Give @s back to the pool.  Context: any thread, not running on @s. */
void stack_free(stack *s);

/* A sentence saying what ran out and what to do about it. */
const char *stack_err_text(stack_err e);

/* The stack whose guard region holds @addr, or nullptr.
 * Context: signal handler; async-signal-safe, lock-free. */
stack *stack_find_guard(uptr addr);

/* The stack whose usable region [lo, hi) holds @addr, or nullptr.
 * Context: any, including signal handlers; lock-free. */
stack *stack_find(uptr addr);

/* Every stack slot ever carved, free or not: the one after @prev
 * (nullptr: the first), or nullptr after the last.  For walks over the
 * Gs on stacks (proc.h, g_walk).  Context: any; lock-free. */
stack *stack_slot_next(stack *prev);

/* The default usable size: STACK_DEFAULT_BYTES unless GORT_STACK_SIZE
 * (bytes, or with a K/M suffix) or stack_set_default_size() says else. */
usize stack_default_size();
void stack_set_default_size(usize size);

stack_guard_mode stack_guard_mode_in_use();

struct stack_pool_stats {
	u64 arenas;
	u64 stacks; /* carved so far, in use or free */
	u64 free;
	u64 trimmed_bytes; /* given back with MADV_DONTNEED so far */
};
stack_pool_stats stack_pool_stats_get();

/* Check and trim every stack released since the last trim. */
void stack_pool_trim();
/* Trim one chunk; false if there was nothing to trim.  For idle Ms. */
bool stack_pool_trim_some();
/* How many released stacks wait to be checked (racy; a hint). */
u64 stack_pool_unchecked();

} // namespace gort::rt
