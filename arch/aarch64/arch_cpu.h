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
 * under qemu-user its tests still fail: a goroutine's thread_local counter
 * saw another goroutine's writes, and the malloc/printf test hung.  Until
 * that is understood (qemu or gort), AArch64 preempts cooperatively only.
 */
constexpr bool ARCH_ASYNC_PREEMPT = false;

} // namespace gort::rt
