/*
 * gort/version.h - the library's version, at compile time and at run time.
 */
#pragma once

#define GORT_VERSION_MAJOR 0
#define GORT_VERSION_MINOR 1
#define GORT_VERSION_PATCH 0

namespace gort {

/* "major.minor.patch" of the library actually linked. */
const char *version();

} // namespace gort
