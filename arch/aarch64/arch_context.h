/*
 * arch/aarch64/arch_context.h - a saved goroutine context, AAPCS64.
 *
 * Layout (byte offsets, shared with switch.S through the CTX_* macros):
 *
 *     0  x19  8 x20  16 x21  24 x22  32 x23  40 x24  48 x25  56 x26
 *    64  x27 72 x28
 *    80  fp (x29)   88  lr (x30: where the context resumes)
 *    96  sp
 *   104  d8 .. 160 d15   (low 64 bits of v8-v15: all AAPCS64 keeps)
 *   168  fpcr
 *
 * x18 is the platform register and is never touched.  FPCR (rounding
 * mode, flush-to-zero) is callee-saved state that travels with a
 * goroutine because it may resume on another thread.
 *
 * A fresh context (arch_context_init) holds fn in x19 and arg in x20 and
 * resumes at gort_arch_start, which calls fn(arg).
 */
#pragma once

#define CTX_X19 0
#define CTX_X21 16
#define CTX_X23 32
#define CTX_X25 48
#define CTX_X27 64
#define CTX_FP 80
#define CTX_LR 88
#define CTX_SP 96
#define CTX_D8 104
#define CTX_D10 120
#define CTX_D12 136
#define CTX_D14 152
#define CTX_FPCR 168
#define CTX_SIZE 176

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace gort::rt {

struct arch_context {
	std::uint64_t x19_x28[10];
	std::uint64_t fp;
	std::uint64_t lr;
	std::uint64_t sp;
	std::uint64_t d8_d15[8];
	std::uint64_t fpcr;
};

static_assert(offsetof(arch_context, x19_x28) == CTX_X19);
static_assert(offsetof(arch_context, x19_x28) + 2 * 8 == CTX_X21);
static_assert(offsetof(arch_context, x19_x28) + 4 * 8 == CTX_X23);
static_assert(offsetof(arch_context, x19_x28) + 6 * 8 == CTX_X25);
static_assert(offsetof(arch_context, x19_x28) + 8 * 8 == CTX_X27);
static_assert(offsetof(arch_context, fp) == CTX_FP);
static_assert(offsetof(arch_context, lr) == CTX_LR);
static_assert(offsetof(arch_context, sp) == CTX_SP);
static_assert(offsetof(arch_context, d8_d15) == CTX_D8);
static_assert(offsetof(arch_context, d8_d15) + 2 * 8 == CTX_D10);
static_assert(offsetof(arch_context, d8_d15) + 4 * 8 == CTX_D12);
static_assert(offsetof(arch_context, d8_d15) + 6 * 8 == CTX_D14);
static_assert(offsetof(arch_context, fpcr) == CTX_FPCR);
static_assert(sizeof(arch_context) == CTX_SIZE);

inline std::uint64_t arch_context_pc(const arch_context *c)
{
	return c->lr;
}
inline std::uint64_t arch_context_sp(const arch_context *c)
{
	return c->sp;
}
inline std::uint64_t arch_context_fp(const arch_context *c)
{
	return c->fp;
}

} // namespace gort::rt
#endif
