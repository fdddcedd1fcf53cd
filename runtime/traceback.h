/*
 * runtime/traceback.h - the call chain of a goroutine, by its frame
 * pointers, and its printing in Go's shape.
 *
 * A walk of a switched-out goroutine starts from its saved context (its
 * pc and frame pointer, arch_context.h) and follows the frame records (x86-64: [rbp] = caller's rbp, [rbp+8] =
 * return address; AArch64: x29 points at {caller's x29, lr}).  gort is
 * built with frame pointers and so, through the CMake package, are its
 * users' programs (GORT_FRAME_POINTERS); a frame compiled without them
 * ends the chain early or skips a caller, never more.
 *
 * Safety: the walk never leaves the goroutine's stack [lo, hi), which is
 * always mapped (stack.h: address space is never unmapped), each record
 * must lie above the last, and the depth is capped.  So a stack that
 * changes under the walk (the goroutine was readied and runs again) can
 * give a wrong chain, never a fault or a loop.  The chain ends at
 * gort_arch_start, which clears the frame pointer.
 */
#pragma once

#include "runtime/print.h"
#include "runtime/types.h"

namespace gort::rt {

struct fiber;

constexpr int TRACEBACK_MAX = 48;

struct traceback {
	uptr pc[TRACEBACK_MAX];
	int n = 0;
	bool elided = false; /* more frames than TRACEBACK_MAX */
	/* pc[0] is a function's entry (a goroutine that never ran), not a
	 * return address. */
	bool entry_first = false;
};

/* The chain of a fiber that is switched out (not running anywhere). */
void traceback_saved(const fiber *f, traceback *tb);

/* The "chain" of code that never ran: only @fn, the function it will
 * run. */
void traceback_entry(void (*fn)(void *), traceback *tb);

/* The caller's own chain, innermost first, starting with the caller.
 * This one unwinds by the DWARF call frame information the unwinder
 * for exceptions uses, so it also crosses frames built without frame
 * pointers (libstdc++'s, from a terminate handler); it stops at
 * gort_arch_start, whose CFI ends every goroutine's chain. */
void traceback_here(traceback *tb);

/* Drop the @n innermost frames (frames of the reporting code itself). */
void traceback_drop(traceback *tb, int n);

/* A hash of the chain outside the runtime's own code (gort_text), to
 * group goroutines whose stacks are the same: two goroutines parked on
 * the same line may have left through different switch paths. */
u64 traceback_hash(const traceback *tb);

/* Print the frames, one per two lines as Go does:
 *     function(...)+0xoff
 *     \t/path/to/object +0xobject_offset
 * Context: not a signal handler (symbolize.h). */
void print_traceback(print_buf &b, const traceback *tb);

/* "created by <function>+0xoff in goroutine N", and its object line. */
void print_created_by(print_buf &b, uptr gopc, u64 parent_goid);

} // namespace gort::rt
