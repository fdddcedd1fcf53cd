/*
 * runtime/symbolize.h - turn a code address into "function+0xoff" and the
 * object it lies in, for goroutine backtraces.
 *
 * The function names come from the ELF symbol table of the object's file
 * (.symtab, else .dynsym), read once per object through a read-only
 * mapping of the file, so a program needs no -rdynamic and no debug
 * information: the symbol table of an unstripped binary is enough.  Names
 * are demangled.  File and line are not looked up (that needs DWARF);
 * the object offset printed beside each frame is what `addr2line -Cfie
 * <object> <offset>` wants.
 *
 * Context: not a signal handler (it opens files, maps them and calls the
 * demangler, which allocates).  The goroutine dump runs on an ordinary
 * thread (sysmon for SIGQUIT) for this reason.  Thread-safe: a lock guards
 * the object cache, whose entries live as long as the process.
 */
#pragma once

#include "runtime/types.h"

namespace gort::rt {

struct symbol {
	char name[256];	    /* demangled, cut to fit; "?" if unknown */
	uptr offset;	    /* pc - start of the function */
	const char *object; /* path of the object file, or "?" */
	uptr object_offset; /* pc - the object's load bias */
	bool found;	    /* a function symbol covers the pc */
};

/* Describe @pc.  Always fills *out (with "?" where nothing is known). */
void symbolize(uptr pc, symbol *out);

} // namespace gort::rt
