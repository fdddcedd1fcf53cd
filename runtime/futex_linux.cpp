/*
 * runtime/futex_linux.cpp - see futex_linux.h.
 */
#include "runtime/futex_linux.h"

#include <cerrno>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::rt {

static_assert(sizeof(std::atomic<u32>) == sizeof(u32),
	      "a futex word must be a plain 32-bit integer");

int futex_wait(std::atomic<u32> *addr, u32 val, i64 timeout_ns)
{
	struct timespec ts;
	struct timespec *tsp = nullptr;
	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tsp = &ts;
	}
	long r = ::syscall(SYS_futex, reinterpret_cast<u32 *>(addr),
			   FUTEX_WAIT_PRIVATE, val, tsp, nullptr, 0);
	return r == 0 ? 0 : -errno;
}

void futex_wake(std::atomic<u32> *addr, int n)
{
	::syscall(SYS_futex, reinterpret_cast<u32 *>(addr), FUTEX_WAKE_PRIVATE,
		  n, nullptr, nullptr, 0);
}

} // namespace gort::rt
