/*
 * runtime/sysalloc_linux.cpp - see sysalloc.h.
 */
#include "runtime/sysalloc.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::rt {

/* Raw system calls: the runtime's own memory is none of a sanitizer's
 * business (ThreadSanitizer's mmap interceptor would mark it written by
 * whichever goroutine happened to be running). */
void *sysalloc(usize bytes)
{
	void *p = reinterpret_cast<void *>(
		::syscall(SYS_mmap, nullptr, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	return p == MAP_FAILED ? nullptr : p;
}

void sysfree(void *p, usize bytes)
{
	::syscall(SYS_munmap, p, bytes);
}

} // namespace gort::rt
