/*
 * runtime/dump.cpp - the goroutine list: "goroutine N [state]:" for each
 * live goroutine, as Go heads its tracebacks, for gort::dump_goroutines()
 * and the deadlock report.  Backtraces are not printed yet.
 *
 * Invariants: the list is read under sched.lock (G structs are never
 * freed; a G's status is atomic).  waitsince is stamped here, lazily, for
 * a waiting G that park() left at 0, so "M minutes" counts from the first
 * report that saw the wait (Go stamps it at a GC instead).
 */
#include "runtime/print.h"
#include "runtime/proc.h"

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr i64 MINUTE_NS = 60 * i64(1000000000);

const char *gstatus_name(gstatus s)
{
	switch (s) {
	case gstatus::idle:
		return "idle";
	case gstatus::runnable:
		return "runnable";
	case gstatus::running:
		return "running";
	case gstatus::waiting:
		return "waiting";
	case gstatus::syscall:
		return "syscall";
	case gstatus::dead:
		return "dead";
	}
	return "?";
}

void print_goroutine_locked(print_buf &b, g *gp, i64 now)
{
	gstatus st = gp->status.load(relaxed);
	b.str("goroutine ").u64v(gp->goid).str(" [");
	if (st == gstatus::waiting && gp->waitreason != nullptr)
		b.str(gp->waitreason);
	else
		b.str(gstatus_name(st));
	if (st == gstatus::waiting) {
		i64 since = gp->waitsince.load(relaxed);
		if (since == 0)
			gp->waitsince.compare_exchange_strong(since, now,
							      relaxed);
		else if (now - since >= MINUTE_NS)
			b.str(", ")
				.u64v(u64((now - since) / MINUTE_NS))
				.str(" minutes");
	}
	b.str("]:\n");
}

void dump_goroutines()
{
	if (!sched.running.load(std::memory_order_acquire))
		return;
	print_buf b;
	lock(&sched.lock);
	i64 now = nanotime();
	/* The main goroutine first, then the others, as Go lists them. */
	for (int pass = 0; pass < 2; pass++) {
		for (g *gp = all_gs_locked(); gp != nullptr; gp = gp->alllink) {
			gstatus st = gp->status.load(relaxed);
			if (st == gstatus::dead || st == gstatus::idle ||
			    gp->is_main != (pass == 0))
				continue;
			print_goroutine_locked(b, gp, now);
			if (gp->parent_goid != 0)
				b.str("created by goroutine ")
					.u64v(gp->parent_goid)
					.str("\n");
			b.str("\n");
			b.flush();
		}
	}
	unlock(&sched.lock);
}

} // namespace gort::rt
