/*
 * runtime/slot_index.cpp - see slot_index.h.
 */
#include "runtime/slot_index.h"

#include "runtime/sanitizer.h"
#include "runtime/sysalloc.h"

namespace gort::rt {

static usize table_bytes(u32 cap)
{
	return cap * sizeof(void *) + cap * sizeof(u64) +
	       cap / 64 * sizeof(u64);
}

static bool grow(slot_index *x)
{
	u32 cap = x->cap == 0 ? 64 : x->cap * 2;
	auto mem = static_cast<char *>(sysalloc(table_bytes(cap)));
	if (mem == nullptr)
		return false;
	auto group = reinterpret_cast<void **>(mem);
	auto mask = reinterpret_cast<u64 *>(group + cap);
	u64 *nonempty = mask + cap;
	if (x->cap != 0) {
		rt_copy(group, x->group, x->cap * sizeof(void *));
		rt_copy(mask, x->mask, x->cap * sizeof(u64));
		rt_copy(nonempty, x->nonempty, x->cap / 64 * sizeof(u64));
		sysfree(x->group, table_bytes(x->cap));
	}
	x->group = group;
	x->mask = mask;
	x->nonempty = nonempty;
	x->cap = cap;
	return true;
}

u32 slot_index_add_group(slot_index *x, void *owner)
{
	if (x->ngroups == x->cap && !grow(x))
		return ~0u;
	u32 g = x->ngroups++;
	x->group[g] = owner;
	x->mask[g] = 0;
	return g;
}

void slot_index_put(slot_index *x, u32 slot)
{
	u32 g = slot / SLOT_GROUP;
	x->mask[g] |= u64{1} << (slot % SLOT_GROUP);
	x->nonempty[g / 64] |= u64{1} << (g % 64);
	if (g / 64 < x->hint)
		x->hint = g / 64;
	x->nfree++;
}

/* Clear @bits (@n of them, all set) of group @g's mask. */
static void clear_bits(slot_index *x, u32 g, u64 bits, u32 n)
{
	x->mask[g] &= ~bits;
	if (x->mask[g] == 0)
		x->nonempty[g / 64] &= ~(u64{1} << (g % 64));
	x->nfree -= n;
}

bool slot_index_remove(slot_index *x, u32 slot)
{
	u32 g = slot / SLOT_GROUP;
	u64 bit = u64{1} << (slot % SLOT_GROUP);
	if ((x->mask[g] & bit) == 0)
		return false;
	clear_bits(x, g, bit, 1);
	return true;
}

u64 slot_index_remove_bits(slot_index *x, u32 group, u64 bits)
{
	bits &= x->mask[group];
	if (bits != 0)
		clear_bits(x, group, bits, popcount64(bits));
	return bits;
}

/* The lowest group with a free slot, or ~0u; moves the hint up to it. */
static u32 first_group(slot_index *x)
{
	u32 words = x->cap / 64;
	for (u32 w = x->hint; w < words; w++) {
		if (x->nonempty[w] != 0) {
			x->hint = w;
			return w * 64 + u32(__builtin_ctzll(x->nonempty[w]));
		}
	}
	x->hint = words;
	return ~0u;
}

u32 slot_index_take(slot_index *x)
{
	u32 g = first_group(x);
	if (g == ~0u)
		return ~0u;
	u32 i = u32(__builtin_ctzll(x->mask[g]));
	clear_bits(x, g, u64{1} << i, 1);
	return g * SLOT_GROUP + i;
}

u64 slot_index_take_group(slot_index *x, u32 *group)
{
	u32 g = first_group(x);
	if (g == ~0u)
		return 0;
	u64 bits = x->mask[g];
	clear_bits(x, g, bits, popcount64(bits));
	*group = g;
	return bits;
}

} // namespace gort::rt
