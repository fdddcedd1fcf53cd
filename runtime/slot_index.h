/*
 * runtime/slot_index.h - the free slots of a pool of equal objects (stacks,
 * G structs), found lowest first.
 *
 * Objects come in groups of 64 (a stack arena, a block of Gs); group
 * numbers are given out in the order groups are added, and slot k is
 * object k % 64 of group k / 64.  The index keeps one free mask per group
 * and one bit per group saying its mask is non-zero, and take() returns
 * the lowest free slot.  Why lowest first: a burst of goroutines then
 * walks its stacks and G structs in address order whatever order the
 * last burst released them in.  A LIFO free list, as both pools once
 * were, is scrambled after a few bursts (the run queue's overflow to the
 * global queue reorders deaths), and every spawn then misses the cache
 * on a page-table walk: spawn+join of 100,000 goroutines grew from 360
 * to 1,000 ns per goroutine over fifty bursts.
 *
 * Invariants (INV-SLOT-1): bit g of nonempty is set iff mask[g] != 0;
 * hint is at most the lowest word of nonempty that is non-zero; nfree
 * is the number of set bits in all masks.
 *
 * Locking: none of its own; the pool that owns an index guards it (a
 * stack class's lock, sched.lock).  Memory comes from sysalloc; tables
 * grow by doubling and are never shrunk.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

constexpr u32 SLOT_GROUP = 64; /* objects per group: one u64 mask */

struct slot_index {
	void **group = nullptr; /* per group: the owner's pointer */
	u64 *mask = nullptr;	/* per group: bit i set = slot i free */
	u64 *nonempty = nullptr;
	u32 ngroups = 0;
	u32 cap = 0; /* groups the tables hold; a multiple of 64 */
	u32 hint = 0;
	u32 nfree = 0;
};

/* The number of bits set in @v.  By hand: x86-64's baseline has no
 * popcnt instruction, so __builtin_popcountll() is a call into libgcc,
 * and it was 5% of a spawn+join's instructions. */
inline u32 popcount64(u64 v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return u32((v * 0x0101010101010101ull) >> 56);
}

/* Add a group (all slots taken) that @owner stands for; returns its
 * number, or ~0u if memory for the tables ran out. */
u32 slot_index_add_group(slot_index *x, void *owner);

/* Mark @slot free.  It must be taken. */
void slot_index_put(slot_index *x, u32 slot);
/* Mark @slot taken if it is free; returns whether it was. */
bool slot_index_remove(slot_index *x, u32 slot);
/* Mark the slots of @group in @bits taken, those that are free; returns
 * the ones that were. */
u64 slot_index_remove_bits(slot_index *x, u32 group, u64 bits);
/* Take the lowest free slot; ~0u if none is free. */
u32 slot_index_take(slot_index *x);
/* Take every free slot of the lowest group with one: returns its mask
 * (0 if none is free) and its number in *group. */
u64 slot_index_take_group(slot_index *x, u32 *group);

inline void *slot_index_owner(const slot_index *x, u32 slot)
{
	return x->group[slot / SLOT_GROUP];
}

} // namespace gort::rt
