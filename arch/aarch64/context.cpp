/*
 * arch/aarch64/context.cpp - prepare a fresh context, read a signal context.
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
	ctx->x19_x28[0] = reinterpret_cast<u64>(fn);
	ctx->x19_x28[1] = reinterpret_cast<u64>(arg);
	ctx->lr = reinterpret_cast<u64>(&gort_arch_start);
	ctx->sp = stack_hi & ~uptr{15}; /* AAPCS64: sp is 16-byte aligned */
	ctx->fpcr = 0;			/* round to nearest, no flush-to-zero */
}

uptr arch_sigctx_pc(const void *uc)
{
	auto u = static_cast<const ucontext_t *>(uc);
	return static_cast<uptr>(u->uc_mcontext.pc);
}

uptr arch_sigctx_sp(const void *uc)
{
	auto u = static_cast<const ucontext_t *>(uc);
	return static_cast<uptr>(u->uc_mcontext.sp);
}

} // namespace gort::rt
