/*
 * runtime/trace.cpp - the tracer's recording side: event buffers, start
 * and stop (trace.h explains the design; trace_json.cpp writes the file).
 *
 * Invariants:
 *   INV-TRACE-1: only a P's owner appends to p->trace (the shared buffer:
 *     only under g_shared_lock); a chunk's next never changes once the
 *     chunk is on a list; a chunk that is not the head has its n (words
 *     used) set before it stopped being the head; the head's end at pos.
 *   INV-TRACE-4: g_trace_reasons[i], once set, never changes.
 *   INV-TRACE-2: g_trace_state's generation is 0 or the generation being
 *     recorded; start and stop are serialised by g_ctl_lock, and a
 *     generation's buffers are read only after the state went back to
 *     0.  Besides start and stop, only sysmon changes the state (its
 *     round count, by CAS, and only while recording).
 *   INV-TRACE-3: chunks are freed only by trace_run_end(), when no M runs.
 */
#include "runtime/trace.h"

#include "runtime/print.h"
#include "runtime/proc.h"
#include "runtime/sysalloc.h"

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;
static constexpr auto acquire = std::memory_order_acquire;
static constexpr auto release = std::memory_order_release;
static constexpr usize TRACE_KEEP_BYTES = 32u << 20;

std::atomic<u64> g_trace_state{0};
std::atomic<const char *> g_trace_reasons[TRACE_REASONS];
static rt_lock g_reason_lock;

static rt_lock g_ctl_lock;    /* start and stop */
static rt_lock g_shared_lock; /* g_shared */
static trace_buf g_shared;
static u32 g_last_gen = 0;
static char g_path[4096];
static trace_capture g_cap;
static std::atomic<usize> g_bytes{0}; /* chunks ever allocated */
static usize g_max_bytes = 0;
static std::atomic<u64> g_dropped{0};
static bool g_from_env = false;

u64 trace_ticks()
{
#if defined(__x86_64__)
	return __rdtsc();
#elif defined(__aarch64__)
	u64 v;
	asm volatile("mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
	return u64(nanotime());
#endif
}

trace_buf *trace_buffer(u32 i)
{
	if (i == MAX_PROCS)
		return &g_shared;
	p *pp = sched.allp[i];
	return pp != nullptr ? &pp->trace : nullptr;
}

u32 trace_reason_intern(const char *reason)
{
	/* Taken elsewhere (its home slot held another): look everywhere. */
	for (u32 i = TRACE_REASON_FIRST; i < TRACE_REASONS; i++)
		if (g_trace_reasons[i].load(acquire) == reason)
			return i;
	lock(&g_reason_lock);
	u32 home = TRACE_REASON_FIRST +
		   (u32(reinterpret_cast<uptr>(reason) >> 3) & 31);
	u32 found = 0;
	for (u32 k = 0; k < TRACE_REASONS - TRACE_REASON_FIRST; k++) {
		u32 i = TRACE_REASON_FIRST +
			(home - TRACE_REASON_FIRST + k) %
				(TRACE_REASONS - TRACE_REASON_FIRST);
		const char *cur = g_trace_reasons[i].load(relaxed);
		if (cur == reason || cur == nullptr) {
			g_trace_reasons[i].store(reason, release);
			found = i;
			break;
		}
	}
	unlock(&g_reason_lock);
	return found;
}

void trace_tick()
{
	u64 s = g_trace_state.load(relaxed);
	if (s == 0)
		return;
	/* Only the round count moves; a failed CAS means start or stop
	 * changed the state meanwhile, which stamps the next records
	 * anyway. */
	u64 next = (s & ~u64{0xffffffff}) | u32(s + 1);
	g_trace_state.compare_exchange_strong(s, next, relaxed, relaxed);
}

const char *trace_reason_at(u32 i)
{
	const char *r =
		i < TRACE_REASONS ? g_trace_reasons[i].load(acquire) : nullptr;
	return r != nullptr ? r : "?";
}

/* A chunk for @b: a spare one, or a new one while under the cap. */
static trace_chunk *chunk_get(trace_buf *b)
{
	if (trace_chunk *c = b->spare) {
		b->spare = c->next;
		return c;
	}
	if (g_bytes.fetch_add(sizeof(trace_chunk), relaxed) +
		    sizeof(trace_chunk) >
	    g_max_bytes) {
		g_bytes.fetch_sub(sizeof(trace_chunk), relaxed);
		return nullptr;
	}
	return static_cast<trace_chunk *>(sysalloc(sizeof(trace_chunk)));
}

/* @b's chunks are of an older generation: keep them as spares. */
static void buf_renew(trace_buf *b, u32 gen)
{
	trace_chunk *c = b->head.load(relaxed);
	b->head.store(nullptr, relaxed);
	b->pos.store(nullptr, relaxed);
	b->end = nullptr;
	while (c != nullptr) {
		trace_chunk *next = c->next;
		c->next = b->spare;
		b->spare = c;
		c = next;
	}
	/* Release: a reader that sees the new generation sees the emptied
	 * list. */
	b->gen.store(gen, release);
}

void trace_event_slow(p *pp, trace_ev_type t, u64 goid, u64 arg, u64 aux)
{
	u64 state = g_trace_state.load(acquire);
	u32 gen = trace_state_gen(state);
	if (gen == 0)
		return;
	trace_buf *b = &g_shared;
	if (pp != nullptr)
		b = &pp->trace;
	else
		lock(&g_shared_lock);
	if (b->gen.load(relaxed) != gen)
		buf_renew(b, gen);
	u64 *w = b->pos.load(relaxed);
	if (b->end - w < 3) { /* no chunk yet, or no room for a record */
		trace_chunk *fresh = chunk_get(b);
		if (fresh == nullptr) {
			g_dropped.fetch_add(1, relaxed);
			if (pp == nullptr)
				unlock(&g_shared_lock);
			return;
		}
		trace_chunk *old = b->head.load(relaxed);
		if (old != nullptr)
			old->n = u64(w - old->w);
		fresh->next = old;
		fresh->n = 0;
		w = fresh->w;
		b->end = fresh->w + TRACE_CHUNK_WORDS;
		b->pos.store(w, relaxed);
		/* Release: the reader that finds the new head finds the old
		 * one's n and the new one's link. */
		b->head.store(fresh, release);
	}
	u64 p_id = pp != nullptr ? pp->id : TRACE_NO_P;
	b->pbits = trace_word(trace_ev_type(0), p_id, 0, 0);
	u64 word = trace_word(t, p_id, goid, aux);
	u64 *at = w + 1;
	/* Every slow-path record is stamped: the fast path's come here
	 * about every 32 records, when sysmon's clock moved, and for a new
	 * chunk or generation. */
	word |= TRACE_HAS_TICKS;
	*at++ = trace_ticks();
	b->seen = state;
	if (arg != 0) {
		word |= TRACE_HAS_ARG;
		*at++ = arg;
	}
	*w = word;
	b->pos.store(at, release);
	if (pp == nullptr)
		unlock(&g_shared_lock);
}

void trace_event_here(trace_ev_type t, u64 goid, u64 arg)
{
	m *mp = current_m();
	trace_event_slow(mp != nullptr ? mp->pp : nullptr, t, goid, arg, 0);
}

static usize max_bytes()
{
	usize mb = 256;
	if (const char *v = std::getenv("GORT_TRACE_MAX_MB")) {
		long n = std::strtol(v, nullptr, 10);
		if (n > 0)
			mb = usize(n);
	}
	return mb << 20;
}

bool trace_start(const char *path)
{
	if (path == nullptr || path[0] == '\0' ||
	    std::strlen(path) >= sizeof(g_path))
		return false;
	lock(&g_ctl_lock);
	if (g_trace_state.load(relaxed) != 0) {
		unlock(&g_ctl_lock);
		return false;
	}
	/* Create the file now, so that a bad path fails here, not at the
	 * end of a long run. */
	int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		unlock(&g_ctl_lock);
		return false;
	}
	::close(fd);
	std::memcpy(g_path, path, std::strlen(path) + 1);
	g_max_bytes = max_bytes();
	g_dropped.store(0, relaxed);
	g_cap = trace_capture{};
	g_cap.ns0 = nanotime();
	g_cap.ticks0 = trace_ticks();
	if (++g_last_gen == 0)
		g_last_gen = 1;
	g_cap.gen = g_last_gen;
	g_trace_state.store(u64(g_last_gen) << 32, release);
	/* Who runs where as the trace begins: the writer's lanes start
	 * with them (a direct switch's event names only the G it starts).
	 * sched.lock keeps an M from exiting under the look (racy, as a
	 * picture: a G may switch right after). */
	lock(&sched.lock);
	u32 procs = sched.procs.load(relaxed);
	for (u32 i = 0; i < procs; i++) {
		p *pp = sched.allp[i];
		m *mp = pp != nullptr ? pp->curm : nullptr;
		g *gp = mp != nullptr ? mp->curg : nullptr;
		if (mp != nullptr)
			trace_event_slow(nullptr, trace_ev_type::go_running,
					 gp != nullptr ? gp->goid : 0,
					 i | mp->id << 16, 0);
	}
	unlock(&sched.lock);
	unlock(&g_ctl_lock);
	return true;
}

/* Context: g_ctl_lock held. */
static bool trace_stop_locked()
{
	if (g_trace_state.load(relaxed) == 0)
		return false;
	g_trace_state.store(0, release);
	g_cap.ticks1 = trace_ticks();
	g_cap.ns1 = nanotime();
	g_cap.dropped = g_dropped.load(relaxed);
	g_cap.procs = sched.procs.load(relaxed);
	bool ok = trace_write_json(g_path, &g_cap);
	if (!ok) {
		print_buf b;
		b.str("gort: trace: cannot write ").str(g_path).str("\n");
		b.flush();
	}
	return ok;
}

bool trace_stop()
{
	lock(&g_ctl_lock);
	bool ok = trace_stop_locked();
	unlock(&g_ctl_lock);
	return ok;
}

void trace_run_begin()
{
	const char *v = std::getenv("GORT_TRACE");
	g_from_env = false;
	if (v == nullptr || v[0] == '\0')
		return;
	if (trace_start(v)) {
		g_from_env = true;
		return;
	}
	print_buf b;
	b.str("gort: GORT_TRACE: cannot create ").str(v);
	b.str(" (is its directory there and writable?); not tracing\n");
	b.flush();
}

void trace_run_end()
{
	/* Under g_ctl_lock throughout: a plain thread may be in the middle
	 * of trace_stop() (reading the buffers) or trace_start(). */
	lock(&g_ctl_lock);
	/* A trace the program left running ends with run(). */
	trace_stop_locked();
	g_from_env = false;
	/* No M runs (INV-TRACE-3).  Keep up to TRACE_KEEP_BYTES of chunks
	 * for the next run's trace (a program that traces each of many short
	 * runs would otherwise fault in fresh pages every time); give back
	 * the rest. */
	usize kept = 0;
	for (u32 i = 0; i <= MAX_PROCS; i++) {
		trace_buf *b = trace_buffer(i);
		if (b == nullptr)
			continue;
		if (i == MAX_PROCS)
			lock(&g_shared_lock);
		buf_renew(b, 0);
		if (i == MAX_PROCS)
			unlock(&g_shared_lock);
		trace_chunk *keep = nullptr;
		while (trace_chunk *c = b->spare) {
			b->spare = c->next;
			if (kept + sizeof(trace_chunk) <= TRACE_KEEP_BYTES) {
				kept += sizeof(trace_chunk);
				c->next = keep;
				keep = c;
			} else {
				sysfree(c, sizeof(trace_chunk));
			}
		}
		b->spare = keep;
	}
	g_bytes.store(kept, relaxed);
	unlock(&g_ctl_lock);
}

} // namespace gort::rt
