/*
 * runtime/signal_linux.cpp - see signal.h.
 *
 * INV-SIG-1: g_prev[] is written once, before our handler is installed,
 *   and only read afterwards, so the handler reads it without a lock.
 * INV-SIG-2: the handler allocates nothing, takes no lock and calls only
 *   async-signal-safe functions; it never returns into a stack overflow.
 */
#include "runtime/signal.h"

#include "arch/arch.h"
#include "runtime/lock.h"
#include "runtime/panic.h"
#include "runtime/print.h"
#include "runtime/stack.h"
#include "runtime/sysalloc.h"

#include <atomic>
#include <csignal>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::rt {

static constexpr usize SIGSTACK_BYTES = 64 * 1024;

static struct sigaction g_prev_segv;
static struct sigaction g_prev_bus;
static std::atomic<bool> g_installed{false};
static rt_lock g_install_lock;
static pthread_key_t g_sigstack_key;

static void report_overflow(stack *s, uptr addr, const void *uc)
{
	print_buf b;
	b.str("runtime: goroutine ").u64v(s->owner_id);
	b.str(" stack exceeds ")
		.u64v(stack_end(s) - s->lo)
		.str("-byte limit\n");
	b.str("runtime: fault addr=").hex(addr);
	b.str(" sp=").hex(arch_sigctx_sp(uc));
	b.str(" pc=").hex(arch_sigctx_pc(uc));
	b.str(" stack=[").hex(s->lo).str(", ").hex(s->hi).str("]\n");
	b.str("fatal error: stack overflow\n\ngoroutine ").u64v(s->owner_id);
	b.str(" [running]:\n");
	b.flush();
	exit_now(2);
}

/* Hand the signal to whoever had it before us. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *prev =
		sig == SIGSEGV ? &g_prev_segv : &g_prev_bus;
	if (prev->sa_flags & SA_SIGINFO) {
		if (prev->sa_sigaction != nullptr) {
			prev->sa_sigaction(sig, si, uc);
			return;
		}
	} else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	/*
	 * Default action.  A hardware fault re-executes the instruction on
	 * return and faults again, now with the default disposition.  A sent
	 * signal (si_code <= 0) would not come back, so send it again; it
	 * stays blocked until this handler returns.
	 */
	struct sigaction dfl = {};
	dfl.sa_handler = SIG_DFL;
	::sigaction(sig, &dfl, nullptr);
	if (si->si_code <= 0)
		::syscall(SYS_tgkill, ::getpid(), ::syscall(SYS_gettid), sig);
}

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	uptr addr = reinterpret_cast<uptr>(si->si_addr);
	if (si->si_code > 0) {
		stack *s = stack_find_guard(addr);
		if (s != nullptr)
			report_overflow(s, addr, uc);
	}
	chain(sig, si, uc);
}

void signal_install()
{
	if (g_installed.load(std::memory_order_acquire))
		return;
	lock_guard g(&g_install_lock);
	if (g_installed.load(std::memory_order_relaxed))
		return;
	struct sigaction sa = {};
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	::sigaction(SIGSEGV, &sa, &g_prev_segv);
	::sigaction(SIGBUS, &sa, &g_prev_bus);
	/* The key's destructor frees a thread's signal stack at its exit. */
	::pthread_key_create(&g_sigstack_key, [](void *p) {
		stack_t off = {};
		off.ss_flags = SS_DISABLE;
		::sigaltstack(&off, nullptr);
		sysfree(p, SIGSTACK_BYTES);
	});
	g_installed.store(true, std::memory_order_release);
}

void signal_thread_init()
{
	signal_install();
	stack_t cur;
	if (::sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
		return; /* this thread has one (ours, or a sanitizer's) */
	void *p = sysalloc(SIGSTACK_BYTES);
	if (p == nullptr)
		fatal("signal: cannot map an alternate signal stack (out of "
		      "memory or vm.max_map_count reached)");
	stack_t ss = {};
	ss.ss_sp = p;
	ss.ss_size = SIGSTACK_BYTES;
	::sigaltstack(&ss, nullptr);
	::pthread_setspecific(g_sigstack_key, p);
}

} // namespace gort::rt
