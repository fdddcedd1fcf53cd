/*
 * runtime/spawn_pool.h - the pool of spawn Gs: the G structs that hold a
 * goroutine from go() until its first run (proc.cpp, "A goroutine's G
 * lives on its stack").
 *
 * Layout.  Spawn Gs are made in chunks of SPAWN_CHUNK_GS (one mmap each):
 *
 *   | group 0: 64 Gs | group 1 | ... | group 9 | header page |
 *     6 pages each (64 * 384 bytes)               chunk list, trim bits
 *
 * A group is a slot group of the index (slot_index.h), so the pool hands
 * out the lowest free G first, as the stack pool does.  The chunks are on
 * a list that only grows at its head, through their headers, which is
 * how g_walk (proc.h) finds every spawn G without a lock.
 *
 * Given back.  A burst of a million goroutines holds a million spawn Gs
 * (384 MB) until they have all run; without giving them back, a million
 * parked goroutines would each cost the 384 bytes of a spawn G it no
 * longer uses.  A group whose 64 Gs are all free is given back to the
 * kernel (MADV_DONTNEED), outside the lock and with the group taken out
 * of the index meanwhile: at once by the thread that freed its last G
 * while more than SPAWN_G_WARM are free, else by sysmon once it has been
 * free for SPAWN_G_AGE_NS (spawn_pool_scavenge(), every 10 ms while
 * goroutines run), down to SPAWN_G_FLOOR free.  A burst that repeats
 * within the age reuses its Gs without a page fault.  A group given back
 * reads as all zero (status idle: g_walk skips its Gs), and its Gs are
 * made anew when it is next taken.
 *
 * Locks: the index, the trim bits and the chunk list's pushes are
 * sched.lock's.  A P's cache (p->gfree, p->ngfree) is its owner's.
 *
 * INV-SPAWN-1: a spawn G is in exactly one place: the index, a P's
 *   cache, a trim in flight, or in use (from go() until the goroutine's
 *   closure has moved, spawn_started()).
 * INV-SPAWN-2: a group marked trimmed is wholly free in the index, and
 *   its Gs are made anew before any is handed out.
 */
#pragma once

#include "runtime/proc.h"

namespace gort::rt {

constexpr u32 SPAWN_CHUNK_GROUPS = 10;
constexpr u32 SPAWN_CHUNK_GS = SPAWN_CHUNK_GROUPS * SLOT_GROUP;
/* Free spawn Gs kept ready (50 MB: a burst of 100,000 goroutines
 * repeats without a page fault); beyond, whole free groups go back at
 * once. */
constexpr u32 SPAWN_G_WARM = 1u << 17;
/* Below the warm count, a group free for SPAWN_G_AGE_NS goes back when
 * sysmon next looks (spawn_pool_scavenge), down to SPAWN_G_FLOOR free. */
constexpr i64 SPAWN_G_AGE_NS = 100 * 1000 * 1000;
constexpr u32 SPAWN_G_FLOOR = 1u << 14;

/* Fill @pp's empty cache with up to P_GFREE_BATCH free spawn Gs, lowest
 * first; false if none could be had (no memory).  Context: @pp's owner. */
bool spawn_pool_refill(p *pp);
/* Move all but @keep of @pp's cached spawn Gs back to the index.
 * Context: @pp's owner. */
void spawn_pool_flush(p *pp, u32 keep);
/* One free spawn G, or nullptr, for a thread with no P. */
g *spawn_pool_take();
/* Give @gp back straight to the index: a thread with no P, or run()'s
 * end (@locked: sched.lock is held). */
void spawn_pool_put(g *gp, bool locked);

/* Give back groups free for SPAWN_G_AGE_NS or longer, looking at up to
 * 1,024 groups from where the last call stopped.  Context: sysmon, no
 * lock held. */
void spawn_pool_scavenge(i64 now);

struct spawn_pool_stats {
	u64 made;	/* spawn Gs made so far */
	u64 free;	/* in the index (not counting the Ps' caches) */
	u64 given_back; /* groups given back to the kernel so far */
};
spawn_pool_stats spawn_pool_stats_get();
/* For the tests: other thresholds than SPAWN_G_WARM, SPAWN_G_AGE_NS and
 * SPAWN_G_FLOOR (which spawn_pool_set_limits_default() puts back). */
void spawn_pool_set_limits(u32 warm, i64 age_ns, u32 floor);
void spawn_pool_set_limits_default();

/* The next spawn G of the walk @w (proc.h), or nullptr after the last;
 * g_walk's first half.  Context: any thread; no lock. */
g *spawn_pool_walk_next(spawn_walk *w);

} // namespace gort::rt
