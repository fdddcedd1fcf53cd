/*
 * runtime/mem_probe.h - ask the kernel, not the CPU, whether an address
 * can be read, so that probing a guard page returns an answer instead of
 * raising SIGSEGV.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

/* True if the kernel can read one byte at @addr.  Costs a pipe and three
 * system calls: for probes made once, not for hot paths.  The byte goes
 * through write(2) because every emulator and instrumenter (qemu-user,
 * valgrind) hands write's buffer to the kernel as it is. */
bool mem_kernel_readable(uptr addr);

} // namespace gort::rt
