/*
 * gort.h - the one header a gort program includes.
 *
 * gort is Go's concurrency runtime as a C++ library: goroutines on an
 * M:P:G scheduler, channels and select, a sync package, timers, and a
 * netpoller.  See README.md for what exists today.
 */
#pragma once

#include "gort/blocking.h"
#include "gort/chan.h"
#include "gort/net.h"
#include "gort/os.h"
#include "gort/panic.h"
#include "gort/runtime.h"
#include "gort/sync.h"
#include "gort/time.h"
#include "gort/version.h"
#include "gort/wait_group.h"
