/*
 * runtime/preempt_linux.cpp - preemption on Linux: sysmon's watch, the
 * SIGURG handler and its safe-point test, the park and the resume
 * (preempt.h explains the mechanism and its invariants).
 *
 * INV-PREEMPT-1: the handler allocates nothing but a G's save area (one
 *   mmap, async-signal-safe), takes no lock, and preserves errno.
 * INV-PREEMPT-2: g_ranges is written once in preempt_init(), before the
 *   handler is installed, and only read afterwards.
 * INV-PREEMPT-3: no instruction of gort's lies in the preemptible text:
 *   the build keeps inline functions, template instances and (AArch64)
 *   atomic operations inside gort_text, and tests/check_gort_text.cmake
 *   checks that no direct branch leaves it for .text.  So a G is never
 *   stopped inside the runtime, and never preempted again between the
 *   save and the resume (gp->preempt_saved says so).
 */
#include "runtime/preempt.h"

#include "arch/arch.h"
#include "runtime/panic.h"
#include "runtime/runq.h"
#include "runtime/sanitizer.h" /* GORT_TSAN, GORT_ASAN */
#include "runtime/stack.h"
#include "runtime/sysalloc.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" char __start_gort_text[];
extern "C" char __stop_gort_text[];

namespace gort::rt {

static constexpr auto relaxed = std::memory_order_relaxed;

std::atomic<u32> preempt_requests{0};

/* Room a G's stack must have below the interrupted sp for the park. */
static constexpr uptr PARK_STACK_ROOM = 16 * 1024;

struct text_range {
	uptr lo, hi;
};
static constexpr int MAX_RANGES = 16;
static text_range g_ranges[MAX_RANGES]; /* INV-PREEMPT-2 */
static int g_nranges = 0;
static bool g_usable = false;		 /* a dynamic executable */
static bool g_handler_installed = false; /* the ranges are known */
/* gort_arch_preempt_resume() may be used (INV-PREEMPT-2: set by
 * preempt_init(), before any G runs). */
static bool g_resume_in_user = false;
static struct sigaction g_prev_urg;

/* The main program's .text section, as [offset, offset + size) from its
 * load address: read from its section headers in /proc/self/exe (section
 * headers are not loaded into memory).  Not the whole executable segment:
 * that also holds the PLT stubs through which runtime code calls libc
 * (clock_gettime@plt, with a lock held), .init and .fini; and gort's own
 * code is its own section, gort_text. */
static bool main_text_section(uptr *off, uptr *size)
{
	int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool found = false;
	ElfW(Ehdr) eh;
	ElfW(Shdr) sh[128];
	char names[4096];
	if (::pread(fd, &eh, sizeof(eh), 0) == ssize_t(sizeof(eh)) &&
	    std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
	    eh.e_shentsize == sizeof(ElfW(Shdr)) && eh.e_shnum > 0 &&
	    eh.e_shnum <= 128 && eh.e_shstrndx < eh.e_shnum &&
	    ::pread(fd, sh, eh.e_shnum * sizeof(ElfW(Shdr)), eh.e_shoff) ==
		    ssize_t(eh.e_shnum * sizeof(ElfW(Shdr)))) {
		const ElfW(Shdr) &strs = sh[eh.e_shstrndx];
		usize n = strs.sh_size < sizeof(names) - 1 ? strs.sh_size
							   : sizeof(names) - 1;
		if (::pread(fd, names, n, strs.sh_offset) == ssize_t(n)) {
			names[n] = '\0';
			for (int i = 0; i < eh.e_shnum && !found; i++) {
				if (sh[i].sh_name >= n ||
				    std::strcmp(names + sh[i].sh_name,
						".text") != 0)
					continue;
				*off = sh[i].sh_addr;
				*size = sh[i].sh_size;
				found = true;
			}
		}
	}
	::close(fd);
	return found;
}

/* The main program comes first in dl_iterate_phdr's order. */
static int main_program(struct dl_phdr_info *info, size_t, void *data)
{
	bool *seen = static_cast<bool *>(data);
	if (*seen)
		return 1;
	*seen = true;
	bool dynamic = false;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_INTERP)
			dynamic = true;
	if (!dynamic)
		return 1; /* static: libc lies inside our text */
	uptr off = 0, size = 0;
	if (!main_text_section(&off, &size) || size == 0)
		return 1;
	uptr lo = info->dlpi_addr + off, hi = lo + size;
	uptr glo = reinterpret_cast<uptr>(__start_gort_text);
	uptr ghi = reinterpret_cast<uptr>(__stop_gort_text);
	if (glo < hi && ghi > lo)
		return 1; /* gort's code inside .text: cannot tell apart */
#ifdef GORT_ASAN
	/* ASan's runtime linked into the program (clang links it so, and
	 * gcc with -static-libasan) lies in .text too: its allocator (with
	 * its locks) and its fiber-switch bookkeeping would be preemptible.
	 * Cooperative then.  gcc's usual libasan.so is an object of its own,
	 * never preempted, like libc. */
	uptr asan = reinterpret_cast<uptr>(&__sanitizer_start_switch_fiber);
	if (asan >= lo && asan < hi)
		return 1;
#endif
	g_ranges[g_nranges++] = {lo, hi};
	g_usable = true;
	return 1;
}

static bool preemptible_pc(uptr pc)
{
	for (int i = 0; i < g_nranges; i++)
		if (pc >= g_ranges[i].lo && pc < g_ranges[i].hi)
			return true;
	return false;
}

static u64 first_mask_word(const sigset_t *set)
{
	u64 w;
	std::memcpy(&w, set, sizeof(w));
	return w;
}

/* The G on @mp, interrupted at @uc: may it be parked from here? */
static bool safe_point(m *mp, g *gp, const ucontext_t *uc)
{
	if (gp == nullptr || mp->locks != 0 ||
	    gp->status.load(relaxed) != gstatus::running)
		return false;
	/* Already preempted, on its way to park or back: saving again would
	 * overwrite the context it is to resume with.  Unreachable while
	 * gort's code stays out of the preemptible text (INV-PREEMPT-3). */
	if (gp->preempt_saved)
		return false;
	if (first_mask_word(&uc->uc_sigmask) != mp->sigmask)
		return false; /* inside a signal handler */
	uptr sp = arch_sigctx_sp(uc);
	stack *s = gp->f.stk;
	if (s == nullptr || sp < s->lo + PARK_STACK_ROOM || sp > s->hi)
		return false; /* not on its stack, or too close to the end */
	return preemptible_pc(arch_sigctx_pc(uc));
}

/* Save @gp's interrupted context and make the handler return into the
 * trampoline.  Context: the SIGURG handler (INV-PREEMPT-1). */
static bool preempt_at(g *gp, ucontext_t *uc)
{
	stack *s = gp->f.stk; /* the area is kept with the stack */
	usize need = arch_sigctx_save_size(uc);
	if (s->preempt_area_size < need) {
		usize bytes = (need + 4095) & ~usize{4095};
		void *area = sysalloc(bytes);
		if (area == nullptr)
			return false; /* decline; sysmon asks again */
		if (s->preempt_area != nullptr)
			sysfree(s->preempt_area, s->preempt_area_size);
		s->preempt_area = area;
		s->preempt_area_size = u32(bytes);
	}
	if (!arch_sigctx_save(uc, s->preempt_area, s->preempt_area_size))
		return false;
	gp->preempt_saved = true;
	arch_sigctx_redirect(
		uc, reinterpret_cast<uptr>(&gort_arch_preempt_trampoline));
	return true;
}

/* Where the last PREEMPT_PCS accepted preemptions stopped their
 * goroutines, for the tests (preempt_recent_pcs()).  Written by the
 * handler: an atomic add and a store. */
static constexpr u32 PREEMPT_PCS = 64;
static std::atomic<uptr> g_pcs[PREEMPT_PCS];
static std::atomic<u32> g_npcs{0};

/* SIGURGs sysmon sent (preempt_signals_sent()). */
static std::atomic<u32> g_signals_sent{0};

u32 preempt_signals_sent()
{
	return g_signals_sent.load(std::memory_order_acquire);
}

u32 preempt_accepted()
{
	return g_npcs.load(relaxed);
}

u32 preempt_recent_pcs(uptr *out, u32 max)
{
	u32 n = g_npcs.load(std::memory_order_acquire);
	u32 have = n < PREEMPT_PCS ? n : PREEMPT_PCS;
	u32 k = 0;
	for (u32 i = 0; i < have && k < max; i++) {
		uptr pc = g_pcs[(n - 1 - i) % PREEMPT_PCS].load(relaxed);
		if (pc != 0)
			out[k++] = pc;
	}
	return k;
}

/* Requests the SIGURG handler declined (preempt_watch()). */
static std::atomic<u32> g_declines{0};

/* The handler declined a request: have sysmon retry soon.  Context:
 * signal handler (an atomic add and sysmon_poke()). */
static void preempt_declined()
{
	g_declines.fetch_add(1, relaxed);
	sysmon_poke();
}

static void chain(int sig, siginfo_t *si, void *uc)
{
	if (g_prev_urg.sa_flags & SA_SIGINFO) {
		if (g_prev_urg.sa_sigaction != nullptr)
			g_prev_urg.sa_sigaction(sig, si, uc);
	} else if (g_prev_urg.sa_handler != SIG_DFL &&
		   g_prev_urg.sa_handler != SIG_IGN) {
		g_prev_urg.sa_handler(sig);
	}
	/* SIGURG's default action is to ignore it. */
}

/*
 * Every SIGURG also goes to the program's own handler, first, with the
 * context as the signal found it: one the program sent may have merged
 * with one of the runtime's on its way (the kernel keeps one pending
 * signal of each standard kind), and there is no telling the two apart
 * then.  So the program sees SIGURGs it did not send, as SIGURG allows
 * (it only says "urgent data may be waiting on some socket", and Go's
 * programs see its preemption signals the same way), and loses none it
 * did send.
 */
static void sigurg_handler(int sig, siginfo_t *si, void *ucv)
{
	int saved_errno = errno;
	auto uc = static_cast<ucontext_t *>(ucv);
	chain(sig, si, ucv);
	m *mp = current_m();
	if (mp != nullptr && mp->resume_area != nullptr) {
		/* A preempted G asks for its context back. */
		void *area = mp->resume_area;
		mp->resume_area = nullptr;
		if (!arch_sigctx_restore(uc, area))
			fatal("preempt: a preempted goroutine's saved context "
			      "does not fit the signal frame");
		mp->curg->preempt_saved = false;
		/* A pending SIGURG from sysmon merges with this one (the
		 * kernel queues one of each standard signal): count it as
		 * delivered and declined, or preempt_sent would stay set and
		 * sysmon would never signal this M again. */
		if (mp->preempt_sent.exchange(false))
			preempt_declined();
		errno = saved_errno;
		return;
	}
	if (mp != nullptr && mp->preempt_sent.exchange(false)) {
		uptr pc = arch_sigctx_pc(uc);
		if (!safe_point(mp, mp->curg, uc) || !preempt_at(mp->curg, uc))
			preempt_declined();
		else
			g_pcs[g_npcs.fetch_add(1, relaxed) % PREEMPT_PCS].store(
				pc, std::memory_order_release);
	}
	errno = saved_errno;
}

void preempt_init(bool wanted)
{
	sched.async_preempt = false;
	const char *env = std::getenv("GORT_ASYNCPREEMPT");
	if (!wanted || (env != nullptr && env[0] == '0') ||
	    !ARCH_ASYNC_PREEMPT || running_on_valgrind())
		return;
#ifdef GORT_TSAN
	return; /* TSan defers signals: the handler would run too late */
#endif
	if (!g_handler_installed) {
		bool seen = false;
		dl_iterate_phdr(main_program, &seen);
		g_handler_installed = true;
	}
	/* GORT_PREEMPT_RESUME=signal: the way AArch64 must take, for
	 * comparison and for the tests. */
	const char *how = std::getenv("GORT_PREEMPT_RESUME");
	g_resume_in_user = arch_preempt_resume_usable() &&
			   !(how != nullptr && std::strcmp(how, "signal") == 0);
	if (g_usable) {
		/* Ours, unless the program installed its own since the last
		 * run(): then put ours back and chain to that one.  No G
		 * runs yet, so no handler reads g_prev_urg meanwhile. */
		struct sigaction cur = {};
		::sigaction(SIGURG, nullptr, &cur);
		if (!(cur.sa_flags & SA_SIGINFO) ||
		    cur.sa_sigaction != sigurg_handler) {
			g_prev_urg = cur;
			struct sigaction sa = {};
			sa.sa_sigaction = sigurg_handler;
			sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
			sigemptyset(&sa.sa_mask);
			::sigaction(SIGURG, &sa, nullptr);
		}
	}
	sched.async_preempt = g_usable;
}

void preempt_thread_init(m *mp)
{
	mp->tid = int(::syscall(SYS_gettid));
	sigset_t set;
	::pthread_sigmask(SIG_BLOCK, nullptr, &set);
	mp->sigmask = first_mask_word(&set);
	if (sigismember(&set, SIGURG))
		mp->sigmask = ~u64{0}; /* never matches: never preempted */
}

/* Something else could run on @pp's place. */
static bool other_work(p *pp, i64 now)
{
	i64 t = pp->timer0_when.load(relaxed);
	return !runq_empty(pp) || sched.runq_size.load(relaxed) > 0 ||
	       (t != 0 && t <= now);
}

/* Ask the G running on @pp to yield; on a slice's first request,
 * @prewake the M that will take the P over (a declined request is
 * retried every millisecond, and the M would spin each time).  Returns
 * whether its M gets SIGURG for it.  Context: sysmon. */
static bool preemptone(p *pp, bool prewake)
{
	bool signalled = false;
	/* sched.lock keeps the M from exiting under us (m_exit_locked). */
	lock(&sched.lock);
	m *mp = pp->curm;
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp != nullptr) {
		trace_ev(nullptr, trace_ev_type::preempt_req, gp->goid);
		if (!gp->preempt.exchange(true, relaxed))
			preempt_requests.fetch_add(1, relaxed);
		if (sched.async_preempt && mp->sigmask != ~u64{0}) {
			signalled = true; /* now, or one is on its way */
			if (!mp->preempt_sent.exchange(true)) {
				::syscall(SYS_tgkill, ::getpid(), mp->tid,
					  SIGURG);
				/* After: a signal counted is already pending
				 * or delivered (the merge test relies on it). */
				g_signals_sent.fetch_add(
					1, std::memory_order_release);
				if (prewake)
					prewake_locked_m_locked(pp);
			}
		}
	}
	unlock(&sched.lock);
	return signalled;
}

void preempt_all_running()
{
	u32 procs = sched.procs.load(std::memory_order_acquire);
	for (u32 i = 0; i < procs; i++)
		if (sched.allp[i]->status.load(relaxed) == pstatus::running)
			preemptone(sched.allp[i], false);
}

/*
 * When a slice began, sysmon knows only to within its own period: it
 * sees the tick move at its next look.  So it sleeps until the slice is
 * due to end rather than looking every millisecond, and after asking a
 * G to yield it looks again one slice later, not sooner (on this VM a
 * wake-up of sysmon on the CPU that runs the G took 20 to 50 us from
 * it: sysmon lands there because the kernel packs threads onto busy
 * CPUs, so each wake-up was a stall of the goroutine it watched):
 *   - a request carried by SIGURG is honoured within the signal's
 *     delivery, so the slice it starts is dated from the request: when
 *     sysmon looks again, the tick has moved and that slice is over;
 *   - a cooperative request (no signal: asynchronous preemption off,
 *     or the G masks SIGURG) may be honoured any time before the next
 *     look, so that slice is dated from the look, erring late;
 *   - a request declined by the SIGURG handler (not at a safe point)
 *     wakes sysmon (g_declines), which asks again a retry period (a
 *     tenth of a slice, 1 ms) after;
 *   - a request nobody answered is repeated a slice later;
 *   - otherwise a new slice is dated from the look that first saw it,
 *     erring late as Go does, by at most sysmon's period before it.
 */
static u32 g_declines_seen = 0; /* sysmon's: g_declines it saw */

i64 preempt_watch(i64 now)
{
	const i64 slice = sched.time_slice_ns;
	const i64 retry = slice / 10; /* sysmon sleeps 20 us at least */
	u32 declines = g_declines.load(relaxed);
	bool declined = declines != g_declines_seen;
	g_declines_seen = declines;
	i64 next = 0;
	u32 procs = sched.procs.load(std::memory_order_acquire);
	for (u32 i = 0; i < procs; i++) {
		p *pp = sched.allp[i];
		pstatus st = pp->status.load(relaxed);
		if (st != pstatus::running && st != pstatus::syscall) {
			pp->sysmon_asked = 0;
			continue;
		}
		u32 t = pp->schedtick.load(relaxed);
		if (t != pp->sysmon_schedtick) { /* a new slice began */
			pp->sysmon_schedtick = t;
			pp->sysmon_schedwhen =
				pp->sysmon_asked != 0 && pp->sysmon_signalled
					? pp->sysmon_asked
					: now;
			pp->sysmon_asked = 0;
		}
		/* Any P's request may be the one declined: an early retry
		 * of another's costs one look. */
		if (declined && pp->sysmon_asked != 0 &&
		    pp->sysmon_again > now + retry)
			pp->sysmon_again = now + retry;
		i64 end = pp->sysmon_schedwhen + slice;
		i64 at;
		if (other_work(pp, now)) {
			if (now < end) {
				at = end;
			} else if (pp->sysmon_asked != 0 &&
				   now < pp->sysmon_again) {
				at = pp->sysmon_again; /* still unanswered */
			} else {
				if (st == pstatus::syscall) {
					/* Its G is in a blocking call: it
					 * yields on taking the P back. */
					pp->exit_yield.store(t + 1, relaxed);
					pp->sysmon_signalled = false;
				} else {
					pp->sysmon_signalled = preemptone(
						pp, pp->sysmon_asked == 0);
				}
				pp->sysmon_asked = now;
				pp->sysmon_again = now + slice;
				at = pp->sysmon_again;
			}
		} else {
			/* A pending timer is work to come: look when both
			 * it is due and the slice is over. */
			i64 t0 = pp->timer0_when.load(relaxed);
			if (t0 == 0)
				continue;
			at = t0 > end ? t0 : end;
		}
		if (next == 0 || at < next)
			next = at;
	}
	return next;
}

void preempt_check()
{
	m *mp = current_m();
	g *gp = mp != nullptr ? mp->curg : nullptr;
	if (gp != nullptr && gp->preempt.exchange(false, relaxed)) {
		preempt_requests.fetch_sub(1, relaxed);
		gosched_traced(trace_ev_type::go_preempt);
	}
}

} // namespace gort::rt

/*
 * The trampoline's call (arch/<cpu>/preempt.S): runs on the G's stack,
 * below the interrupted frame.  Never returns: the G continues through
 * the resume signal (preempt.h), abandoning this frame.  So it is not
 * instrumented by ASan: an abandoned frame would leave poisoned redzones
 * (and a fake frame) behind.  Everything it calls returns normally.
 */
extern "C" __attribute__((no_sanitize("address"))) void gort_preempt_park()
{
	using namespace gort::rt;
	int saved_errno = errno;
	m *mp = current_m();
	g *gp = mp->curg;
	/* Pinned to this M until it resumes (thread-local state). */
	bool pin = gp->lockedm == nullptr;
	if (pin) {
		gp->lockedm = mp;
		mp->lockedg = gp;
	}
	if (gp->preempt.exchange(false, relaxed))
		preempt_requests.fetch_sub(1, relaxed);
	gosched_traced(trace_ev_type::go_preempt);
	mp = current_m(); /* the same M: the G was pinned */
	if (pin) {
		mp->lockedg = nullptr;
		gp->lockedm = nullptr;
	}
	errno = saved_errno;
	if (g_resume_in_user) {
		/* Nothing from here on is preemptible (INV-PREEMPT-3), so the
		 * area stays as it is until it has been read. */
		gp->preempt_saved = false;
		gort_arch_preempt_resume(gp->f.stk->preempt_area);
	}
	mp->resume_area = gp->f.stk->preempt_area;
	::syscall(SYS_tgkill, ::getpid(), mp->tid, SIGURG);
	fatal("preempt: the resume signal did not restore the goroutine");
}
