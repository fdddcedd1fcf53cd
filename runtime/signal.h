/*
 * runtime/signal.h - gort's signal handlers and per-thread signal stacks.
 *
 * SIGSEGV and SIGBUS: a fault inside a goroutine stack's guard region is a
 * stack overflow and ends the process with Go's "fatal error: stack
 * overflow" (status 2).  Any other fault keeps its usual meaning: the
 * handler installed before gort's runs, or the default action.
 *
 * The handler must run on an alternate signal stack, since the faulting
 * stack is by definition full.  Every thread that runs goroutines calls
 * signal_thread_init(); a thread that already has an alternate stack (one
 * of its own, or a sanitizer's) keeps it.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

/* Install the process-wide handlers once.  Context: any thread; idempotent. */
void signal_install();

/* Give the calling thread an alternate signal stack if it has none; freed
 * (and the previous state restored) when the thread exits.
 * Context: the thread itself, on any stack; idempotent. */
void signal_thread_init();

} // namespace gort::rt
