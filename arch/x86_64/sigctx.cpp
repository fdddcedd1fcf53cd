/*
 * arch/x86_64/sigctx.cpp - save, restore and redirect a signal handler's
 * interrupted context, for asynchronous preemption (arch.h).
 *
 * The kernel's frame holds the general registers (gregs, %rip, %rsp and
 * %eflags among them) and a pointer to the FP state: an XSAVE area of the
 * size the CPU reports for the features the kernel enabled (AVX, AVX-512,
 * ...), announced in the software-reserved bytes of its FXSAVE part
 * (magic1 and extended_size), or a bare 512-byte FXSAVE image on CPUs
 * without XSAVE.  The save area is: [size of the FP image (u64)] [gregs]
 * [FP image].
 */
#include "arch.h"

#include <asm/prctl.h>
#include <cstring>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

namespace gort::rt {

static constexpr u32 FP_XSTATE_MAGIC1_ = 0x46505853U;
static constexpr usize SW_BYTES_OFFSET = 464;
static constexpr usize RED_ZONE = 128;

static usize fp_image_size(const ucontext_t *u)
{
	auto fp =
		reinterpret_cast<const unsigned char *>(u->uc_mcontext.fpregs);
	if (fp == nullptr)
		return 0;
	u32 magic1, extended;
	std::memcpy(&magic1, fp + SW_BYTES_OFFSET, sizeof(magic1));
	std::memcpy(&extended, fp + SW_BYTES_OFFSET + 4, sizeof(extended));
	return magic1 == FP_XSTATE_MAGIC1_ ? usize(extended) : 512;
}

usize arch_sigctx_save_size(const void *uc)
{
	auto u = static_cast<const ucontext_t *>(uc);
	return sizeof(u64) + sizeof(u->uc_mcontext.gregs) + fp_image_size(u);
}

bool arch_sigctx_save(const void *uc, void *area, usize size)
{
	auto u = static_cast<const ucontext_t *>(uc);
	u64 fp_size = fp_image_size(u);
	if (sizeof(u64) + sizeof(u->uc_mcontext.gregs) + fp_size > size)
		return false;
	auto dst = static_cast<unsigned char *>(area);
	std::memcpy(dst, &fp_size, sizeof(fp_size));
	dst += sizeof(fp_size);
	std::memcpy(dst, u->uc_mcontext.gregs, sizeof(u->uc_mcontext.gregs));
	dst += sizeof(u->uc_mcontext.gregs);
	if (fp_size != 0)
		std::memcpy(dst, u->uc_mcontext.fpregs, fp_size);
	return true;
}

bool arch_sigctx_restore(void *uc, const void *area)
{
	auto u = static_cast<ucontext_t *>(uc);
	auto src = static_cast<const unsigned char *>(area);
	u64 fp_size;
	std::memcpy(&fp_size, src, sizeof(fp_size));
	src += sizeof(fp_size);
	/* Same thread, same enabled features: the same frame layout. */
	if (fp_size != fp_image_size(u))
		return false;
	std::memcpy(u->uc_mcontext.gregs, src, sizeof(u->uc_mcontext.gregs));
	src += sizeof(u->uc_mcontext.gregs);
	if (fp_size != 0)
		std::memcpy(u->uc_mcontext.fpregs, src, fp_size);
	return true;
}

void arch_sigctx_redirect(void *uc, uptr pc)
{
	auto u = static_cast<ucontext_t *>(uc);
	uptr sp = uptr(u->uc_mcontext.gregs[REG_RSP]);
	/* Step over the red zone the interrupted code may be using (the
	 * SysV ABI lets a leaf function keep data below %rsp), and align
	 * as for a call instruction. */
	sp = (sp - RED_ZONE) & ~uptr{15};
	u->uc_mcontext.gregs[REG_RSP] = greg_t(sp);
	u->uc_mcontext.gregs[REG_RIP] = greg_t(pc);
}

/* Without a shadow stack (CET, which Linux enables only when the program
 * asks for it): the "ret" in gort_arch_preempt_resume would not match
 * it.  Kernels that predate shadow stacks reject the query. */
bool arch_preempt_resume_usable()
{
#ifndef ARCH_SHSTK_STATUS
#define ARCH_SHSTK_STATUS 0x5005
#endif
	unsigned long features = 0;
	if (::syscall(SYS_arch_prctl, ARCH_SHSTK_STATUS, &features) != 0)
		return true;
	return (features & 1) == 0; /* ARCH_SHSTK_SHSTK */
}

} // namespace gort::rt
