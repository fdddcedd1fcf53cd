/*
 * arch/aarch64/arch_cpu.h - small CPU helpers for spin loops.
 */
#pragma once

namespace gort::rt {

/* A spin-wait hint.  `yield` is what Linux and Go use on arm64. */
inline void arch_relax()
{
	__asm__ __volatile__("yield" ::: "memory");
}

/*
 * Asynchronous preemption (runtime/preempt.h) is built and runs here, but
 * under qemu-user one of its tests still fails, every time: a goroutine's
 * thread_local counter, counted through a pointer kept in a register
 * across preemptions, ends with another goroutine's writes in it (2e6
 * counted, 12e6 found), as if the other goroutine ran on its thread while
 * it was pinned there.  (The malloc/printf test, which used to hang, passes
 * since sysmon's signal no longer gets lost in a resume signal.)  Until
 * that is understood (qemu or gort), AArch64 preempts cooperatively only.
 */
constexpr bool ARCH_ASYNC_PREEMPT = false;

} // namespace gort::rt
