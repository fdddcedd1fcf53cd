/*
 * net/netfd.cpp - the shared socket object: registration with the poller,
 * the close protocol (netfd.h), waiting and deadlines.
 */
#include "net/netfd.h"

#include "runtime/sanitizer.h"

#include <cerrno>
#include <unistd.h>

namespace gort::net::detail {

static constexpr unsigned CLOSING = 1;
static constexpr unsigned REF = 2;

std::error_code errno_code(int e)
{
	return {e, std::system_category()};
}

result<std::shared_ptr<netfd>> make_netfd(int fd, sock_kind kind)
{
	int err = 0;
	rt::poll_desc *pd = rt::netpoll_open(fd, &err);
	if (pd == nullptr) {
		::close(fd);
		return {nullptr, errno_code(err)};
	}
	auto nfd = std::make_shared<netfd>();
	nfd->sysfd = fd;
	nfd->pd = pd;
	nfd->kind = kind;
	return {std::move(nfd), {}};
}

/* The descriptor goes; INV-NETFD-2 says who calls this.  Every
 * operation's release() came first: say so to the race detector, which
 * watches close() against reads and writes of the same descriptor. */
static void destroy(netfd *nfd)
{
	rt::race_acquire(nfd);
	rt::netpoll_close(nfd->pd);
	nfd->pd = nullptr;
	::close(nfd->sysfd);
	nfd->sysfd = -1;
	if (!nfd->unlink_path.empty())
		::unlink(nfd->unlink_path.c_str());
}

netfd::~netfd()
{
	/* The last handle went without close(): nothing can be running. */
	if (pd != nullptr)
		destroy(this);
}

bool netfd::acquire()
{
	unsigned s = state.load(std::memory_order_relaxed);
	do {
		if (s & CLOSING)
			return false;
	} while (!state.compare_exchange_weak(s, s + REF,
					      std::memory_order_acquire));
	return true;
}

void netfd::release()
{
	rt::race_release(this);
	if (state.fetch_sub(REF, std::memory_order_acq_rel) - REF == CLOSING)
		destroy(this);
}

std::error_code netfd::close()
{
	/* Set CLOSING and hold a reference of our own for the eviction. */
	unsigned s = state.load(std::memory_order_relaxed);
	do {
		if (s & CLOSING)
			return errc::closed;
	} while (!state.compare_exchange_weak(s, (s | CLOSING) + REF,
					      std::memory_order_acq_rel));
	rt::netpoll_evict(pd);
	release();
	return {};
}

/* The poller's verdict as gort::net's error. */
static std::error_code as_error(rt::poll_err e)
{
	switch (e) {
	case rt::poll_err::none:
		return {};
	case rt::poll_err::closing:
		return errc::closed;
	case rt::poll_err::timeout:
		return errc::timeout;
	}
	return {};
}

std::error_code netfd::check(int mode)
{
	if (state.load(std::memory_order_relaxed) & CLOSING)
		return errc::closed;
	return as_error(rt::netpoll_check(pd, mode));
}

std::error_code netfd::wait(int mode)
{
	return as_error(rt::netpoll_wait(pd, mode));
}

std::error_code netfd::set_deadline(int mode, deadline t)
{
	if (!acquire())
		return errc::closed;
	rt::i64 when = 0;
	if (t != no_deadline) {
		/* steady_clock is CLOCK_MONOTONIC, as nanotime(). */
		when = std::chrono::duration_cast<std::chrono::nanoseconds>(
			       t.time_since_epoch())
			       .count();
		if (when <= 0)
			when = 1; /* long past, but a deadline */
	}
	rt::netpoll_set_deadline(pd, mode, when);
	release();
	return {};
}

} // namespace gort::net::detail
