/*
 * arch/aarch64/start.S - the first frame of every fresh context.
 *
 * arch_context_init() makes a new context resume here with fn in x19,
 * arg in x20 and sp 16-byte aligned at the top of the new stack.  We call
 * fn(arg); fn never returns, so falling out is a fatal runtime bug.
 *
 * ".cfi_undefined x30" marks this frame as having no caller: gdb's
 * backtrace stops here and the C++ unwinder ends its search here.
 * fp = 0 and lr = 0 end frame-record walks the same way.
 */
#include "../asm.h"

FUNC_START(gort_arch_start)
	.cfi_undefined x30
	mov	x29, #0
	mov	x30, #0
	mov	x0, x20
	blr	x19
	bl	gort_arch_start_returned	/* noreturn: reports and exits */
	brk	#0
FUNC_END(gort_arch_start)

GORT_NOEXEC_STACK
