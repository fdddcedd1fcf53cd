/*
 * tools/examples/sha1.h - SHA-1 (FIPS 180-4, section 6.1) for the example
 * programs, header-only and self-contained so that an example can hash
 * what it moves around without pulling in a crypto library.  SHA-1 is
 * broken for security; here it only names and checks data.
 *
 * sha1() returns the 20-byte digest of a byte string, sha1_hex() the same
 * as 40 lowercase hex digits.  Both work on the whole message at once.
 */
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gort_examples {

namespace sha1_detail {

/* Read a 32-bit big-endian word. */
inline std::uint32_t load_be32(const unsigned char *p)
{
	return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 |
	       std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

/* The hash computation of FIPS 180-4 6.1.2 on one 512-bit block. */
inline void block(std::array<std::uint32_t, 5> &h, const unsigned char *m)
{
	std::uint32_t w[80];
	for (int t = 0; t < 16; t++)
		w[t] = load_be32(m + 4 * t);
	for (int t = 16; t < 80; t++)
		w[t] = std::rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16],
				 1);

	std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int t = 0; t < 80; t++) {
		std::uint32_t f, k;
		if (t < 20) {
			f = (b & c) ^ (~b & d); /* Ch */
			k = 0x5a827999;
		} else if (t < 40) {
			f = b ^ c ^ d; /* Parity */
			k = 0x6ed9eba1;
		} else if (t < 60) {
			f = (b & c) ^ (b & d) ^ (c & d); /* Maj */
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d; /* Parity */
			k = 0xca62c1d6;
		}
		std::uint32_t temp = std::rotl(a, 5) + f + e + k + w[t];
		e = d;
		d = c;
		c = std::rotl(b, 30);
		b = a;
		a = temp;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

} // namespace sha1_detail

/* The SHA-1 digest of @msg. */
inline std::array<std::uint8_t, 20> sha1(std::string_view msg)
{
	/* Initial hash value, FIPS 180-4 5.3.1. */
	std::array<std::uint32_t, 5> h = {0x67452301, 0xefcdab89, 0x98badcfe,
					  0x10325476, 0xc3d2e1f0};
	auto p = reinterpret_cast<const unsigned char *>(msg.data());
	std::size_t n = msg.size();

	/* Every whole block straight from the message. */
	std::size_t rest = n % 64; /* < 64, visibly so to the compiler */
	std::size_t whole = n - rest;
	for (std::size_t i = 0; i < whole; i += 64)
		sha1_detail::block(h, p + i);

	/*
	 * Padding, FIPS 180-4 5.1.1: the rest of the message, a 1 bit, zeros
	 * up to 56 bytes mod 64, then the length in bits as a 64-bit
	 * big-endian number; one block, or two when the rest is 56 bytes or
	 * more.
	 */
	unsigned char tail[128] = {};
	for (std::size_t i = 0; i < rest; i++)
		tail[i] = p[whole + i];
	tail[rest] = 0x80;
	std::size_t len = rest < 56 ? 64 : 128;
	std::uint64_t bits = std::uint64_t(n) * 8;
	for (int i = 0; i < 8; i++)
		tail[len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
	for (std::size_t i = 0; i < len; i += 64)
		sha1_detail::block(h, tail + i);

	std::array<std::uint8_t, 20> digest;
	for (int i = 0; i < 5; i++) {
		digest[4 * i] = static_cast<std::uint8_t>(h[i] >> 24);
		digest[4 * i + 1] = static_cast<std::uint8_t>(h[i] >> 16);
		digest[4 * i + 2] = static_cast<std::uint8_t>(h[i] >> 8);
		digest[4 * i + 3] = static_cast<std::uint8_t>(h[i]);
	}
	return digest;
}

/* The SHA-1 digest of @msg as 40 lowercase hex digits. */
inline std::string sha1_hex(std::string_view msg)
{
	static constexpr char digits[] = "0123456789abcdef";
	std::string s;
	s.reserve(40);
	for (std::uint8_t byte : sha1(msg)) {
		s.push_back(digits[byte >> 4]);
		s.push_back(digits[byte & 0xf]);
	}
	return s;
}

} // namespace gort_examples
