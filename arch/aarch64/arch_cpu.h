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
 * Asynchronous preemption (runtime/preempt.h) is trusted on this CPU.  It
 * needs gort's code compiled without outline atomics: the libgcc helpers
 * they call lie in the program's .text, where a goroutine may be stopped
 * (HACKING.md, "Preemption").
 */
constexpr bool ARCH_ASYNC_PREEMPT = true;

} // namespace gort::rt
