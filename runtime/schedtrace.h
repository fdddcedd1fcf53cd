/*
 * runtime/schedtrace.h - the scheduler's state printed at an interval
 * (GORT_SCHEDTRACE, GORT_SCHEDDETAIL); see schedtrace.cpp.  sysmon owns
 * the state and calls both functions.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

struct schedtrace_state {
	i64 interval_ns = 0; /* 0: off */
	bool detail = false;
	i64 start_ns = 0; /* when run() began */
	i64 last_ns = 0;  /* the last line */
};

/* Read the environment; @now is when run() began. */
void schedtrace_init(schedtrace_state *st, i64 now);
/* Print the lines for @now. */
void schedtrace_print(schedtrace_state *st, i64 now);

inline bool schedtrace_due(const schedtrace_state *st, i64 now)
{
	return st->interval_ns > 0 && now - st->last_ns >= st->interval_ns;
}

} // namespace gort::rt
