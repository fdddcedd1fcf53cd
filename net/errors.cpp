/*
 * net/errors.cpp - gort::net's own error codes, with Go's messages.
 */
#include <gort/net.h>

namespace gort::net {

namespace {

class category_impl : public std::error_category {
public:
	const char *name() const noexcept override { return "gort.net"; }
	std::string message(int ev) const override
	{
		switch (static_cast<errc>(ev)) {
		case errc::eof:
			return "EOF";
		case errc::closed:
			return "use of closed network connection";
		case errc::timeout:
			return "i/o timeout";
		case errc::unknown_network:
			return "unknown network";
		case errc::bad_address:
			return "bad address: want host:port, [ipv6]:port or "
			       ":port";
		case errc::no_such_host:
			return "no such host";
		}
		return "unknown gort.net error";
	}
};

} // namespace

const std::error_category &net_category() noexcept
{
	static const category_impl c;
	return c;
}

std::error_code make_error_code(errc e) noexcept
{
	return {static_cast<int>(e), net_category()};
}

} // namespace gort::net
