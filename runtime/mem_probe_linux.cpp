/*
 * runtime/mem_probe_linux.cpp - see mem_probe.h.
 */
#include "runtime/mem_probe.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace gort::rt {

bool mem_kernel_readable(uptr addr)
{
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0)
		return true; /* cannot tell; callers treat "readable" as unsafe */
	ssize_t n = ::write(fds[1], reinterpret_cast<const void *>(addr), 1);
	int err = errno;
	::close(fds[0]);
	::close(fds[1]);
	return !(n < 0 && err == EFAULT);
}

} // namespace gort::rt
