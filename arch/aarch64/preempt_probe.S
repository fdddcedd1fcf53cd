/*
 * arch/aarch64/preempt_probe.S - lets tests/runtime/preempt_test.cpp check
 * that an asynchronous preemption puts back every general register and
 * the flags.  Built into the tests only; it lies in the test program's
 * own text, so it may be preempted anywhere.
 *
 * u64 gort_test_preempt_probe(u64 rounds);                     x0
 * Loads a distinct 64-bit pattern into x1-x15, x19-x28 and the frame
 * and link registers x29 and x30 (saved first, put back at the end; x0
 * counts the rounds, x16 and x17 are scratch, x18 is the platform's),
 * and sets two sticky exception bits in FPSR (IXC, DZC).  Each round then
 * sets Z and C, runs a long stretch of instructions that leave the flags
 * alone (most preemptions land there), and checks both flags, FPSR and
 * every register.  Returns 0, or the number of rounds left when
 * something had changed.  (AArch64 Linux has no red zone to check.)
 */
#include "../asm.h"

	.macro pattern reg, k
	movz	\reg, #(0x1000 + \k), lsl #48
	movk	\reg, #(0x2000 + \k), lsl #16
	movk	\reg, #(0x3000 + \k)
	.endm

	.macro check reg, k
	pattern	x17, \k
	cmp	\reg, x17
	b.ne	2f
	.endm

	.macro flat8
	.rept 8
	add	x16, x1, x2
	sub	x16, x16, #1
	.endr
	.endm

FUNC_START(gort_test_preempt_probe)
	stp	x29, x30, [sp, #-96]!
	.cfi_def_cfa_offset 96
	.cfi_offset x29, -96
	.cfi_offset x30, -88
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	pattern	x1, 1
	pattern	x2, 2
	pattern	x3, 3
	pattern	x4, 4
	pattern	x5, 5
	pattern	x6, 6
	pattern	x7, 7
	pattern	x8, 8
	pattern	x9, 9
	pattern	x10, 10
	pattern	x11, 11
	pattern	x12, 12
	pattern	x13, 13
	pattern	x14, 14
	pattern	x15, 15
	pattern	x19, 19
	pattern	x20, 20
	pattern	x21, 21
	pattern	x22, 22
	pattern	x23, 23
	pattern	x24, 24
	pattern	x25, 25
	pattern	x26, 26
	pattern	x27, 27
	pattern	x28, 28
	pattern	x29, 29
	pattern	x30, 30
	mov	x16, #0x12		/* FPSR: IXC | DZC */
	msr	fpsr, x16
1:	cmp	x0, x0			/* Z = 1, C = 1 */
	flat8
	flat8
	flat8
	flat8
	flat8
	flat8
	flat8
	flat8
	b.ne	2f
	b.cc	2f
	check	x1, 1
	check	x2, 2
	check	x3, 3
	check	x4, 4
	check	x5, 5
	check	x6, 6
	check	x7, 7
	check	x8, 8
	check	x9, 9
	check	x10, 10
	check	x11, 11
	check	x12, 12
	check	x13, 13
	check	x14, 14
	check	x15, 15
	check	x19, 19
	check	x20, 20
	check	x21, 21
	check	x22, 22
	check	x23, 23
	check	x24, 24
	check	x25, 25
	check	x26, 26
	check	x27, 27
	check	x28, 28
	check	x29, 29
	check	x30, 30
	mrs	x16, fpsr
	mov	x17, #0x12
	cmp	x16, x17
	b.ne	2f
	subs	x0, x0, #1
	b.ne	1b
2:	msr	fpsr, xzr
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	ret
FUNC_END(gort_test_preempt_probe)

GORT_NOEXEC_STACK
