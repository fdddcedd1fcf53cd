/*
 * arch/x86_64/preempt.S - where an asynchronously preempted goroutine
 * goes when the SIGURG handler returns.
 *
 * The handler (runtime/preempt_linux.cpp) has already copied the whole
 * interrupted context, every general register, the flags and the XSAVE
 * area the kernel put in the signal frame, into the goroutine's save area.
 * It then set %rip here and %rsp below the interrupted code's 128-byte red
 * zone, 16-byte aligned (arch_sigctx_redirect), so nothing the interrupted
 * code keeps in the red zone is overwritten.  From here we only need to
 * call into the runtime with an ABI-conforming stack; registers are free
 * to clobber.  gort_preempt_park() parks the goroutine, and when it runs
 * again, jumps into gort_arch_preempt_resume below, which puts the saved
 * context back without the kernel, so it never returns here.
 *
 * ".cfi_undefined rip" and %rbp = 0 end backtraces at this frame.
 */
#include "../asm.h"

FUNC_START(gort_arch_preempt_trampoline)
	.cfi_undefined rip
	xorl	%ebp, %ebp
	call	gort_preempt_park@PLT	/* noreturn */
	ud2
FUNC_END(gort_arch_preempt_trampoline)

/*
 * gort_arch_preempt_resume(area): continue a preempted goroutine at the
 * interrupted instruction with every register as the signal frame held
 * it, without a second signal (which cost 8 to 12 us a preemption here:
 * a tgkill, a signal frame and a sigreturn).
 *
 * The area (sigctx.cpp) is [FP image size][gregs, in ucontext order]
 * [FP image at byte 192, 64-byte aligned as XRSTOR needs].  XRSTOR (or
 * FXRSTOR for a bare FXSAVE image) puts back the x87, SSE, AVX and
 * AVX-512 state and MXCSR.  Then the general registers: the last two,
 * %rsp and %rip, must change together, and the interrupted code may
 * keep data in the 128 bytes below its %rsp, so nothing may be written
 * there.  A 17-slot frame is built just below that red zone, holding the
 * 15 other registers, the flags and %rip; %rsp points at it; 15 pops and
 * a popfq (the last instruction to change the flags) restore them, and
 * "ret $128" takes %rip and then lifts %rsp over the red zone to exactly
 * its saved value.  From the first store into that frame on, only the
 * area is read: the frame overlaps this goroutine's own dead frames
 * (the trampoline's and gort_preempt_park's), which lie below the red
 * zone too.  This code is in gort_text, so a SIGURG arriving meanwhile
 * is declined (INV-PREEMPT-3); any other signal's frame goes below %rsp,
 * below the frame being built.
 *
 * Not with shadow stacks (CET): "ret" would not match.  preempt_init()
 * keeps the signal then (arch_preempt_resume_usable()).
 */
#define AREA_GREG(i) (8 + 8 * (i))	/* ucontext REG_* order */
#define R8 0
#define R9 1
#define R10 2
#define R11 3
#define R12 4
#define R13 5
#define R14 6
#define R15 7
#define RDI 8
#define RSI 9
#define RBP 10
#define RBX 11
#define RDX 12
#define RAX 13
#define RCX 14
#define RSP 15
#define RIP 16
#define EFL 17
#define FP_IMAGE 192
#define RED_ZONE 128
#define FRAME (17 * 8)
/* copy saved register i into frame slot k (%rcx is scratch) */
#define PUT(i, k) movq AREA_GREG(i)(%rbx), %rcx; movq %rcx, 8 * (k)(%rsp)

FUNC_START(gort_arch_preempt_resume)
	.cfi_undefined rip
	movq	%rdi, %rbx
	movq	(%rbx), %rcx		/* FP image size, 0 for none */
	testq	%rcx, %rcx
	jz	2f
	cmpq	$512, %rcx
	je	1f
	movl	$-1, %eax		/* every component the image holds */
	movl	$-1, %edx
	xrstor64 FP_IMAGE(%rbx)
	jmp	2f
1:	fxrstor64 FP_IMAGE(%rbx)
2:	movq	AREA_GREG(RSP)(%rbx), %rsp
	subq	$(RED_ZONE + FRAME), %rsp
	PUT(R15, 0)
	PUT(R14, 1)
	PUT(R13, 2)
	PUT(R12, 3)
	PUT(R11, 4)
	PUT(R10, 5)
	PUT(R9, 6)
	PUT(R8, 7)
	PUT(RBP, 8)
	PUT(RDI, 9)
	PUT(RSI, 10)
	PUT(RDX, 11)
	PUT(RCX, 12)
	PUT(RAX, 13)
	PUT(RBX, 14)
	PUT(EFL, 15)
	PUT(RIP, 16)
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popq	%rbx
	popfq
	ret	$RED_ZONE
FUNC_END(gort_arch_preempt_resume)

GORT_NOEXEC_STACK
