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
 * again, raises a second signal whose handler puts the saved context
 * back (sigreturn restores all of it at once), so it never returns here.
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

GORT_NOEXEC_STACK
