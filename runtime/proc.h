/*
 * runtime/proc.h - the scheduler's objects: G (goroutine), M (thread),
 * P (processor) and the global scheduler state, with who owns what.
 *
 * G status and who may change it (every change goes through
 * g_cas_status()):
 *
 *   idle ----> runnable <----------------+
 *   (spawn)      |  ^                    |
 *                v  | (yield)            | ready() by the waker
 *              running ------------> waiting
 *               | ^  \       park()
 *               | |   \  entersyscall()      exitsyscall(), no P
 *               | |    +---------> syscall ----------> runnable
 *               | +--------------------+
 *               v      exitsyscall(), got a P
 *              dead (its stack, and the G on it, back in a pool)
 *
 *   runnable: on exactly one run queue (a P's ring or runnext, or the
 *             global queue); nobody owns the stack; any M may take it.
 *             A goroutine that never ran is usually in a spawn G with
 *             no stack: its function waits in gp->fnbuf, and the M
 *             that first runs it moves it into the G at the top of a
 *             stack (proc.cpp, "A goroutine's G lives on its stack").
 *   running:  the G's code is executing on gp->curm, which holds a P
 *             (or the G is locked to that M).  The stack belongs to the G.
 *   waiting:  off every run queue, fully off its stack (park() switches
 *             to the M's scheduler context before the wait becomes
 *             visible to wakers).  Exactly one waker will call ready().
 *   syscall:  the G's code is in a blocking call (syscall.cpp) on
 *             gp->curm, which holds no P; mp->curg is nullptr meanwhile,
 *             so gort operations inside the call act as a plain
 *             thread's.  Only the G itself leaves this state.
 *   dead:     the G's function returned; its stack and G are back in
 *             the pool.  A spawn G is dead once its goroutine moved out.
 *             A goroutine whose successor starts in place on its stack
 *             (proc.cpp, g_next_in_place()) never shows dead: its G
 *             stays running and takes the successor's identity.
 *
 * P status: idle (on sched.pidle, no M), running (held by exactly one M,
 * pp->curm), syscall (its M is in a blocking call and may take it back
 * by CAS syscall -> running; sysmon may retake it by CAS syscall ->
 * running and hand it to another M: whoever wins the CAS owns it), dead
 * (id >= procs after set_procs shrank; never freed, so stale readers
 * stay safe).  Changes to and from idle and dead happen under
 * sched.lock; the syscall CASes need no lock.
 *
 * Locks: sched.lock guards the global run queue, the idle P and idle M
 * lists, the spawn-G pool (spawn_pool.h), and P status changes.  A P's run queue is
 * lock-free (runq.h).  A P's timers have their own lock (timer.h).
 * Lock order: sched.lock before any P's timer lock; never the reverse.
 */
#pragma once

#include "runtime/fiber.h"
#include "runtime/lock.h"
#include "runtime/slot_index.h"
#include "runtime/trace.h"
#include "runtime/types.h"

#include <atomic>
#include <pthread.h>

namespace gort::rt {

struct g;
struct m;
struct p;
struct timer;

enum class gstatus : u8 {
	idle,
	runnable,
	running,
	waiting,
	syscall,
	dead,
};

/* What a G asks its M's scheduler context to do when it switches there. */
enum class g0_action : u32 {
	none,
	yield,	      /* requeue the G at the tail of the P's queue */
	park,	      /* the G waits; run park_unlock, then schedule */
	exit,	      /* the G's function returned */
	syscall_exit, /* back from a blocking call with no P: queue the G */
};

/* Per-thread C++ exception state (libstdc++/libc++abi __cxa_eh_globals),
 * carried by a G across switches so that a G inside a catch block may
 * block and resume on another thread. */
struct eh_state {
	void *caught;
	unsigned int uncaught;
};

/* The most bytes of a goroutine's function and arguments that its G holds
 * until it first runs; larger ones go on its stack at go(). */
constexpr usize G_FN_INLINE = 64;
constexpr usize G_FN_ALIGN = 16; /* and the most alignment */

/* What whoever starts a G needs to know of it, in its spawn line (struct
 * g): a G at a stack's top, which has run or took its stack at go()
 * (none); a spawn G whose goroutine takes fnbuf as its argument and a
 * stack of run()'s size (plain); a spawn G whose start_arg and stack_want
 * say what it takes (own: the main G, a stack size of its own). */
enum class spawn_kind : u8 { none, plain, own };

struct alignas(64) g {
	fiber f; /* context and stack (nullptr in a spawn G); keep first */
	m *curm = nullptr;		  /* set while running */
	const char *waitreason = nullptr; /* valid while waiting */
	/* When it began waiting, or 0: park() reads no clock; the goroutine
	 * dump stamps a waiting G it finds at 0 (as Go's GC does), so a
	 * reported wait is at least that long.  park() and the dump write
	 * it from different threads, hence atomic. */
	std::atomic<i64> waitsince{0};
	m *lockedm = nullptr; /* lock_os_thread(); the G's own */
	u32 lockcount = 0;    /* lock_os_thread() nesting; the G's own */
	/* Preemption (preempt.h): asked by sysmon, honoured at the next
	 * runtime call or by the signal, which saves the interrupted
	 * context in the stack's preempt_area (stack.h). */
	std::atomic<bool> preempt{false};
	/* The area holds a context not yet resumed: the G is on its way
	 * through the park (its own thread's handler sets and clears it;
	 * run() clears it when it discards the G parked). */
	bool preempt_saved = false;
	/* The spawn G whose fnbuf still holds this goroutine's function,
	 * until spawn_started() (proc.cpp, "A goroutine's G lives on its
	 * stack"); the G's own. */
	g *held_spawn_g = nullptr;
	eh_state eh{}; /* saved while switched out */
	/* In the first G of each batch of the global run queue (runq.h):
	 * the batch's last G and its length; sched.lock. */
	g *globq_tail = nullptr;
	u32 globq_n = 0;

	/*
	 * What go() writes in a spawn G, in the second-last cache line
	 * (the "spawn line"), with the first 16 bytes of fnbuf: a G is
	 * usually spawned on one CPU and started on another, so each line
	 * go() writes crosses between them twice per goroutine.  A closure
	 * of up to 16 bytes (a capture of one or two pointers) keeps go()
	 * to that one line, and `spawn` lets the CPU that starts it read
	 * that line alone: the last line's fields are written and read
	 * only for a larger closure, the main G's argument or a stack size
	 * of its own (spawn_kind::own).  A spawn G never runs, so the rest
	 * stays as the pool made it: nothing reads it on the way from go()
	 * to the start but the global queue's batch fields (globq_*), in
	 * the first G of a batch only.
	 */
	alignas(64) std::atomic<gstatus> status{gstatus::idle};
	bool is_main = false; /* the G running run()'s function */
	/* Set by go() in a spawn G; none in a G at a stack's top, always
	 * (nothing writes it there).  Read by whoever starts the G. */
	spawn_kind spawn = spawn_kind::none;
	/* A spawn G's place in sched.gfree (spawn_pool.h), read as it goes
	 * back; constant. */
	u32 pool_slot = 0;
	u64 goid = 0;		/* constant while not dead */
	g *schedlink = nullptr; /* run queue or free list; that list's */
	/* Until the first run, if f.stk is nullptr: the function to run
	 * (proc.cpp, "Stacks on first run"). */
	void (*start_fn)(void *) = nullptr;
	u64 parent_goid = 0; /* who called go(); 0 for the main G */
	uptr gopc = 0;	     /* where go() was called (a return address) */
	alignas(16) unsigned char fnbuf[G_FN_INLINE];
	/* With start_fn, for spawn_kind::own only: its argument and the
	 * stack size to take (0: the default). */
	void *start_arg = nullptr;
	usize stack_want = 0;
};

static_assert(G_FN_ALIGN <= 16 && G_FN_INLINE == 64,
	      "fnbuf starts in the spawn line and fits the G's last two");
static_assert(sizeof(g) % 64 == 0 && offsetof(g, fnbuf) % 64 == 48 &&
		      offsetof(g, spawn) / 64 == offsetof(g, fnbuf) / 64 &&
		      offsetof(g, pool_slot) / 64 == offsetof(g, fnbuf) / 64 &&
		      offsetof(g, start_arg) / 64 == sizeof(g) / 64 - 1,
	      "go()'s fields and fnbuf's first 16 bytes share one line");

struct m {
	fiber g0;		  /* the thread's own stack: the scheduler */
	g *curg = nullptr;	  /* the G running on this M, if any */
	p *pp = nullptr;	  /* the P held; this M's */
	p *nextp = nullptr;	  /* handed over by startm(); lock-free handoff
				   published by the park note */
	m *schedlink = nullptr;	  /* sched.midle; sched.lock */
	m *alllink = nullptr;	  /* sched.allm; sched.lock */
	std::atomic<u32> park{0}; /* the note this M sleeps on */
	bool spinning = false;	  /* counted in sched.nmspinning */
	bool is_m0 = false;	  /* the thread that called run() */
	bool exiting = false;	  /* told to leave (run() is ending) */
	bool idlelocked = false;  /* counted in nmidlelocked; sched.lock */
	/* sysmon woke this idle locked M ahead of a hand-off it is about to
	 * cause (prewake_locked_m_locked): spin for it.  Set under
	 * sched.lock, cleared by the M. */
	std::atomic<bool> prewoken{false};
	g *lockedg = nullptr; /* lock_os_thread(); this M's */
	u64 id = 0;
	u32 rand = 0;		     /* fastrand state */
	eh_state *eh_slot = nullptr; /* this thread's C++ exception state */
	/* The G that switched straight to another G (proc.cpp, "direct
	 * switches"), for that G to finish off: requeue it (a yield) or, if
	 * requeue_park, park it with park_unlock.  This M's. */
	g *requeue = nullptr;
	bool requeue_park = false;
	p *oldp = nullptr;	 /* the P left in syscall state; this M's */
	g *syscallg = nullptr;	 /* the G in a blocking call on this M */
	bool in_netpoll = false; /* blocked in netpoll(); sched.lock */
	/* Preemption (preempt.h). */
	int tid = 0;   /* kernel thread id, for tgkill */
	u32 locks = 0; /* > 0: runtime code calls out under a lock */
	std::atomic<bool> preempt_sent{false}; /* a SIGURG is on its way */
	void *resume_area = nullptr; /* context the resume signal restores */
	u64 sigmask = 0;	     /* the signal mask this M runs Gs with */
	pthread_t thread{};
	/* Request from the G that switched to the scheduler context. */
	g0_action action = g0_action::none;
	bool (*park_unlock)(g *gp, void *arg) = nullptr;
	void *park_arg = nullptr;
};

enum class pstatus : u32 { idle, running, syscall, dead };

constexpr u32 RUNQ_SIZE = 256;
constexpr u32 GOID_BATCH = 16;
/* A P's cache of free Gs: up to P_GFREE_MAX, moved to or from sched.gfree
 * P_GFREE_BATCH at a time under sched.lock.  Go's 64 and 32 made the two
 * Ps of a spawn+join at procs 2 meet on sched.lock four times as often
 * (one spawns, the other buries), and there the lock's waiters sleep in
 * the kernel: alternating binaries, 278-311 ns a goroutine against
 * 233-252 with 256 and 128 (1,024 and 512: 256-270), and 136-144 against
 * 119-130 at procs 1. */
constexpr u32 P_GFREE_MAX = 256;
constexpr u32 P_GFREE_BATCH = 128;

struct p {
	u32 id = 0;
	std::atomic<pstatus> status{pstatus::idle}; /* see the header */
	m *curm = nullptr;			    /* the M holding this P */
	p *link = nullptr; /* sched.pidle; sched.lock */
	/* Bumped by the owner at each new time slice (p_tick()); read by
	 * sysmon to tell a G that has run too long (preempt.h). */
	std::atomic<u32> schedtick{0};
	/* set_procs() shrank the Ps below this running one, which retires
	 * at its M's next pass through the scheduler: a direct switch
	 * (proc.cpp) steps aside for it.  Written under sched.lock; read by
	 * the owner, on this its own line, at every switch. */
	std::atomic<bool> retiring{false};
	/* sysmon's alone (preempt_watch()): the schedtick it saw, when that
	 * slice began, when it asked the G to yield (until it sees the tick
	 * move), when to ask again if unanswered, and whether that request
	 * went by SIGURG. */
	u32 sysmon_schedtick = 0;
	i64 sysmon_schedwhen = 0;
	i64 sysmon_asked = 0;
	i64 sysmon_again = 0;
	bool sysmon_signalled = false;
	/* sysmon's request that the G in a blocking call on this P yield
	 * when it takes the P back (exitsyscall): its slice ended while
	 * other work waited.  The slice's schedtick + 1, so that a request
	 * left over from an earlier slice matches nothing (0: none). */
	std::atomic<u32> exit_yield{0};
	std::atomic<u32> syscalltick{0}; /* bumped by each entersyscall */
	u32 sysmon_tick = 0;		 /* sysmon's: syscalltick it saw */
	i64 sysmon_when = 0;		 /* sysmon's: when it saw it */

	/* Run queue (runq.h): the owner pushes at tail, anyone pops at
	 * head by CAS. */
	std::atomic<u32> runq_head{0};
	std::atomic<u32> runq_tail{0};
	std::atomic<g *> runq[RUNQ_SIZE];
	std::atomic<g *> runnext{nullptr};

	/* Timers (timer.h). */
	rt_lock timer_lock;
	timer **timers = nullptr;	 /* 4-ary min-heap; timer_lock */
	u32 ntimers = 0;		 /* timer_lock */
	u32 timers_cap = 0;		 /* timer_lock */
	std::atomic<i64> timer0_when{0}; /* heap top's when, 0: none */

	/* Owner-only caches. */
	stack_cache stacks;
	g *gfree = nullptr;
	u32 ngfree = 0;
	u64 goid_next = 0, goid_end = 0;
	/* Goroutines spawned on this P less those that ended on it (so it
	 * may be negative); the owner writes it, anyone may read it.  A
	 * shared counter was a cache line that the spawning and the running
	 * CPU took from each other twice per goroutine. */
	std::atomic<i64> ngoroutines{0};
	/* Goroutines started in place, where one ended (proc.cpp,
	 * g_next_in_place()); the owner writes it, anyone may read it. */
	std::atomic<u64> in_place_starts{0};
	trace_buf trace; /* the owner's (trace.h) */
};

constexpr u32 MAX_PROCS = 1024;

/*
 * The fields are grouped by who writes them and how often, each group on
 * lines of its own: a read-mostly field on a line that another CPU
 * writes is a miss at each read.  sched.stopping, read at every direct
 * switch and every start in place, once shared a line with goidgen
 * (bumped every 16 spawns) and the spawn-G pool's counters, and that
 * read was a quarter of g_next_in_place()'s samples in spawn+join at
 * procs 2.
 */
struct sched_state {
	/* Written under the lock or by its takers, all the time. */
	rt_lock lock;

	/* Global run queue; lock. */
	g *runq_head = nullptr;
	g *runq_tail = nullptr;
	std::atomic<u32> runq_size{0};

	/* Idle Ps and Ms; lock (the counters are read without it). */
	p *pidle = nullptr;
	std::atomic<u32> npidle{0};
	m *midle = nullptr;
	u32 nmidle = 0;
	m *allm = nullptr;
	u32 nm = 0;	      /* Ms alive, m0 included; lock */
	u32 nmidlelocked = 0; /* Ms asleep waiting for their locked G */
	u64 mnext = 0;	      /* next M id; lock */
	std::atomic<u32> nmspinning{0};

	/* Free Gs, handed out lowest address first (slot_index.h); lock. */
	alignas(64) slot_index gfree;
	/* Goroutine ids, taken GOID_BATCH at a time by each P. */
	std::atomic<u64> goidgen{0};
	/* Goroutines spawned by threads with no P; the rest are counted
	 * per P (goroutine_count()). */
	std::atomic<i64> ngoroutines{0};

	/* The one M that sleeps until the earliest timer; lock. */
	alignas(64) m *timer_waiter = nullptr;
	std::atomic<i64> timer_wait_until{0};
	/* Network poller: when netpoll() last returned; 0 while an M is
	 * blocked in it (at most one is). */
	std::atomic<i64> lastpoll{0};
	/* sysmon (sysmon.cpp). */
	std::atomic<u32> sysmon_note{0};
	bool sysmon_sleeping = false; /* lock */
	bool sysmon_started = false;
	/* Set by sysmon_stop(): the stop phase is over (sysmon.cpp). */
	std::atomic<bool> sysmon_exit{false};
	pthread_t sysmon_thread{};

	/* Read-mostly from here on: written at run()'s start and end, by
	 * set_procs(), or once. */
	alignas(64) std::atomic<u32> procs{0};
	/* Life of run(). */
	std::atomic<bool> running{false};
	std::atomic<bool> stopping{false}; /* the main G returned */
	/* A thread with no P used the runtime (deadlock.cpp); set once,
	 * and read before it is stored (foreign_used_note()). */
	std::atomic<bool> foreign_used{false};
	bool deadlock_check = true;
	int main_result = 0;
	m *m0 = nullptr;
	usize stack_size = 0;	    /* 0: stack_default_size() */
	u32 max_threads = 0;	    /* newm() refuses beyond this many Ms */
	u32 ncpu = 0;		    /* CPUs this process may use, at run() */
	bool async_preempt = false; /* SIGURG preemption is on (preempt.h) */
	i64 time_slice_ns = 0;	    /* preempt.h */
	i64 idle_m_exit_ns = 0;	    /* an idle M beyond the cache exits then */
	/* Ps; allp[i] is constant once allocated. */
	p *allp[MAX_PROCS] = {};
};

/* What run() was asked for (gort::config, defaults applied by api.cpp). */
struct run_options {
	int procs = 0;
	usize stack_size = 0;
	bool deadlock_check = true;
	u32 max_threads = 10000;
	i64 idle_m_exit_ns = 0;
	bool async_preempt = true;
	i64 time_slice_ns = 0;
};

/* A new time slice on @pp.  Context: @pp's owner. */
inline void p_tick(p *pp)
{
	pp->schedtick.store(pp->schedtick.load(std::memory_order_relaxed) + 1,
			    std::memory_order_relaxed);
}

extern sched_state sched;

/* The M running on this thread, or nullptr on a thread the runtime did not
 * create or adopt.  Never cached across anything that can switch: a G
 * may resume on another thread (tls_linux.cpp).  On x86-64 an asm
 * volatile with a memory clobber reads it afresh each time, inline
 * (initial-exec TLS: two instructions, where a call took seven); on
 * other CPUs a call the compiler cannot see into does. */
#if defined(__x86_64__)
extern "C" thread_local m *gort_tls_m;
GORT_ALWAYS_INLINE m *current_m()
{
	m *mp;
	__asm__ __volatile__("movq gort_tls_m@gottpoff(%%rip), %0\n\t"
			     "movq %%fs:(%0), %0"
			     : "=r"(mp)
			     :
			     : "memory");
	return mp;
}
#else
m *current_m();
#endif
void set_current_m(m *mp);

/* The G running on this thread, or nullptr on a scheduler context or a
 * foreign thread. */
inline g *current_g()
{
	m *mp = current_m();
	return mp != nullptr ? mp->curg : nullptr;
}

i64 nanotime();
/*
 * A walk over every G that may hold a goroutine: the spawn Gs (proc.cpp,
 * "A goroutine's G lives on its stack"; spawn_pool.h), then the G at the
 * top of every stack slot ever carved.  No lock: a G seen may be free or its goroutine may end
 * meanwhile, so read its status first and skip dead and idle ones (a
 * stack given back whole reads as idle: all zero).  Context: any thread
 * but a signal handler.
 */
struct spawn_walk {
	bool started = false;
	struct spawn_chunk *chunk = nullptr; /* spawn_pool.cpp */
	u32 i = 0;
};
struct g_walk {
	spawn_walk spawn;
	bool spawn_done = false;
	struct stack *slot = nullptr;
};
g *g_walk_next(g_walk *w);
/* Called by a goroutine's closure once it has moved onto the goroutine's
 * stack: the spawn G that held it is free (proc.cpp). */
void spawn_started();
/* "goroutine N [state, M minutes]:", as Go heads each goroutine's
 * traceback.  @st: the status the caller read. */
void print_goroutine_header(struct print_buf &b, g *gp, gstatus st, i64 now);
/* Every live goroutine, with its backtrace, grouped (dump.cpp); @self
 * is the goroutine running on the calling thread (shown from here), or
 * nullptr; with @skip_self it is left out (a panic printed it already).
 * Context: any thread but a signal handler; takes no lock. */
void print_goroutines(g *self, bool skip_self);
/* "running", "waiting", ...: a G status as the dumps print it. */
const char *gstatus_name(gstatus s);
/* Every live goroutine to standard error (dump.cpp). */
void dump_goroutines();

/* proc.cpp */
bool g_cas_status(g *gp, gstatus from, gstatus to);
/* Goroutines neither dead nor idle: sched.ngoroutines plus every P's
 * count, summed under sched.lock (which orders allp's growth); a
 * moment's view while goroutines come and go. */
i64 goroutine_count();
/* Goroutines started in place since run() began, over every P. */
u64 in_place_starts();
i64 goroutine_count_locked();
void ready(g *gp);

/* A thread with no P used the runtime (sched.foreign_used): stored only
 * if not yet, so that its read-mostly line stays shared. */
inline void foreign_used_note()
{
	if (!sched.foreign_used.load(std::memory_order_relaxed))
		sched.foreign_used.store(true, std::memory_order_relaxed);
}

void park(bool (*unlock)(g *gp, void *arg), void *arg, const char *reason);
/* yield(): requeue the running G; traced as @why (go_yield, or
 * go_preempt when a preemption asked for it).  gosched() is
 * gosched_traced(go_yield), compiled apart so that yield()'s path
 * carries no test of @why. */
void gosched_traced(trace_ev_type why);
void gosched();
void g_switch_to_scheduler(g *gp, m *mp);
/* May a lock's waiter spin once more (round @iter, from 0) before it
 * parks?  As Go's sync_runtime_canSpin: a few rounds, and only while
 * another P runs goroutines (the holder may be one of them, about to
 * unlock) and nothing waits in this P's queue. */
bool sync_can_spin(int iter);
constexpr int SYNC_SPIN_ROUNDS = 4;
constexpr int SYNC_SPIN_PAUSES = 30; /* arch_relax() per round */

/* sched.cpp */
[[noreturn]] void mstart(m *mp);
/* This thread's timers, as an M's, fire on time (sched.cpp). */
void m_timer_slack_set();
void schedule_loop(m *mp);
void wakep();
/* sysmon is about to preempt the G running on @pp: if the G to run next
 * there is locked to an M asleep waiting for it, and a CPU is spare,
 * wake that M now to spin for the P (sched.cpp).  Context: sched.lock. */
void prewake_locked_m_locked(p *pp);
/* wakep() after queueing a G on the caller's own P: no fence
 * (INV-SCHED-2's exception, sched.cpp). */
void wakep_local();
void runqput_any(g *gp, bool next);
p *pidleget_locked();
void pidleput_locked(p *pp);
void p_retire_locked(p *pp);
void acquirep(m *mp, p *pp);
p *releasep(m *mp);
u32 fastrand(m *mp);

/* syscall.cpp */
void entersyscall(bool handoff_now);
void exitsyscall();
void exitsyscall_queue(g *gp); /* the scheduler side */
void handoffp(p *pp);

/* sysmon.cpp */
void sysmon_start();
void sysmon_stop();
void sysmon_wake_locked();
/* Make sysmon look now, from anywhere: an atomic store and a futex wake,
 * so a signal handler may call it (SIGQUIT, a declined preemption). */
void sysmon_poke();
/* sysmon's period after a round, given the last one (@delay, ns) and how
 * many rounds in a row found nothing to do (@idle): 20 us while it finds
 * work, doubling after 50 idle rounds up to 10 ms (Go's). */
i64 sysmon_backoff(i64 delay, u32 idle);

/* deadlock.cpp */
void checkdead_locked();
void print_goroutine_headers();

} // namespace gort::rt
