/*
 * tests/race_build.h - RACE_BUILD: true in the race-detector build
 * (GORT_SANITIZE=thread).  TSan gives every goroutine a shadow stack of
 * its own mapping, so, like Go's race detector (8,128 goroutines alive
 * at most), it cannot hold 100,000 goroutines at once: the tests that
 * start that many use RACE_LIVE_MAX instead.
 */
#pragma once

#if defined(__SANITIZE_THREAD__)
#define GORT_TEST_RACE_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORT_TEST_RACE_BUILD 1
#endif
#endif

namespace gort_test {

#ifdef GORT_TEST_RACE_BUILD
constexpr bool RACE_BUILD = true;
#else
constexpr bool RACE_BUILD = false;
#endif
constexpr int RACE_LIVE_MAX = 4000;

} // namespace gort_test
