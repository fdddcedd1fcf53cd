/*
 * arch/x86_64/test_probe.S - lets tests/arch/switch_test.cpp check that
 * gort_arch_switch preserves every callee-saved register and the FP
 * control state.  Built into the tests only.
 *
 * void gort_test_probe(struct arch_context *self,      %rdi
 *                      const struct arch_context *to,  %rsi
 *                      const u64 in[8],                %rdx
 *                      u64 out[8]);                    %rcx
 * Slots: rbx rbp r12 r13 r14 r15 mxcsr x87cw.
 * Loads the sentinels from in[], switches to *to, and when switched back
 * stores what the registers then hold into out[].  The caller's own
 * callee-saved state is preserved around all of it.
 */
#include "../asm.h"

	.section .rodata
	.globl	gort_test_probe_nslots
	.p2align 3
gort_test_probe_nslots:
	.quad	8

FUNC_START(gort_test_probe)
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
	subq	$24, %rsp		/* keeps %rsp 16-aligned at the call */
	.cfi_adjust_cfa_offset 24
	stmxcsr	0(%rsp)
	fnstcw	4(%rsp)
	movq	%rcx, 8(%rsp)

	movq	0(%rdx), %rbx
	movq	8(%rdx), %rbp
	movq	16(%rdx), %r12
	movq	24(%rdx), %r13
	movq	32(%rdx), %r14
	movq	40(%rdx), %r15
	ldmxcsr	48(%rdx)
	fldcw	56(%rdx)
	call	gort_arch_switch

	movq	8(%rsp), %rcx
	movq	%rbx, 0(%rcx)
	movq	%rbp, 8(%rcx)
	movq	%r12, 16(%rcx)
	movq	%r13, 24(%rcx)
	movq	%r14, 32(%rcx)
	movq	%r15, 40(%rcx)
	movq	$0, 48(%rcx)
	movq	$0, 56(%rcx)
	stmxcsr	48(%rcx)
	fnstcw	56(%rcx)

	ldmxcsr	0(%rsp)
	fldcw	4(%rsp)
	addq	$24, %rsp
	.cfi_adjust_cfa_offset -24
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
FUNC_END(gort_test_probe)

GORT_NOEXEC_STACK
