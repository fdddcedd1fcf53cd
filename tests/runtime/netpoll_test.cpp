/*
 * tests/runtime/netpoll_test.cpp - three mechanisms of the epoll
 * netpoller, each tested on its own: the sequence tag that makes an event
 * for a closed descriptor harmless once its number and its poll_desc are
 * reused; the coalescing of concurrent netpoll_break() calls into one
 * eventfd wake-up; and an earlier timer breaking a poll that is already
 * asleep in epoll_wait.
 *
 * The kernel's own view is read from /proc: an epoll descriptor's fdinfo
 * lists every registered descriptor with its event data (the runtime's
 * tag), an eventfd's fdinfo its counter, and /proc/self/task/<tid>/syscall
 * the call a sleeping thread is in.
 */
#include <gort.h>

#include "runtime/netpoll.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;
namespace rt = gort::rt;

namespace {

/* The event data of the runtime's eventfd (BREAK_TAG in
 * runtime/netpoll_epoll.cpp). */
constexpr std::uint64_t BREAK_TAG = ~std::uint64_t(0);

std::string read_text(const std::string &path)
{
	std::string s;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return s;
	char buf[4096];
	ssize_t n;
	while ((n = ::read(fd, buf, sizeof(buf))) > 0)
		s.append(buf, size_t(n));
	::close(fd);
	return s;
}

std::string fdinfo(int fd)
{
	return read_text("/proc/self/fdinfo/" + std::to_string(fd));
}

struct epoll_reg {
	int fd;
	unsigned events;
	std::uint64_t data;
};

/* What @epfd watches, from its fdinfo lines
 * "tfd: <fd> events: <hex> data: <hex> ...". */
std::vector<epoll_reg> epoll_regs(int epfd)
{
	std::vector<epoll_reg> regs;
	std::string info = fdinfo(epfd);
	for (size_t at = info.find("tfd:"); at != std::string::npos;
	     at = info.find("tfd:", at + 1)) {
		int fd;
		unsigned events;
		unsigned long long data;
		if (std::sscanf(info.c_str() + at,
				"tfd: %d events: %x data: %llx", &fd, &events,
				&data) == 3)
			regs.push_back({fd, events, std::uint64_t(data)});
	}
	return regs;
}

/* The runtime's epoll descriptor: the epoll instance that watches an
 * eventfd with BREAK_TAG; -1 if none. */
int runtime_epfd()
{
	DIR *d = ::opendir("/proc/self/fd");
	if (d == nullptr)
		return -1;
	int found = -1;
	while (struct dirent *e = ::readdir(d)) {
		char link[64] = {};
		std::string path = std::string("/proc/self/fd/") + e->d_name;
		if (::readlink(path.c_str(), link, sizeof(link) - 1) < 0 ||
		    std::strcmp(link, "anon_inode:[eventpoll]") != 0)
			continue;
		int fd = std::atoi(e->d_name);
		for (const epoll_reg &r : epoll_regs(fd))
			if (r.data == BREAK_TAG)
				found = fd;
	}
	::closedir(d);
	return found;
}

/* The runtime's eventfd, as registered in @epfd; -1 if none. */
int runtime_breakfd(int epfd)
{
	for (const epoll_reg &r : epoll_regs(epfd))
		if (r.data == BREAK_TAG)
			return r.fd;
	return -1;
}

/* The event data @epfd carries for @fd. */
std::optional<std::uint64_t> epoll_tag(int epfd, int fd)
{
	for (const epoll_reg &r : epoll_regs(epfd))
		if (r.fd == fd)
			return r.data;
	return std::nullopt;
}

/* An eventfd's counter: the wake-ups written and not yet read. */
std::optional<std::uint64_t> eventfd_count(int fd)
{
	std::string info = fdinfo(fd);
	size_t at = info.find("eventfd-count:");
	if (at == std::string::npos)
		return std::nullopt;
	return std::strtoull(info.c_str() + at + 14, nullptr, 16);
}

bool readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Thread @tid sleeps in an epoll wait on @epfd: the kernel shows the call
 * only for a thread that sleeps in it ("running" otherwise).  Emulated
 * (qemu-user) the numbers are the host's, so the wait channel is
 * accepted too. */
bool sleeps_in_epoll(int tid, int epfd)
{
	std::string task = "/proc/self/task/" + std::to_string(tid);
	std::string sc = read_text(task + "/syscall");
	long nr;
	unsigned long arg0;
	if (std::sscanf(sc.c_str(), "%ld %lx", &nr, &arg0) == 2 &&
	    arg0 == (unsigned long)epfd) {
		if (nr == SYS_epoll_pwait)
			return true;
#ifdef SYS_epoll_pwait2
		if (nr == SYS_epoll_pwait2)
			return true;
#endif
#ifdef SYS_epoll_wait
		if (nr == SYS_epoll_wait)
			return true;
#endif
	}
	if (GORT_TEST_EMULATOR[0] == '\0')
		return false;
	std::string wchan = read_text(task + "/wchan");
	return wchan.find("epoll") != std::string::npos ||
	       wchan.find("ep_poll") != std::string::npos;
}

/* The M that sleeps in the poller, registered as the timer waiter, is
 * asleep in epoll_wait on @epfd. */
bool poller_asleep(int epfd)
{
	int tid = 0;
	rt::lock(&rt::sched.lock);
	for (rt::m *mp = rt::sched.allm; mp != nullptr; mp = mp->alllink)
		if (mp->in_netpoll && rt::sched.timer_waiter == mp)
			tid = mp->tid;
	rt::unlock(&rt::sched.lock);
	return tid != 0 && sleeps_in_epoll(tid, epfd);
}

/* Until the poller sleeps (true) or 8 s pass (false).  Waits for a
 * state, not for a time: polls the kernel's view until it holds. */
bool await_poller_asleep(int epfd)
{
	auto give_up = clk::now() + std::chrono::seconds(8);
	while (!poller_asleep(epfd)) {
		if (clk::now() >= give_up)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	return true;
}

/* Hand an event with data @tag to the generic poller, decoded as
 * netpoll() decodes what epoll_wait returned. */
rt::g *deliver(std::uint64_t tag, int mode)
{
	rt::g *list = nullptr;
	rt::netpoll_ready(std::uint32_t(tag), std::uint32_t(tag >> 32), mode,
			  &list);
	return list;
}

/* A goroutine that waits to read one byte from a descriptor. */
struct reader {
	std::atomic<bool> returned{false}; /* netpoll_wait() returned */
	rt::poll_err werr = rt::poll_err::none;
	ssize_t got = -2; /* read()'s result */
	int rerr = 0;	  /* its errno */
	char byte = 0;
	gort::chan<int> done{1};
};

/* Start @r reading @fd (registered as @pd) and let it run until it parks
 * in netpoll_wait(): true, or returns at once: false.  Context: procs 1,
 * so the reader runs only while this goroutine yields. */
bool park_reader(reader *r, rt::poll_desc *pd, int fd)
{
	gort::go([r, pd, fd] {
		r->werr = rt::netpoll_wait(pd, rt::POLL_R);
		r->returned.store(true);
		r->got = ::read(fd, &r->byte, 1);
		r->rerr = errno;
		r->done.send(1);
	});
	while (pd->rg.load() <= rt::PD_WAIT && !r->returned.load())
		gort::yield();
	return !r->returned.load();
}

/* Write @c to @wfd and wait for @r to read it. */
::testing::AssertionResult finish_reader(reader *r, int wfd, char c)
{
	if (::write(wfd, &c, 1) != 1)
		return ::testing::AssertionFailure()
		       << "write: " << std::strerror(errno);
	r->done.recv();
	if (r->werr != rt::poll_err::none || r->got != 1 || r->byte != c)
		return ::testing::AssertionFailure()
		       << "the reader got " << r->got << " byte(s) ("
		       << std::strerror(r->rerr) << "), wait result "
		       << int(r->werr) << ", want '" << c << "'";
	return ::testing::AssertionSuccess();
}

} // namespace

/*
 * Descriptor N is registered (tag T1), made readable and closed; a new
 * pipe gets number N and, from the LIFO free list, the same poll_desc
 * (tag T2: same index, next seq).  An event carrying T1, as a poller
 * that collected it from epoll_wait before the close would hand it over,
 * must neither latch readiness on the new descriptor nor wake the
 * goroutine waiting to read it; that reader returns only once real data
 * arrives, through the real poller, with the byte written.
 */
TEST(netpoll, a_stale_event_for_a_reused_descriptor_wakes_nobody)
{
	gort::run(
		[] {
			int a[2];
			ASSERT_EQ(::pipe2(a, O_NONBLOCK | O_CLOEXEC), 0);
			int err = 0;
			rt::poll_desc *old = rt::netpoll_open(a[0], &err);
			ASSERT_NE(old, nullptr) << std::strerror(err);
			int epfd = runtime_epfd();
			ASSERT_GE(epfd, 0) << "the runtime's epoll descriptor";
			std::optional<std::uint64_t> stale =
				epoll_tag(epfd, a[0]);
			ASSERT_TRUE(stale.has_value());
			const int num = a[0];
			const std::uint32_t index = old->index;
			EXPECT_EQ(std::uint32_t(*stale), index);
			EXPECT_EQ(std::uint32_t(*stale >> 32), old->seq.load());
			/* An edge for the old descriptor, which a poller may
			 * hold when the descriptor goes. */
			ASSERT_EQ(::write(a[1], "o", 1), 1);
			rt::netpoll_close(old);
			::close(a[0]);
			::close(a[1]);

			int b[2];
			ASSERT_EQ(::pipe2(b, O_NONBLOCK | O_CLOEXEC), 0);
			if (b[0] != num && b[1] != num) {
				ASSERT_EQ(::dup3(b[0], num, O_CLOEXEC), num);
				::close(b[0]);
				b[0] = num;
			}
			ASSERT_EQ(b[0], num) << "the number is reused";
			rt::poll_desc *pd = rt::netpoll_open(b[0], &err);
			ASSERT_NE(pd, nullptr) << std::strerror(err);
			ASSERT_EQ(pd, old) << "the poll_desc is reused";
			std::optional<std::uint64_t> fresh =
				epoll_tag(epfd, num);
			ASSERT_TRUE(fresh.has_value());
			EXPECT_EQ(std::uint32_t(*fresh), index);
			EXPECT_NE(*fresh, *stale)
				<< "old and new events look alike";

			/* A reader parks on the new descriptor; the stale
			 * event must leave it parked. */
			reader r1;
			ASSERT_TRUE(park_reader(&r1, pd, num))
				<< "the reader did not block on an empty pipe";
			rt::uptr parked = pd->rg.load();
			rt::g *woken = deliver(*stale, rt::POLL_R | rt::POLL_W);
			EXPECT_EQ(woken, nullptr)
				<< "a stale event woke the new reader";
			EXPECT_EQ(pd->rg.load(), parked);
			/* Woken anyway: let it run, as the poller would. */
			if (woken != nullptr)
				rt::inject_glist(woken, rt::current_m()->pp);
			for (int i = 0; i < 10; i++)
				gort::yield();
			EXPECT_FALSE(r1.returned.load())
				<< "the reader returned with no data";
			/* Real data, through the real poller and tag T2. */
			EXPECT_TRUE(finish_reader(&r1, b[1], 'n'));

			/* Nobody waits: the stale event must latch nothing,
			 * so the next reader blocks until real data. */
			ASSERT_EQ(pd->rg.load(), rt::PD_NONE);
			ASSERT_EQ(pd->wg.load(), rt::PD_NONE);
			EXPECT_EQ(deliver(*stale, rt::POLL_R | rt::POLL_W),
				  nullptr);
			EXPECT_EQ(pd->rg.load(), rt::PD_NONE)
				<< "a stale event latched read readiness";
			EXPECT_EQ(pd->wg.load(), rt::PD_NONE)
				<< "a stale event latched write readiness";
			reader r2;
			EXPECT_TRUE(park_reader(&r2, pd, num))
				<< "a reader returned at once after a stale "
				   "event";
			EXPECT_TRUE(finish_reader(&r2, b[1], 'm'));
			rt::netpoll_close(pd);
			::close(b[0]);
			::close(b[1]);
		},
		gort::config{.procs = 1});
}

/*
 * Outside run() no M polls, so this thread is the poller.  Thousands of
 * netpoll_break() calls from 8 threads at once, with nobody consuming,
 * leave exactly one wake-up in the eventfd; the next blocking poll
 * consumes it, after which nothing is left to end a poll early, and the
 * next burst again leaves exactly one.
 */
TEST(netpoll, concurrent_breaks_coalesce_into_one_eventfd_wakeup)
{
	/* Make the poller (epoll descriptor and eventfd). */
	int fds[2];
	ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	int err = 0;
	rt::poll_desc *pd = rt::netpoll_open(fds[0], &err);
	ASSERT_NE(pd, nullptr) << std::strerror(err);
	rt::netpoll_close(pd);
	::close(fds[0]);
	::close(fds[1]);
	int epfd = runtime_epfd();
	ASSERT_GE(epfd, 0) << "the runtime's epoll descriptor";
	int breakfd = runtime_breakfd(epfd);
	ASSERT_GE(breakfd, 0) << "the runtime's eventfd";

	const std::int64_t long_poll = std::int64_t(10'000'000'000);
	/* A run() that ended earlier in this process broke the poll on its
	 * way out; nobody consumed that. */
	if (eventfd_count(breakfd).value_or(0) != 0)
		rt::netpoll(long_poll);
	ASSERT_EQ(eventfd_count(breakfd), 0u);

	constexpr int threads = 8, calls = 2000;
	for (int round = 0; round < 2; round++) {
		std::atomic<int> waiting{0};
		std::atomic<bool> start{false};
		std::vector<std::thread> ts;
		for (int t = 0; t < threads; t++)
			ts.emplace_back([&] {
				waiting.fetch_add(1);
				while (!start.load())
					std::this_thread::yield();
				for (int i = 0; i < calls; i++)
					rt::netpoll_break();
			});
		while (waiting.load() != threads)
			std::this_thread::yield();
		start.store(true);
		for (std::thread &t : ts)
			t.join();
		EXPECT_EQ(eventfd_count(breakfd), 1u)
			<< "eventfd wake-ups pending after " << threads * calls
			<< " concurrent netpoll_break() (round " << round
			<< ")";

		/* The next poll returns at once and consumes it. */
		EXPECT_EQ(rt::netpoll(long_poll), nullptr);
		EXPECT_EQ(eventfd_count(breakfd), 0u);
		/* The one after has nothing to return early for. */
		EXPECT_FALSE(readable(breakfd)) << "a stale wake-up is left";
	}
}

/*
 * procs 1: a goroutine waits to read an empty pipe with no deadline and
 * the main goroutine waits on a channel, so the only P goes idle and its
 * M blocks in the poller until the earliest timer, 10 s away.  Once the
 * kernel shows that M asleep in epoll_wait, a plain thread starts a 50 ms
 * timer and waits for it.  The new, earlier timer must break the poll:
 * it fires well before 5 s (without the break, only when the poll times
 * out at 10 s).
 */
TEST(netpoll, an_earlier_timer_breaks_a_blocked_poll)
{
	int fds[2];
	ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	std::thread foreign;
	std::atomic<bool> poller_seen{false};
	std::atomic<std::int64_t> fired_after_ns{-1};
	gort::run(
		[&] {
			int err = 0;
			rt::poll_desc *pd = rt::netpoll_open(fds[0], &err);
			ASSERT_NE(pd, nullptr) << std::strerror(err);
			int epfd = runtime_epfd();
			ASSERT_GE(epfd, 0) << "the runtime's epoll descriptor";
			gort::timer far(10s); /* what the poll sleeps until */
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				rt::netpoll_wait(pd, rt::POLL_R);
				wg.done();
			});
			gort::chan<int> done(1);
			foreign = std::thread([&poller_seen, &fired_after_ns,
					       done, epfd] {
				poller_seen.store(await_poller_asleep(epfd));
				auto t0 = clk::now();
				{
					gort::timer near(50ms);
					near.wait();
				}
				fired_after_ns.store(
					std::chrono::duration_cast<
						std::chrono::nanoseconds>(
						clk::now() - t0)
						.count());
				done.send(1);
			});
			done.recv();
			/* Release the reader. */
			ASSERT_EQ(::write(fds[1], "x", 1), 1);
			wg.wait();
			rt::netpoll_close(pd);
		},
		gort::config{.procs = 1});
	if (foreign.joinable())
		foreign.join();
	::close(fds[0]);
	::close(fds[1]);
	EXPECT_TRUE(poller_seen.load())
		<< "the M never slept in epoll_wait as the timer waiter";
	auto fired_after = std::chrono::nanoseconds(fired_after_ns.load());
	EXPECT_GE(fired_after, 50ms);
	EXPECT_LT(fired_after, 5s)
		<< "a 50 ms timer added while the poller slept fired after "
		<< fired_after.count() / 1000000 << " ms";
}

/*
 * New work wakes a runtime whose only activity is an M asleep in the
 * poller: once that M is seen in epoll_wait (procs 1, a goroutine parked
 * on a pipe, main parked on a channel), a plain thread starts a
 * goroutine that releases main.  It must run within seconds, not when
 * the pipe next has data: a watchdog writes to the pipe after 10 s,
 * which lets the test end and fail instead of hanging.
 */
TEST(netpoll, new_work_wakes_a_runtime_asleep_in_the_poller)
{
	int fds[2];
	ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	std::thread foreign;
	std::atomic<bool> poller_seen{false}, ran{false}, rescued{false};
	std::atomic<std::int64_t> ran_after_ns{-1};
	gort::run(
		[&] {
			int err = 0;
			rt::poll_desc *pd = rt::netpoll_open(fds[0], &err);
			ASSERT_NE(pd, nullptr) << std::strerror(err);
			int epfd = runtime_epfd();
			ASSERT_GE(epfd, 0) << "the runtime's epoll descriptor";
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				rt::netpoll_wait(pd, rt::POLL_R);
				wg.done();
			});
			gort::chan<int> done(1);
			foreign = std::thread([&, done, epfd] {
				poller_seen.store(await_poller_asleep(epfd));
				auto t0 = clk::now();
				gort::go([&, done, t0] {
					ran_after_ns.store(
						std::chrono::duration_cast<
							std::chrono::
								nanoseconds>(
							clk::now() - t0)
							.count());
					ran.store(true);
					done.send(1);
				});
				auto rescue_at = clk::now() + 10s;
				while (!ran.load() && clk::now() < rescue_at)
					std::this_thread::sleep_for(1ms);
				if (!ran.load()) {
					rescued.store(true);
					(void)!::write(fds[1], "r", 1);
				}
			});
			done.recv();
			/* Release the reader (if the watchdog did not). */
			if (!rescued.load()) {
				ASSERT_EQ(::write(fds[1], "x", 1), 1);
			}
			wg.wait();
			rt::netpoll_close(pd);
		},
		gort::config{.procs = 1});
	if (foreign.joinable())
		foreign.join();
	::close(fds[0]);
	::close(fds[1]);
	EXPECT_TRUE(poller_seen.load()) << "the M never slept in epoll_wait";
	EXPECT_FALSE(rescued.load())
		<< "the new goroutine waited for the poller's next event";
	EXPECT_LT(std::chrono::nanoseconds(ran_after_ns.load()), 5s);
}

/*
 * A descriptor is registered once, for both directions, edge-triggered:
 * the kernel's view (the epoll fdinfo) says EPOLLET and not EPOLLONESHOT.
 * An edge that comes while nobody waits is latched (PD_READY), so the
 * next wait returns at once instead of waiting for an edge that already
 * went by.  The event is handed over as the poller would, with no data
 * written, so that the real poller cannot latch it first.
 */
TEST(netpoll, registered_edge_triggered_once_and_an_unwaited_edge_latches)
{
	gort::run(
		[] {
			int a[2];
			ASSERT_EQ(::pipe2(a, O_NONBLOCK | O_CLOEXEC), 0);
			int err = 0;
			rt::poll_desc *pd = rt::netpoll_open(a[0], &err);
			ASSERT_NE(pd, nullptr) << std::strerror(err);
			int epfd = runtime_epfd();
			ASSERT_GE(epfd, 0) << "the runtime's epoll descriptor";
			int found = 0;
			std::uint64_t tag = 0;
			for (const epoll_reg &r : epoll_regs(epfd)) {
				if (r.fd != a[0])
					continue;
				found++;
				tag = r.data;
				const unsigned want = EPOLLIN | EPOLLOUT |
						      EPOLLRDHUP | EPOLLET;
				EXPECT_EQ(r.events & want, want)
					<< std::hex << r.events;
				EXPECT_EQ(r.events & EPOLLONESHOT, 0u)
					<< std::hex << r.events;
			}
			ASSERT_EQ(found, 1) << "registered once";

			ASSERT_EQ(pd->rg.load(), rt::PD_NONE);
			EXPECT_EQ(deliver(tag, rt::POLL_R), nullptr);
			ASSERT_EQ(pd->rg.load(), rt::PD_READY)
				<< "an edge with nobody waiting was dropped";
			/* The latch is consumed: the wait returns at once. */
			EXPECT_EQ(rt::netpoll_wait(pd, rt::POLL_R),
				  rt::poll_err::none);
			EXPECT_EQ(pd->rg.load(), rt::PD_NONE);
			rt::netpoll_close(pd);
			::close(a[0]);
			::close(a[1]);
		},
		gort::config{.procs = 1});
}

/*
 * An idle runtime with goroutines parked on sockets burns no CPU: one M
 * sleeps in epoll_wait.  An always-writable socket would keep a
 * level-triggered poll returning, so the poller would spin.  procs 2, a
 * TCP pair, a goroutine parked reading; CPU time over 500 ms.
 */
TEST(netpoll, an_idle_runtime_waiting_on_sockets_burns_no_cpu)
{
	using namespace std::chrono_literals;
	auto cpu_ns = [] {
		struct timespec ts = {};
		::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
	};
	std::int64_t used = -1;
	gort::run(
		[&] {
			auto l = gort::net::listen("tcp", "127.0.0.1:0");
			ASSERT_FALSE(l.err);
			gort::net::listener ln = l.value;
			auto d = gort::net::dial("tcp", ln.address().string());
			ASSERT_FALSE(d.err);
			gort::net::conn c = d.value;
			auto a = ln.accept();
			ASSERT_FALSE(a.err);
			gort::net::conn s = a.value;
			gort::chan<int> done(1);
			gort::go([&] {
				char b;
				auto r = s.read(&b, 1);
				EXPECT_FALSE(r.err);
				done.send(1);
			});
			gort::sleep(50ms); /* let the runtime settle idle */
			std::int64_t before = cpu_ns();
			gort::sleep(500ms);
			used = cpu_ns() - before;
			ASSERT_FALSE(c.write("x").err);
			done.recv();
			c.close();
			s.close();
			ln.close();
		},
		gort::config{.procs = 2});
	std::printf("CPU time over 500 ms idle: %.2f ms\n", used / 1e6);
	/* Idle costs well under a millisecond; a spinning poller, the
	 * whole 500 ms.  Sanitizer runtimes and qemu add their own. */
	EXPECT_LT(used, 100 * 1000 * 1000);
}
