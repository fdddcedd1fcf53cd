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
 * (384 MB) until they have all run.  While more than SPAWN_G_WARM of them
 * are free, a group whose 64 Gs are all free is given back to the kernel
 * (MADV_DONTNEED) by the thread that freed its last one, outside the lock
 * and with the group taken out of the index meanwhile.  Its Gs then read
 * as all zero (status idle: g_walk skips them) and are made anew when the
 * group is next taken.  Without this a million parked goroutines would
 * each cost the 384 bytes of the spawn G they no longer use.
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
/* Free spawn Gs kept ready (25 MB); beyond, whole free groups go back. */
constexpr u32 SPAWN_G_WARM = 1u << 17;

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

/* The next spawn G of the walk @w (proc.h), or nullptr after the last;
 * g_walk's first half.  Context: any thread; no lock. */
g *spawn_pool_walk_next(spawn_walk *w);

} // namespace gort::rt
