/*
 * bench/scenarios/switch_gort.cpp - gort's switch, fiber to fiber on one
 * thread: the cost a goroutine switch builds on.
 */
#include "runtime/fiber.h"
#include "scenarios.h"

using namespace gort::rt;

namespace gort_bench {

namespace {

struct pingpong {
	fiber main_f;
	fiber other;
	bool stop = false;
};

void bounce(void *p)
{
	auto pp = static_cast<pingpong *>(p);
	while (!pp->stop)
		fiber_switch(&pp->other, &pp->main_f);
}

} // namespace

std::uint64_t switch_gort(std::uint64_t rounds)
{
	pingpong pp;
	fiber_init_thread(&pp.main_f);
	if (fiber_create(&pp.other, bounce, &pp, 0, &pp.main_f) !=
	    stack_err::none)
		return 0;
	fiber_switch(&pp.main_f, &pp.other); /* warm up: first entry */
	std::uint64_t t0 = now_ns();
	for (std::uint64_t i = 0; i < rounds; i++)
		fiber_switch(&pp.main_f, &pp.other);
	std::uint64_t t1 = now_ns();
	pp.stop = true;
	fiber_switch(&pp.main_f, &pp.other);
	fiber_destroy(&pp.other);
	return t1 - t0;
}

} // namespace gort_bench
