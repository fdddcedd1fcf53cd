/*
 * runtime/panic.cpp - see panic.h.
 */
#include "runtime/panic.h"

#include "arch/arch.h"
#include "runtime/print.h"
#include "runtime/symbolize.h"
#include "runtime/traceback.h"

#include <cstdio>
#include <cstring>
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

void (*panic_others_hook)() = nullptr;

/* The frames above the throw (the terminate handler, std::terminate and
 * the exception runtime's own) say nothing about the program: start at
 * __cxa_throw, as Go's traceback starts at panic().  All frames if it is
 * not found. */
static int first_program_frame(const traceback *tb)
{
	for (int i = 0; i < tb->n; i++) {
		symbol s;
		symbolize(tb->pc[i] - 1, &s);
		if (std::strstr(s.name, "__cxa_throw") != nullptr ||
		    std::strstr(s.name, "__cxa_rethrow") != nullptr ||
		    std::strstr(s.name, "rethrow_exception") != nullptr)
			return i;
	}
	return 0;
}

void panic_uncaught(u64 goid, const char *what)
{
	std::fflush(nullptr);
	print_buf b;
	b.str("panic: ").str(what).str("\n\ngoroutine ").u64v(goid);
	b.str(" [running]:\n");
	traceback tb;
	traceback_here(&tb);
	traceback_drop(&tb, first_program_frame(&tb));
	print_traceback(b, &tb);
	b.str("\n");
	b.flush();
	if (panic_others_hook != nullptr)
		panic_others_hook();
	exit_now(2);
}

} // namespace gort::rt

extern "C" void gort_arch_start_returned()
{
	gort::rt::fatal("arch: a context's entry function returned");
}
