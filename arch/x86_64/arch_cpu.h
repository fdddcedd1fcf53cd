/*
 * arch/x86_64/arch_cpu.h - small CPU helpers for spin loops.
 */
#pragma once

namespace gort::rt {

/* A spin-wait hint: lets the sibling hyperthread run, saves power. */
inline void arch_relax()
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* Asynchronous preemption (runtime/preempt.h) is trusted on this CPU. */
constexpr bool ARCH_ASYNC_PREEMPT = true;

} // namespace gort::rt
