/*
 * arch/x86_64/switch.S - leave one context, resume another (System V).
 *
 * void gort_arch_switch(struct arch_context *from,    %rdi, written
 *                       const struct arch_context *to) %rsi, read
 *
 * Saves: rbx rbp r12-r15, sp, resume pc, mxcsr, x87 control word.
 * Skips: caller-saved and vector registers (dead across any call), the
 *        signal mask (no system call here, ever), the fs base (TLS
 *        belongs to the thread, not the goroutine).
 * Resume: pop-and-jump.  The switch never executes a `ret`: a ret whose
 *        target does not match the call that entered this function
 *        mispredicts on every switch (measured here: 9.3 ns against
 *        2.65 ns for the jump).
 * FP control: MXCSR and the x87 control word are stored first thing
 *        (the stores then retire while the rest runs).  MXCSR is
 *        reloaded unconditionally: reading back the value stmxcsr just
 *        stored, to skip an equal reload, stalls on store forwarding and
 *        measured slower here (6.2 ns against 5.0 ns a switch).  The x87
 *        word reads back cheaply and fldcw is costly, so it is compared
 *        and reloaded only when it differs.  See HACKING.md, "The switch".
 * Stack: %rsp always points into a real stack with nothing live below
 *        it, so a signal may arrive between any two instructions.
 */
#include "../asm.h"
#include "arch_context.h"

FUNC_START(gort_arch_switch)
	stmxcsr	CTX_MXCSR(%rdi)
	fnstcw	CTX_FPUCW(%rdi)
	movq	(%rsp), %rax		/* our return address is the resume pc */
	leaq	8(%rsp), %rdx		/* %rsp as the caller will see it */
	movq	%rbx, CTX_RBX(%rdi)
	movq	%rbp, CTX_RBP(%rdi)
	movq	%r12, CTX_R12(%rdi)
	movq	%r13, CTX_R13(%rdi)
	movq	%r14, CTX_R14(%rdi)
	movq	%r15, CTX_R15(%rdi)
	movq	%rdx, CTX_SP(%rdi)
	movq	%rax, CTX_PC(%rdi)

	ldmxcsr	CTX_MXCSR(%rsi)
	movq	CTX_RBX(%rsi), %rbx
	movq	CTX_RBP(%rsi), %rbp
	movq	CTX_R12(%rsi), %r12
	movq	CTX_R13(%rsi), %r13
	movq	CTX_R14(%rsi), %r14
	movq	CTX_R15(%rsi), %r15
	movzwl	CTX_FPUCW(%rsi), %eax
	cmpw	CTX_FPUCW(%rdi), %ax
	jne	.Lreload_fpucw
.Lfpucw_done:
	movq	CTX_SP(%rsi), %rsp	/* from here on: the other stack */
	jmp	*CTX_PC(%rsi)

.Lreload_fpucw:
	fldcw	CTX_FPUCW(%rsi)
	jmp	.Lfpucw_done
FUNC_END(gort_arch_switch)

GORT_NOEXEC_STACK
