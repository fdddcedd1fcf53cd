/*
 * arch/x86_64/context.cpp - prepare a fresh context, read a signal context.
 */
#include "arch.h"

#include <ucontext.h>

extern "C" void gort_arch_start();

namespace gort::rt {

void arch_context_init(arch_context *ctx, uptr stack_lo, uptr stack_hi,
		       void (*fn)(void *), void *arg)
{
	(void)stack_lo;
	*ctx = arch_context{};
	ctx->r12 = reinterpret_cast<u64>(fn);
	ctx->r13 = reinterpret_cast<u64>(arg);
	/* gort_arch_start calls fn with %rsp 16-byte aligned, as the ABI
	 * requires at a call instruction. */
	ctx->sp = stack_hi & ~uptr{15};
	ctx->pc = reinterpret_cast<u64>(&gort_arch_start);
	ctx->mxcsr = CTX_MXCSR_DEFAULT;
	ctx->fpucw = CTX_FPUCW_DEFAULT;
}

uptr arch_sigctx_pc(const void *uc)
{
	auto u = static_cast<const ucontext_t *>(uc);
	return static_cast<uptr>(u->uc_mcontext.gregs[REG_RIP]);
}

uptr arch_sigctx_sp(const void *uc)
{
	auto u = static_cast<const ucontext_t *>(uc);
	return static_cast<uptr>(u->uc_mcontext.gregs[REG_RSP]);
}

} // namespace gort::rt
