/*
 * tests/tools/sha1_test.cpp - tools/examples/sha1.h against the FIPS 180
 * SHA-1 test vectors ("abc", the 448-bit message, one million 'a'), the
 * empty message, a well-known short digest, and messages whose lengths
 * sit on either side of the padding boundaries (55 and 56 bytes mod 64:
 * one padding block or two), whose digests come from coreutils' sha1sum.
 */
#include "sha1.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

using gort_examples::sha1;
using gort_examples::sha1_hex;

TEST(sha1, abc)
{
	EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(sha1, empty)
{
	EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(sha1, two_blocks_448_bits)
{
	EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomn"
			   "opnopq"),
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(sha1, million_a)
{
	EXPECT_EQ(sha1_hex(std::string(1000000, 'a')),
		  "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(sha1, one)
{
	EXPECT_EQ(sha1_hex("1"), "356a192b7913b04c54574d18c28d46e6395428ab");
}

TEST(sha1, digest_bytes)
{
	std::array<std::uint8_t, 20> want = {
		0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
		0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
	EXPECT_EQ(sha1("abc"), want);
}

TEST(sha1, padding_boundaries)
{
	struct {
		std::size_t len;
		const char *hex;
	} cases[] = {
		{55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
		{56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
		{63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
		{64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
		{65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
		{119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
		{120, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
		{128, "ad5b3fdbcb526778c2839d2f151ea753995e26a0"},
	};
	for (const auto &c : cases)
		EXPECT_EQ(sha1_hex(std::string(c.len, 'a')), c.hex)
			<< c.len << " bytes";
}

TEST(sha1, binary_bytes)
{
	/* NUL and high bytes count like any other: "\0\xff" vs sha1sum. */
	EXPECT_EQ(sha1_hex(std::string_view("\0\xff", 2)),
		  "aa3e5dcdd77b153f2e59bd0d8794fde33cb4e486");
}
