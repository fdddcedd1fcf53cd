/*
 * tests/crash/segv_chain.cpp - a program whose own SIGSEGV handler was
 * installed before gort's.  A fault outside every goroutine stack guard
 * must reach that handler (which exits 42); gort only claims guard faults.
 */
#include "runtime/fiber.h"

#include <csignal>
#include <sys/mman.h>
#include <unistd.h>

static void own_handler(int)
{
	static const char msg[] = "own handler ran\n";
	ssize_t n = ::write(2, msg, sizeof(msg) - 1);
	(void)n;
	::_exit(42);
}

int main()
{
	struct sigaction sa = {};
	sa.sa_handler = own_handler;
	::sigaction(SIGSEGV, &sa, nullptr);

	/* Bring gort up: it installs its handler over ours. */
	gort::rt::fiber self;
	gort::rt::fiber_init_thread(&self);

	void *p = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	*static_cast<volatile int *>(p) = 1;
	return 0;
}
