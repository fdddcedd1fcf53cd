/*
 * net/stream.cpp - stream sockets (TCP and Unix): listen, accept, dial,
 * and a connection's reads, writes, half-closes and deadlines.
 *
 * Every call is a non-blocking system call retried after the poller says
 * the socket is ready (netfd::wait), so a goroutine parks instead of
 * holding its thread.  Writes loop until every byte is out (Go's
 * contract) and never raise SIGPIPE (MSG_NOSIGNAL).
 */
#include "net/netfd.h"

#include <cerrno>
#include <climits>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gort::net {

using detail::errno_code;
using detail::netfd;

namespace {

/* An acquired netfd for the duration of one operation (INV-NETFD-1). */
class op_ref {
public:
	explicit op_ref(const std::shared_ptr<netfd> &fd)
	    : fd_(fd.get()), ok_(fd_ != nullptr && fd_->acquire())
	{}
	~op_ref()
	{
		if (ok_)
			fd_->release();
	}
	op_ref(const op_ref &) = delete;
	op_ref &operator=(const op_ref &) = delete;
	bool ok() const { return ok_; }

private:
	netfd *fd_;
	bool ok_;
};

addr sock_name(int fd, const char *network, bool peer)
{
	sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr *>(&ss),
				      &len)
		      : ::getsockname(fd, reinterpret_cast<sockaddr *>(&ss),
				      &len);
	if (rc != 0)
		return {};
	return addr::from_raw(network, &ss, unsigned(len));
}

int new_socket(int family, int type)
{
	return ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Connect @fd, waiting on the poller for the handshake. */
std::error_code connect_wait(netfd *nfd, const addr &to)
{
	int rc = ::connect(nfd->sysfd, static_cast<const sockaddr *>(to.raw()),
			   to.raw_len());
	if (rc == 0)
		return {};
	if (errno != EINPROGRESS && errno != EINTR)
		return errno_code(errno);
	for (;;) {
		if (std::error_code e = nfd->wait(rt::POLL_W))
			return e;
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (::getsockopt(nfd->sysfd, SOL_SOCKET, SO_ERROR, &soerr,
				 &len) != 0)
			return errno_code(errno);
		if (soerr == 0)
			return {};
		if (soerr != EINPROGRESS && soerr != EALREADY && soerr != EINTR)
			return errno_code(soerr);
	}
}

} // namespace

result<listener> listen(std::string_view network, std::string_view address)
{
	auto [kind, err] = detail::parse_network(network, false, true);
	if (err)
		return {{}, err};
	addr cands[8];
	int n = 0;
	if ((err = detail::resolve_all(kind, address, true, cands, 8, &n)))
		return {{}, err};
	for (int i = 0; i < n; i++) {
		const addr &a = cands[i];
		int family = static_cast<const sockaddr *>(a.raw())->sa_family;
		int fd = new_socket(family, SOCK_STREAM);
		if (fd < 0) {
			err = errno_code(errno);
			continue;
		}
		int one = 1;
		if (family != AF_UNIX)
			::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				     sizeof(one));
		if (family == AF_INET6)
			detail::set_v6only(fd, kind);
		if (::bind(fd, static_cast<const sockaddr *>(a.raw()),
			   a.raw_len()) != 0 ||
		    ::listen(fd, INT_MAX) != 0) { /* capped at somaxconn */
			err = errno_code(errno);
			::close(fd);
			continue;
		}
		auto [nfd, merr] =
			detail::make_netfd(fd, detail::sock_kind::listener);
		if (merr)
			return {{}, merr};
		nfd->laddr = sock_name(fd, kind.name, false);
		std::string path = a.string();
		if (family == AF_UNIX && !path.empty() && path[0] != '@')
			nfd->unlink_path = path; /* as Go, removed on close */
		return {listener(std::move(nfd)), {}};
	}
	return {{}, err};
}

result<conn> listener::accept()
{
	op_ref ref(fd_);
	if (!ref.ok())
		return {{}, errc::closed};
	netfd *nfd = fd_.get();
	const char *network = nfd->laddr.network().c_str();
	if (std::error_code e = nfd->check(rt::POLL_R))
		return {{}, e};
	for (;;) {
		int fd = ::accept4(nfd->sysfd, nullptr, nullptr,
				   SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			auto [cfd, err] = detail::make_netfd(
				fd, detail::sock_kind::stream);
			if (err)
				return {{}, err};
			if (nfd->laddr.network() == "tcp") {
				int one = 1;
				::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					     sizeof(one));
			}
			cfd->laddr = sock_name(fd, network, false);
			cfd->raddr = sock_name(fd, network, true);
			return {conn(std::move(cfd)), {}};
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED: /* the client gave up: take the next */
			continue;
		case EAGAIN:
			if (std::error_code e = nfd->wait(rt::POLL_R))
				return {{}, e};
			continue;
		default:
			/* EMFILE, ENFILE and the rest: report at once.  The
			 * connection stays queued for a later accept. */
			return {{}, errno_code(errno)};
		}
	}
}

std::error_code listener::close()
{
	return fd_ ? fd_->close() : errc::closed;
}

std::error_code listener::set_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_R, t) : errc::closed;
}

addr listener::address() const
{
	return fd_ ? fd_->laddr : addr{};
}

int listener::fd() const
{
	return fd_ ? fd_->sysfd : -1;
}

result<conn> dial(std::string_view network, std::string_view address,
		  std::chrono::nanoseconds timeout)
{
	auto [kind, err] = detail::parse_network(network, false, true);
	if (err)
		return {{}, err};
	addr cands[8];
	int n = 0;
	if ((err = detail::resolve_all(kind, address, false, cands, 8, &n)))
		return {{}, err};
	deadline until = timeout.count() > 0
				 ? std::chrono::steady_clock::now() + timeout
				 : no_deadline;
	std::error_code first;
	for (int i = 0; i < n; i++) {
		const addr &a = cands[i];
		int family = static_cast<const sockaddr *>(a.raw())->sa_family;
		int fd = new_socket(family, SOCK_STREAM);
		if (fd < 0) {
			if (!first)
				first = errno_code(errno);
			continue;
		}
		auto [nfd, merr] =
			detail::make_netfd(fd, detail::sock_kind::stream);
		if (merr)
			return {{}, merr};
		if (until != no_deadline)
			nfd->set_deadline(rt::POLL_W, until);
		err = connect_wait(nfd.get(), a);
		if (err) {
			if (!first)
				first = err;
			if (err == errc::timeout)
				break; /* the whole dial's time is spent */
			continue;      /* nfd's destructor closes fd */
		}
		if (until != no_deadline)
			nfd->set_deadline(rt::POLL_W, no_deadline);
		if (family != AF_UNIX) {
			int one = 1;
			::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				     sizeof(one));
		}
		nfd->laddr = sock_name(fd, kind.name, false);
		nfd->raddr = sock_name(fd, kind.name, true);
		if (family == AF_UNIX)
			nfd->raddr = a;
		return {conn(std::move(nfd)), {}};
	}
	return {{}, first};
}

result<std::size_t> conn::read(void *buf, std::size_t len)
{
	op_ref ref(fd_);
	if (!ref.ok())
		return {0, errc::closed};
	netfd *nfd = fd_.get();
	if (std::error_code e = nfd->check(rt::POLL_R))
		return {0, e};
	for (;;) {
		ssize_t n = ::recv(nfd->sysfd, buf, len, 0);
		if (n > 0)
			return {std::size_t(n), {}};
		if (n == 0)
			return {0, len == 0 ? std::error_code{} : errc::eof};
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return {0, errno_code(errno)};
		if (std::error_code e = nfd->wait(rt::POLL_R))
			return {0, e};
	}
}

result<std::size_t> conn::write(const void *buf, std::size_t len)
{
	op_ref ref(fd_);
	if (!ref.ok())
		return {0, errc::closed};
	netfd *nfd = fd_.get();
	if (std::error_code e = nfd->check(rt::POLL_W))
		return {0, e};
	auto p = static_cast<const char *>(buf);
	std::size_t done = 0;
	while (done < len) {
		ssize_t n =
			::send(nfd->sysfd, p + done, len - done, MSG_NOSIGNAL);
		if (n >= 0) {
			done += std::size_t(n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return {done, errno_code(errno)};
		if (std::error_code e = nfd->wait(rt::POLL_W))
			return {done, e};
	}
	return {done, {}};
}

std::error_code conn::close()
{
	return fd_ ? fd_->close() : errc::closed;
}

static std::error_code shut(const std::shared_ptr<netfd> &fd, int how)
{
	op_ref ref(fd);
	if (!ref.ok())
		return errc::closed;
	if (::shutdown(fd->sysfd, how) != 0)
		return errno_code(errno);
	return {};
}

std::error_code conn::close_read()
{
	return shut(fd_, SHUT_RD);
}

std::error_code conn::close_write()
{
	return shut(fd_, SHUT_WR);
}

std::error_code conn::set_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_R | rt::POLL_W, t)
		   : errc::closed;
}

std::error_code conn::set_read_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_R, t) : errc::closed;
}

std::error_code conn::set_write_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_W, t) : errc::closed;
}

addr conn::local_addr() const
{
	return fd_ ? fd_->laddr : addr{};
}

addr conn::remote_addr() const
{
	return fd_ ? fd_->raddr : addr{};
}

int conn::fd() const
{
	return fd_ ? fd_->sysfd : -1;
}

} // namespace gort::net
