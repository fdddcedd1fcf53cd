/*
 * tests/runtime/preempt_test.cpp - preemption: a goroutine spinning
 * without calls does not keep others from running at procs 1; its
 * general, floating-point and vector registers, flags, red zone, errno
 * and thread_local data survive thousands of asynchronous preemptions
 * (resumed either way); a goroutine that
 * run() discards while it is parked leaves nothing behind in its G; malloc-
 * and printf-heavy goroutines are never stopped inside libc; the program's
 * own SIGURG handler still runs; turning asynchronous preemption off
 * leaves the cooperative kind.
 *
 * The program is linked dynamically everywhere (a static program holds
 * libc in its own text and gets cooperative preemption only).
 */
#include <gort.h>

#include "../race_build.h"
#include "proc_util.h"
#include "runtime/preempt.h"
#include "runtime/proc.h"
#include "yielder.h"

#include <atomic>
#include <cerrno>
#include <cfenv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <mutex>
#include <pthread.h>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

/* Short slices, so that a test sees hundreds of preemptions quickly. */
gort::config fast_slices(int procs = 1)
{
	gort::config c;
	c.procs = procs;
	c.time_slice = 200us;
	return c;
}

/* Floating-point work whose result is exact (integers below 2^53) and
 * depends on every iteration, so a register lost across a preemption
 * shows up. */
__attribute__((noinline)) double fp_work(long n, std::atomic<bool> *stop)
{
	double a = 0, b = 1, c = 2, d = 3;
	for (long i = 0; i < n; i++) {
		a += double(i & 1023);
		b = b * 3.0 + double(i & 7);
		b -= double(long(b / 1048573.0)) * 1048573.0;
		c += b - d;
		d = c + a;
		d -= double(long(d / 65521.0)) * 65521.0;
		if (stop != nullptr && stop->load(std::memory_order_relaxed))
			break;
	}
	return a + b * 7 + c * 11 + d * 13;
}

/* The same with GCC vector types: several lanes in one xmm/ymm or v
 * register carried through the loop. */
typedef double v4d __attribute__((vector_size(32)));

__attribute__((noinline)) double vec_work(long n)
{
	v4d acc = {1, 2, 3, 4};
	v4d step = {0.5, 0.25, 0.125, 2};
	for (long i = 0; i < n; i++) {
		acc += step;
		acc = acc -
		      (acc > 1e6 ? v4d{1e6, 1e6, 1e6, 1e6} : v4d{0, 0, 0, 0});
	}
	return acc[0] + acc[1] * 3 + acc[2] * 5 + acc[3] * 7;
}

thread_local long tl_count = 0;

/*
 * The calling thread's own count, and a write to its errno and count.
 * Out of line on purpose: a compiler may compute a thread_local's address
 * (and errno's, through the const __errno_location()) once per function
 * and keep it across calls.  On AArch64, where the address is TPIDR_EL0
 * plus an offset, GCC 12 does, so a goroutine looping around yield() went
 * on writing to the count of the thread it started on after it moved
 * (HACKING.md, "The contract for user code").  A call made now looks at
 * the thread it runs on now.
 */
__attribute__((noinline)) long *this_threads_count()
{
	long *p = &tl_count;
	__asm__ __volatile__("" : "+r"(p));
	return p;
}

__attribute__((noinline)) void scribble_on_this_thread(int e, long add)
{
	errno = e;
	tl_count += add;
	__asm__ __volatile__("" ::: "memory");
}

/* TSan builds preempt cooperatively only, and so do ASan builds whose
 * sanitizer runtime is linked into the program's .text, as clang links
 * it (HACKING.md, "Preemption"). */
bool async_available()
{
	static int known = -1;
	if (known < 0)
		gort::run([] { known = gort::async_preemption() ? 1 : 0; });
	return known == 1;
}
#define NEEDS_ASYNC()                                                          \
	do {                                                                   \
		if (!async_available())                                        \
			GTEST_SKIP() << "no asynchronous preemption here";     \
	} while (0)

} // namespace

#if defined(__clang__) && defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_RUNTIME_IN_TEXT 1
#endif
#endif

TEST(preempt, is_on_in_a_dynamic_program)
{
/* GORT_TEST_RACE_BUILD, not __SANITIZE_THREAD__: clang 14 does not
 * define the latter (nor __SANITIZE_ADDRESS__). */
#if (defined(__x86_64__) || defined(__aarch64__)) &&                           \
	!defined(GORT_TEST_RACE_BUILD) && !defined(ASAN_RUNTIME_IN_TEXT)
	gort::run([] { EXPECT_TRUE(gort::async_preemption()); });
#endif
	gort::run([] { EXPECT_FALSE(gort::async_preemption()); },
		  gort::config{.async_preempt = false});
}

TEST(preempt, a_spinning_goroutine_does_not_keep_main_asleep_at_procs_1)
{
	NEEDS_ASYNC();
	gort::run(
		[] {
			std::atomic<bool> stop{false};
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				while (!stop.load(std::memory_order_relaxed)) {
				}
				wg.done();
			});
			gort::yield(); /* the spinner starts spinning */
			for (int i = 0; i < 5; i++)
				gort::sleep(1ms); /* needs the spinner off */
			stop = true;
			wg.wait();
		},
		gort::config{.procs = 1});
}

TEST(preempt, registers_fp_and_vector_state_survive_many_preemptions)
{
	NEEDS_ASYNC();
	const long n = GORT_TEST_EMULATOR[0] != '\0' ? 2000000 : 20000000;
	const double want_fp = fp_work(n, nullptr);
	const double want_vec = vec_work(n);
	double got_fp[2] = {}, got_vec = 0;
	long turns = 0;
	gort::run(
		[&] {
			std::atomic<int> running{3};
			gort::go([&] {
				got_fp[0] = fp_work(n, nullptr);
				running--;
			});
			gort::go([&] {
				got_fp[1] = fp_work(n, nullptr);
				running--;
			});
			gort::go([&] {
				got_vec = vec_work(n);
				running--;
			});
			/* Each turn main gets is a preemption of a worker. */
			while (running.load() > 0) {
				gort::yield();
				turns++;
			}
		},
		fast_slices());
	EXPECT_EQ(got_fp[0], want_fp);
	EXPECT_EQ(got_fp[1], want_fp);
	EXPECT_EQ(got_vec, want_vec);
	EXPECT_GT(turns, GORT_TEST_EMULATOR[0] != '\0' ? 20 : 200)
		<< "too few preemptions to mean anything";
}

/* Inexact floating-point work: its result depends on the rounding
 * mode (MXCSR on x86-64, FPCR on AArch64) at every step. */
volatile double round_mul = 1.0000001, round_add = 1e-7;

__attribute__((noinline)) double round_work(long n)
{
	/* Loaded at run time: a compiler that folded the loop would round
	 * to nearest whatever the mode. */
	const double mul = round_mul, add = round_add;
	double x = 1.0;
	for (long i = 0; i < n; i++) {
		x = x * mul + add;
		if (x > 2.0)
			x -= 1.0;
	}
	return x;
}

#if defined(__x86_64__)
/* vec_work with AVX2: all 256 bits of ymm registers carried through. */
__attribute__((noinline, target("avx2"))) double vec_work_avx(long n)
{
	v4d acc = {1, 2, 3, 4};
	v4d step = {0.5, 0.25, 0.125, 2};
	for (long i = 0; i < n; i++) {
		acc += step;
		acc = acc -
		      (acc > 1e6 ? v4d{1e6, 1e6, 1e6, 1e6} : v4d{0, 0, 0, 0});
	}
	return acc[0] + acc[1] * 3 + acc[2] * 5 + acc[3] * 7;
}
#endif

/* Thousands of preemptions, counted by the handler: goroutines computing
 * under two non-default rounding modes get exactly the results computed
 * before under the same modes (the mode survives: MXCSR or FPCR), and a
 * third carries whole ymm registers where the CPU has AVX2 (the XSAVE
 * area's upper halves survive). */
TEST(preempt, rounding_modes_and_wide_vectors_survive_thousands_of_preemptions)
{
	NEEDS_ASYNC();
	const bool emulated = GORT_TEST_EMULATOR[0] != '\0';
	const long n = emulated ? 20000 : 200000;
	const unsigned target = emulated ? 2000 : 3000;
	const int modes[2] = {FE_TOWARDZERO, FE_UPWARD};
	double want[2];
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(std::fesetround(modes[k]), 0);
		want[k] = round_work(n);
		std::fesetround(FE_TONEAREST);
	}
	ASSERT_NE(want[0], want[1]) << "the modes must give different results";
	ASSERT_NE(want[0], round_work(n));
	bool avx = false;
	double want_vec = vec_work(n);
#if defined(__x86_64__)
	avx = __builtin_cpu_supports("avx2");
	if (avx)
		want_vec = vec_work_avx(n);
#endif
	long bad[3] = {0, 0, 0}, rounds[3] = {0, 0, 0};
	unsigned preemptions = 0;
	gort::run(
		[&] {
			std::atomic<bool> stop{false};
			gort::wait_group wg;
			wg.add(3);
			for (int k = 0; k < 2; k++)
				gort::go([&, k] {
					std::fesetround(modes[k]);
					while (!stop.load()) {
						bad[k] += round_work(n) !=
								  want[k] ||
							  std::fegetround() !=
								  modes[k];
						rounds[k]++;
					}
					wg.done();
				});
			gort::go([&] {
				while (!stop.load()) {
					double v = vec_work(n);
#if defined(__x86_64__)
					if (avx)
						v = vec_work_avx(n);
#endif
					bad[2] += v != want_vec;
					rounds[2]++;
				}
				wg.done();
			});
			const unsigned start = gort::rt::preempt_accepted();
			auto give_up = std::chrono::steady_clock::now() + 60s;
			while (gort::rt::preempt_accepted() - start < target &&
			       std::chrono::steady_clock::now() < give_up)
				gort::yield();
			preemptions = gort::rt::preempt_accepted() - start;
			stop = true;
			wg.wait();
		},
		fast_slices());
	std::printf("%u preemptions; rounds %ld %ld %ld; AVX2 %s\n",
		    preemptions, rounds[0], rounds[1], rounds[2],
		    avx ? "used" : "absent");
	EXPECT_GE(preemptions, target);
	for (int k = 0; k < 3; k++) {
		EXPECT_GT(rounds[k], 0) << k;
		EXPECT_EQ(bad[k], 0) << k;
	}
}

/* arch/<cpu>/preempt_probe.S */
extern "C" std::uint64_t gort_test_preempt_probe(std::uint64_t rounds);

/* Every general register, the flags and (x86-64) the red zone come back
 * as they were, both ways a preempted goroutine resumes: straight from
 * the runtime (x86-64) and through a second signal (AArch64, and x86-64
 * with GORT_PREEMPT_RESUME=signal).  The probe checks them all each
 * round, in code that may be preempted anywhere. */
TEST(preempt, general_registers_flags_and_red_zone_survive_many_preemptions)
{
	NEEDS_ASYNC();
	const std::uint64_t rounds =
		GORT_TEST_EMULATOR[0] != '\0' ? 2000000 : 6000000;
	for (const char *way : {"", "signal"}) {
		SCOPED_TRACE(std::string("GORT_PREEMPT_RESUME=") + way);
		::setenv("GORT_PREEMPT_RESUME", way, 1);
		std::uint64_t left[2] = {1, 1};
		long turns = 0;
		gort::run(
			[&] {
				std::atomic<int> running{2};
				for (int k = 0; k < 2; k++)
					gort::go([&, k] {
						left[k] =
							gort_test_preempt_probe(
								rounds);
						running--;
					});
				while (running.load() > 0) {
					gort::yield();
					turns++;
				}
			},
			fast_slices());
		::unsetenv("GORT_PREEMPT_RESUME");
		EXPECT_EQ(left[0], 0u) << "rounds left when a value changed";
		EXPECT_EQ(left[1], 0u) << "rounds left when a value changed";
		/* About 500 (natively) or 200 (qemu) when the machine is
		 * quiet. */
		EXPECT_GT(turns, GORT_TEST_EMULATOR[0] != '\0' ? 20 : 100)
			<< "too few preemptions to mean anything";
	}
}

TEST(preempt, errno_and_thread_local_data_stay_with_the_goroutine)
{
	NEEDS_ASYNC();
	/* Under the emulator 2e6 rounds gave 5 to 16 turns, too close to
	 * the 10 asked for below; 2e7 give over a hundred. */
	const long n = GORT_TEST_EMULATOR[0] != '\0' ? 20000000 : 40000000;
	long counted = 0, seen_errno = 0;
	bool same_thread_data = false;
	long turns = 0;
	gort::run(
		[&] {
			std::atomic<bool> done{false};
			gort::go([&] {
				tl_count = 0;
				errno = 4242;
				/* The compiler may keep this address in a
				 * register for the whole loop: a preempted G
				 * must come back on the same thread. */
				long *p = &tl_count;
				for (long i = 0; i < n; i++) {
					(*p)++;
					/* One store per iteration, p live in a
					 * register throughout. */
					__asm__ __volatile__("" ::"r"(p)
							     : "memory");
				}
				counted = tl_count;
				same_thread_data = p == this_threads_count();
				seen_errno = errno;
				done = true;
			});
			gort::go([&] {
				/* Another goroutine changing its errno and its
				 * thread's count, on whatever thread it gets. */
				while (!done.load()) {
					scribble_on_this_thread(1, 1000000);
					gort::yield();
				}
			});
			while (!done.load()) {
				scribble_on_this_thread(2, 0);
				gort::yield();
				turns++;
			}
		},
		fast_slices());
	EXPECT_EQ(counted, n);
	EXPECT_TRUE(same_thread_data);
	EXPECT_EQ(seen_errno, 4242);
	EXPECT_GT(turns, 10);
}

TEST(preempt, goroutines_discarded_while_parked_leave_nothing_behind)
{
	NEEDS_ASYNC();
	/* At procs 1 main runs again only once every spinner queued ahead
	 * of it has been preempted, so each run() ends with its 80 spinners
	 * parked by preemption, and discards them.  The next run() gets
	 * those stacks back, with the Gs on them made anew and the save
	 * areas kept, and its spinners must be preemptible again. */
	static std::atomic<bool> never{false};
	for (int i = 0; i < 3; i++)
		gort::run(
			[] {
				for (int k = 0; k < 80; k++)
					gort::go([] {
						while (!never.load(
							std::memory_order_relaxed)) {
						}
					});
				gort::yield(); /* behind all of them */
				gort::sleep(1ms);
			},
			fast_slices());
}

TEST(preempt, malloc_and_printf_heavy_goroutines_are_not_stopped_inside_libc)
{
	NEEDS_ASYNC();
	FILE *devnull = std::fopen("/dev/null", "w");
	ASSERT_NE(devnull, nullptr);
	long allocs = 0, prints = 0, turns = 0;
	gort::run(
		[&] {
			std::atomic<bool> stop{false};
			gort::wait_group wg;
			wg.add(3);
			gort::go([&] {
				std::vector<std::string> keep;
				while (!stop.load(std::memory_order_relaxed)) {
					keep.emplace_back(64 + allocs % 512,
							  'x');
					if (keep.size() > 1000)
						keep.clear();
					allocs++;
				}
				wg.done();
			});
			gort::go([&] {
				char buf[128];
				while (!stop.load(std::memory_order_relaxed)) {
					std::snprintf(buf, sizeof(buf),
						      "%ld %f", prints,
						      prints * 0.5);
					std::fprintf(devnull, "%s\n", buf);
					prints++;
				}
				wg.done();
			});
			gort::go([&] {
				/* Allocates and prints from another thread's
				 * turn too: shares malloc's and stdio's
				 * locks with the two above. */
				while (!stop.load(std::memory_order_relaxed)) {
					void *p = std::malloc(100);
					std::fprintf(devnull, "%p\n", p);
					std::free(p);
				}
				wg.done();
			});
			for (int i = 0; i < 200; i++) {
				gort::sleep(100us);
				turns++;
			}
			stop = true;
			wg.wait();
			gort_test::
				join_goroutines(); /* the allocator's vector */
		},
		fast_slices(2));
	std::fclose(devnull);
	EXPECT_GT(allocs, 0);
	EXPECT_GT(prints, 0);
	EXPECT_EQ(turns, 200);
}

extern "C" char __start_gort_text[];
extern "C" char __stop_gort_text[];

namespace {

/* Ends the process with @what if not disarmed within @limit: a test whose
 * failure is a deadlock fails instead of hanging. */
class watchdog {
public:
	watchdog(std::chrono::seconds limit, const char *what)
	    : what_(what), thread_([this, limit] {
		      auto until = std::chrono::steady_clock::now() + limit;
		      while (!done_.load()) {
			      if (std::chrono::steady_clock::now() > until) {
				      std::fprintf(stderr, "watchdog: %s\n",
						   what_);
				      std::_Exit(3);
			      }
			      std::this_thread::sleep_for(10ms);
		      }
	      })
	{}
	~watchdog()
	{
		done_ = true;
		thread_.join();
	}

private:
	const char *what_;
	std::atomic<bool> done_{false};
	std::thread thread_;
};

/* Installs @handler for @sig for the test's duration, then puts the
 * previous action back. */
class scoped_handler {
public:
	scoped_handler(int sig, void (*handler)(int)) : sig_(sig)
	{
		struct sigaction sa = {};
		sa.sa_handler = handler;
		sigemptyset(&sa.sa_mask);
		ok_ = ::sigaction(sig, &sa, &old_) == 0;
	}
	~scoped_handler()
	{
		if (ok_)
			::sigaction(sig_, &old_, nullptr);
	}
	scoped_handler(const scoped_handler &) = delete;
	scoped_handler &operator=(const scoped_handler &) = delete;
	bool ok() const { return ok_; }

private:
	int sig_;
	struct sigaction old_ = {};
	bool ok_ = false;
};

/* Spins for @d in the test's own code (preemptible text): mostly in
 * the loop below, not in the clock's code (the vDSO, which is not). */
__attribute__((noinline)) void spin_for(std::chrono::microseconds d)
{
	auto until = std::chrono::steady_clock::now() + d;
	volatile unsigned sink = 0;
	while (std::chrono::steady_clock::now() < until)
		for (unsigned i = 0; i < 20000; i++)
			sink = sink + i;
}

} // namespace

/* Where asynchronous preemption stopped goroutines that spend most of
 * their time in libc (printf, malloc) and some in their own code: every
 * recorded pc lies in the program's own text, never in libc, the loader,
 * libstdc++, libgcc or gort's own code (the gort_text section).  At
 * procs 1 with 200 us slices, so there are many; the last 64 are kept. */
TEST(preempt, goroutines_are_stopped_only_in_the_programs_own_code)
{
	NEEDS_ASYNC();
	FILE *devnull = std::fopen("/dev/null", "w");
	ASSERT_NE(devnull, nullptr);
	/* Stopped inside libc holding one of its locks, a goroutine can
	 * leave the others waiting for ever: fail, do not hang. */
	watchdog w(60s, "goroutines stopped inside libc deadlocked");
	gort::run(
		[&] {
			std::atomic<bool> stop{false};
			gort::wait_group wg;
			wg.add(3);
			gort::go([&] {
				long n = 0;
				while (!stop.load(std::memory_order_relaxed)) {
					std::fprintf(devnull, "%ld %f\n", n,
						     n * 0.5);
					n++;
				}
				wg.done();
			});
			gort::go([&] {
				std::vector<std::string> keep;
				while (!stop.load(std::memory_order_relaxed)) {
					keep.emplace_back(100 + keep.size(),
							  'x');
					if (keep.size() > 500)
						keep.clear();
				}
				wg.done();
			});
			gort::go([&] {
				while (!stop.load(std::memory_order_relaxed))
					spin_for(1ms);
				wg.done();
			});
			gort::sleep(300ms);
			stop = true;
			wg.wait();
			gort_test::join_goroutines(); /* their vectors */
		},
		fast_slices());
	std::fclose(devnull);
	gort::rt::uptr pcs[64];
	gort::rt::u32 n = gort::rt::preempt_recent_pcs(pcs, 64);
	ASSERT_GT(n, 0u) << "no asynchronous preemption happened";
	Dl_info self = {};
	ASSERT_NE(::dladdr(reinterpret_cast<void *>(&spin_for), &self), 0);
	const auto glo = reinterpret_cast<gort::rt::uptr>(__start_gort_text);
	const auto ghi = reinterpret_cast<gort::rt::uptr>(__stop_gort_text);
	for (gort::rt::u32 i = 0; i < n; i++) {
		Dl_info in = {};
		ASSERT_NE(::dladdr(reinterpret_cast<void *>(pcs[i]), &in), 0)
			<< std::hex << pcs[i];
		EXPECT_STREQ(in.dli_fname, self.dli_fname)
			<< "stopped at " << std::hex << pcs[i] << " in "
			<< (in.dli_sname != nullptr ? in.dli_sname : "?");
		EXPECT_FALSE(pcs[i] >= glo && pcs[i] < ghi)
			<< "stopped in gort's own code at " << std::hex
			<< pcs[i];
	}
}

/* An element type whose moves take 20 ms of the program's own code:
 * a channel runs them under its lock, where a goroutine must not be
 * preempted asynchronously (mp->locks). */
struct slow_move {
	int v = 0;
	slow_move() = default;
	explicit slow_move(int x) : v(x) {}
	slow_move(slow_move &&o) noexcept : v(o.v) { spin_for(20ms); }
	slow_move &operator=(slow_move &&o) noexcept
	{
		v = o.v;
		spin_for(20ms);
		return *this;
	}
};

/* At procs 1 a sender and a polling receiver share a channel of
 * slow_move, and a third goroutine keeps work waiting.  Were the sender
 * preempted inside a move, holding the channel's lock, the receiver's
 * next try_recv would wait for the lock on the only P: a deadlock. */
TEST(preempt, not_inside_a_channel_s_element_move_under_its_lock)
{
	NEEDS_ASYNC();
	constexpr int N = 8;
	int sum = 0;
	{
		watchdog w(60s, "a goroutine was preempted under a lock");
		gort::run(
			[&] {
				gort::chan<slow_move> c(1);
				/* Work that always waits, so that every long
				 * move is asked to yield. */
				gort_test::yielder other;
				gort::wait_group wg;
				wg.add(1);
				gort::go([&] {
					for (int i = 1; i <= N; i++)
						c.send(slow_move(i));
					c.close();
					wg.done();
				});
				/* Never parked: it keeps taking the lock. */
				for (int got = 0; got < N;) {
					if (auto x = c.try_recv()) {
						sum += x->v;
						got++;
					} else {
						gort::yield();
					}
				}
				wg.wait();
				other.stop();
			},
			fast_slices());
	}
	EXPECT_EQ(sum, N * (N + 1) / 2);
}

namespace {
std::atomic<long> handler_counter_before{-1}, handler_counter_after{-1};
const gort_test::yielder *handler_counter = nullptr;
void slow_alarm_handler(int)
{
	handler_counter_before = handler_counter->turns();
	spin_for(30ms);
	handler_counter_after = handler_counter->turns();
}
} // namespace

/* A goroutine running a signal handler is not preempted there (its
 * signal mask is not its thread's usual one): at procs 1 a counting
 * goroutine waits for the P for the handler's 30 ms, and does not count
 * meanwhile. */
TEST(preempt, not_inside_a_signal_handler)
{
	NEEDS_ASYNC();
	scoped_handler alarm(SIGALRM, slow_alarm_handler);
	ASSERT_TRUE(alarm.ok());
	gort::run(
		[&] {
			gort_test::yielder counter;
			handler_counter = &counter;
			gort::yield();	  /* the counter is queued */
			::raise(SIGALRM); /* runs the handler here, now */
			counter.stop();
			handler_counter = nullptr;
		},
		fast_slices());
	ASSERT_GE(handler_counter_before.load(), 0);
	EXPECT_EQ(handler_counter_after.load(), handler_counter_before.load())
		<< "the counter ran while the handler did";
}

/* Off means off: without asynchronous preemption a goroutine spinning
 * 50 ms with no runtime call keeps the only P until it ends, so main,
 * asleep for 1 ms, wakes only after it (with it on, after one 200 us
 * slice). */
TEST(preempt, switched_off_a_spinner_without_calls_keeps_the_p)
{
	bool spinner_done_when_main_woke = false;
	gort::config cfg = fast_slices();
	cfg.async_preempt = false;
	gort::run(
		[&] {
			std::atomic<bool> done{false};
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				spin_for(50ms);
				done = true;
				wg.done();
			});
			gort::yield(); /* the spinner runs */
			gort::sleep(1ms);
			spinner_done_when_main_woke = done.load();
			wg.wait();
		},
		cfg);
	EXPECT_TRUE(spinner_done_when_main_woke);
}

namespace {
std::atomic<int> user_sigurgs{0};

/* Block SIGURG on the calling thread; returns the mask to put back. */
sigset_t block_sigurg()
{
	sigset_t urg, old;
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	pthread_sigmask(SIG_BLOCK, &urg, &old);
	return old;
}

void user_handler(int)
{
	user_sigurgs++;
}
} // namespace

TEST(preempt, the_programs_own_sigurg_handler_still_runs)
{
	NEEDS_ASYNC();
	scoped_handler urg(SIGURG, user_handler);
	ASSERT_TRUE(urg.ok());
	user_sigurgs = 0;
	gort::run(
		[] {
			/* Installed before the runtime's, so it is chained. */
			::kill(::getpid(), SIGURG);
			for (int i = 0; i < 1000 && user_sigurgs.load() == 0;
			     i++)
				gort::sleep(1ms);
			EXPECT_GE(user_sigurgs.load(), 1);
			/* And preemption still works beside it. */
			std::atomic<bool> stop{false};
			gort::go([&] {
				while (!stop.load(std::memory_order_relaxed)) {
				}
			});
			gort::yield();
			gort::sleep(1ms);
			stop = true;
		},
		gort::config{.procs = 1});
	EXPECT_GE(user_sigurgs.load(), 1);
}

/* A SIGURG of the program's own that is pending on a thread when
 * sysmon's request arrives merges with it (the kernel keeps one pending
 * signal of each standard kind).  It still reaches the program's
 * handler: every SIGURG is passed on, as Go passes its own preemption
 * signal on, so a program may see SIGURGs it did not send but loses none
 * it did.  A goroutine blocks SIGURG, sends itself one, waits until
 * sysmon has signalled its thread too, then unblocks: one delivery. */
TEST(preempt, a_programs_sigurg_merged_with_a_request_reaches_its_handler)
{
	NEEDS_ASYNC();
	scoped_handler urg(SIGURG, user_handler);
	ASSERT_TRUE(urg.ok());
	user_sigurgs = 0;
	bool merged = false;
	int at_block = -1, at_unblock = -1;
	gort::run(
		[&] {
			gort_test::yielder other; /* work that waits */
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				unsigned before =
					gort::rt::preempt_signals_sent();
				sigset_t old = block_sigurg();
				/* Earlier requests reached the handler too. */
				at_block = user_sigurgs.load();
				::syscall(SYS_tgkill, ::getpid(),
					  ::syscall(SYS_gettid), SIGURG);
				/* A request sent since the block (counted once
				 * tgkill returned) and not delivered (that
				 * would clear preempt_sent): one is pending.
				 * One sent before the block was delivered and
				 * cleared the flag; the next slice's comes. */
				gort::rt::m *mp = gort::rt::current_m();
				auto end =
					std::chrono::steady_clock::now() + 10s;
				while (!merged &&
				       std::chrono::steady_clock::now() < end)
					merged =
						gort::rt::preempt_signals_sent() !=
							before &&
						mp->preempt_sent.load();
				at_unblock = user_sigurgs.load();
				pthread_sigmask(SIG_SETMASK, &old, nullptr);
				wg.done();
			});
			wg.wait();
			other.stop();
		},
		fast_slices());
	ASSERT_TRUE(merged) << "sysmon sent no request in 10 s";
	EXPECT_EQ(at_unblock, at_block) << "delivered while blocked";
	EXPECT_GT(user_sigurgs.load(), at_unblock)
		<< "the program's SIGURG merged with the request was lost";
}

/* Signals interrupt the runtime's own waits (epoll_wait, nanosleep,
 * futex): gort retries them, so no EINTR or short wait leaks out.  A
 * thread floods the process with SIGURG (the preemption signal; not from
 * sysmon, so the handler passes it on and it is ignored) while, at
 * procs 2, goroutines echo over TCP, sleep 1 ms at a time, and a plain
 * thread sleeps through gort::sleep() too. */
TEST(preempt, signals_interrupting_the_runtimes_waits_leak_no_eintr)
{
	std::atomic<bool> flooding{true};
	std::atomic<long> sent{0};
	std::atomic<long> plain_tid{0};
	std::thread flood([&] {
		while (flooding.load()) {
			::kill(::getpid(), SIGURG); /* some thread */
			if (long t = plain_tid.load())
				::syscall(SYS_tgkill, ::getpid(), t, SIGURG);
			sent++;
			std::this_thread::sleep_for(20us);
		}
	});
	long short_sleeps = 0, echo_errors = 0, echoed = 0;
	std::atomic<long> plain_short{0};
	gort::run(
		[&] {
			std::thread plain([&] {
				plain_tid = long(::syscall(SYS_gettid));
				for (int i = 0; i < 50; i++) {
					auto t0 = std::chrono::steady_clock::
						now();
					gort::sleep(2ms);
					if (std::chrono::steady_clock::now() -
						    t0 <
					    2ms)
						plain_short++;
				}
				plain_tid = 0;
			});
			auto l = gort::net::listen("tcp", "127.0.0.1:0");
			ASSERT_FALSE(l.err);
			gort::net::listener ln = l.value;
			gort::wait_group wg;
			wg.add(3);
			gort::go([&] { /* the echo server */
				       auto a = ln.accept();
				       if (a.err) {
					       echo_errors++;
					       wg.done();
					       return;
				       }
				       gort::net::conn c = a.value;
				       char buf[64];
				       for (;;) {
					       auto r =
						       c.read(buf, sizeof(buf));
					       if (r.err)
						       break;
					       if (c.write(buf, r.value).err)
						       echo_errors++;
				       }
				       c.close();
				       wg.done();
			});
			gort::go(
				[&] { /* its client */
				      auto d = gort::net::dial(
					      "tcp", ln.address().string());
				      if (d.err) {
					      echo_errors++;
					      wg.done();
					      return;
				      }
				      gort::net::conn c = d.value;
				      char out[64], in[64];
				      for (int i = 0; i < 2000; i++) {
					      std::memset(out, 'a' + i % 26,
							  sizeof(out));
					      std::size_t got = 0;
					      if (c.write(out, sizeof(out)).err)
						      echo_errors++;
					      while (got < sizeof(in)) {
						      auto r = c.read(
							      in + got,
							      sizeof(in) - got);
						      if (r.err) {
							      echo_errors++;
							      break;
						      }
						      got += r.value;
					      }
					      if (std::memcmp(in, out,
							      sizeof(in)) != 0)
						      echo_errors++;
					      echoed++;
				      }
				      c.close();
				      wg.done();
				});
			gort::go([&] { /* a sleeper */
				       for (int i = 0; i < 100; i++) {
					       auto t0 = std::chrono::
						       steady_clock::now();
					       gort::sleep(1ms);
					       if (std::chrono::steady_clock::
								   now() -
							   t0 <
						   1ms)
						       short_sleeps++;
				       }
				       wg.done();
			});
			wg.wait();
			gort_test::join_goroutines(); /* their conns */
			ln.close();
			plain.join();
		},
		gort::config{.procs = 2});
	flooding = false;
	flood.join();
	std::printf("%ld SIGURGs sent\n", sent.load());
	EXPECT_GT(sent.load(), 100);
	EXPECT_EQ(echo_errors, 0);
	EXPECT_EQ(echoed, 2000);
	EXPECT_EQ(short_sleeps, 0);
	EXPECT_EQ(plain_short.load(), 0);
}

/* Signals to one M are coalesced: while one is on its way, sysmon sends
 * no other.  A goroutine blocks SIGURG for 50 ms of spinning at procs 1
 * with work waiting: sysmon asks about every slice (200 us), but the
 * first signal stays pending the whole time, so it sends that one only
 * (a few at most, counting requests around the blocked stretch), where
 * sending with every request would be about 250. */
TEST(preempt, signals_to_one_thread_are_coalesced)
{
	NEEDS_ASYNC();
	unsigned sent = 0;
	gort::run(
		[&] {
			gort_test::yielder other; /* work that waits */
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				sigset_t old = block_sigurg();
				unsigned before =
					gort::rt::preempt_signals_sent();
				spin_for(50ms);
				sent = gort::rt::preempt_signals_sent() -
				       before;
				pthread_sigmask(SIG_SETMASK, &old, nullptr);
				wg.done();
			});
			wg.wait();
			other.stop();
		},
		fast_slices());
	std::printf("signals sent over 50 ms with SIGURG blocked: %u\n", sent);
	/* 0 when the one signal went out just before the stretch. */
	EXPECT_LE(sent, 3u);
}

TEST(preempt, without_async_preemption_a_runtime_call_is_the_preemption_point)
{
	for (int how = 0; how < 2; how++) {
		if (how == 1)
			::setenv("GORT_ASYNCPREEMPT", "0", 1);
		gort::config cfg = fast_slices();
		cfg.async_preempt = how == 1; /* the variable wins then */
		gort::run(
			[] {
				EXPECT_FALSE(gort::async_preemption());
				std::atomic<bool> stop{false};
				gort::chan<int> empty(1);
				gort::wait_group wg;
				wg.add(1);
				gort::go([&] {
					/* No async preemption: the try_recv is
					 * where it yields when asked. */
					while (!stop.load(
						std::memory_order_relaxed))
						(void)empty.try_recv();
					wg.done();
				});
				gort::yield();
				gort::sleep(1ms);
				stop = true;
				wg.wait();
			},
			cfg);
		::unsetenv("GORT_ASYNCPREEMPT");
	}
}

/* sysmon sleeps until a slice is due to end, rather than looking every
 * millisecond while one runs: two spinners taking turns in 10 ms slices
 * cost it about one wake-up a slice (the request), not ten. */
TEST(preempt, sysmon_wakes_for_the_end_of_a_slice_not_every_millisecond)
{
	NEEDS_ASYNC();
	long wakes = -1;
	std::atomic<long> spins[2] = {0, 0};
	gort::run(
		[&] {
			std::atomic<bool> stop{false};
			gort::wait_group wg;
			wg.add(2);
			for (int k = 0; k < 2; k++)
				gort::go([&, k] {
					while (!stop.load(
						std::memory_order_relaxed))
						spins[k].fetch_add(
							1,
							std::memory_order_relaxed);
					wg.done();
				});
			/* Past sysmon's start, which looks every 20 us for
			 * its first millisecond. */
			gort::sleep(30ms);
			long before =
				gort_test::voluntary_switches("gort-sysmon");
			ASSERT_GE(before, 0) << "no thread named gort-sysmon";
			/* 200 ms: about 20 slices, each spinner's in turn. */
			gort::sleep(200ms);
			wakes = gort_test::voluntary_switches("gort-sysmon") -
				before;
			stop = true;
			wg.wait();
		},
		gort::config{.procs = 1});
	std::printf("sysmon wake-ups over 200 ms of 10 ms slices: %ld\n",
		    wakes);
	EXPECT_GT(spins[0].load(), 0);
	EXPECT_GT(spins[1].load(), 0);
	/* Looking every millisecond was about 200; two a slice (a look a
	 * tenth of a slice after each request) about 40; one a slice is
	 * about 20. */
	EXPECT_LT(wakes, 32);
}

/* A request the SIGURG handler declines (the G was inside libc) wakes
 * sysmon, which asks again a tenth of a slice later, not a slice later:
 * over 100 ms of a goroutine that spends its time in memchr() while
 * another waits to run, about 100 requests (each a decline and a retry:
 * two wake-ups of sysmon), where asking once a slice would be 10. */
TEST(preempt, a_declined_request_is_asked_again_within_a_tenth_of_a_slice)
{
	NEEDS_ASYNC();
	static char buf[256 * 1024]; /* no byte 1: memchr reads it all */
	long wakes = -1;
	long found = 0;
	gort::run(
		[&] {
			std::atomic<bool> stop{false};
			gort::wait_group wg;
			wg.add(2);
			gort::go([&] {
				auto in_libc_for = [&](auto d) {
					auto end = std::chrono::steady_clock::
							   now() +
						   d;
					while (std::chrono::steady_clock::
						       now() < end)
						found += std::memchr(
								 buf, 1,
								 sizeof(buf)) !=
							 nullptr;
				};
				in_libc_for(30ms); /* past sysmon's start */
				long before = gort_test::voluntary_switches(
					"gort-sysmon");
				in_libc_for(100ms);
				if (before >= 0)
					wakes = gort_test::voluntary_switches(
							"gort-sysmon") -
						before;
				stop = true;
				wg.done();
			});
			/* Work that waits for the P all along. */
			gort::go([&] {
				while (!stop.load(std::memory_order_relaxed))
					gort::yield();
				wg.done();
			});
			wg.wait();
		},
		gort::config{.procs = 1});
	std::printf("sysmon wake-ups over 100 ms in libc: %ld\n", wakes);
	EXPECT_EQ(found, 0);
	ASSERT_GE(wakes, 0) << "no thread named gort-sysmon";
	EXPECT_GE(wakes, 40);
}

namespace {

/* Ends the test program with a failure, rather than letting it hang, if
 * not disarmed within @d: for the tests that check that run() returns. */
class exit_unless_disarmed {
public:
	exit_unless_disarmed(std::chrono::seconds d, const char *what)
	    : t_([this, d, what] {
		      std::unique_lock<std::mutex> g(mu_);
		      if (cv_.wait_for(g, d, [this] { return disarmed_; }))
			      return;
		      std::fprintf(stderr, "FAILED: %s\n", what);
		      std::_Exit(1);
	      })
	{}
	~exit_unless_disarmed()
	{
		{
			std::lock_guard<std::mutex> g(mu_);
			disarmed_ = true;
		}
		cv_.notify_all();
		t_.join();
	}

private:
	std::mutex mu_;
	std::condition_variable cv_;
	bool disarmed_ = false;
	std::thread t_;
};

/* Main returns while another goroutine runs on in @loop, at procs 2 (so
 * that the loop has a P of its own): run() must return all the same,
 * discarding it, as Go's exit does. */
void run_returns_while_looping(gort::config cfg, void (*loop)())
{
	exit_unless_disarmed guard(60s, "run() did not return");
	std::atomic<bool> looping{false};
	int r = gort::run(
		[&] {
			gort::go([&] {
				looping = true;
				loop();
			});
			while (!looping.load())
				gort::yield();
			return 7;
		},
		cfg);
	EXPECT_EQ(r, 7);
}

std::atomic<long> spins{0};

} // namespace

TEST(preempt, run_returns_while_a_goroutine_spins_without_calls)
{
	NEEDS_ASYNC();
	run_returns_while_looping(gort::config{.procs = 2}, [] {
		for (;;)
			spins.fetch_add(1, std::memory_order_relaxed);
	});
	/* And the runtime works as before for the next run(). */
	EXPECT_EQ(gort::run([] { return gort::num_goroutine(); }), 1);
}

/* The looping goroutine's channel, made once and never freed.  Not on
 * its stack: the goroutine is discarded, and the asan preset would report
 * the channel as leaked.  Not destroyed after run() either: nothing
 * orders the discarded goroutine's last use before that (TSan says so). */
static gort::chan<int> *const loop_ch = new gort::chan<int>(1);

/* Without the signal, a loop whose runtime calls never block (a buffered
 * channel it fills and drains itself) yields at the request. */
TEST(preempt, run_returns_while_a_goroutine_loops_on_calls_that_never_block)
{
	run_returns_while_looping(
		gort::config{.procs = 2, .async_preempt = false}, [] {
			for (;;) {
				loop_ch->send(1);
				loop_ch->recv();
			}
		});
}
