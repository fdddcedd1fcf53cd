/*
 * runtime/tls_linux.cpp - the runtime's per-thread state: which M runs on
 * this thread, and the clock.
 *
 * A G may call current_m(), block, and resume on another thread; if the
 * compiler could keep the TLS address from before the switch, the G
 * would read the old thread's M.  So every read is opaque to it: on
 * x86-64 an inline asm volatile (proc.h) that reads %fs afresh, elsewhere
 * a call that cannot be inlined (noinline, reading the thread_local
 * through an empty asm that the compiler must assume changes memory).
 * Either way no optimisation level, LTO included, can keep the address.
 */
#include "runtime/proc.h"

#include <ctime>

namespace gort::rt {

#if defined(__x86_64__)
/* Read inline by current_m() (proc.h) through the initial-exec model,
 * which the asm there spells out: the variable is constant-initialised,
 * so no TLS wrapper function is involved. */
extern "C" {
__attribute__((tls_model("initial-exec"))) thread_local m *gort_tls_m = nullptr;
}

GORT_NOINLINE void set_current_m(m *mp)
{
	gort_tls_m = mp;
	__asm__ __volatile__("" ::: "memory");
}
#else
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
#endif

i64 nanotime()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return i64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

} // namespace gort::rt
