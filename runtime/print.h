/*
 * runtime/print.h - unbuffered writes to standard error that allocate
 * nothing, take no lock and are async-signal-safe.  Fatal reports are
 * built from these, so they work in a signal handler, with the heap
 * corrupted, or with a runtime lock held.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

/* Context: any, including signal handlers; async-signal-safe. */
void print_str(const char *s);
void print_u64(u64 v);
void print_hex(u64 v); /* 0x-prefixed, lowercase */
/* @v in decimal at @out (room for 20 characters); returns how many. */
usize fmt_u64(char *out, u64 v);

/* A line assembled in a caller-supplied buffer, written in one write(2) so
 * that reports from several threads do not interleave mid-line. */
struct print_buf {
	char data[512];
	usize len = 0;

	print_buf &str(const char *s);
	print_buf &u64v(u64 v);
	print_buf &hex(u64 v);
	void flush(); /* write and empty */
};

} // namespace gort::rt
