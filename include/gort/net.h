/*
 * gort/net.h - TCP (IPv4 and IPv6), UDP and Unix-domain sockets for
 * goroutines, in Go's shape (package net).
 *
 *   auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
 *   gort::go([ln] () mutable {
 *           for (;;) {
 *                   auto [c, err] = ln.accept();
 *                   if (err) return;
 *                   gort::go([c] () mutable { echo(c); });
 *           }
 *   });
 *   auto [c, derr] = gort::net::dial("tcp", ln.address().string());
 *   c.write("ping", 4);
 *
 * A goroutine that reads, writes, accepts or connects parks on the
 * runtime's network poller until the socket is ready: it never blocks its
 * thread.  A plain thread may use the same objects; it blocks in poll(2).
 *
 * Addresses are Go's: "host:port" with host an IPv4 literal, a bracketed
 * IPv6 literal ("[::1]:80"), a name ("localhost:80", resolved with
 * getaddrinfo off the goroutine's processor, see gort/blocking.h), or
 * empty (":0": every address, port chosen by the kernel; with "tcp" or
 * "udp" one IPv6 socket takes IPv4 too, as in Go, and an IPv4 peer's
 * address prints as IPv4).  Unix sockets
 * take a path; a path starting with '@' is in the abstract namespace.
 * Networks: "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix".
 *
 * Errors are values: every call returns a std::error_code (or a result
 * holding one), never errno to read later.  Besides the system's codes
 * (compare with std::errc::connection_refused and friends), errc below
 * names Go's own: reading at the end of the stream gives errc::eof, an
 * operation on (or blocked in) a closed socket errc::closed ("use of
 * closed network connection"), a passed deadline errc::timeout ("i/o
 * timeout").
 *
 * conn, listener and packet_conn are handles: copies share one socket,
 * as Go's values do, so one goroutine may close what another is blocked
 * on.  The socket is closed by close(), or when the last handle goes.
 * One goroutine at a time may read, and one write, on a handle's socket
 * (as Go serialises them); reading and writing at once is fine.
 */
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace gort::net {

enum class errc {
	eof = 1,	 /* "EOF": the peer finished sending */
	closed,		 /* "use of closed network connection" */
	timeout,	 /* "i/o timeout" */
	unknown_network, /* "unknown network" */
	bad_address,	 /* not host:port, [ipv6]:port or :port */
	no_such_host,	 /* "no such host" */
};

const std::error_category &net_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

/* A value, or the error that kept it from being made.  Structured
 * bindings read it as Go's pair: auto [v, err] = f(); */
template <typename T>
struct result {
	T value{};
	std::error_code err;
};

using deadline = std::chrono::steady_clock::time_point;
/* "No deadline", for set_deadline() and friends. */
inline constexpr deadline no_deadline{};

/* An endpoint address (Go's net.Addr). */
class addr {
public:
	addr() = default;
	/* "tcp", "udp" or "unix" (empty for a default-constructed addr). */
	const std::string &network() const { return network_; }
	/* "127.0.0.1:8080", "[::1]:80", or a Unix path. */
	std::string string() const;
	/* The port (0 for Unix addresses). */
	int port() const;
	bool empty() const { return len_ == 0; }

	/* The raw sockaddr, for the system interface. */
	const void *raw() const { return storage_; }
	unsigned raw_len() const { return len_; }
	static addr from_raw(std::string network, const void *sa, unsigned len);

private:
	std::string network_;
	alignas(8) unsigned char storage_[128] = {};
	unsigned len_ = 0;
};

/* Resolve @address for @network without connecting: the first address
 * found (IPv4 before IPv6 for "tcp"/"udp"). */
result<addr> resolve(std::string_view network, std::string_view address);

namespace detail {
struct netfd;
}

/* A stream connection (TCP or Unix). */
class conn {
public:
	conn() = default;
	explicit conn(std::shared_ptr<detail::netfd> fd) : fd_(std::move(fd)) {}

	/* Read up to @len bytes; at least 1 unless there is an error.  At
	 * the end of the stream: {0, errc::eof}. */
	result<std::size_t> read(void *buf, std::size_t len);
	/* Write all @len bytes (Go's contract: returns early only with an
	 * error, saying how many were written). */
	result<std::size_t> write(const void *buf, std::size_t len);
	result<std::size_t> write(std::string_view s)
	{
		return write(s.data(), s.size());
	}
	/* Close the socket; goroutines blocked on it get errc::closed.
	 * A second close gives errc::closed too. */
	std::error_code close();
	/* Half-close (shutdown(2)): no more reads / no more writes (the
	 * peer reads EOF). */
	std::error_code close_read();
	std::error_code close_write();
	/* Absolute deadlines for reads, writes, or both; a blocked call
	 * fails with errc::timeout when it passes.  no_deadline clears. */
	std::error_code set_deadline(deadline t);
	std::error_code set_read_deadline(deadline t);
	std::error_code set_write_deadline(deadline t);
	addr local_addr() const;
	addr remote_addr() const;
	/* The descriptor (non-blocking; still owned by the conn), or -1. */
	int fd() const;
	explicit operator bool() const { return fd_ != nullptr; }

private:
	std::shared_ptr<detail::netfd> fd_;
};

/* A listening stream socket. */
class listener {
public:
	listener() = default;
	explicit listener(std::shared_ptr<detail::netfd> fd)
	    : fd_(std::move(fd))
	{}

	/* The next connection.  Out of descriptors (EMFILE, ENFILE), it
	 * returns that error at once and keeps the pending connection
	 * queued: accept again once descriptors are free. */
	result<conn> accept();
	std::error_code close();
	std::error_code set_deadline(deadline t);
	addr address() const;
	int fd() const;
	explicit operator bool() const { return fd_ != nullptr; }

private:
	std::shared_ptr<detail::netfd> fd_;
};

/* A datagram socket (UDP). */
class packet_conn {
public:
	packet_conn() = default;
	explicit packet_conn(std::shared_ptr<detail::netfd> fd)
	    : fd_(std::move(fd))
	{}

	/* One datagram into @buf (truncated to @len); *@from gets the
	 * sender if not nullptr. */
	result<std::size_t> read_from(void *buf, std::size_t len,
				      addr *from = nullptr);
	/* One datagram to @to. */
	result<std::size_t> write_to(const void *buf, std::size_t len,
				     const addr &to);
	std::error_code close();
	std::error_code set_deadline(deadline t);
	std::error_code set_read_deadline(deadline t);
	std::error_code set_write_deadline(deadline t);
	addr local_addr() const;
	int fd() const;
	explicit operator bool() const { return fd_ != nullptr; }

private:
	std::shared_ptr<detail::netfd> fd_;
};

/* Go's net.Listen: "tcp", "tcp4", "tcp6" or "unix". */
result<listener> listen(std::string_view network, std::string_view address);

/* Go's net.Dial / DialTimeout: "tcp", "tcp4", "tcp6", "unix", or a
 * connected "udp" socket is not offered (use listen_packet + write_to).
 * @timeout 0: none beyond the system's. */
result<conn> dial(std::string_view network, std::string_view address,
		  std::chrono::nanoseconds timeout = {});

/* Go's net.ListenPacket: "udp", "udp4", "udp6". */
result<packet_conn> listen_packet(std::string_view network,
				  std::string_view address);

} // namespace gort::net

template <>
struct std::is_error_code_enum<gort::net::errc> : std::true_type {};
