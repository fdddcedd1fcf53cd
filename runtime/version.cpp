/*
 * runtime/version.cpp - gort::version(): what the linked library says.
 */
#include <gort/version.h>

#define GORT_STR2(x) #x
#define GORT_STR(x) GORT_STR2(x)

namespace gort {

const char *version()
{
	return GORT_STR(GORT_VERSION_MAJOR) "." GORT_STR(
		GORT_VERSION_MINOR) "." GORT_STR(GORT_VERSION_PATCH);
}

} // namespace gort
