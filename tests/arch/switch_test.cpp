/*
 * tests/arch/switch_test.cpp - the context switch: every callee-saved
 * register and the FP control state survive a round trip (checked from
 * assembly, on both sides of the switch); fresh contexts start with the
 * default FP state; a ring of thousands of contexts passes a token.
 */
#include "arch/arch.h"
#include "runtime/fiber.h"

#include "../race_edges.h"

#include <cfenv>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

using namespace gort::rt;
using gort_test::switch_ordered;

extern "C" {
void gort_test_probe(arch_context *self, const arch_context *to, const u64 *in,
		     u64 *out);
extern const u64 gort_test_probe_nslots;
}

namespace {

constexpr int MAX_SLOTS = 32;

/* Sentinels: distinct per slot and per side; the last slot of each arch's
 * list is FP control (x86-64: mxcsr then x87 cw; AArch64: fpcr), so the
 * values there must be valid settings that differ from the defaults. */
void fill_sentinels(u64 *v, u64 seed, bool side_a)
{
	u64 n = gort_test_probe_nslots;
	for (u64 i = 0; i < n; i++)
		v[i] = seed * 0x9e3779b97f4a7c15ull + i * 0x0101010101010101ull;
	if (n == 8) {				 /* x86-64 */
		v[6] = side_a ? 0xffc0 : 0x3f80; /* FTZ|DAZ|RZ vs round down */
		v[7] = side_a ? 0x0e7f
			      : 0x067f; /* RC=trunc vs RC=down, PC=53 */
	} else {			/* AArch64 */
		v[19] = side_a ? 0x07c00000 : 0x00400000; /* DN|FZ|RZ vs RP */
	}
}

/* gort_test_probe around the sanitizer protocol, as fiber_switch does it
 * (fiber.cpp): TSan is told the fiber it switches to right before the
 * jump, and nothing between the two touches memory.  Ordered as
 * switch_ordered() is (tests/race_edges.h). */
void probe_switch(fiber *self, fiber *to, const u64 *in, u64 *out)
{
	race_release(to);
	asan_start_switch(&self->asan_fake_stack, to->asan_bottom,
			  to->asan_size);
	tsan_switch(to->tsan_fiber);
	gort_test_probe(&self->ctx, &to->ctx, in, out);
	asan_finish_switch(self->asan_fake_stack);
	race_acquire(self);
}

struct probe_pair {
	fiber main_f;
	fiber other;
	u64 in_a[MAX_SLOTS], out_a[MAX_SLOTS];
	u64 in_b[MAX_SLOTS], out_b[MAX_SLOTS];
};

void other_side(void *p)
{
	auto pp = static_cast<probe_pair *>(p);
	/* Clobber everything with side B's sentinels and switch back. */
	probe_switch(&pp->other, &pp->main_f, pp->in_b, pp->out_b);
}

} // namespace

TEST(arch_switch, preserves_callee_saved_registers_and_fp_control)
{
	ASSERT_LE(gort_test_probe_nslots, u64{MAX_SLOTS});
	auto pp = new probe_pair{};
	fill_sentinels(pp->in_a, 1, true);
	fill_sentinels(pp->in_b, 2, false);
	fiber_init_thread(&pp->main_f);
	ASSERT_EQ(fiber_create(&pp->other, other_side, pp, 0, &pp->main_f),
		  stack_err::none);

	/* A: load sentinels, switch to B (which loads its own), come back. */
	probe_switch(&pp->main_f, &pp->other, pp->in_a, pp->out_a);
	for (u64 i = 0; i < gort_test_probe_nslots; i++)
		EXPECT_EQ(pp->out_a[i], pp->in_a[i]) << "side A, slot " << i;

	/* B resumes with its sentinels intact although A ran meanwhile. */
	switch_ordered(&pp->main_f, &pp->other);
	EXPECT_TRUE(pp->other.done);
	for (u64 i = 0; i < gort_test_probe_nslots; i++)
		EXPECT_EQ(pp->out_b[i], pp->in_b[i]) << "side B, slot " << i;
	fiber_destroy(&pp->other);
	delete pp;
}

namespace {

struct fp_probe {
	fiber main_f, other;
	float sum_seen;
};

void fp_default_side(void *p)
{
	auto fp = static_cast<fp_probe *>(p);
	/* A fresh context rounds to nearest (ties to even) whatever the
	 * creator's mode: 1 + 3*2^-24 lies halfway between two floats and
	 * becomes 1 + 4*2^-24; rounding down would give 1 + 2*2^-24. */
	volatile float a = 1.0f, b = 3.0f * 5.9604644775390625e-8f;
	fp->sum_seen = a + b;
	switch_ordered(&fp->other, &fp->main_f);
}

} // namespace

TEST(arch_switch, fresh_context_starts_with_default_rounding)
{
	fp_probe fp{};
	fiber_init_thread(&fp.main_f);
	ASSERT_EQ(fiber_create(&fp.other, fp_default_side, &fp, 0, &fp.main_f),
		  stack_err::none);
	int saved = std::fegetround();
	ASSERT_EQ(std::fesetround(FE_DOWNWARD), 0);
	switch_ordered(&fp.main_f, &fp.other);
	int mode_after = std::fegetround();
	std::fesetround(saved);
	EXPECT_EQ(fp.sum_seen, 1.0f + 4.0f * 5.9604644775390625e-8f);
	EXPECT_EQ(mode_after, FE_DOWNWARD) << "the creator's mode came back";
	switch_ordered(&fp.main_f, &fp.other); /* let it finish */
	EXPECT_TRUE(fp.other.done);
	fiber_destroy(&fp.other);
}

namespace {

struct ring {
	std::vector<fiber> fibers;
	fiber main_f;
	int laps;
	u64 token = 0;
	u64 corrupted = 0;
};

struct ring_member {
	ring *r;
	size_t index;
};

void ring_body(void *p)
{
	auto m = static_cast<ring_member *>(p);
	ring *r = m->r;
	size_t n = r->fibers.size();
	/* A local that must survive every switch untouched. */
	volatile u64 mine = 0xabcdef00ull + m->index;
	for (int lap = 0; lap < r->laps; lap++) {
		r->token++;
		fiber *next = m->index + 1 < n ? &r->fibers[m->index + 1]
					       : &r->main_f;
		switch_ordered(&r->fibers[m->index], next);
		if (mine != 0xabcdef00ull + m->index)
			r->corrupted++;
	}
}

} // namespace

TEST(arch_switch, thousands_of_contexts_pass_a_token_around_a_ring)
{
	constexpr size_t N = 4096;
	ring r;
	r.laps = 20;
	r.fibers.resize(N);
	std::vector<ring_member> members(N);
	fiber_init_thread(&r.main_f);
	for (size_t i = 0; i < N; i++) {
		members[i] = {&r, i};
		ASSERT_EQ(fiber_create(&r.fibers[i], ring_body, &members[i],
				       32 * 1024, &r.main_f),
			  stack_err::none);
	}
	/* Each lap: main -> 0 -> 1 -> ... -> N-1 -> main. */
	for (int lap = 0; lap < r.laps; lap++) {
		switch_ordered(&r.main_f, &r.fibers[0]);
		EXPECT_EQ(r.token, (lap + 1) * N);
	}
	/* One more pass lets each member leave its loop and finish. */
	for (size_t i = 0; i < N; i++) {
		r.fibers[i].exit_to = &r.main_f;
		switch_ordered(&r.main_f, &r.fibers[i]);
		EXPECT_TRUE(r.fibers[i].done);
		fiber_destroy(&r.fibers[i]);
	}
	EXPECT_EQ(r.corrupted, 0u);
}
