/*
 * runtime/types.h - fixed-width names and attribute macros used by every
 * runtime file.  Only freestanding headers here: this file is included
 * from code that runs on a goroutine's small stack and in signal handlers.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace gort::rt {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i32 = std::int32_t;
using i64 = std::int64_t;
using uptr = std::uintptr_t;
using usize = std::size_t;

} // namespace gort::rt

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define GORT_NOINLINE __attribute__((noinline))
#define GORT_ALWAYS_INLINE inline __attribute__((always_inline))
#define GORT_NORETURN [[noreturn]]
#define GORT_CACHE_LINE 64
