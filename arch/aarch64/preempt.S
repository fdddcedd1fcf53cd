/*
 * arch/aarch64/preempt.S - where an asynchronously preempted goroutine
 * goes when the SIGURG handler returns.
 *
 * The handler (runtime/preempt_linux.cpp) has already copied the whole
 * interrupted context, x0-x30, sp, pc, pstate (the flags) and the FP/SIMD
 * record (v0-v31, FPSR, FPCR) of the signal frame, into the goroutine's
 * save area, and pointed pc here with sp 128 bytes lower and 16-byte
 * aligned.  lr (x30) still holds the interrupted code's value, which the
 * saved context preserves: gort_preempt_park() never returns here; when
 * the goroutine runs again it raises a second signal whose handler puts
 * the saved context back, and sigreturn restores every register at once,
 * lr included.  No scratch register is ever needed to get back.
 *
 * ".cfi_undefined x30" and fp = 0 end backtraces at this frame.
 */
#include "../asm.h"

FUNC_START(gort_arch_preempt_trampoline)
	.cfi_undefined x30
	mov	x29, #0
	bl	gort_preempt_park	/* noreturn */
	brk	#0
FUNC_END(gort_arch_preempt_trampoline)

GORT_NOEXEC_STACK
