/*
 * runtime/print.cpp - see print.h.  Formatting is done by hand because
 * snprintf is not async-signal-safe and may allocate.
 */
#include "runtime/print.h"

#include <cerrno>
#include <unistd.h>

namespace gort::rt {

static void write_all(const char *p, usize n)
{
	while (n > 0) {
		ssize_t w = ::write(2, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report to */
		}
		p += w;
		n -= static_cast<usize>(w);
	}
}

usize fmt_u64(char *out, u64 v)
{
	char tmp[20];
	usize n = 0;
	do {
		tmp[n++] = static_cast<char>('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (usize i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static usize fmt_hex(char *out, u64 v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	usize n = 0;
	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v != 0);
	out[0] = '0';
	out[1] = 'x';
	for (usize i = 0; i < n; i++)
		out[2 + i] = tmp[n - 1 - i];
	return n + 2;
}

void print_str(const char *s)
{
	usize n = 0;
	while (s[n] != '\0')
		n++;
	write_all(s, n);
}

void print_u64(u64 v)
{
	char buf[24];
	write_all(buf, fmt_u64(buf, v));
}

void print_hex(u64 v)
{
	char buf[24];
	write_all(buf, fmt_hex(buf, v));
}

print_buf &print_buf::str(const char *s)
{
	for (; *s != '\0'; s++) {
		if (len == sizeof(data))
			flush();
		data[len++] = *s;
	}
	return *this;
}

print_buf &print_buf::u64v(u64 v)
{
	if (len + 24 > sizeof(data))
		flush();
	len += fmt_u64(data + len, v);
	return *this;
}

print_buf &print_buf::hex(u64 v)
{
	if (len + 24 > sizeof(data))
		flush();
	len += fmt_hex(data + len, v);
	return *this;
}

void print_buf::flush()
{
	write_all(data, len);
	len = 0;
}

} // namespace gort::rt
