/*
 * runtime/panic.h - the two ways gort ends a process.
 *
 * fatal(): a runtime invariant broke or a resource ran out in a way the
 *   runtime cannot report to its caller.  Prints "fatal error: <msg>" and
 *   exits with status 2, as Go's throw does.  The message is a constant
 *   with a file prefix so it can be searched for.
 * panic_uncaught(): a C++ exception escaped a goroutine's function.  Go
 *   prints "panic: <value>", "goroutine N [running]:" with the stack
 *   from the panic down, then (as with GOTRACEBACK=all) every other
 *   goroutine, and exits 2; so do we.
 *
 * fatal() neither allocates nor takes a lock, so it works from any
 * context.  panic_uncaught() symbolizes its backtrace, which allocates.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

/* Context: any; async-signal-safe. */
GORT_NORETURN void fatal(const char *msg);

/* Context: any; async-signal-safe.  Exits with @status, no atexit hooks. */
GORT_NORETURN void exit_now(int status);

/* @what: the exception's what(), or a description of a non-standard
 * exception.  Flushes C stdio first so output the goroutine printed before
 * panicking is not lost.  Context: the terminate handler, on the stack
 * that threw (fiber.cpp); not a signal handler. */
GORT_NORETURN void panic_uncaught(u64 goid, const char *what);

/* Prints the other goroutines after a panic's own stack; set by the
 * scheduler (nullptr: fibers without a scheduler). */
extern void (*panic_others_hook)();

} // namespace gort::rt
