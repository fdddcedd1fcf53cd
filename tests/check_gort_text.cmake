# A test (tests/CMakeLists.txt; run with cmake -P): gort's code makes no
# direct call or jump into the program's .text.  Asynchronous preemption
# may stop a goroutine anywhere in .text and nowhere in gort_text, so code
# that gort runs with its own state half-changed (rt_lock's unlock(), an
# atomic operation, the park path) must lie in gort_text.  Two ways it did
# not: AArch64's libgcc atomic helpers (__aarch64_cas4_acq...) and copies
# of inline functions that the final link took from the program's objects
# (HACKING.md, "Preemption").  Indirect calls (the goroutine's function, a
# channel's element moves) are the program's code and are not looked at.
#
# In: OBJDUMP (the toolchain's); BINARIES, dynamically linked programs
# separated by "|" (a static one holds libc in its .text and is never
# preempted).
cmake_minimum_required(VERSION 3.25)

# Direct branches with a target: x86-64 call, jmp, jcc; AArch64 bl, b,
# b.cond, cbz/cbnz, tbz/tbnz.  (adr/adrp only take an address.)
set(branch "\t(call|jmp|j[a-z]+|bl|b|b\\.[a-z]+|cbn?z|tbn?z)[ \t]+([^\t]*, *)?([0-9a-f]+) <")

function(check binary)
	execute_process(COMMAND ${OBJDUMP} -h ${binary}
		OUTPUT_VARIABLE headers RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${OBJDUMP} -h ${binary} failed")
	endif()
	# "  14 .text  0003dbae  000000000000af70  ..."
	if(NOT headers MATCHES "\n *[0-9]+ \\.text +([0-9a-f]+) +([0-9a-f]+)")
		message(FATAL_ERROR "${binary}: no .text section")
	endif()
	math(EXPR hi "0x${CMAKE_MATCH_2} + 0x${CMAKE_MATCH_1}")
	math(EXPR lo "0x${CMAKE_MATCH_2}")
	get_filename_component(name ${binary} NAME)
	if(NOT headers MATCHES "\n *[0-9]+ gort_text ")
		message(STATUS "${name}: none of gort's code linked in")
		return()
	endif()
	set(dis ${CMAKE_CURRENT_BINARY_DIR}/${name}.gort_text.dis)
	execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn -j gort_text
			${binary}
		OUTPUT_FILE ${dis} RESULT_VARIABLE rc)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "${OBJDUMP} -d ${binary} failed")
	endif()
	file(STRINGS ${dis} lines REGEX "${branch}")
	file(REMOVE ${dis})
	set(bad "")
	foreach(line IN LISTS lines)
		string(REGEX MATCH "${branch}" m "${line}")
		math(EXPR target "0x${CMAKE_MATCH_3}")
		if(target GREATER_EQUAL lo AND target LESS hi)
			string(APPEND bad "\n  ${line}")
		endif()
	endforeach()
	list(LENGTH lines n)
	if(bad)
		message(SEND_ERROR "${name}: gort_text branches into .text:${bad}")
	else()
		message(STATUS "${name}: ${n} direct branches, none into .text")
	endif()
endfunction()

string(REPLACE "|" ";" binaries "${BINARIES}")
if(NOT binaries)
	message(FATAL_ERROR "no BINARIES to check")
endif()
foreach(b IN LISTS binaries)
	check(${b})
endforeach()
