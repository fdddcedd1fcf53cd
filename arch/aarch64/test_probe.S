/*
 * arch/aarch64/test_probe.S - lets tests/arch/switch_test.cpp check that
 * gort_arch_switch preserves every callee-saved register and FPCR.
 * Built into the tests only.
 *
 * void gort_test_probe(struct arch_context *self,      x0
 *                      const struct arch_context *to,  x1
 *                      const u64 in[20],               x2
 *                      u64 out[20]);                   x3
 * Slots: x19-x28 (0-9), x29 (10), d8-d15 (11-18), fpcr (19).
 * Loads the sentinels from in[], switches to *to, and when switched back
 * stores what the registers then hold into out[].  The caller's own
 * callee-saved state is preserved around all of it.
 */
#include "../asm.h"

	.section .rodata
	.globl	gort_test_probe_nslots
	.p2align 3
gort_test_probe_nslots:
	.quad	20

FUNC_START(gort_test_probe)
	sub	sp, sp, #176
	.cfi_adjust_cfa_offset 176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	stp	x9, x3, [sp, #160]

	ldp	x19, x20, [x2, #0]
	ldp	x21, x22, [x2, #16]
	ldp	x23, x24, [x2, #32]
	ldp	x25, x26, [x2, #48]
	ldp	x27, x28, [x2, #64]
	ldr	x29, [x2, #80]
	ldp	d8, d9, [x2, #88]
	ldp	d10, d11, [x2, #104]
	ldp	d12, d13, [x2, #120]
	ldp	d14, d15, [x2, #136]
	ldr	x9, [x2, #152]
	msr	fpcr, x9
	bl	gort_arch_switch

	ldr	x3, [sp, #168]
	stp	x19, x20, [x3, #0]
	stp	x21, x22, [x3, #16]
	stp	x23, x24, [x3, #32]
	stp	x25, x26, [x3, #48]
	stp	x27, x28, [x3, #64]
	str	x29, [x3, #80]
	stp	d8, d9, [x3, #88]
	stp	d10, d11, [x3, #104]
	stp	d12, d13, [x3, #120]
	stp	d14, d15, [x3, #136]
	mrs	x9, fpcr
	str	x9, [x3, #152]

	ldr	x9, [sp, #160]
	msr	fpcr, x9
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	.cfi_adjust_cfa_offset -176
	ret
FUNC_END(gort_test_probe)

GORT_NOEXEC_STACK
