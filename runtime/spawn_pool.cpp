/*
 * runtime/spawn_pool.cpp - the pool of spawn Gs (spawn_pool.h explains
 * the layout, the giving back and the invariants).
 */
#include "runtime/spawn_pool.h"

#include "runtime/sysalloc.h"

#include <new>
#include <sys/auxv.h>
#include <sys/mman.h>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr usize PAGE = 4096; /* the header's room */
static constexpr usize SPAWN_GROUP_BYTES = SLOT_GROUP * sizeof(g);
static_assert(SPAWN_GROUP_BYTES % PAGE == 0,
	      "a group of 4 KiB-page spawn Gs is given back in whole pages");

/* In the last page of its chunk, after the Gs. */
struct spawn_chunk {
	spawn_chunk *next; /* older chunk; constant once published */
	g *gs;		   /* SPAWN_CHUNK_GS of them; constant */
	u32 first_group;   /* in sched.gfree; constant */
	u32 ngroups;	   /* groups in the index; constant */
	u32 trimmed;	   /* bit k: group first_group + k given back; lock */
};

static std::atomic<spawn_chunk *> g_chunks{nullptr};

/* When each group was last seen wholly free (nanotime), for the
 * scavenger; and where its walk goes on.  sched.lock. */
static i64 *g_freed_at = nullptr;
static u32 g_freed_cap = 0;
static u32 g_scan = 0;
static u64 g_given_back = 0; /* groups; sched.lock */

/* SPAWN_G_WARM, SPAWN_G_AGE_NS, SPAWN_G_FLOOR unless a test says else;
 * sched.lock. */
static u32 g_warm = SPAWN_G_WARM;
static i64 g_age_ns = SPAWN_G_AGE_NS;
static u32 g_floor = SPAWN_G_FLOOR;

/* Room in g_freed_at for @groups.  Context: sched.lock. */
static bool freed_at_reserve(u32 groups)
{
	if (groups <= g_freed_cap)
		return true;
	u32 cap = g_freed_cap != 0 ? g_freed_cap : 1024;
	while (cap < groups)
		cap *= 2;
	auto t = static_cast<i64 *>(sysalloc(cap * sizeof(i64)));
	if (t == nullptr)
		return false;
	for (u32 i = 0; i < g_freed_cap; i++)
		t[i] = g_freed_at[i];
	if (g_freed_at != nullptr)
		sysfree(g_freed_at, g_freed_cap * sizeof(i64));
	g_freed_at = t;
	g_freed_cap = cap;
	return true;
}

/* The chunk holding @group's Gs.  Context: sched.lock (the index's
 * tables may grow). */
static spawn_chunk *chunk_of(u32 group)
{
	return static_cast<spawn_chunk *>(
		slot_index_owner(&sched.gfree, group * SLOT_GROUP));
}

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
	if (!freed_at_reserve(sched.gfree.ngroups + SPAWN_CHUNK_GROUPS))
		return false;
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
		g_freed_at[group] = nanotime();
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
	spawn_chunk *c = chunk_of(group);
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

/* Give back @n groups (@first: their first Gs), taken out of the index
 * by the caller, and put them back marked trimmed.  Context: no lock. */
static void trim_out(const u32 *group, g *const *first, u32 n)
{
	if (n == 0)
		return;
	/* Only whole pages inside the group: with pages larger than a
	 * group (64 KiB on some AArch64 kernels) the kernel would round up
	 * into the next group's Gs, which may be in use. */
	static const uptr page = uptr(getauxval(AT_PAGESZ));
	for (u32 i = 0; i < n; i++) {
		uptr lo = (uptr(first[i]) + page - 1) & ~(page - 1);
		uptr hi = (uptr(first[i]) + SPAWN_GROUP_BYTES) & ~(page - 1);
		if (lo < hi)
			::madvise(reinterpret_cast<void *>(lo), hi - lo,
				  MADV_DONTNEED);
	}
	lock(&sched.lock);
	for (u32 i = 0; i < n; i++) {
		spawn_chunk *c = chunk_of(group[i]);
		c->trimmed |= 1u << (group[i] - c->first_group);
		for (u32 s = 0; s < SLOT_GROUP; s++)
			slot_index_put(&sched.gfree, group[i] * SLOT_GROUP + s);
	}
	g_given_back += n;
	unlock(&sched.lock);
}

/* Out of the index while the kernel takes its pages (INV-SPAWN-1: a
 * trim in flight).  Context: sched.lock. */
static g *take_whole_locked(u32 group)
{
	slot_index_remove_bits(&sched.gfree, group, ~u64{0});
	spawn_chunk *c = chunk_of(group);
	return c->gs + (group - c->first_group) * SLOT_GROUP;
}

void spawn_pool_flush(p *pp, u32 keep)
{
	/* Groups this flush left wholly free, given back at once while
	 * the pool holds more than SPAWN_G_WARM free. */
	u32 group[P_GFREE_MAX];
	g *first[P_GFREE_MAX];
	u32 n = 0;
	i64 now = 0;
	lock(&sched.lock);
	while (pp->ngfree > keep) {
		g *x = pp->gfree;
		pp->gfree = x->schedlink;
		pp->ngfree--;
		slot_index_put(&sched.gfree, x->pool_slot);
		u32 gr = x->pool_slot / SLOT_GROUP;
		if (sched.gfree.mask[gr] != ~u64{0})
			continue;
		if (sched.gfree.nfree > g_warm) {
			group[n] = gr;
			first[n++] = take_whole_locked(gr);
		} else {
			if (now == 0)
				now = nanotime();
			g_freed_at[gr] = now;
		}
	}
	unlock(&sched.lock);
	trim_out(group, first, n);
}

void spawn_pool_scavenge(i64 now)
{
	constexpr u32 SCAN = 1024; /* groups looked at per call */
	constexpr u32 BATCH = 64;  /* groups given back per call */
	u32 group[BATCH];
	g *first[BATCH];
	u32 n = 0;
	lock(&sched.lock);
	u32 ngroups = sched.gfree.ngroups;
	for (u32 k = 0; k < SCAN && k < ngroups && n < BATCH; k++) {
		if (sched.gfree.nfree <= g_floor + SLOT_GROUP)
			break;
		u32 gr = g_scan++ % ngroups;
		if (sched.gfree.mask[gr] != ~u64{0} ||
		    now - g_freed_at[gr] < g_age_ns)
			continue;
		spawn_chunk *c = chunk_of(gr);
		if (c->trimmed & (1u << (gr - c->first_group)))
			continue;
		group[n] = gr;
		first[n++] = take_whole_locked(gr);
	}
	unlock(&sched.lock);
	trim_out(group, first, n);
}

spawn_pool_stats spawn_pool_stats_get()
{
	lock_guard lk(&sched.lock);
	spawn_pool_stats st;
	st.made = u64(sched.gfree.ngroups) * SLOT_GROUP;
	st.free = sched.gfree.nfree;
	st.given_back = g_given_back;
	return st;
}

void spawn_pool_set_limits(u32 warm, i64 age_ns, u32 floor)
{
	lock_guard lk(&sched.lock);
	g_warm = warm;
	g_age_ns = age_ns;
	g_floor = floor;
}

void spawn_pool_set_limits_default()
{
	spawn_pool_set_limits(SPAWN_G_WARM, SPAWN_G_AGE_NS, SPAWN_G_FLOOR);
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
