/*
 * runtime/trace_json.cpp - write a trace (trace.h) as Chrome trace-event
 * JSON, one event per line:
 *
 *   lanes ("M" thread_name): one per P (tid = P id), and tid 1000 for
 *     what happens with no P (system calls, sysmon);
 *   "X" cat goroutine: G<n> ran on a P from ts for dur, args {goid, m,
 *     end: block|yield|preempt|exit|syscall|stop, reason};
 *   "X" cat syscall on lane 1000: G<n> in a blocking call;
 *   "s"/"f" cat unblock: from where a G was readied to where it next
 *     started; cat steal: from the victim P's lane to the thief's;
 *   "i" instants: create, proc (start/stop), preempt, timer, netpoll,
 *     handoff.
 *
 * Times are microseconds from the trace's start.  Unstamped events get
 * times interpolated between their P's stamped neighbours (trace.h).
 *
 * Context: trace_stop(), with recording off; it reads the buffers of one
 * generation and allocates its working arrays from the kernel.
 */
#include "runtime/print.h"
#include "runtime/proc.h"
#include "runtime/sysalloc.h"
#include "runtime/trace.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace gort::rt {

namespace {

constexpr u32 NO_P_LANE = MAX_PROCS; /* above every P's lane */
constexpr double INTERP_MAX_NS = 1000;

/* An event with its time in nanoseconds from the start. */
struct timed {
	double ns;
	u64 word, arg;
};

trace_ev_type ev_type(u64 w)
{
	return trace_ev_type((w >> 50) & 0x3f);
}
u64 ev_goid(u64 w)
{
	return w & TRACE_GOID_MASK;
}
u32 ev_p(u64 w)
{
	u64 p = (w >> 38) & 0xfff;
	return p == TRACE_NO_P ? NO_P_LANE : u32(p);
}
u32 ev_aux(u64 w)
{
	return u32(w >> 56) & 0x3f;
}

/*
 * Buffered output to a file descriptor, assembled piece by piece: a
 * trace has millions of events, and formatting their times with printf
 * cost twenty times the rest of the writer.  Each piece makes room for
 * itself; a failed write is remembered and the rest is dropped.
 */
struct out {
	int fd;
	bool failed = false;
	usize n = 0;
	char buf[1 << 16];

	void flush()
	{
		usize off = 0;
		while (off < n && !failed) {
			ssize_t w = ::write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				failed = true;
			else
				off += usize(w);
		}
		n = 0;
	}
	void room(usize k)
	{
		if (sizeof(buf) - n < k)
			flush();
	}
	/* @str: JSON-safe already (the writer's own literals, wait
	 * reasons, lane names); at most a few hundred bytes. */
	out &s(const char *str)
	{
		usize k = __builtin_strlen(str);
		room(k);
		__builtin_memcpy(buf + n, str, k);
		n += k;
		return *this;
	}
	out &c(char ch)
	{
		room(1);
		buf[n++] = ch;
		return *this;
	}
	out &u(u64 v)
	{
		room(20);
		n += fmt_u64(buf + n, v);
		return *this;
	}
	out &i(i64 v)
	{
		if (v < 0)
			return c('-').u(u64(0) - u64(v));
		return u(u64(v));
	}
	/* @ns nanoseconds as microseconds with three decimals (printf's
	 * %.3f of ns / 1e3, rounded to the nanosecond). */
	out &us(double ns)
	{
		bool neg = ns < 0;
		u64 v = u64((neg ? -ns : ns) + 0.5);
		if (neg && v != 0)
			c('-');
		u(v / 1000).c('.');
		u64 frac = v % 1000;
		return c(char('0' + frac / 100))
			.c(char('0' + frac / 10 % 10))
			.c(char('0' + frac % 10));
	}
	out &b(bool v) { return s(v ? "true" : "false"); }
};

/* Per-goroutine state while walking: keyed by goid, open addressing. */
struct gslot {
	u64 goid; /* 0: empty */
	u64 flow; /* pending unblock flow id, 0: none */
	double sys_ns;
	u32 sys_m;
	bool in_sys;
};

struct gtable {
	gslot *s;
	usize cap; /* power of two */

	gslot overflow; /* if the table ever fills: wrong arrows, no hang */

	gslot *get(u64 goid)
	{
		usize i = (goid * 0x9e3779b97f4a7c15ull) & (cap - 1);
		for (usize probes = 0; s[i].goid != 0 && s[i].goid != goid;
		     probes++) {
			if (probes == cap) {
				overflow = gslot{};
				return &overflow;
			}
			i = (i + 1) & (cap - 1);
		}
		s[i].goid = goid;
		return &s[i];
	}
};

/* Per-P lane state while walking. */
struct lane {
	u64 goid; /* running, 0: none */
	double start;
	u32 m;
	bool m_known; /* a proc start was seen */
};

/* Words used in @c: the head chunk's end at b->pos (read with acquire:
 * the owner wrote each record before moving pos past it); the others'
 * n. */
usize chunk_words(trace_buf *b, trace_chunk *c)
{
	if (c != b->head.load(std::memory_order_acquire))
		return usize(c->n);
	u64 *pos = b->pos.load(std::memory_order_acquire);
	/* A writer finishing its last event may have moved to a new chunk
	 * between the two loads; then c's n is set (published before the
	 * new head). */
	if (c != b->head.load(std::memory_order_acquire))
		return usize(c->n);
	if (pos < c->w || pos > c->w + TRACE_CHUNK_WORDS)
		return 0;
	return usize(pos - c->w);
}

/* Copy one buffer's events, oldest first, with interpolated times; at
 * most @room of them. */
usize collect(trace_buf *b, u32 gen, const trace_capture *cap, timed *dst,
	      usize room)
{
	if (b == nullptr || b->gen.load(std::memory_order_acquire) != gen)
		return 0;
	/* Chunks are newest first, records run forward inside each: find
	 * the oldest chunk, then walk back up the list. */
	usize nchunks = 0;
	for (trace_chunk *c = b->head.load(std::memory_order_acquire);
	     c != nullptr; c = c->next)
		nchunks++;
	usize at = 0;
	for (usize k = nchunks; k-- > 0 && at < room;) {
		trace_chunk *c = b->head.load(std::memory_order_acquire);
		for (usize i = 0; i < k && c != nullptr; i++)
			c = c->next;
		if (c == nullptr)
			break;
		usize n = chunk_words(b, c);
		for (usize i = 0; i < n && at < room;) {
			u64 word = c->w[i++];
			u64 ticks = 0, arg = 0;
			if ((word & TRACE_HAS_TICKS) != 0 && i < n)
				ticks = c->w[i++];
			if ((word & TRACE_HAS_ARG) != 0 && i < n)
				arg = c->w[i++];
			dst[at++] = timed{double(ticks), word, arg};
		}
	}
	usize total = at;
	at = 0;
	/* Ticks to ns; unstamped (0) between stamped neighbours. */
	double span_ticks = double(cap->ticks1 - cap->ticks0);
	double ns_per_tick =
		span_ticks > 0 ? double(cap->ns1 - cap->ns0) / span_ticks : 1;
	auto to_ns = [&](double ticks) {
		return (ticks - double(cap->ticks0)) * ns_per_tick;
	};
	double end_ns = double(cap->ns1 - cap->ns0);
	usize prev = ~usize{0};
	for (usize i = at; i <= total; i++) {
		if (i < total && dst[i].ns == 0)
			continue;
		double hi = i < total ? to_ns(dst[i].ns) : end_ns;
		double lo = prev == ~usize{0} ? 0 : dst[prev].ns;
		/* The end mark comes from the other clock, read just after
		 * the last ticks: it can lie a little before the last stamp
		 * (by microseconds under qemu).  Time never runs back. */
		if (hi < lo)
			hi = lo;
		usize first = prev == ~usize{0} ? at : prev + 1;
		/* Evenly between the stamps, but no further than
		 * INTERP_MAX_NS a record from the earlier one: an unstamped
		 * record lies within a sysmon round of it (trace.h), and a
		 * long gap means a goroutine ran long after it, not that the
		 * records were spread over the gap. */
		for (usize k = first; k < i; k++) {
			double even = (hi - lo) * double(k - first + 1) /
				      double(i - first + 1);
			double near = INTERP_MAX_NS * double(k - first + 1);
			dst[k].ns = lo + (even < near ? even : near);
		}
		if (i < total)
			dst[i].ns = hi;
		prev = i;
	}
	/* Events that happened before the start mark of a buffer renewed
	 * late keep their order. */
	for (usize i = 0; i < total; i++)
		if (dst[i].ns < 0)
			dst[i].ns = 0;
	return total;
}

const char *end_name(trace_ev_type t)
{
	switch (t) {
	case trace_ev_type::go_yield:
		return "yield";
	case trace_ev_type::go_block:
		return "block";
	case trace_ev_type::go_preempt:
		return "preempt";
	case trace_ev_type::go_end:
		return "exit";
	case trace_ev_type::go_syscall:
		return "syscall";
	default:
		return "stop";
	}
}

void span(out &o, u32 p, const lane &l, double end, const char *why,
	  const char *reason)
{
	o.s("{\"ph\":\"X\",\"pid\":1,\"tid\":").u(p);
	o.s(",\"ts\":").us(l.start).s(",\"dur\":").us(end - l.start);
	o.s(",\"name\":\"G").u(l.goid);
	o.s("\",\"cat\":\"goroutine\",\"args\":{\"goid\":").u(l.goid);
	o.s(",\"m\":").i(l.m_known ? i64(l.m) : -1);
	o.s(",\"end\":\"").s(why).c('"');
	if (reason != nullptr)
		o.s(",\"reason\":\"").s(reason).c('"');
	o.s("}},\n");
}

/* @m: the M holding the lane's P, or -1 (no P, or not known yet). */
void instant(out &o, u32 p, double ns, const char *cat, const char *name, u64 a,
	     u64 b, long m = -1)
{
	o.s("{\"ph\":\"i\",\"pid\":1,\"tid\":").u(p);
	o.s(",\"ts\":").us(ns).s(",\"name\":\"").s(name);
	o.s("\",\"cat\":\"").s(cat).s("\",\"s\":\"t\",\"args\":{\"a\":");
	o.u(a).s(",\"b\":").u(b).s(",\"m\":").i(m).s("}},\n");
}

long lane_m(const lane *l)
{
	return l != nullptr && l->m_known ? long(l->m) : -1;
}

void flow(out &o, char ph, u32 p, double ns, u64 id, const char *cat)
{
	o.s("{\"ph\":\"").c(ph).s("\",\"pid\":1,\"tid\":").u(p);
	o.s(",\"ts\":").us(ns).s(",\"id\":").u(id);
	o.s(",\"name\":\"").s(cat).s("\",\"cat\":\"").s(cat).c('"');
	if (ph == 'f')
		o.s(",\"bp\":\"e\"");
	o.s("},\n");
}

} // namespace

bool trace_write_json(const char *path, const trace_capture *cap)
{
	/* Gather every buffer of the generation. */
	usize count = 0;
	for (u32 i = 0; i <= MAX_PROCS; i++) {
		trace_buf *b = trace_buffer(i);
		if (b == nullptr ||
		    b->gen.load(std::memory_order_acquire) != cap->gen)
			continue;
		for (trace_chunk *c = b->head.load(std::memory_order_acquire);
		     c != nullptr; c = c->next)
			count += chunk_words(b, c); /* >= its events */
	}
	usize ev_bytes = (count + 1) * sizeof(timed);
	auto ev = static_cast<timed *>(sysalloc(ev_bytes));
	/* One slot per goroutine the trace names: no more than the events,
	 * nor than the goids ever handed out (in batches of GOID_BATCH). */
	usize gs = count;
	u64 goids = sched.goidgen.load(std::memory_order_relaxed) +
		    u64(MAX_PROCS) * GOID_BATCH;
	if (goids < gs)
		gs = usize(goids);
	usize gcap = 64;
	while (gcap < 2 * gs)
		gcap <<= 1;
	gtable gt{
		static_cast<gslot *>(sysalloc(gcap * sizeof(gslot))), gcap, {}};
	/* Lanes from the kernel too: 24 KiB would not fit a goroutine's
	 * smallest stack, and trace_stop() may run on one. */
	auto lanes = static_cast<lane *>(sysalloc(MAX_PROCS * sizeof(lane)));
	auto o = static_cast<out *>(sysalloc(sizeof(out)));
	constexpr usize runs_bytes = (MAX_PROCS + 2) * sizeof(usize);
	auto runs = static_cast<usize *>(sysalloc(runs_bytes));
	/* Everything above goes back to the kernel on every way out. */
	struct release_all {
		timed *ev;
		usize ev_bytes;
		gslot *gs;
		usize gs_bytes;
		lane *lanes;
		out *o;
		usize *runs;
		~release_all()
		{
			if (runs != nullptr)
				sysfree(runs, runs_bytes);
			if (ev != nullptr)
				sysfree(ev, ev_bytes);
			if (gs != nullptr)
				sysfree(gs, gs_bytes);
			if (lanes != nullptr)
				sysfree(lanes, MAX_PROCS * sizeof(lane));
			if (o != nullptr)
				sysfree(o, sizeof(out));
		}
	} mem{ev, ev_bytes, gt.s, gcap * sizeof(gslot), lanes, o, runs};
	if (ev == nullptr || gt.s == nullptr || lanes == nullptr ||
	    o == nullptr || runs == nullptr)
		return false;
	/* Into time order.  Each buffer's events come out in time order
	 * already (its stamps and the times interpolated between them never
	 * run back), so the buffers are merged, pairwise, a log(buffers)
	 * passes; a stable sort of them all took a third of the writer's
	 * time.  The order of equal times is a stable sort's. */
	auto earlier = [](const timed &a, const timed &b) {
		return a.ns < b.ns;
	};
	usize n = 0, nruns = 0;
	for (u32 i = 0; i <= MAX_PROCS; i++) {
		usize got = collect(trace_buffer(i), cap->gen, cap, ev + n,
				    count - n);
		if (got == 0)
			continue;
		if (!std::is_sorted(ev + n, ev + n + got, earlier))
			std::stable_sort(ev + n, ev + n + got, earlier);
		runs[nruns++] = n;
		n += got;
	}
	runs[nruns] = n;
	for (usize width = 1; width < nruns; width *= 2)
		for (usize i = 0; i + width < nruns; i += 2 * width)
			std::inplace_merge(
				ev + runs[i], ev + runs[i + width],
				ev + runs[i + 2 * width < nruns ? i + 2 * width
								: nruns],
				earlier);

	int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	o->fd = fd;
	u32 procs = cap->procs;
	for (u32 i = 0; i < n; i++) {
		u32 p = ev_p(ev[i].word);
		if (p != NO_P_LANE && p + 1 > procs)
			procs = p + 1;
	}
	o->s("{\"otherData\":{\"producer\":\"gort trace v1\",\"procs\":");
	o->u(procs).s(",\"events\":").u(n).s(",\"dropped\":").u(cap->dropped);
	o->s(",\"duration_ns\":").i(cap->ns1 - cap->ns0);
	o->s("},\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
	for (u32 i = 0; i < procs; i++) {
		o->s("{\"ph\":\"M\",\"pid\":1,\"tid\":").u(i);
		o->s(",\"name\":\"thread_name\",\"args\":{\"name\":\"P");
		o->u(i).s("\"}},\n");
	}
	o->s("{\"ph\":\"M\",\"pid\":1,\"tid\":").u(NO_P_LANE);
	o->s(",\"name\":\"thread_name\",\"args\":{\"name\":\"no P "
	     "(sysmon, syscalls)\"}},\n");

	u64 next_flow = 1;
	double end_ns = double(cap->ns1 - cap->ns0);
	if (n > 0 && ev[n - 1].ns > end_ns) /* the two clocks' skew */
		end_ns = ev[n - 1].ns;
	for (usize i = 0; i < n; i++) {
		const timed &e = ev[i];
		trace_ev_type t = ev_type(e.word);
		u64 goid = ev_goid(e.word);
		u32 p = ev_p(e.word);
		lane *l = p < MAX_PROCS ? &lanes[p] : nullptr;
		switch (t) {
		case trace_ev_type::go_switch:
		case trace_ev_type::go_start: {
			if (l == nullptr)
				break;
			u32 why = ev_aux(e.word);
			if (t == trace_ev_type::go_switch && l->goid != 0)
				span(*o, p, *l, e.ns,
				     why == TRACE_SWITCH_YIELD	   ? "yield"
				     : why == TRACE_SWITCH_PREEMPT ? "preempt"
								   : "block",
				     why > TRACE_SWITCH_PREEMPT
					     ? trace_reason_at(why)
					     : nullptr);
			else if (l->goid != 0)
				span(*o, p, *l, e.ns, "stop", nullptr);
			l->goid = goid;
			l->start = e.ns;
			gslot *s = gt.get(goid);
			if (s->flow != 0) {
				flow(*o, 'f', p, e.ns, s->flow, "unblock");
				s->flow = 0;
			}
			break;
		}
		case trace_ev_type::go_yield:
		case trace_ev_type::go_block:
		case trace_ev_type::go_preempt:
		case trace_ev_type::go_end:
		case trace_ev_type::go_syscall:
			if (l == nullptr)
				break;
			if (l->goid == 0) { /* running since before the start */
				l->goid = goid;
				l->start = 0;
			}
			span(*o, p, *l, e.ns, end_name(t),
			     t == trace_ev_type::go_block
				     ? trace_reason_at(ev_aux(e.word))
				     : nullptr);
			l->goid = 0;
			if (t == trace_ev_type::go_syscall) {
				gslot *s = gt.get(goid);
				s->in_sys = true;
				s->sys_ns = e.ns;
				s->sys_m = l->m;
			}
			break;
		case trace_ev_type::go_sysexit: {
			gslot *s = gt.get(goid);
			if (!s->in_sys)
				break;
			s->in_sys = false;
			o->s("{\"ph\":\"X\",\"pid\":1,\"tid\":").u(NO_P_LANE);
			o->s(",\"ts\":").us(s->sys_ns);
			o->s(",\"dur\":").us(e.ns - s->sys_ns);
			o->s(",\"name\":\"syscall G").u(goid);
			o->s("\",\"cat\":\"syscall\",\"args\":{\"goid\":");
			o->u(goid).s(",\"m\":").u(s->sys_m);
			o->s(",\"kept_p\":").b(e.arg != 0).s("}},\n");
			break;
		}
		case trace_ev_type::go_unblock: {
			gslot *s = gt.get(goid);
			s->flow = next_flow++;
			flow(*o, 's', p, e.ns, s->flow, "unblock");
			if (e.arg != 0 || ev_aux(e.word) != 0)
				instant(*o, p, e.ns, "netpoll", "netpoll ready",
					goid, 0);
			break;
		}
		case trace_ev_type::go_running: {
			u64 rp = e.arg & 0xffff;
			if (rp >= MAX_PROCS)
				break;
			if (!lanes[rp].m_known) {
				lanes[rp].m = u32(e.arg >> 16);
				lanes[rp].m_known = true;
			}
			if (goid != 0 && lanes[rp].goid == 0) {
				lanes[rp].goid = goid;
				lanes[rp].start = e.ns;
			}
			break;
		}
		case trace_ev_type::go_create:
			instant(*o, p, e.ns, "create", "go", goid, e.arg,
				lane_m(l));
			break;
		case trace_ev_type::proc_start:
			if (l != nullptr) {
				l->m = u32(e.arg);
				l->m_known = true;
			}
			instant(*o, p, e.ns, "proc", "P start", e.arg, 0,
				long(e.arg));
			break;
		case trace_ev_type::proc_stop:
			instant(*o, p, e.ns, "proc", "P stop", e.arg, 0,
				lane_m(l));
			break;
		case trace_ev_type::steal: {
			u64 id = next_flow++;
			u32 victim = u32(e.arg);
			flow(*o, 's', victim, e.ns, id, "steal");
			flow(*o, 'f', p, e.ns + 1, id, "steal");
			break;
		}
		case trace_ev_type::handoff:
			instant(*o, NO_P_LANE, e.ns, "handoff", "P handed off",
				e.arg, 0);
			break;
		case trace_ev_type::preempt_req:
			instant(*o, NO_P_LANE, e.ns, "preempt", "preempt", goid,
				0);
			break;
		case trace_ev_type::timer_fire:
			instant(*o, p, e.ns, "timer", "timer fired", e.arg, 0,
				lane_m(l));
			break;
		case trace_ev_type::netpoll:
			instant(*o, p, e.ns, "netpoll", "netpoll", e.arg, 0,
				lane_m(l));
			break;
		}
	}
	for (u32 p = 0; p < procs && p < MAX_PROCS; p++)
		if (lanes[p].goid != 0)
			span(*o, p, lanes[p], end_ns, "stop", nullptr);
	/* The last line has no comma: a final metadata event closes it. */
	o->s("{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":"
	     "{\"name\":\"gort\"}}\n]}\n");
	o->flush();
	bool ok = !o->failed;
	ok = ::close(fd) == 0 && ok;
	return ok;
}

} // namespace gort::rt
