/*
 * gort/panic.h - how a goroutine panics: a C++ exception of this type,
 * carrying Go's message ("sync: negative WaitGroup counter", ...).  A
 * goroutine may catch it, as Go's recover() does; uncaught, it ends the
 * program with "panic: <message>" and exit status 2.
 */
#pragma once

#include <stdexcept>

namespace gort {

class panic_error : public std::logic_error {
public:
	using std::logic_error::logic_error;
};

} // namespace gort
