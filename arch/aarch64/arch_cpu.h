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

} // namespace gort::rt
