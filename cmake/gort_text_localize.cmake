# Second half of making gort_text.o (CMakeLists.txt; run with cmake -P).
#
# The `ld -r` before this one took gort's COMDAT groups apart
# (--force-group-allocation), so that the code of inline functions and
# template instances (rt_lock's unlock(), std::string's members...) lies
# in gort_text with the rest.  Their symbols are still global, though:
# - weak functions (nm's W): in the final link a copy in one of the
#   program's own objects (a test that includes runtime/lock.h, any user
#   of std::string) could win, and gort's calls would run code in the
#   program's .text, where asynchronous preemption may stop a goroutine.
#   Made local, gort's calls bind to gort's copies; the program keeps its
#   own.
# - unique objects (u: static locals of inline functions, inline
#   variables, template static members): once out of their groups they
#   would clash with the program's copies.  Made weak, every reference in
#   the program binds to one of them, as the groups made sure before.
# Weak objects (V: typeinfo, vtables) are left as they are.
#
# In:  NM, OBJCOPY (the toolchain's), IN (the `ld -r` output), OUT.
cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${NM} --defined-only -P ${IN}
	OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "gort_text: ${NM} failed on ${IN}")
endif()

# `nm -P`: "name type value size", a line each.
function(names_of type out)
	string(REGEX MATCHALL "[^\n]+ ${type} [^\n]*" lines "${syms}")
	set(list "")
	foreach(line IN LISTS lines)
		string(REGEX REPLACE " ${type} .*" "" name "${line}")
		string(APPEND list "${name}\n")
	endforeach()
	file(WRITE ${out} "${list}")
endfunction()
names_of(W ${OUT}.localize)
names_of(u ${OUT}.weaken)

execute_process(COMMAND ${OBJCOPY} --localize-symbols=${OUT}.localize
		--weaken-symbols=${OUT}.weaken ${IN} ${OUT}
	RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "gort_text: ${OBJCOPY} failed on ${IN}")
endif()
