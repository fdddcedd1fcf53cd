/*
 * runtime/tls_linux.cpp - the runtime's per-thread state: which M runs on
 * this thread, and the clock.
 *
 * current_m() is out of line and not inlinable (noinline, and it reads
 * the thread_local through an empty asm that the compiler must assume
 * changes memory).  A G may call current_m(), block, and resume on
 * another thread; if the compiler could keep the TLS address from before
 * the switch, the G would read the old thread's M.  Keeping every read a
 * real call makes that impossible at any optimisation level, LTO included.
 */
#include "runtime/proc.h"

#include <ctime>

namespace gort::rt {

static thread_local m *tls_m = nullptr;

GORT_NOINLINE m *current_m()
{
	m *mp = tls_m;
	__asm__ __volatile__("" : "+r"(mp)::"memory");
	return mp;
}

GORT_NOINLINE void set_current_m(m *mp)
{
	tls_m = mp;
	__asm__ __volatile__("" ::: "memory");
}

i64 nanotime()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return i64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace gort::rt
