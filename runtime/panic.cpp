/*
 * runtime/panic.cpp - see panic.h.
 */
#include "runtime/panic.h"

#include "arch/arch.h"
#include "runtime/print.h"

#include <cstdio>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::rt {

void exit_now(int status)
{
	for (;;)
		::syscall(SYS_exit_group, status);
}

void fatal(const char *msg)
{
	print_buf b;
	b.str("fatal error: ").str(msg).str("\n");
	b.flush();
	exit_now(2);
}

void panic_uncaught(u64 goid, const char *what)
{
	std::fflush(nullptr);
	print_buf b;
	b.str("panic: ").str(what).str("\n\ngoroutine ").u64v(goid);
	b.str(" [running]:\n");
	b.flush();
	exit_now(2);
}

} // namespace gort::rt

extern "C" void gort_arch_start_returned()
{
	gort::rt::fatal("arch: a context's entry function returned");
}
