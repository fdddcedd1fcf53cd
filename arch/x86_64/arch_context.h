/*
 * arch/x86_64/arch_context.h - a saved goroutine context, System V x86-64.
 *
 * Layout (byte offsets, shared with switch.S through the CTX_* macros):
 *
 *     0  rbx   8  rbp  16  r12  24  r13  32  r14  40  r15
 *    48  sp   (value of %rsp once the switch "returns")
 *    56  pc   (where the context resumes: the switch's return address,
 *              or gort_arch_start for a fresh context)
 *    64  mxcsr (u32)    68  x87 control word (u16)    70  pad
 *
 * Only callee-saved state is here: a switch is an ordinary call as far as
 * the compiler is concerned, so every caller-saved register is already
 * dead.  MXCSR and the x87 control word are callee-saved by the ABI and
 * must travel with a goroutine because it may resume on another thread.
 *
 * A fresh context (arch_context_init) holds fn in r12 and arg in r13;
 * gort_arch_start moves them into place and calls fn(arg).
 */
#pragma once

#define CTX_RBX 0
#define CTX_RBP 8
#define CTX_R12 16
#define CTX_R13 24
#define CTX_R14 32
#define CTX_R15 40
#define CTX_SP 48
#define CTX_PC 56
#define CTX_MXCSR 64
#define CTX_FPUCW 68
#define CTX_SIZE 72

/* Power-on defaults: all FP exceptions masked, round to nearest. */
#define CTX_MXCSR_DEFAULT 0x1f80
#define CTX_FPUCW_DEFAULT 0x037f

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace gort::rt {

struct arch_context {
	std::uint64_t rbx, rbp, r12, r13, r14, r15;
	std::uint64_t sp;
	std::uint64_t pc;
	std::uint32_t mxcsr;
	std::uint16_t fpucw;
	std::uint16_t pad;
};

static_assert(offsetof(arch_context, rbx) == CTX_RBX);
static_assert(offsetof(arch_context, rbp) == CTX_RBP);
static_assert(offsetof(arch_context, r12) == CTX_R12);
static_assert(offsetof(arch_context, r13) == CTX_R13);
static_assert(offsetof(arch_context, r14) == CTX_R14);
static_assert(offsetof(arch_context, r15) == CTX_R15);
static_assert(offsetof(arch_context, sp) == CTX_SP);
static_assert(offsetof(arch_context, pc) == CTX_PC);
static_assert(offsetof(arch_context, mxcsr) == CTX_MXCSR);
static_assert(offsetof(arch_context, fpucw) == CTX_FPUCW);
static_assert(sizeof(arch_context) == CTX_SIZE);

/* Saved registers a debugger or a stack walker starts from. */
inline std::uint64_t arch_context_pc(const arch_context *c)
{
	return c->pc;
}
inline std::uint64_t arch_context_sp(const arch_context *c)
{
	return c->sp;
}
inline std::uint64_t arch_context_fp(const arch_context *c)
{
	return c->rbp;
}

} // namespace gort::rt
#endif
