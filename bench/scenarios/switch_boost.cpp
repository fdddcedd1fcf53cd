/*
 * bench/scenarios/switch_boost.cpp - the peer for the raw switch:
 * Boost.Context's fcontext (jump_fcontext), the fastest switch Boost
 * offers.  Built only when libboost-context-dev is installed.
 */
#include "scenarios.h"

#ifdef GORT_HAVE_BOOST_CONTEXT
#include <boost/context/detail/fcontext.hpp>
#include <cstdlib>

namespace bcd = boost::context::detail;

namespace gort_bench {

namespace {

bool g_stop;

void bounce(bcd::transfer_t t)
{
	while (!g_stop)
		t = bcd::jump_fcontext(t.fctx, nullptr);
	bcd::jump_fcontext(t.fctx, nullptr);
}

} // namespace

bool have_boost_context()
{
	return true;
}

std::uint64_t switch_boost_fcontext(std::uint64_t rounds)
{
	constexpr std::size_t size = 256 * 1024;
	void *mem = std::malloc(size);
	g_stop = false;
	bcd::fcontext_t ctx = bcd::make_fcontext(
		static_cast<char *>(mem) + size, size, bounce);
	bcd::transfer_t t = bcd::jump_fcontext(ctx, nullptr); /* warm up */
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 0; i < rounds; i++)
		t = bcd::jump_fcontext(t.fctx, nullptr);
	std::uint64_t t1 = now_ns();
	g_stop = true;
	bcd::jump_fcontext(t.fctx, nullptr);
	std::free(mem);
	return t1 - t0;
}

} // namespace gort_bench

#else

namespace gort_bench {

bool have_boost_context()
{
	return false;
}
std::uint64_t switch_boost_fcontext(std::uint64_t)
{
	return 0;
}

} // namespace gort_bench

#endif
