/*
 * arch/aarch64/sigctx.cpp - save, restore and redirect a signal handler's
 * interrupted context, for asynchronous preemption (arch.h).
 *
 * The kernel's mcontext holds x0-x30, sp, pc and pstate (NZCV, the flags),
 * then a list of records in __reserved: fpsimd_context (v0-v31, FPSR,
 * FPCR), possibly esr_context, sve_context and others, ended by a null
 * record.  The save area is a copy of the whole mcontext.  A frame whose
 * state spills out of __reserved (an extra_context record, for large SVE
 * vectors) is not saved: the caller then declines to preempt.
 */
#include "arch.h"

#include <asm/sigcontext.h>
#include <cstring>
#include <ucontext.h>

namespace gort::rt {

static constexpr usize SKIP_BELOW_SP = 128; /* no red zone; be generous */

usize arch_sigctx_save_size(const void *uc)
{
	auto u = static_cast<const ucontext_t *>(uc);
	return sizeof(u->uc_mcontext);
}

/* Walk the records: false if one points outside the frame. */
static bool self_contained(const mcontext_t &mc)
{
	usize off = 0;
	while (off + sizeof(_aarch64_ctx) <= sizeof(mc.__reserved)) {
		_aarch64_ctx head;
		std::memcpy(&head, mc.__reserved + off, sizeof(head));
		if (head.magic == 0)
			return true;
		if (head.magic == EXTRA_MAGIC || head.size == 0)
			return false;
		off += head.size;
	}
	return false;
}

bool arch_sigctx_save(const void *uc, void *area, usize size)
{
	auto u = static_cast<const ucontext_t *>(uc);
	if (size < sizeof(u->uc_mcontext) || !self_contained(u->uc_mcontext))
		return false;
	std::memcpy(area, &u->uc_mcontext, sizeof(u->uc_mcontext));
	return true;
}

bool arch_sigctx_restore(void *uc, const void *area)
{
	auto u = static_cast<ucontext_t *>(uc);
	std::memcpy(&u->uc_mcontext, area, sizeof(u->uc_mcontext));
	return true;
}

void arch_sigctx_redirect(void *uc, uptr pc)
{
	auto u = static_cast<ucontext_t *>(uc);
	u->uc_mcontext.sp = (u->uc_mcontext.sp - SKIP_BELOW_SP) & ~u64{15};
	u->uc_mcontext.pc = pc;
	/* x30 (lr) is left alone: the saved copy is what comes back. */
}

/* No: putting back x0-x30, sp and pc together needs a register to branch
 * through, and the interrupted code may be using every one; sigreturn
 * restores them all at once. */
bool arch_preempt_resume_usable()
{
	return false;
}

} // namespace gort::rt

extern "C" void gort_arch_preempt_resume(const void *)
{
	__builtin_trap(); /* never called: see above */
}
