/*
 * runtime/sysalloc_linux.cpp - see sysalloc.h.
 */
#include "runtime/sysalloc.h"

#include <sys/mman.h>

namespace gort::rt {

void *sysalloc(usize bytes)
{
	void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? nullptr : p;
}

void sysfree(void *p, usize bytes)
{
	::munmap(p, bytes);
}

} // namespace gort::rt
