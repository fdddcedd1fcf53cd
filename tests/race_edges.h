/*
 * tests/race_edges.h - the happens-before edges that tests below the
 * goroutine layer draw for the race detector (GORT_SANITIZE=thread).
 *
 * In that build the runtime is not instrumented, so TSan sees neither its
 * locks nor its fiber switches as synchronisation: goroutines are ordered
 * only by the Go memory model's edges, which the runtime draws itself
 * (runtime/sanitizer.h; HACKING.md, "The race detector").  A test that
 * drives fibers or runtime locks straight from plain threads works below
 * those edges and relies on orderings the runtime does give there:
 *   - a fiber switch: what the fiber that leaves did happens before what
 *     the fiber it resumes does next, and a fiber's end happens before
 *     whoever it exits to;
 *   - rt_lock: an unlock happens before the next lock.
 * These helpers draw exactly those edges, with the runtime's own
 * annotations, where the operation happens; TSan still reports any
 * access outside them.  In other builds they are the plain calls.
 */
#pragma once

#include "runtime/fiber.h"
#include "runtime/lock.h"
#include "runtime/sanitizer.h"

namespace gort_test {

/*
 * fiber_switch(@from, @to), ordered.  Released on @to, where @to
 * acquires it: at the end of its own switch_ordered(), or in fiber_entry
 * if it is fresh.  Back on @from: whoever switched here released on
 * @from; if @to has finished, fiber_entry released its end on @to.
 */
inline void switch_ordered(gort::rt::fiber *from, gort::rt::fiber *to)
{
	gort::rt::race_release(to);
	gort::rt::fiber_switch(from, to);
	gort::rt::race_acquire(from);
	if (to->done)
		gort::rt::race_acquire(to);
}

/* lock(@l): what the last holder did happens before what follows. */
inline void lock_ordered(gort::rt::rt_lock *l)
{
	gort::rt::lock(l);
	gort::rt::race_acquire(l);
}

/* unlock(@l): what came before happens before the next holder. */
inline void unlock_ordered(gort::rt::rt_lock *l)
{
	gort::rt::race_release(l);
	gort::rt::unlock(l);
}

} // namespace gort_test
