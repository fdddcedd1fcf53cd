/*
 * sync/opaque.h - the runtime state of a public sync type lives in a byte
 * array of the public class (so its header shows no runtime internals);
 * this is the one way to reach it, checking at compile time that the
 * array is large and aligned enough.
 */
#pragma once

#include <cstddef>
#include <new>

namespace gort::detail {

template <typename T, std::size_t N>
T *opaque(unsigned char (&buf)[N])
{
	static_assert(sizeof(T) <= N,
		      "the public class's state array is too small");
	static_assert(alignof(T) <= 8,
		      "the state array is only 8-byte aligned");
	return std::launder(reinterpret_cast<T *>(buf));
}

} // namespace gort::detail
