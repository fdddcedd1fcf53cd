/*
 * net/udp.cpp - datagram sockets (UDP): listen_packet, read_from,
 * write_to, deadlines.  Same retry-on-the-poller pattern as stream.cpp.
 */
#include "net/netfd.h"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gort::net {

using detail::errno_code;

result<packet_conn> listen_packet(std::string_view network,
				  std::string_view address)
{
	auto [kind, err] = detail::parse_network(network, true, false);
	if (err)
		return {{}, err};
	addr cands[8];
	int n = 0;
	if ((err = detail::resolve_all(kind, address, true, cands, 8, &n)))
		return {{}, err};
	for (int i = 0; i < n; i++) {
		const addr &a = cands[i];
		int family = static_cast<const sockaddr *>(a.raw())->sa_family;
		int fd = ::socket(family,
				  SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno_code(errno);
			continue;
		}
		if (family == AF_INET6)
			detail::set_v6only(fd, kind);
		if (::bind(fd, static_cast<const sockaddr *>(a.raw()),
			   a.raw_len()) != 0) {
			err = errno_code(errno);
			::close(fd);
			continue;
		}
		auto [nfd, merr] =
			detail::make_netfd(fd, detail::sock_kind::datagram);
		if (merr)
			return {{}, merr};
		sockaddr_storage ss = {};
		socklen_t len = sizeof(ss);
		::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
		nfd->laddr = addr::from_raw(kind.name, &ss, unsigned(len));
		return {packet_conn(std::move(nfd)), {}};
	}
	return {{}, err};
}

result<std::size_t> packet_conn::read_from(void *buf, std::size_t len,
					   addr *from)
{
	detail::netfd *nfd = fd_.get();
	if (nfd == nullptr || !nfd->acquire())
		return {0, errc::closed};
	result<std::size_t> r{0, nfd->check(rt::POLL_R)};
	while (!r.err) {
		sockaddr_storage ss = {};
		socklen_t sl = sizeof(ss);
		ssize_t n = ::recvfrom(nfd->sysfd, buf, len, 0,
				       reinterpret_cast<sockaddr *>(&ss), &sl);
		if (n >= 0) {
			r.value = std::size_t(n);
			if (from != nullptr)
				*from = addr::from_raw(nfd->laddr.network(),
						       &ss, unsigned(sl));
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			r.err = errno_code(errno);
		else
			r.err = nfd->wait(rt::POLL_R);
	}
	nfd->release();
	return r;
}

result<std::size_t> packet_conn::write_to(const void *buf, std::size_t len,
					  const addr &to)
{
	detail::netfd *nfd = fd_.get();
	if (nfd == nullptr || !nfd->acquire())
		return {0, errc::closed};
	/* An IPv4 destination from an IPv6 (dual-stack) socket goes as
	 * the IPv4-mapped address ::ffff:a.b.c.d. */
	const void *dst = to.raw();
	socklen_t dst_len = to.raw_len();
	sockaddr_in6 mapped = {};
	auto own = static_cast<const sockaddr *>(nfd->laddr.raw());
	auto dst4 = static_cast<const sockaddr_in *>(dst);
	if (!nfd->laddr.empty() && own->sa_family == AF_INET6 &&
	    dst_len >= sizeof(sockaddr_in) && dst4->sin_family == AF_INET) {
		mapped.sin6_family = AF_INET6;
		mapped.sin6_port = dst4->sin_port;
		mapped.sin6_addr.s6_addr[10] = 0xff;
		mapped.sin6_addr.s6_addr[11] = 0xff;
		std::memcpy(&mapped.sin6_addr.s6_addr[12], &dst4->sin_addr, 4);
		dst = &mapped;
		dst_len = sizeof(mapped);
	}
	result<std::size_t> r{0, nfd->check(rt::POLL_W)};
	while (!r.err) {
		ssize_t n =
			::sendto(nfd->sysfd, buf, len, MSG_NOSIGNAL,
				 static_cast<const sockaddr *>(dst), dst_len);
		if (n >= 0) {
			r.value = std::size_t(n);
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			r.err = errno_code(errno);
		else
			r.err = nfd->wait(rt::POLL_W);
	}
	nfd->release();
	return r;
}

std::error_code packet_conn::close()
{
	return fd_ ? fd_->close() : errc::closed;
}

std::error_code packet_conn::set_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_R | rt::POLL_W, t)
		   : errc::closed;
}

std::error_code packet_conn::set_read_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_R, t) : errc::closed;
}

std::error_code packet_conn::set_write_deadline(deadline t)
{
	return fd_ ? fd_->set_deadline(rt::POLL_W, t) : errc::closed;
}

addr packet_conn::local_addr() const
{
	return fd_ ? fd_->laddr : addr{};
}

int packet_conn::fd() const
{
	return fd_ ? fd_->sysfd : -1;
}

} // namespace gort::net
