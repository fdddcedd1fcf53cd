/*
 * arch/aarch64/switch.S - leave one context, resume another (AAPCS64).
 *
 * void gort_arch_switch(struct arch_context *from,    x0, written
 *                       const struct arch_context *to) x1, read
 *
 * Saves: x19-x28, fp (x29), lr (x30, the resume address), sp, d8-d15,
 *        FPCR.  x18 (platform register) is never touched.
 * Skips: caller-saved and the upper halves of v8-v15 (the ABI keeps only
 *        the low 64 bits), the signal mask (no system call here), TPIDR_EL0
 *        (TLS belongs to the thread).
 * Resume: `ret` through the loaded lr.  A ret needs no BTI landing pad
 *        at its target, so this stays correct when callers are built with
 *        -mbranch-protection.
 * FP control: FPCR is stored on every switch and written only when the
 *        incoming value differs (an msr to FPCR is self-synchronising).
 * Stack: sp always points into a real stack, nothing live below it.
 */
#include "../asm.h"
#include "arch_context.h"

FUNC_START(gort_arch_switch)
	mov	x9, sp
	stp	x19, x20, [x0, #CTX_X19]
	stp	x21, x22, [x0, #CTX_X21]
	stp	x23, x24, [x0, #CTX_X23]
	stp	x25, x26, [x0, #CTX_X25]
	stp	x27, x28, [x0, #CTX_X27]
	stp	x29, x30, [x0, #CTX_FP]
	str	x9, [x0, #CTX_SP]
	stp	d8, d9, [x0, #CTX_D8]
	stp	d10, d11, [x0, #CTX_D10]
	stp	d12, d13, [x0, #CTX_D12]
	stp	d14, d15, [x0, #CTX_D14]
	mrs	x10, fpcr
	str	x10, [x0, #CTX_FPCR]

	ldr	x11, [x1, #CTX_FPCR]
	cmp	x10, x11
	b.eq	1f
	msr	fpcr, x11
1:
	ldp	x19, x20, [x1, #CTX_X19]
	ldp	x21, x22, [x1, #CTX_X21]
	ldp	x23, x24, [x1, #CTX_X23]
	ldp	x25, x26, [x1, #CTX_X25]
	ldp	x27, x28, [x1, #CTX_X27]
	ldp	d8, d9, [x1, #CTX_D8]
	ldp	d10, d11, [x1, #CTX_D10]
	ldp	d12, d13, [x1, #CTX_D12]
	ldp	d14, d15, [x1, #CTX_D14]
	ldp	x29, x30, [x1, #CTX_FP]
	ldr	x9, [x1, #CTX_SP]
	mov	sp, x9			/* from here on: the other stack */
	ret
FUNC_END(gort_arch_switch)

GORT_NOEXEC_STACK
