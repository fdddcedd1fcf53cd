/*
 * runtime/traceback.cpp - see traceback.h.
 */
#include "runtime/traceback.h"

#include "runtime/fiber.h"
#include "runtime/symbolize.h"

#include <unwind.h>

extern "C" void gort_arch_start();
extern "C" char __start_gort_text[];
extern "C" char __stop_gort_text[];

namespace gort::rt {

static bool in_runtime(uptr pc)
{
	return pc >= reinterpret_cast<uptr>(__start_gort_text) &&
	       pc < reinterpret_cast<uptr>(__stop_gort_text);
}

/* Follow frame records from @fp, appending return addresses.  Not seen
 * by ASan: the goroutine may run again while it is walked, and its new
 * frames' redzones would be reported as overflows of this read. */
__attribute__((no_sanitize("address"))) static void walk(uptr fp, uptr lo,
							 uptr hi, traceback *tb)
{
	while (fp >= lo && fp + 2 * sizeof(uptr) <= hi &&
	       fp % sizeof(uptr) == 0) {
		auto rec = reinterpret_cast<const uptr *>(fp);
		uptr next = rec[0], ret = rec[1];
#if defined(__aarch64__)
		/* Pointer authentication (pac-ret) signs the saved lr in
		 * the bits above the 48-bit user address space. */
		ret &= (uptr{1} << 48) - 1;
#endif
		if (ret == 0)
			return;
		if (tb->n == TRACEBACK_MAX) {
			tb->elided = true;
			return;
		}
		tb->pc[tb->n++] = ret;
		if (next <= fp)
			return;
		fp = next;
	}
}

void traceback_entry(void (*fn)(void *), traceback *tb)
{
	tb->n = 0;
	tb->elided = false;
	tb->pc[tb->n++] = reinterpret_cast<uptr>(fn);
	tb->entry_first = true;
}

void traceback_saved(const fiber *f, traceback *tb)
{
	tb->n = 0;
	tb->elided = false;
	tb->entry_first = false;
	const stack *stk = f->stk;
	if (stk == nullptr)
		return;
	uptr pc = uptr(arch_context_pc(&f->ctx));
	if (pc == reinterpret_cast<uptr>(&gort_arch_start)) {
		traceback_entry(f->fn, tb);
		return;
	}
	tb->pc[tb->n++] = pc;
	walk(uptr(arch_context_fp(&f->ctx)), stk->lo, stk->hi, tb);
}

static _Unwind_Reason_Code unwind_step(struct _Unwind_Context *ctx, void *p)
{
	auto tb = static_cast<traceback *>(p);
	uptr pc = _Unwind_GetIP(ctx);
	if (pc == 0)
		return _URC_END_OF_STACK;
	if (tb->n == TRACEBACK_MAX) {
		tb->elided = true;
		return _URC_END_OF_STACK;
	}
	tb->pc[tb->n++] = pc;
	return _URC_NO_REASON;
}

__attribute__((noinline)) void traceback_here(traceback *tb)
{
	tb->n = 0;
	tb->elided = false;
	tb->entry_first = false;
	_Unwind_Backtrace(unwind_step, tb);
	traceback_drop(tb, 1); /* the first entry is this function */
}

void traceback_drop(traceback *tb, int n)
{
	if (n > tb->n)
		n = tb->n;
	for (int i = n; i < tb->n; i++)
		tb->pc[i - n] = tb->pc[i];
	tb->n -= n;
}

u64 traceback_hash(const traceback *tb)
{
	u64 h = 0xcbf29ce484222325ull; /* FNV-1a over the pcs */
	for (int i = 0; i < tb->n; i++) {
		if (in_runtime(tb->pc[i]))
			continue;
		h ^= tb->pc[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (tb->elided ? 1ull << 63 : 0);
}

static void print_frame(print_buf &b, uptr pc, bool is_return_address)
{
	symbol s;
	/* A return address may lie past the end of a call's function (a
	 * noreturn call ends it): look up the call instruction instead. */
	symbolize(is_return_address ? pc - 1 : pc, &s);
	if (is_return_address)
		s.offset++;
	b.str(s.name);
	if (s.found)
		b.str("+").hex(s.offset);
	b.str("\n\t").str(s.object).str(" +").hex(s.object_offset).str("\n");
	b.flush();
}

void print_traceback(print_buf &b, const traceback *tb)
{
	/* pc[0] of a saved context is a return address too: the switch was
	 * a call. */
	for (int i = 0; i < tb->n; i++)
		print_frame(b, tb->pc[i], i > 0 || !tb->entry_first);
	if (tb->elided)
		b.str("...additional frames elided...\n");
}

void print_created_by(print_buf &b, uptr gopc, u64 parent_goid)
{
	if (parent_goid == 0)
		return;
	b.str("created by ");
	if (gopc == 0) {
		b.str("goroutine ").u64v(parent_goid).str("\n");
		return;
	}
	symbol s;
	symbolize(gopc - 1, &s);
	b.str(s.name);
	if (s.found)
		b.str("+").hex(s.offset + 1);
	b.str(" in goroutine ").u64v(parent_goid);
	b.str("\n\t").str(s.object).str(" +").hex(s.object_offset + 1);
	b.str("\n");
}

} // namespace gort::rt
