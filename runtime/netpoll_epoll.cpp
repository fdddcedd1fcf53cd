/*
 * runtime/netpoll_epoll.cpp - the Linux backend of the network poller
 * (netpoll.h): one epoll instance, edge-triggered, each descriptor
 * registered once for both directions for its whole life, and an eventfd
 * that interrupts a blocked epoll_wait.
 *
 * An event's data carries the pd's table index and its seq at
 * registration; netpoll_ready() drops events whose seq is stale.
 * netpoll_break() writes the eventfd only on the 0 -> 1 transition of
 * break_pending, so a burst of wake-ups costs one write; the blocking
 * poller that consumes it resets the flag.
 */
#include "runtime/netpoll.h"

#include "runtime/panic.h"

#include <cerrno>
#include <climits>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace gort::rt {

/* The poller's own descriptors.  It reaches them (and epoll_ctl) through
 * raw system calls, here and in wait_events(): they are the runtime's,
 * and a sanitizer's interceptors (ThreadSanitizer tracks descriptors)
 * would take the poller's use from many threads for the program's. */
static int epfd = -1;
static int breakfd = -1;
static std::atomic<u32> break_pending{0};
static constexpr u64 BREAK_TAG = ~u64(0);

int netpoll_backend_init()
{
	epfd = int(::syscall(SYS_epoll_create1, EPOLL_CLOEXEC));
	if (epfd < 0)
		return errno;
	breakfd = int(::syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (breakfd < 0) {
		int e = errno;
		::syscall(SYS_close, epfd);
		return e;
	}
	struct epoll_event ev = {};
	ev.events = EPOLLIN;
	ev.data.u64 = BREAK_TAG;
	if (::syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, breakfd, &ev) != 0) {
		int e = errno;
		::syscall(SYS_close, breakfd);
		::syscall(SYS_close, epfd);
		return e;
	}
	return 0;
}

int netpoll_backend_open(poll_desc *pd)
{
	struct epoll_event ev = {};
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.u64 =
		u64(pd->seq.load(std::memory_order_relaxed)) << 32 | pd->index;
	if (::syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, pd->fd, &ev) != 0)
		return errno;
	return 0;
}

void netpoll_backend_close(poll_desc *pd)
{
	struct epoll_event ev = {};
	::syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_DEL, pd->fd, &ev);
}

void netpoll_break()
{
	u32 zero = 0;
	if (epfd < 0 || !break_pending.compare_exchange_strong(zero, 1))
		return;
	u64 one = 1;
	while (::syscall(SYS_write, breakfd, &one, sizeof(one)) < 0 &&
	       errno == EINTR)
		;
}

/* epoll_pwait2 (Linux 5.11) takes nanoseconds; epoll_pwait only whole
 * milliseconds, which would make every timer the poller sleeps for up
 * to a millisecond late.  Older kernels (and qemu-user) say ENOSYS.
 * Both are raw system calls: a sanitizer's interceptor would otherwise
 * see the runtime's poll as the program's. */
static std::atomic<bool> have_pwait2{true};

static int wait_events(struct epoll_event *ev, int max, i64 delay_ns)
{
	if (delay_ns > 0 && have_pwait2.load(std::memory_order_relaxed)) {
		struct timespec ts = {time_t(delay_ns / 1000000000),
				      long(delay_ns % 1000000000)};
		int n = int(::syscall(SYS_epoll_pwait2, epfd, ev, max, &ts,
				      nullptr, 0));
		if (n >= 0 || errno != ENOSYS)
			return n;
		have_pwait2.store(false, std::memory_order_relaxed);
	}
	int ms;
	if (delay_ns < 0)
		ms = -1;
	else if (delay_ns == 0)
		ms = 0;
	else if (delay_ns < i64(INT_MAX) * 1000000)
		ms = int((delay_ns + 999999) / 1000000); /* never early */
	else
		ms = INT_MAX;
	return int(::syscall(SYS_epoll_pwait, epfd, ev, max, ms, nullptr, 0));
}

g *netpoll(i64 delay_ns)
{
	if (epfd < 0)
		return nullptr;
	struct epoll_event events[128];
	int n = wait_events(events, 128, delay_ns);
	if (n < 0) {
		if (errno != EINTR)
			fatal("netpoll: epoll_wait failed");
		return nullptr; /* the caller recomputes its delay */
	}
	g *list = nullptr;
	for (int i = 0; i < n; i++) {
		const struct epoll_event &ev = events[i];
		if (ev.data.u64 == BREAK_TAG) {
			if (delay_ns != 0) {
				u64 v;
				while (::syscall(SYS_read, breakfd, &v,
						 sizeof(v)) < 0 &&
				       errno == EINTR)
					;
				break_pending.store(0);
			}
			continue;
		}
		int mode = 0;
		if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			mode |= POLL_R;
		if (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			mode |= POLL_W;
		if (mode != 0)
			netpoll_ready(u32(ev.data.u64), u32(ev.data.u64 >> 32),
				      mode, &list);
	}
	return list;
}

} // namespace gort::rt
