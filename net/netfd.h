/*
 * net/netfd.h - one socket shared by the handles (conn, listener,
 * packet_conn) that refer to it: its descriptor, its poll descriptor and
 * the life-cycle that keeps close() from pulling the descriptor out from
 * under a goroutine still using it.
 *
 * Life-cycle (Go's fdMutex, reduced to what close needs):
 *   state = 2 * (operations in progress) + CLOSING.
 * INV-NETFD-1: an operation runs only between a successful acquire()
 *   (refused once CLOSING is set) and its release().
 * INV-NETFD-2: close() sets CLOSING once (a second close is errc::closed),
 *   evicts the poll descriptor (waking every blocked goroutine with
 *   errc::closed), and the descriptor itself is closed by whoever drops
 *   the state to exactly CLOSING: the last operation to finish, or close()
 *   itself when none was running.  So the number is never reused while a
 *   system call may still be given it.
 * sysfd, pd, the addresses and the network are constant after creation.
 */
#pragma once

#include <gort/net.h>

#include "runtime/netpoll.h"

#include <atomic>
#include <string>

namespace gort::net::detail {

enum class sock_kind { stream, listener, datagram };

struct netfd {
	int sysfd = -1;
	rt::poll_desc *pd = nullptr;
	sock_kind kind = sock_kind::stream;
	addr laddr, raddr;
	std::string unlink_path; /* a Unix listener's socket file */
	std::atomic<unsigned> state{0};

	netfd() = default;
	netfd(const netfd &) = delete;
	netfd &operator=(const netfd &) = delete;
	~netfd();

	bool acquire();
	void release();
	std::error_code close();

	/* Wait for @mode (rt::POLL_R / POLL_W); an error_code if the wait
	 * ended by close or deadline. */
	std::error_code wait(int mode);
	/* Fail fast if closed or the deadline for @mode has passed. */
	std::error_code check(int mode);
	std::error_code set_deadline(int mode, deadline t);
};

/* A registered, non-blocking socket object for @fd (closed on failure). */
result<std::shared_ptr<netfd>> make_netfd(int fd, sock_kind kind);

/* errno as an error_code. */
std::error_code errno_code(int e);

/* Parsing and resolution (addr.cpp). */
struct net_kind {
	int family; /* AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC: either IP */
	int socktype;
	const char *name; /* "tcp", "udp", "unix" */
};
result<net_kind> parse_network(std::string_view network, bool datagram_ok,
			       bool stream_ok);
/* An IPv6 socket @fd for @kind: "tcp" and "udp" take IPv4 too (dual
 * stack, as Go's listeners); "tcp6" and "udp6" only IPv6. */
void set_v6only(int fd, const net_kind &kind);
/* Every address @address names for @kind; @passive: for listening (an
 * empty host means every address rather than the loopback). */
std::error_code resolve_all(const net_kind &kind, std::string_view address,
			    bool passive, addr *out, int max, int *n);

} // namespace gort::net::detail
