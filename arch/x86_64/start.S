/*
 * arch/x86_64/start.S - the first frame of every fresh context.
 *
 * arch_context_init() points a new context's pc here with fn in %r12 and
 * arg in %r13 and %rsp 16-byte aligned at the top of the new stack.  We
 * call fn(arg); fn never returns (the runtime switches away for good when
 * a goroutine ends), so falling out is a fatal runtime bug.
 *
 * Unwinding: ".cfi_undefined rip" says this frame has no caller, so gdb's
 * backtrace stops here cleanly and the C++ unwinder ends its search here
 * (an exception with no handler above this frame terminates instead of
 * walking into whatever bytes lie above the stack).  %rbp = 0 ends
 * frame-pointer walks the same way.
 */
#include "../asm.h"

FUNC_START(gort_arch_start)
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r13, %rdi
	call	*%r12
	call	gort_arch_start_returned	/* noreturn: reports and exits */
	ud2
FUNC_END(gort_arch_start)

GORT_NOEXEC_STACK
