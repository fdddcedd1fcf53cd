/*
 * bench/scenarios/stack_cycle.cpp - getting a goroutine stack and giving
 * it back: from gort's pool, and from a fresh guarded mmap (the peer: what
 * a runtime without a pool pays, e.g. pthread_create's default path).
 */
#include "runtime/stack.h"
#include "scenarios.h"

#include <sys/mman.h>

using namespace gort::rt;

namespace gort_bench {

std::uint64_t stack_pool_cycle(std::uint64_t rounds, bool touch)
{
	stack_free(stack_alloc(0).stk); /* warm up: the arena exists */
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 0; i < rounds; i++) {
		stack *s = stack_alloc(0).stk;
		if (touch)
			reinterpret_cast<volatile char *>(s->hi)[-64] = 1;
		stack_free(s);
	}
	return now_ns() - t0;
}

std::uint64_t stack_mmap_cycle(std::uint64_t rounds, bool touch)
{
	const std::size_t size = stack_default_size();
	const std::size_t guard = 4096;
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 0; i < rounds; i++) {
		void *p = mmap(nullptr, size + guard, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				       MAP_STACK,
			       -1, 0);
		mprotect(p, guard, PROT_NONE);
		if (touch)
			static_cast<volatile char *>(p)[size + guard - 64] = 1;
		munmap(p, size + guard);
	}
	return now_ns() - t0;
}

} // namespace gort_bench
