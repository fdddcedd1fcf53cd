/*
 * runtime/lock_futex.cpp - the slow paths of rt_lock on Linux futexes
 * and membarrier(2) (INV-LOCK-1 in lock.h).  Spin briefly first: runtime
 * critical sections are a few hundred nanoseconds, much less than a futex
 * sleep and wake-up, and far less than the barrier a sleeper sends to
 * every CPU running the process.
 */
#include "runtime/lock.h"

#include "arch/arch.h"
#include "runtime/futex_linux.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::rt {

static constexpr int LOCK_SPIN = 100;
/* Without membarrier a wake-up may be missed (INV-LOCK-1): look again
 * this often. */
static constexpr i64 LOCK_RECHECK_NS = 1000 * 1000;

std::atomic<u32> g_lock_sleepers[LOCK_SLEEPER_SLOTS];

enum class barrier_mode : u32 { unknown, membarrier, none };
static std::atomic<barrier_mode> g_barrier_mode{barrier_mode::unknown};

/* Make every thread of the process pass a full memory barrier; false if
 * the kernel cannot. */
static bool process_barrier()
{
	barrier_mode mode = g_barrier_mode.load(std::memory_order_relaxed);
	if (mode == barrier_mode::unknown) {
		/* Registering twice is harmless: threads may race here. */
		long r = syscall(SYS_membarrier,
				 MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
				 0);
		mode = r == 0 ? barrier_mode::membarrier : barrier_mode::none;
		g_barrier_mode.store(mode, std::memory_order_relaxed);
	}
	if (mode == barrier_mode::none)
		return false;
	return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0,
		       0) == 0;
}

void lock_barrier_disable_for_test()
{
	g_barrier_mode.store(barrier_mode::none, std::memory_order_relaxed);
}

static bool try_take(rt_lock *l)
{
	u32 expected = 0;
	return l->state.load(std::memory_order_relaxed) == 0 &&
	       l->state.compare_exchange_weak(expected, 1,
					      std::memory_order_acquire,
					      std::memory_order_relaxed);
}

void lock_slow(rt_lock *l)
{
	for (int i = 0; i < LOCK_SPIN; i++) {
		if (try_take(l))
			return;
		arch_relax();
	}
	/* INV-LOCK-1: count in, barrier, look again; only then sleep. */
	std::atomic<u32> &sleepers = lock_sleepers(l);
	sleepers.fetch_add(1, std::memory_order_seq_cst);
	i64 timeout = process_barrier() ? -1 : LOCK_RECHECK_NS;
	while (!try_lock(l))
		futex_wait(&l->state, 1, timeout);
	sleepers.fetch_sub(1, std::memory_order_relaxed);
}

/* The address alone names the futex (a private one): waking it reads no
 * memory, so the lock may already be gone. */
void unlock_slow(rt_lock *l)
{
	futex_wake(&l->state, 1);
}

} // namespace gort::rt
