/*
 * runtime/spawn_pool.cpp - the pool of spawn Gs (spawn_pool.h explains
 * the layout, the giving back and the invariants).
 */
#include "runtime/spawn_pool.h"

#include "runtime/sysalloc.h"

#include <new>
#include <sys/mman.h>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr usize PAGE = 4096;
static constexpr usize SPAWN_GROUP_BYTES = SLOT_GROUP * sizeof(g);
static_assert(SPAWN_GROUP_BYTES % PAGE == 0,
	      "a group of spawn Gs is given back in whole pages");

/* In the last page of its chunk, after the Gs. */
struct spawn_chunk {
	spawn_chunk *next; /* older chunk; constant once published */
	g *gs;		   /* SPAWN_CHUNK_GS of them; constant */
	u32 first_group;   /* in sched.gfree; constant */
	u32 ngroups;	   /* groups in the index; constant */
	u32 trimmed;	   /* bit k: group first_group + k given back; lock */
};

static std::atomic<spawn_chunk *> g_chunks{nullptr};

static void g_make_free(g *gp, u32 slot)
{
	new (gp) g();
	gp->status.store(gstatus::dead, relaxed);
	gp->pool_slot = slot;
}

/* Map a chunk and add its groups to the index.  Context: sched.lock. */
static bool chunk_new_locked()
{
	constexpr usize gbytes = SPAWN_CHUNK_GROUPS * SPAWN_GROUP_BYTES;
	void *mem = sysalloc(gbytes + PAGE);
	if (mem == nullptr)
		return false;
	auto c = reinterpret_cast<spawn_chunk *>(static_cast<char *>(mem) +
						 gbytes);
	c->gs = static_cast<g *>(mem);
	c->ngroups = 0;
	c->trimmed = 0;
	for (u32 k = 0; k < SPAWN_CHUNK_GROUPS; k++) {
		u32 group = slot_index_add_group(&sched.gfree, c);
		if (group == ~0u)
			break; /* the rest stay unused */
		if (k == 0)
			c->first_group = group;
		for (u32 i = 0; i < SLOT_GROUP; i++)
			g_make_free(&c->gs[k * SLOT_GROUP + i],
				    group * SLOT_GROUP + i);
		c->ngroups = k + 1;
	}
	if (c->ngroups == 0) {
		sysfree(mem, gbytes + PAGE);
		return false;
	}
	c->next = g_chunks.load(relaxed);
	g_chunks.store(c, std::memory_order_release); /* for walkers */
	for (u32 s = c->first_group * SLOT_GROUP;
	     s < (c->first_group + c->ngroups) * SLOT_GROUP; s++)
		slot_index_put(&sched.gfree, s);
	return true;
}

/* The first G of @group, its Gs made anew if it was given back
 * (INV-SPAWN-2).  Context: sched.lock; the caller takes from it. */
static g *group_gs(u32 group)
{
	auto c = static_cast<spawn_chunk *>(
		slot_index_owner(&sched.gfree, group * SLOT_GROUP));
	u32 k = group - c->first_group;
	g *first = c->gs + k * SLOT_GROUP;
	if (unlikely(c->trimmed & (1u << k))) {
		c->trimmed &= ~(1u << k);
		for (u32 i = 0; i < SLOT_GROUP; i++)
			g_make_free(&first[i], group * SLOT_GROUP + i);
	}
	return first;
}

bool spawn_pool_refill(p *pp)
{
	/* Lowest first, handed out in that order: the free Gs of the
	 * lowest groups, a whole group at a time (one index look-up per
	 * group, not per G). */
	g **tail = &pp->gfree;
	lock(&sched.lock);
	while (pp->ngfree < P_GFREE_BATCH) {
		u32 group;
		u64 bits = slot_index_take_group(&sched.gfree, &group);
		if (bits == 0) {
			if (!chunk_new_locked())
				break;
			continue;
		}
		g *first = group_gs(group);
		for (; bits != 0; bits &= bits - 1) {
			g *gp = first + __builtin_ctzll(bits);
			*tail = gp;
			tail = &gp->schedlink;
			pp->ngfree++;
		}
	}
	*tail = nullptr;
	unlock(&sched.lock);
	return pp->gfree != nullptr;
}

g *spawn_pool_take()
{
	lock_guard lk(&sched.lock);
	u32 slot = slot_index_take(&sched.gfree);
	if (slot == ~0u) {
		if (!chunk_new_locked())
			return nullptr;
		slot = slot_index_take(&sched.gfree);
	}
	return group_gs(slot / SLOT_GROUP) + slot % SLOT_GROUP;
}

void spawn_pool_put(g *gp, bool locked)
{
	if (!locked)
		lock(&sched.lock);
	slot_index_put(&sched.gfree, gp->pool_slot);
	if (!locked)
		unlock(&sched.lock);
}

void spawn_pool_flush(p *pp, u32 keep)
{
	/* Groups this flush left wholly free, to give back if the pool
	 * holds more than SPAWN_G_WARM free. */
	u32 whole[P_GFREE_MAX];
	g *whole_gs[P_GFREE_MAX];
	u32 nwhole = 0;
	lock(&sched.lock);
	while (pp->ngfree > keep) {
		g *x = pp->gfree;
		pp->gfree = x->schedlink;
		pp->ngfree--;
		slot_index_put(&sched.gfree, x->pool_slot);
		u32 group = x->pool_slot / SLOT_GROUP;
		if (sched.gfree.mask[group] == ~u64{0} &&
		    sched.gfree.nfree > SPAWN_G_WARM) {
			/* Out of the index while the kernel takes its
			 * pages (INV-SPAWN-1: a trim in flight). */
			slot_index_remove_bits(&sched.gfree, group, ~u64{0});
			whole[nwhole] = group;
			whole_gs[nwhole++] = x - x->pool_slot % SLOT_GROUP;
		}
	}
	unlock(&sched.lock);
	if (nwhole == 0)
		return;
	for (u32 i = 0; i < nwhole; i++)
		::madvise(whole_gs[i], SPAWN_GROUP_BYTES, MADV_DONTNEED);
	lock(&sched.lock);
	for (u32 i = 0; i < nwhole; i++) {
		auto c = static_cast<spawn_chunk *>(
			slot_index_owner(&sched.gfree, whole[i] * SLOT_GROUP));
		c->trimmed |= 1u << (whole[i] - c->first_group);
		for (u32 s = 0; s < SLOT_GROUP; s++)
			slot_index_put(&sched.gfree, whole[i] * SLOT_GROUP + s);
	}
	unlock(&sched.lock);
}

g *spawn_pool_walk_next(spawn_walk *w)
{
	if (!w->started) {
		w->started = true;
		w->chunk = g_chunks.load(std::memory_order_acquire);
		w->i = 0;
	}
	while (w->chunk != nullptr && w->i >= w->chunk->ngroups * SLOT_GROUP) {
		w->chunk = w->chunk->next;
		w->i = 0;
	}
	return w->chunk != nullptr ? &w->chunk->gs[w->i++] : nullptr;
}

} // namespace gort::rt
