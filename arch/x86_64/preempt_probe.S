/*
 * arch/x86_64/preempt_probe.S - lets tests/runtime/preempt_test.cpp check
 * that an asynchronous preemption puts back every general register, the
 * flags and the red zone.  Built into the tests only; it lies in the test
 * program's own text, so it may be preempted anywhere.
 *
 * u64 gort_test_preempt_probe(u64 rounds);                     %rdi
 * Loads a distinct pattern into each of the 13 general registers other
 * than %rdi (the round counter), %r11 (scratch) and %rsp, and into the
 * 16 slots of the red zone below %rsp, which a leaf function may use
 * without moving %rsp.  Each round then sets the carry flag, runs a long stretch of
 * instructions that leave the flags alone (most preemptions land there),
 * and checks the carry flag, every register and every red-zone slot.
 * Returns 0, or the number of rounds left when something had changed.
 */
#include "../asm.h"

#define P(k) (-0x7e000000 - 0x10101 * (k))	/* sign-extended: 64 bits */
#define SLOT(k) (-8 * ((k) + 1))(%rsp)		/* red zone, k = 0..15 */
#define FLAT lea 1(%rax,%rbx), %r11; lea -1(%r11), %r11
#define FLAT8 FLAT; FLAT; FLAT; FLAT; FLAT; FLAT; FLAT; FLAT

FUNC_START(gort_test_preempt_probe)
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	movq	$P(0), %rax
	movq	$P(1), %rbx
	movq	$P(2), %rcx
	movq	$P(3), %rdx
	movq	$P(4), %rsi
	movq	$P(5), %rbp
	movq	$P(6), %r8
	movq	$P(7), %r9
	movq	$P(8), %r10
	movq	$P(9), %r12
	movq	$P(10), %r13
	movq	$P(11), %r14
	movq	$P(12), %r15
	.irp k, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movq	$P(\k + 16), SLOT(\k)
	.endr
1:	stc
	FLAT8; FLAT8; FLAT8; FLAT8; FLAT8; FLAT8; FLAT8; FLAT8
	jnc	2f
	cmpq	$P(0), %rax
	jne	2f
	cmpq	$P(1), %rbx
	jne	2f
	cmpq	$P(2), %rcx
	jne	2f
	cmpq	$P(3), %rdx
	jne	2f
	cmpq	$P(4), %rsi
	jne	2f
	cmpq	$P(5), %rbp
	jne	2f
	cmpq	$P(6), %r8
	jne	2f
	cmpq	$P(7), %r9
	jne	2f
	cmpq	$P(8), %r10
	jne	2f
	cmpq	$P(9), %r12
	jne	2f
	cmpq	$P(10), %r13
	jne	2f
	cmpq	$P(11), %r14
	jne	2f
	cmpq	$P(12), %r15
	jne	2f
	.irp k, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	cmpq	$P(\k + 16), SLOT(\k)
	jne	2f
	.endr
	subq	$1, %rdi
	jnz	1b
2:	movq	%rdi, %rax
	popq	%r15
	.cfi_adjust_cfa_offset -8
	popq	%r14
	.cfi_adjust_cfa_offset -8
	popq	%r13
	.cfi_adjust_cfa_offset -8
	popq	%r12
	.cfi_adjust_cfa_offset -8
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	ret
FUNC_END(gort_test_preempt_probe)

GORT_NOEXEC_STACK
