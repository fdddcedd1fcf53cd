/*
 * runtime/trace.h - the execution tracer: what every P did, event by
 * event, written out as Chrome trace-event JSON (trace_json.cpp) for
 * Perfetto, chrome://tracing or tools/trace's HTML timeline.
 *
 * Recording.  Off by default; gort::trace_start(path), or GORT_TRACE=<file>
 * for a whole run(), turns it on.  Each event is one to three 8-byte
 * words (the encoding below) appended to the buffer of the P it happened
 * on, by that P's owner: no lock and no atomic read-modify-write.
 * Events with no P (sysmon, a thread back from a system call without
 * one, a plain thread waking a goroutine) go to one shared buffer under
 * a lock: they are rare.  Buffers are chains of
 * TRACE_CHUNK_BYTES chunks from the kernel; at GORT_TRACE_MAX_MB (256 MiB
 * by default) recording stops and the rest is counted as dropped.
 *
 * Off, an event site costs one relaxed load and a branch (trace_on()).
 *
 * Time.  Timestamps are CPU ticks (rdtsc, cntvct_el0), converted to
 * nanoseconds at the end against two clock readings.  A tick read costs
 * about 20 ns on this VM, as much as a whole yield, so the events of the
 * goroutine switch fast path (start, yield, block, unblock) read it only
 * about every 32 records (TRACE_STAMP_BYTES) per P; the writer interpolates the
 * others between their P's stamped neighbours, which is exact for a
 * steady loop and off by at most the gap between two stamps otherwise.
 * Every other event is stamped.
 *
 * Generations.  Each trace_start() begins a new generation; a P finds
 * its buffer stale by its generation and starts it afresh itself, so no
 * thread ever resets another's buffer.  trace_stop() turns recording off
 * and reads every buffer of its generation; an event that a P was
 * writing at that moment may be missing, never torn into a later trace:
 * chunks are kept, not freed, while the runtime runs.
 *
 * Ownership: p->trace belongs to the P's owner; the shared buffer to
 * g_trace.lock; the chunk lists are read by trace_stop() only after
 * recording is off (counts published with release).
 */
#pragma once

#include "runtime/lock.h"
#include "runtime/types.h"

#include <atomic>

namespace gort::rt {

struct p;
struct g;

enum class trace_ev_type : u8 {
	go_create = 1, /* goid: the new G; arg: parent goid */
	go_start,      /* goid starts running on this P */
	go_yield,      /* goid stops: yield() */
	go_block,      /* goid stops: waits; aux: the wait reason's index */
	go_preempt,    /* goid stops: preempted (its slice ended) */
	go_end,	       /* goid's function returned */
	go_syscall,    /* goid enters a blocking call, leaves the P */
	go_sysexit,    /* goid back from it; arg: 1 if it kept a P */
	go_unblock,    /* goid readied; aux: 1 if by the netpoller */
	proc_start,    /* this P taken by M arg */
	proc_stop,     /* this P released by M arg */
	steal,	       /* arg: victim P; goid: how many Gs */
	handoff,       /* sysmon took P arg from a blocking call */
	preempt_req,   /* sysmon asked goid to yield */
	timer_fire,    /* one per timer, before its function; arg: ns late */
	netpoll,       /* arg: how many goroutines the poller readied */
	go_switch,     /* the running G stops and goid starts at once (a
			  direct switch): aux is TRACE_SWITCH_YIELD,
			  TRACE_SWITCH_PREEMPT or the block's reason index */
	go_running,    /* at the start: P (arg & 0xffff) was held by M
			  (arg >> 16), running goid (0: none) */
};

constexpr u64 TRACE_SWITCH_YIELD = 1;
constexpr u64 TRACE_SWITCH_PREEMPT = 2;
constexpr u32 TRACE_REASON_FIRST = 3; /* reason indexes: 3 ... 63 */
constexpr usize TRACE_CHUNK_BYTES = 64 * 1024;

/*
 * The encoding: a record is one to three 64-bit words.  The first:
 *
 *   bits  0-37  goid            bits 50-55  type (trace_ev_type)
 *   bits 38-49  the P's id      bits 56-61  aux: a wait reason's index
 *               (TRACE_NO_P)                (trace_reason_index), a
 *                                           switch's kind, a flag
 *   bit  62     a ticks word follows        bit 63  an arg word follows
 *
 * A switch or an unblock on the fast path is one word: 8 bytes where a
 * fixed record would take 24, a third of the memory traffic.
 */
constexpr u64 TRACE_NO_P = 0xfff; /* above any P id (MAX_PROCS 1024) */
constexpr u64 TRACE_GOID_MASK = (u64{1} << 38) - 1;
constexpr u64 TRACE_HAS_TICKS = u64{1} << 62;
constexpr u64 TRACE_HAS_ARG = u64{1} << 63;
constexpr u32 TRACE_REASONS = 64; /* aux is 6 bits */

inline u64 trace_word(trace_ev_type t, u64 p, u64 goid, u64 aux)
{
	return (goid & TRACE_GOID_MASK) | (p & 0xfff) << 38 | u64(t) << 50 |
	       (aux & 0x3f) << 56;
}

constexpr u32 TRACE_CHUNK_WORDS = u32(TRACE_CHUNK_BYTES / 8) - 2;
constexpr usize TRACE_STAMP_BYTES = 256;

struct trace_chunk {
	trace_chunk *next; /* older chunk; constant once linked */
	u64 n;		   /* words used, once the chunk is full */
	u64 w[TRACE_CHUNK_WORDS];
};
/* w ends at the chunk's end, a multiple of TRACE_STAMP_BYTES from its
 * page-aligned start (trace_put_cheap relies on it). */
static_assert(sizeof(trace_chunk) == TRACE_CHUNK_BYTES);
static_assert(TRACE_CHUNK_BYTES % TRACE_STAMP_BYTES == 0);

/* A P's buffer (or the shared one): its chunks, newest first, linked by
 * next; a chunk's link never changes once it is on the list, so the
 * reader can follow it while the owner adds chunks at the head.  The
 * head chunk is filled up to pos; older ones up to their n. */
struct trace_buf {
	std::atomic<u64 *> pos{nullptr}; /* next free word */
	u64 *end = nullptr;		 /* the head chunk's end */
	std::atomic<trace_chunk *> head{nullptr};
	std::atomic<u32> gen{0};      /* generation the chunks belong to */
	u64 pbits = 0;		      /* the P's id, placed (trace_word) */
	u64 seen = 0;		      /* g_trace_state at the last stamp */
	trace_chunk *spare = nullptr; /* chunks of old generations */
};

/*
 * The recording state, one word so that the fast path tests it once:
 * bits 32-63 the generation being recorded (0: off), bits 0-31 a count
 * of sysmon's rounds (trace_tick(), every 20 us to 10 ms).  A buffer
 * keeps the state of its last stamp; a fast-path record made when the
 * state differs (a new generation, or sysmon went round) is stamped, so
 * an unstamped one lies within one sysmon round of its P's previous
 * stamp, however long the goroutine after it ran.
 */
extern std::atomic<u64> g_trace_state;

inline u32 trace_state_gen(u64 state)
{
	return u32(state >> 32);
}

/* sysmon, each round: move the round count while recording. */
void trace_tick();

/* The recording state, 0 when off: test it once, then put. */
inline u64 trace_state()
{
	return g_trace_state.load(std::memory_order_relaxed);
}

inline bool trace_on()
{
	return trace_state() != 0;
}

/* Record an event on @pp (nullptr: the shared buffer), stamped, with
 * @arg (a word of its own unless 0) and @aux. */
void trace_event_slow(p *pp, trace_ev_type t, u64 goid, u64 arg, u64 aux);

inline void trace_ev(p *pp, trace_ev_type t, u64 goid, u64 arg = 0)
{
	if (__builtin_expect(trace_on(), 0))
		trace_event_slow(pp, t, goid, arg, 0);
}

/* trace_put_cheap's fast path alone: false, having written nothing, if
 * the record must go through trace_event_slow (for a caller that wants
 * no call on its own fast path). */
template <typename P>
GORT_ALWAYS_INLINE bool trace_put_fast(P *pp, u64 state, trace_ev_type t,
				       u64 goid, u64 aux)
{
	trace_buf *b = &pp->trace;
	u64 *w = b->pos.load(std::memory_order_relaxed);
	/* A stamp wherever a record would start a 256-byte line (about
	 * every 32 records): no counter to keep.  A chunk's end is such a
	 * line too (chunks are page-aligned, TRACE_CHUNK_BYTES long), and
	 * so is a null pos: the same test sends them to the slow path, as
	 * the state test sends a new generation or a sysmon round. */
	if (b->seen != state ||
	    (reinterpret_cast<uptr>(w) & (TRACE_STAMP_BYTES - 1)) == 0)
		return false;
	/* goid unmasked: it would take 2^38 goroutines to overflow. */
	*w = goid | b->pbits | u64(t) << 50 | aux << 56;
	b->pos.store(w + 1, std::memory_order_release);
	return true;
}

/* The fast path's events (a direct switch, an unblock): one word written
 * inline into the owner's buffer, unstamped; one that would start a
 * TRACE_STAMP_BYTES line, a new chunk or a new generation goes through
 * the slow path, which stamps it.  @aux: 6 bits (the encoding above). */
template <typename P>
inline void trace_put_cheap(P *pp, u64 state, trace_ev_type t, u64 goid,
			    u64 aux)
{
	if (!trace_put_fast(pp, state, t, goid, aux))
		trace_event_slow(pp, t, goid, 0, aux);
}

template <typename P>
inline void trace_ev_cheap(P *pp, trace_ev_type t, u64 goid, u64 aux = 0)
{
	u64 state = trace_state();
	if (__builtin_expect(state != 0, 0))
		trace_put_cheap(pp, state, t, goid, aux);
}

/* A wait reason's index (TRACE_REASON_FIRST ...), for go_block and
 * go_switch records: reasons are string literals, interned on first use;
 * 0 if the table is full (the file then says "?"). */
u32 trace_reason_intern(const char *reason);
extern std::atomic<const char *> g_trace_reasons[TRACE_REASONS];
/* trace_reason_index's fast path alone: the index, or 0 if @reason is
 * not in its home slot (trace_reason_intern then finds or adds it). */
GORT_ALWAYS_INLINE u32 trace_reason_home(const char *reason)
{
	/* Its home slot by address (one of 32; collisions go to the rest,
	 * found by trace_reason_intern): a hit is a load and a compare. */
	u32 slot = TRACE_REASON_FIRST +
		   (u32(reinterpret_cast<uptr>(reason) >> 3) & 31);
	if (__builtin_expect(g_trace_reasons[slot].load(
				     std::memory_order_relaxed) == reason,
			     1))
		return slot;
	return 0;
}

GORT_ALWAYS_INLINE u32 trace_reason_index(const char *reason)
{
	u32 slot = trace_reason_home(reason);
	return slot != 0 ? slot : trace_reason_intern(reason);
}
/* The reason interned at @i, or "?". */
const char *trace_reason_at(u32 i);

/* As trace_ev, on the calling thread's P if it holds one. */
void trace_event_here(trace_ev_type t, u64 goid, u64 arg);

inline void trace_ev_here(trace_ev_type t, u64 goid, u64 arg = 0)
{
	if (__builtin_expect(trace_on(), 0))
		trace_event_here(t, goid, arg);
}

/* CPU ticks: the tracer's clock (rdtsc, cntvct_el0). */
u64 trace_ticks();

/* What trace_stop() hands the writer (trace_json.cpp). */
struct trace_capture {
	u64 ticks0, ticks1; /* the clock at start and stop */
	i64 ns0, ns1;	    /* nanotime() at start and stop */
	u64 dropped;	    /* events lost to the memory cap */
	u32 procs;
	u32 gen;
};
/* Write the events of generation cap->gen (every P's and the shared
 * buffer) to @path as trace-event JSON.  False on an I/O error. */
bool trace_write_json(const char *path, const trace_capture *cap);
/* The buffers trace_write_json() reads: P @i's (i < MAX_PROCS, nullptr
 * past the last P) or, for i == MAX_PROCS, the shared one. */
trace_buf *trace_buffer(u32 i);

/* Start recording into memory; @path is where trace_stop() writes.
 * False if a trace is already running or @path cannot be created. */
bool trace_start(const char *path);

/* Stop and write the file.  False if none was running or writing failed
 * (the error is printed). */
bool trace_stop();

/* run() starts a trace if GORT_TRACE names a file, and stops it at the
 * end. */
void trace_run_begin();
void trace_run_end();

} // namespace gort::rt
