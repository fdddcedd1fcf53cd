/*
 * tests/consumer/main.cpp - uses gort through its installed package and
 * umbrella header only; exits non-zero if the headers and the library
 * disagree about the version.
 */
#include <gort.h>

#include <cstdio>
#include <string>

int main()
{
	std::string want = std::to_string(GORT_VERSION_MAJOR) + "." +
			   std::to_string(GORT_VERSION_MINOR) + "." +
			   std::to_string(GORT_VERSION_PATCH);
	std::printf("gort %s (headers say %s)\n", gort::version(),
		    want.c_str());
	return want == gort::version() ? 0 : 1;
}
