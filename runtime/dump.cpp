/*
 * runtime/dump.cpp - the goroutine dump: every live goroutine with its
 * state, its backtrace and where it was created, as Go prints them, for
 * gort::dump_goroutines(), SIGQUIT, the deadlock report and an uncaught
 * panic.
 *
 *     goroutine 7 [chan receive, 3 minutes]:
 *     gort::rt::park(...)+0x5c
 *     	/path/to/program +0x1a2b3
 *     ...
 *     created by worker_pool()+0x58 in goroutine 1
 *     	/path/to/program +0x4c5d6
 *     ... and 998 more goroutines with this state and stack: 8 9 10 ...
 *
 * Bounded: goroutines whose state, wait reason and stack are the same
 * are printed once, with a count and the first DUMP_IDS_SHOWN ids; at
 * most DUMP_GROUPS_MAX groups are printed.  A million goroutines parked
 * in one place cost a few lines.
 *
 * Invariants and locks: none taken.  The G list is append-only and its
 * links never change (proc.cpp), so it is read without sched.lock; a
 * dump is therefore safe from any thread, including one that holds
 * sched.lock (the deadlock check) or runs while a signal interrupted a
 * lock holder (SIGQUIT is dumped by sysmon, not in the handler).  A G's
 * status is atomic; the rest of a G is read racily, as Go's tracebacks
 * of a running world are: a G that runs again while it is walked gives
 * a stale or short stack, never a fault (traceback.h).  waitsince is
 * stamped here for a waiting G that park() left at 0, so "M minutes"
 * counts from the first report that saw the wait (Go stamps it at a GC).
 */
#include "runtime/print.h"
#include "runtime/proc.h"
#include "runtime/sysalloc.h"
#include "runtime/traceback.h"

#include <algorithm>

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr i64 MINUTE_NS = 60 * i64(1000000000);
static constexpr u32 DUMP_GROUPS_MAX = 1000;
static constexpr u32 DUMP_IDS_SHOWN = 16;

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

void print_goroutine_header(print_buf &b, g *gp, gstatus st, i64 now)
{
	b.str("goroutine ").u64v(gp->goid).str(" [");
	const char *reason = gp->waitreason;
	if (st == gstatus::waiting && reason != nullptr)
		b.str(reason);
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

namespace {

/* One live goroutine as the dump saw it. */
struct dump_entry {
	g *gp;
	u64 order; /* 0 for the main goroutine, else its goid */
	u64 key;   /* equal for the same state, reason and stack */
	gstatus st;
	u32 count; /* a group's leader: its size; others: 0 */
	u32 next;  /* the next member of the leader's group, or ~0u */
};

enum class view { saved, self, none };

/* How the dump can see @gp's stack: a switched-out G from its saved
 * context, the caller's own, or not at all (it runs on another thread). */
view view_of(g *gp, gstatus st, g *self)
{
	if (gp == self)
		return view::self;
	if (st == gstatus::waiting || st == gstatus::runnable)
		return view::saved;
	return view::none;
}

/* A G's saved stack; for one that never ran and has no stack yet (proc.cpp,
 * "Stacks on first run"), the function it will run. */
static void saved_traceback(const g *gp, traceback *tb)
{
	if (gp->f.stk != nullptr)
		traceback_saved(&gp->f, tb);
	else
		traceback_entry(gp->start_fn, tb);
}

bool live(gstatus st)
{
	return st != gstatus::dead && st != gstatus::idle;
}

u64 mix(u64 h, u64 v)
{
	return (h ^ v) * 0x100000001b3ull;
}

} // namespace

void print_goroutines(g *self, bool skip_self)
{
	/* Whoever asks, there is a goroutine running on the calling thread
	 * or none; a G in a blocking call (syscall) is shown as such. */
	traceback self_tb;
	if (self != nullptr) {
		traceback_here(&self_tb);
		/* Start at our caller: this function says nothing. */
		traceback_drop(&self_tb, 1);
	}

	u32 n = 0;
	g_walk count;
	while (g *gp = g_walk_next(&count))
		n += live(gp->status.load(relaxed)) ? 1 : 0;
	if (n == 0)
		return;
	usize bytes = usize(n) * sizeof(dump_entry);
	auto e = static_cast<dump_entry *>(sysalloc(bytes));
	if (e == nullptr) {
		print_str("goroutine dump: out of memory for the list\n");
		return;
	}

	/* Snapshot states and stack keys. */
	traceback tb;
	u32 k = 0;
	g_walk w;
	for (g *gp = g_walk_next(&w); gp != nullptr && k < n;
	     gp = g_walk_next(&w)) {
		gstatus st = gp->status.load(relaxed);
		if (!live(st) || (skip_self && gp == self))
			continue;
		u64 key = mix(mix(0xcbf29ce484222325ull, u64(st)),
			      reinterpret_cast<uptr>(gp->waitreason));
		switch (view_of(gp, st, self)) {
		case view::saved:
			saved_traceback(gp, &tb);
			key = mix(key, traceback_hash(&tb));
			key = mix(key, gp->gopc);
			break;
		case view::self:
			key = mix(key, gp->goid); /* always its own group */
			break;
		case view::none: /* its stack unknown: not "the same" */
			key = mix(key, gp->goid);
			break;
		}
		e[k++] = dump_entry{gp, gp->is_main ? 0 : gp->goid, key, st, 0,
				    ~0u};
	}

	if (k == 0) { /* only the caller, left out */
		sysfree(e, bytes);
		return;
	}
	/* Group: sort by key, then by order inside a group; the first of
	 * each run leads it and links the rest. */
	std::sort(e, e + k, [](const dump_entry &a, const dump_entry &b) {
		return a.key != b.key ? a.key < b.key : a.order < b.order;
	});
	u32 groups = 0;
	for (u32 i = 0; i < k;) {
		u32 j = i + 1;
		while (j < k && e[j].key == e[i].key) {
			e[j - 1].next = j;
			j++;
		}
		e[i].count = j - i;
		groups++;
		i = j;
	}
	/* Leaders in print order: the main goroutine, then by id.  Their
	 * indexes are sorted, not the entries: the links are indexes. */
	auto lead = static_cast<u32 *>(sysalloc(usize(groups) * sizeof(u32)));
	if (lead == nullptr) {
		sysfree(e, bytes);
		print_str("goroutine dump: out of memory for the list\n");
		return;
	}
	u32 nl = 0;
	for (u32 i = 0; i < k; i++)
		if (e[i].count > 0)
			lead[nl++] = i;
	std::sort(lead, lead + nl,
		  [e](u32 a, u32 b) { return e[a].order < e[b].order; });

	print_buf b;
	i64 now = nanotime();
	u32 shown = nl < DUMP_GROUPS_MAX ? nl : DUMP_GROUPS_MAX;
	for (u32 li = 0; li < shown; li++) {
		const dump_entry &d = e[lead[li]];
		g *gp = d.gp;
		print_goroutine_header(b, gp, d.st, now);
		switch (view_of(gp, d.st, self)) {
		case view::saved:
			saved_traceback(gp, &tb);
			print_traceback(b, &tb);
			break;
		case view::self:
			print_traceback(b, &self_tb);
			break;
		case view::none:
			b.str("\tgoroutine running on other thread; stack "
			      "unavailable\n");
			break;
		}
		print_created_by(b, gp->gopc, gp->parent_goid);
		if (d.count > 1) {
			b.str("... and ").u64v(d.count - 1);
			b.str(" more goroutines with this state and stack:");
			/* (the same outside the runtime: traceback.h) */
			u32 i = d.next;
			for (u32 s = 0; s < DUMP_IDS_SHOWN && i != ~0u; s++) {
				b.str(" ").u64v(e[i].gp->goid);
				i = e[i].next;
			}
			if (i != ~0u)
				b.str(" ...");
			b.str("\n");
		}
		b.str("\n");
		b.flush();
	}
	if (shown < nl) {
		u64 rest = 0;
		for (u32 li = shown; li < nl; li++)
			rest += e[lead[li]].count;
		b.str("... ").u64v(rest).str(" more goroutines in ");
		b.u64v(nl - shown).str(" more groups not shown\n\n");
		b.flush();
	}
	sysfree(lead, usize(groups) * sizeof(u32));
	sysfree(e, bytes);
}

void dump_goroutines()
{
	if (!sched.running.load(std::memory_order_acquire))
		return;
	print_goroutines(current_g(), false);
}

} // namespace gort::rt
