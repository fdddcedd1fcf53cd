/*
 * tests/runtime/slot_index_test.cpp - the free-slot index behind the stack
 * and G pools: lowest slot first whatever order slots were freed in,
 * whole groups for the trimmer, removal, counts, and tables that grow.
 */
#include "runtime/slot_index.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace gort::rt;

namespace {

/* An index of @groups groups whose slots are all taken. */
slot_index make_index(u32 groups)
{
	slot_index x;
	for (u32 g = 0; g < groups; g++)
		EXPECT_EQ(slot_index_add_group(&x, reinterpret_cast<void *>(
							   uptr(g + 1) * 4096)),
			  g);
	return x;
}

} // namespace

TEST(slot_index, hands_out_the_lowest_free_slot_whatever_the_free_order)
{
	constexpr u32 GROUPS = 300; /* past one word of group bits, twice */
	slot_index x = make_index(GROUPS);
	EXPECT_EQ(slot_index_take(&x), ~0u) << "a new group's slots are taken";

	std::vector<u32> slots(GROUPS * SLOT_GROUP);
	for (u32 i = 0; i < slots.size(); i++)
		slots[i] = i;
	std::mt19937 rng(7);
	std::shuffle(slots.begin(), slots.end(), rng);
	for (u32 s : slots)
		slot_index_put(&x, s);
	EXPECT_EQ(x.nfree, slots.size());

	for (u32 want = 0; want < slots.size(); want++)
		ASSERT_EQ(slot_index_take(&x), want);
	EXPECT_EQ(x.nfree, 0u);
	EXPECT_EQ(slot_index_take(&x), ~0u);
}

TEST(slot_index, a_slot_freed_below_the_hint_is_found_again)
{
	slot_index x = make_index(200);
	slot_index_put(&x, 150 * SLOT_GROUP + 3);
	EXPECT_EQ(slot_index_take(&x), 150 * SLOT_GROUP + 3);
	EXPECT_EQ(slot_index_take(&x), ~0u); /* the hint is now past all */
	slot_index_put(&x, 5);
	slot_index_put(&x, 199 * SLOT_GROUP + 63);
	EXPECT_EQ(slot_index_take(&x), 5u);
	EXPECT_EQ(slot_index_take(&x), 199 * SLOT_GROUP + 63);
}

TEST(slot_index, owner_of_a_slot_is_its_groups)
{
	slot_index x = make_index(3);
	EXPECT_EQ(slot_index_owner(&x, 2 * SLOT_GROUP + 17),
		  reinterpret_cast<void *>(uptr(3) * 4096));
	EXPECT_EQ(slot_index_owner(&x, 0), reinterpret_cast<void *>(4096));
}

TEST(slot_index, remove_takes_a_free_slot_and_refuses_a_taken_one)
{
	slot_index x = make_index(2);
	slot_index_put(&x, 70);
	slot_index_put(&x, 71);
	EXPECT_TRUE(slot_index_remove(&x, 70));
	EXPECT_FALSE(slot_index_remove(&x, 70));
	EXPECT_FALSE(slot_index_remove(&x, 3));
	EXPECT_EQ(x.nfree, 1u);
	EXPECT_EQ(slot_index_take(&x), 71u);
	EXPECT_EQ(slot_index_take(&x), ~0u);
}

TEST(slot_index, take_group_returns_every_free_slot_of_the_lowest_group)
{
	slot_index x = make_index(4);
	slot_index_put(&x, 3 * SLOT_GROUP + 1);
	slot_index_put(&x, 3 * SLOT_GROUP + 60);
	slot_index_put(&x, 2 * SLOT_GROUP + 0);
	slot_index_put(&x, 2 * SLOT_GROUP + 63);
	u32 group = 99;
	EXPECT_EQ(slot_index_take_group(&x, &group), (u64{1} << 63) | u64{1});
	EXPECT_EQ(group, 2u);
	EXPECT_EQ(slot_index_take_group(&x, &group),
		  (u64{1} << 60) | (u64{1} << 1));
	EXPECT_EQ(group, 3u);
	EXPECT_EQ(slot_index_take_group(&x, &group), 0u);
	EXPECT_EQ(x.nfree, 0u);
}
