/*
 * net/addr.cpp - networks and addresses in Go's forms: "tcp"/"udp"/"unix"
 * and their variants; "host:port", "[v6]:port", ":port", Unix paths
 * ("@name": the abstract namespace); name resolution with getaddrinfo,
 * which may block for seconds, so it runs inside gort::blocking().
 */
#include "net/netfd.h"

#include <gort/blocking.h>

#include <arpa/inet.h>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace gort::net {

addr addr::from_raw(std::string network, const void *sa, unsigned len)
{
	addr a;
	a.network_ = std::move(network);
	if (len > sizeof(a.storage_))
		len = sizeof(a.storage_);
	std::memcpy(a.storage_, sa, len);
	a.len_ = len;
	return a;
}

int addr::port() const
{
	auto sa = reinterpret_cast<const sockaddr *>(storage_);
	if (len_ == 0)
		return 0;
	if (sa->sa_family == AF_INET)
		return ntohs(
			reinterpret_cast<const sockaddr_in *>(sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(
			reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_port);
	return 0;
}

std::string addr::string() const
{
	auto sa = reinterpret_cast<const sockaddr *>(storage_);
	if (len_ == 0)
		return "";
	char buf[INET6_ADDRSTRLEN] = {};
	switch (sa->sa_family) {
	case AF_INET: {
		auto in = reinterpret_cast<const sockaddr_in *>(sa);
		::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
		return std::string(buf) + ":" + std::to_string(port());
	}
	case AF_INET6: {
		auto in6 = reinterpret_cast<const sockaddr_in6 *>(sa);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			/* An IPv4 peer of a dual-stack socket: Go prints it
			 * as IPv4. */
			::inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf,
				    sizeof(buf));
			return std::string(buf) + ":" + std::to_string(port());
		}
		::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
		/* Appends, not operator+ chains: g++ 12 at -O3 warns falsely
		 * (-Wrestrict) about "[" + std::string. */
		std::string out(1, '[');
		out.append(buf).append("]:").append(std::to_string(port()));
		return out;
	}
	case AF_UNIX: {
		auto un = reinterpret_cast<const sockaddr_un *>(sa);
		std::size_t path_len = len_ - offsetof(sockaddr_un, sun_path);
		if (path_len == 0)
			return "";
		if (un->sun_path[0] == '\0') /* abstract */
			return std::string(1, '@').append(un->sun_path + 1,
							  path_len - 1);
		return std::string(un->sun_path,
				   strnlen(un->sun_path, path_len));
	}
	}
	return "";
}

} // namespace gort::net

namespace gort::net::detail {

void set_v6only(int fd, const net_kind &kind)
{
	int only = kind.family == AF_INET6 ? 1 : 0;
	::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof(only));
}

result<net_kind> parse_network(std::string_view network, bool datagram_ok,
			       bool stream_ok)
{
	struct entry {
		std::string_view name;
		net_kind kind;
		bool datagram;
	};
	static const entry table[] = {
		{"tcp", {AF_UNSPEC, SOCK_STREAM, "tcp"}, false},
		{"tcp4", {AF_INET, SOCK_STREAM, "tcp"}, false},
		{"tcp6", {AF_INET6, SOCK_STREAM, "tcp"}, false},
		{"unix", {AF_UNIX, SOCK_STREAM, "unix"}, false},
		{"udp", {AF_UNSPEC, SOCK_DGRAM, "udp"}, true},
		{"udp4", {AF_INET, SOCK_DGRAM, "udp"}, true},
		{"udp6", {AF_INET6, SOCK_DGRAM, "udp"}, true},
	};
	for (const entry &e : table)
		if (e.name == network && (e.datagram ? datagram_ok : stream_ok))
			return {e.kind, {}};
	return {{}, errc::unknown_network};
}

/* Go's SplitHostPort. */
static bool split_host_port(std::string_view s, std::string *host,
			    std::string *port)
{
	std::size_t colon = s.rfind(':');
	if (colon == std::string_view::npos)
		return false;
	std::string_view h = s.substr(0, colon);
	if (!h.empty() && h.front() == '[') {
		if (h.back() != ']')
			return false;
		h = h.substr(1, h.size() - 2);
	} else if (h.find(':') != std::string_view::npos) {
		return false; /* an IPv6 literal needs brackets */
	}
	*host = std::string(h);
	*port = std::string(s.substr(colon + 1));
	return !port->empty();
}

static std::error_code unix_addr(std::string_view path, addr *out)
{
	sockaddr_un un = {};
	un.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(un.sun_path))
		return errc::bad_address;
	std::memcpy(un.sun_path, path.data(), path.size());
	unsigned len = unsigned(offsetof(sockaddr_un, sun_path) + path.size());
	if (path.front() == '@')
		un.sun_path[0] = '\0'; /* abstract: no file, no NUL end */
	else
		len++;
	*out = addr::from_raw("unix", &un, len);
	return {};
}

static bool parse_port(const std::string &s, int *port)
{
	char *end = nullptr;
	long v = std::strtol(s.c_str(), &end, 10);
	if (end == s.c_str() || *end != '\0' || v < 0 || v > 65535)
		return false;
	*port = int(v);
	return true;
}

static addr ip_addr(const char *network, int family, const void *ip, int port)
{
	if (family == AF_INET) {
		sockaddr_in in = {};
		in.sin_family = AF_INET;
		in.sin_port = htons(uint16_t(port));
		std::memcpy(&in.sin_addr, ip, sizeof(in.sin_addr));
		return addr::from_raw(network, &in, sizeof(in));
	}
	sockaddr_in6 in6 = {};
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(uint16_t(port));
	std::memcpy(&in6.sin6_addr, ip, sizeof(in6.sin6_addr));
	return addr::from_raw(network, &in6, sizeof(in6));
}

std::error_code resolve_all(const net_kind &kind, std::string_view address,
			    bool passive, addr *out, int max, int *n)
{
	*n = 0;
	if (kind.family == AF_UNIX) {
		std::error_code e = unix_addr(address, out);
		if (!e)
			*n = 1;
		return e;
	}
	std::string host, port_s;
	if (!split_host_port(address, &host, &port_s))
		return errc::bad_address;
	int port = 0;
	bool numeric_port = parse_port(port_s, &port);
	if (!numeric_port &&
	    port_s.find_first_not_of("0123456789") == std::string::npos)
		return errc::bad_address; /* digits, but beyond 65535 */

	/* Literals and the empty host need no resolver. */
	unsigned char ip[16];
	if (numeric_port) {
		if (host.empty()) {
			/* Listen: every address, IPv6's first, as Go: with
			 * no family named, an IPv6 wildcard socket takes
			 * IPv4 too (set_v6only), and IPv4's alone is the
			 * fallback where IPv6 is missing.  Dial: this
			 * machine, IPv4 first. */
			bool v6_first = passive && kind.family == AF_UNSPEC;
			for (int pass = 0; pass < 2 && *n < max; pass++) {
				bool v6 = (pass == 0) == v6_first;
				if (v6 && kind.family != AF_INET) {
					const in6_addr &a =
						passive ? in6addr_any
							: in6addr_loopback;
					out[(*n)++] = ip_addr(
						kind.name, AF_INET6, &a, port);
				} else if (!v6 && kind.family != AF_INET6) {
					in_addr a = {htonl(
						passive ? INADDR_ANY
							: INADDR_LOOPBACK)};
					out[(*n)++] = ip_addr(
						kind.name, AF_INET, &a, port);
				}
			}
			return {};
		}
		if (kind.family != AF_INET6 &&
		    ::inet_pton(AF_INET, host.c_str(), ip) == 1) {
			out[(*n)++] = ip_addr(kind.name, AF_INET, ip, port);
			return {};
		}
		if (kind.family != AF_INET &&
		    ::inet_pton(AF_INET6, host.c_str(), ip) == 1) {
			out[(*n)++] = ip_addr(kind.name, AF_INET6, ip, port);
			return {};
		}
	}

	/* A name (or a service name for the port): ask the resolver,
	 * which may wait on the network, so hand the P off meanwhile. */
	addrinfo hints = {};
	hints.ai_family = kind.family;
	hints.ai_socktype = kind.socktype;
	hints.ai_flags = AI_ADDRCONFIG | (passive ? AI_PASSIVE : 0);
	addrinfo *res = nullptr;
	int rc = gort::blocking([&] {
		return ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
				     port_s.c_str(), &hints, &res);
	});
	if (rc == EAI_SERVICE)
		return errc::bad_address;
	if (rc != 0 || res == nullptr)
		return errc::no_such_host;
	/* IPv4 first, as Go prefers it for "tcp" and "udp". */
	for (int pass = 0; pass < 2; pass++) {
		for (addrinfo *ai = res; ai != nullptr && *n < max;
		     ai = ai->ai_next) {
			if ((ai->ai_family == AF_INET) != (pass == 0))
				continue;
			if (ai->ai_family != AF_INET &&
			    ai->ai_family != AF_INET6)
				continue;
			out[(*n)++] = addr::from_raw(kind.name, ai->ai_addr,
						     unsigned(ai->ai_addrlen));
		}
	}
	::freeaddrinfo(res);
	return *n > 0 ? std::error_code{} : errc::no_such_host;
}

} // namespace gort::net::detail

namespace gort::net {

result<addr> resolve(std::string_view network, std::string_view address)
{
	auto [kind, err] = detail::parse_network(network, true, true);
	if (err)
		return {{}, err};
	addr a;
	int n = 0;
	err = detail::resolve_all(kind, address, false, &a, 1, &n);
	return {a, err};
}

} // namespace gort::net
