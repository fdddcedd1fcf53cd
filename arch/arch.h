/*
 * arch/arch.h - the only architecture header the rest of gort includes.
 *
 * The build puts exactly one of arch/x86_64/ or arch/aarch64/ on the
 * include path; arch_context.h comes from there.  Nothing above arch/
 * contains assembly or tests the architecture with #ifdef: porting gort
 * to a new CPU means a new folder with the files listed in HACKING.md.
 *
 * The seam:
 *   gort_arch_switch(from, to)  save the callee-saved state into *from and
 *                               resume *to; returns when someone switches
 *                               back to *from.
 *   arch_context_init(...)      make a context that, when first switched
 *                               to, calls fn(arg) on [stack_lo, stack_hi)
 *                               from a frame that ends every call chain.
 *   arch_relax()                spin-wait hint (arch_cpu.h)
 *   arch_sigctx_pc/sp(uc)       read the interrupted pc and sp out of a
 *                               signal handler's ucontext.
 *   arch_sigctx_save/restore    copy a signal frame's whole interrupted
 *                               context (general, flags, FP and vector
 *                               registers) out and back in (sigctx.cpp);
 *   arch_sigctx_redirect(uc,pc) make the handler return to pc, on a stack
 *                               below the interrupted one's red zone;
 *   gort_arch_preempt_trampoline  that pc for preemption (preempt.S);
 *   gort_arch_preempt_resume(area)  continue a saved context without a
 *                               signal, where arch_preempt_resume_usable()
 *                               says the CPU allows it.
 */
#pragma once

#include "runtime/types.h"

#include "arch_context.h"
#include "arch_cpu.h"

extern "C" {
/* Context: any stack; from != to; *to must be a saved or fresh context
 * that no other thread is running or about to resume. */
void gort_arch_switch(gort::rt::arch_context *from,
		      const gort::rt::arch_context *to);
/* Where a preempted goroutine resumes after the signal handler; calls
 * gort_preempt_park(), which never returns. */
void gort_arch_preempt_trampoline();
[[noreturn]] void gort_preempt_park();
/* Put back every register of a context arch_sigctx_save() saved and
 * continue it.  Context: in gort_text, on the preempted G's own stack
 * and thread, signal mask as the context had it. */
[[noreturn]] void gort_arch_preempt_resume(const void *area);
/* Called by gort_arch_start if a context's entry function returns. */
[[noreturn]] void gort_arch_start_returned();
}

namespace gort::rt {

/* fn must never return: a context ends by switching away for good. */
void arch_context_init(arch_context *ctx, uptr stack_lo, uptr stack_hi,
		       void (*fn)(void *), void *arg);

/* Context: signal handler; async-signal-safe. */
uptr arch_sigctx_pc(const void *uc);
uptr arch_sigctx_sp(const void *uc);
/* Bytes arch_sigctx_save() needs for this frame. */
usize arch_sigctx_save_size(const void *uc);
/* false: the frame cannot be saved whole (then do not preempt). */
bool arch_sigctx_save(const void *uc, void *area, usize size);
/* Put a saved context into this frame; false if the layouts differ. */
bool arch_sigctx_restore(void *uc, const void *area);
void arch_sigctx_redirect(void *uc, uptr pc);
/* May gort_arch_preempt_resume() be used in this process?  Else the
 * saved context goes back through a signal (arch_sigctx_restore). */
bool arch_preempt_resume_usable();

} // namespace gort::rt
