/*
 * arch/asm.h - helpers shared by every .S file: symbol declaration with
 * CFI, C linkage names, and the note that keeps the stack non-executable.
 * Each assembly function is framed by FUNC_START/FUNC_END so that gdb,
 * perf and the C++ unwinder see a sized, typed, CFI-described symbol.
 * Assembler syntax, not C++: clang-format must leave it alone.
 */
#pragma once

// clang-format off
#define FUNC_START(name)		\
	.text;				\
	.globl name;			\
	.type name, %function;		\
	.p2align 4;			\
	name:				\
	.cfi_startproc

#define FUNC_END(name)			\
	.cfi_endproc;			\
	.size name, .-name

/* No executable stack for any object that contains our assembly. */
#define GORT_NOEXEC_STACK .section .note.GNU-stack, "", %progbits
// clang-format on
