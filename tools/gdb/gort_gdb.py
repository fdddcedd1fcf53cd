# tools/gdb/gort_gdb.py - gdb support for programs built with gort: list
# the goroutines, and run a gdb command (a backtrace, most often) inside
# any one of them, as Go's runtime-gdb.py does for Go programs.
#
# Load it by hand:
#     (gdb) source /path/to/gort/tools/gdb/gort_gdb.py
# or, installed (share/gort/gdb/gort_gdb.py), from ~/.gdbinit.
#
# Commands:
#     info goroutines         one line per live goroutine: "*" if it runs
#                             on the selected thread, id, status, the wait
#                             reason of a waiting one, and where it is
#     goroutine N CMD         run the gdb command CMD inside goroutine N
#                             (N may be an expression: "goroutine g_id bt")
#     goroutine all CMD       the same in every live goroutine
#
# How it finds the goroutines: a goroutine that has not run yet is in a
# spawn G, made in chunks listed at gort::rt::g_chunks
# (runtime/spawn_pool.cpp); one that has run is in the G at the top of
# its stack, and every stack slot is in an arena listed at
# gort::rt::g_arenas (runtime/stack.cpp).  The dead and idle Gs are
# skipped.  Which
# thread runs which G comes from the M list, gort::rt::sched.allm: an M
# runs m::curg, or has m::syscallg in a blocking call, on the kernel
# thread m::tid, which is the LWP of the gdb thread.
#
# How "goroutine N CMD" works: a goroutine that is not on a thread
# (waiting or runnable) is off its stack, and its callee-saved registers,
# stack pointer and resume address are in g::f.ctx (arch/<cpu>/
# arch_context.h).
# - In a live process (or a remote one: gdbserver, qemu-user's -g), the
#   selected thread's innermost frame borrows those registers for the
#   length of CMD and gets its own back afterwards, exactly, even if CMD
#   fails: frame #0 is then where the goroutine parked.  Commands that would let the program run (continue, step,
#   finish, ...) are refused meanwhile, since the thread would run with
#   the goroutine's registers.
# - A core file's registers cannot be written.  There a Python unwinder
#   makes the goroutine's context the caller of the selected thread's
#   innermost frame: the goroutine's frames are #1 and up, "bt" hides
#   #0, and frame #1 is selected while CMD runs (so "info locals" and
#   "frame" show the goroutine's).
# A goroutine on a thread (running, or in a system call) has a stale saved
# context; CMD runs on that thread instead, when gdb knows it.
#
# Limits: needs the program's debug information (the G, M and sched
# types); in non-stop mode the selected thread must be stopped; a G caught
# half-way through a switch (its status already changed, its registers not
# yet saved) shows a stale context.  Register values a frame keeps in
# callee-saved FP registers (AArch64 d8-d15) are not borrowed.
#
# The layout: gort's structures first, then one class per architecture
# (the only architecture-dependent part), then the two ways of borrowing
# a context, then the commands.

import itertools
import struct

import gdb

try:
    import gdb.unwinder
except ImportError:  # gdb without Python unwinders: no core-file mode
    gdb.unwinder = None

NS = "gort::rt::"


def _err(msg):
    return gdb.GdbError("gort: " + msg)


# --- reading gort's structures -----------------------------------------------


def atomic_load(v):
    """The value inside a std::atomic<T> lvalue, whatever the C++ library."""
    # libstdc++: _M_i (integers, enums, bool's _M_base), _M_b._M_p
    # (pointers); libc++: __a_.__a_value.  Else the value lies at the
    # atomic's own address.
    paths = (
        ("_M_i",),
        ("_M_base", "_M_i"),
        ("_M_b", "_M_p"),
        ("__a_", "__a_value"),
    )
    for path in paths:
        try:
            x = v
            for name in path:
                x = x[name]
            return x
        except gdb.error:
            pass
    t = v.type.strip_typedefs()
    return v.address.cast(t.template_argument(0).pointer()).dereference()


def _lookup_value(names):
    for name in names:
        try:
            return gdb.parse_and_eval(name)
        except gdb.error:
            pass
    return None


class Layout:
    """Types and field offsets of gort's structures, read once per objfile
    set from the debug information."""

    def __init__(self):
        try:
            self.g_type = gdb.lookup_type(NS + "g")
            status_enum = gdb.lookup_type(NS + "gstatus")
        except gdb.error:
            raise _err(
                "no gort types (gort::rt::g) in this program: is it built "
                "with gort and with debug information (-g)?"
            )
        self.g_size = self.g_type.sizeof
        fields = {f.name: f for f in self.g_type.fields()}
        self.off_status = fields["status"].bitpos // 8
        self.status_size = fields["status"].type.sizeof
        self.ptr_size = fields["curm"].type.sizeof
        self.status_names = {}
        for f in status_enum.fields():
            self.status_names[f.enumval] = f.name.split("::")[-1]
        self.dead = [
            k for k, n in self.status_names.items() if n in ("dead", "idle")
        ]
        endian = gdb.execute("show endian", to_string=True)
        order = ">" if "big endian" in endian else "<"
        sizes = {1: "B", 2: "H", 4: "I", 8: "Q"}
        self.status_fmt = order + sizes[self.status_size]
        self.ptr_fmt = order + sizes[self.ptr_size]


_layout = None
_fresh_pc = None


def layout():
    global _layout
    if _layout is None:
        _layout = Layout()
    return _layout


def _forget_layout(_event=None):
    global _layout, _fresh_pc
    _layout = None
    _fresh_pc = None


gdb.events.new_objfile.connect(_forget_layout)
if hasattr(gdb.events, "clear_objfiles"):
    gdb.events.clear_objfiles.connect(_forget_layout)


class Goroutine:
    """One live G: what the listing and the goroutine command need."""

    def __init__(self, lay, addr):
        self.addr = addr
        self.v = gdb.Value(addr).cast(lay.g_type.pointer()).dereference()
        self.goid = int(self.v["goid"])
        st = int(atomic_load(self.v["status"]))
        self.status = lay.status_names.get(st, "status %d" % st)
        self.reason = None
        if self.status == "waiting":
            wr = self.v["waitreason"]
            if int(wr) != 0:
                try:
                    self.reason = wr.string()
                except (gdb.error, gdb.MemoryError, UnicodeDecodeError):
                    self.reason = "?"
        self.is_main = bool(self.v["is_main"])
        self.ctx = self.v["f"]["ctx"]
        # A goroutine that has not run yet may have no stack, and then no
        # context either: only the function it will run (start_fn).
        self.start_fn = None
        if int(self.v["f"]["stk"]) == 0 and not self.on_thread():
            self.start_fn = int(self.v["start_fn"])
        self.m = None  # the M running it, from the M list
        self.tid = 0
        self.thread = None  # the gdb thread with that LWP

    def on_thread(self):
        return self.status in ("running", "syscall")

    def doing(self):
        return "running" if self.status == "running" else "in a system call"


def _list(head, link):
    """The nodes of a singly linked list of pointers, from @head."""
    seen = set()
    node = atomic_load_or_value(head)
    while node is not None and int(node) != 0 and int(node) not in seen:
        seen.add(int(node))
        yield node.dereference()
        node = node.dereference()[link]


def g_addresses(lay, inf):
    """Where every G that may hold a goroutine lies: the spawn Gs of each
    chunk (gort::rt::g_chunks, runtime/spawn_pool.cpp), then the G at the
    top of every stack slot (gort::rt::g_arenas, runtime/stack.cpp: a
    running goroutine's G sits at its stack's hi)."""
    chunks = _lookup_value([NS + "g_chunks"])
    arenas = _lookup_value([NS + "g_arenas"])
    if chunks is None or arenas is None:
        raise _err("cannot find the G structs (gort::rt::g_chunks, "
                   "gort::rt::g_arenas)")
    for c in _list(chunks, "next"):
        base = int(c["gs"])
        for i in range(int(c["ngroups"]) * 64):
            yield base + i * lay.g_size
    for a in _list(arenas, "next"):
        slots = a["slots"]
        for i in range(int(a["count"])):
            yield int(slots[i]["hi"])


def g_live(lay, inf, addr):
    """Whether the G at @addr holds a goroutine (not dead, not idle)."""
    try:
        buf = inf.read_memory(addr + lay.off_status, lay.status_size)
    except gdb.MemoryError:
        return False
    (st,) = struct.unpack_from(lay.status_fmt, buf, 0)
    return st not in lay.dead


def goroutines():
    """The live goroutines, by id, with the threads that run them."""
    lay = layout()
    running = _lookup_value([NS + "sched.running"])
    if running is None:
        raise _err("no gort::rt::sched in this program: "
                   "is it built with gort?")
    if not bool(atomic_load(running)):
        raise _err("the runtime is not running (run() has not begun, "
                   "or has returned)")
    inf = gdb.selected_inferior()
    addrs = [a for a in g_addresses(lay, inf) if g_live(lay, inf, a)]
    gs = [Goroutine(lay, a) for a in addrs]
    by_addr = {g.addr: g for g in gs}

    # Who runs where: each M's running G, or its G in a blocking call.
    threads = {}
    for t in inf.threads():
        threads[t.ptid[1]] = t
    mp = atomic_load_or_value(_lookup_value([NS + "sched.allm"]))
    count = 0
    while mp is not None and int(mp) != 0 and count < 1000000:
        m = mp.dereference()
        for field in ("curg", "syscallg"):
            g = by_addr.get(int(m[field]))
            if g is not None and g.on_thread():
                g.m = m
                g.tid = int(m["tid"])
                g.thread = threads.get(g.tid)
        mp = m["alllink"]
        count += 1
    gs.sort(key=lambda g: g.goid)
    return gs


def atomic_load_or_value(v):
    if v is None:
        return None
    if v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
        return v
    return atomic_load(v)


def find_goroutine(gs, goid):
    for g in gs:
        if g.goid == goid:
            return g
    raise _err("no live goroutine %d" % goid)


# --- where a pc is -----------------------------------------------------------


def fresh_context_pc():
    """Where a context that has never run resumes (gort_arch_start)."""
    global _fresh_pc
    if _fresh_pc is None:
        try:
            v = gdb.parse_and_eval("(unsigned long)&gort_arch_start")
            _fresh_pc = int(v)
        except gdb.error:
            _fresh_pc = 0
    return _fresh_pc


def short_name(name):
    """A C++ function's name without its parameter list."""
    s = name[:-6] if name.endswith(" const") else name
    if not s.endswith(")"):
        return name
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        if s[i] == ")":
            depth += 1
        elif s[i] == "(":
            depth -= 1
            if depth == 0:
                return s[:i] if i > 0 else name
    return name


def describe_pc(pc, return_address):
    """"0x... in function at file:line" for a pc.  A saved context's pc is a
    return address: the call it returns from is looked up, at pc - 1."""
    at = pc - 1 if return_address and pc != fresh_context_pc() else pc
    name = None
    try:
        block = gdb.block_for_pc(at)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None:
        name = short_name(block.function.print_name)
    else:
        try:
            out = gdb.execute("info symbol 0x%x" % at, to_string=True)
            if not out.startswith("No symbol"):
                name = out.split(" in section ")[0].strip()
                if at != pc and name.endswith(" + 0"):
                    name = name[:-4]
        except gdb.error:
            pass
    s = "0x%016x in %s" % (pc, name or "??")
    sal = gdb.find_pc_line(at)
    if sal.symtab is not None and sal.line:
        s += " at %s:%d" % (sal.symtab.filename, sal.line)
    return s


# --- the architectures -------------------------------------------------------


class Arch:
    """What differs between processors: which registers a saved context
    holds (arch/<cpu>/arch_context.h), by gdb's names."""

    name = None
    gdb_names = ()
    pc_reg = "pc"
    # Saved and put back around a borrow, though never set: the kernel's
    # record of an interrupted system call, which gdb may reset when the
    # pc is written.
    preserve = ()

    def context_regs(self, ctx):
        """(register, value) pairs to load, in order; pc last."""
        raise NotImplementedError

    def context_sp(self, ctx):
        return int(ctx["sp"])

    def context_pc(self, ctx):
        raise NotImplementedError


class X86_64(Arch):
    name = "x86-64"
    gdb_names = ("i386:x86-64",)
    pc_reg = "rip"
    preserve = ("orig_rax",)

    def context_regs(self, ctx):
        regs = [("rsp", ctx["sp"]), ("rbp", ctx["rbp"]), ("rbx", ctx["rbx"])]
        regs += [("r%d" % n, ctx["r%d" % n]) for n in (12, 13, 14, 15)]
        regs.append(("rip", ctx["pc"]))
        return regs

    def context_pc(self, ctx):
        return int(ctx["pc"])


class AArch64(Arch):
    name = "AArch64"
    gdb_names = ("aarch64",)
    pc_reg = "pc"

    def context_regs(self, ctx):
        x = ctx["x19_x28"]
        regs = [("x%d" % (19 + i), x[i]) for i in range(10)]
        regs += [("x29", ctx["fp"]), ("x30", ctx["lr"]), ("sp", ctx["sp"])]
        regs.append(("pc", ctx["lr"]))
        return regs

    def context_pc(self, ctx):
        return int(ctx["lr"])


ARCHES = (X86_64(), AArch64())


def current_arch():
    try:
        name = gdb.selected_inferior().architecture().name()
    except (gdb.error, AttributeError):
        name = gdb.execute("show architecture", to_string=True)
    for a in ARCHES:
        for n in a.gdb_names:
            if n in name:
                return a
    raise _err("no support for architecture %s in gort_gdb.py" % name)


# --- borrowing a context -----------------------------------------------------


class KeepSelection:
    """Put the selected thread and frame back on leaving."""

    def __enter__(self):
        self.thread = gdb.selected_thread()
        try:
            self.level = gdb.selected_frame().level()
        except gdb.error:
            self.level = None
        return self

    def __exit__(self, *exc):
        if self.thread is None or not self.thread.is_valid():
            return False
        if gdb.selected_thread() != self.thread:
            self.thread.switch()
        if self.level is not None:
            select_level(self.level)
        return False


def select_level(level):
    try:
        f = gdb.newest_frame()
        for _ in range(level):
            older = f.older()
            if older is None:
                break
            f = older
        f.select()
    except gdb.error:
        pass


def read_reg(frame, name):
    v = frame.read_register(name)
    return int(v.cast(gdb.lookup_type("long")))


def write_reg(name, value):
    gdb.execute("set $%s = %d" % (name, value), to_string=True)


# The first word of commands that would let the program run.
RESUMING = frozenset(
    """c cont continue fg s step n next si stepi ni nexti fin finish u until
    adv advance j jump r run start starti signal queue-signal return
    reverse-continue rc reverse-step rs reverse-next rn
    reverse-finish""".split()
)


def _is_core():
    try:
        conn = gdb.selected_inferior().connection
        return conn is not None and conn.type == "core"
    except AttributeError:
        return False


def run_with_registers(arch, g, command, from_tty):
    """Live process: the selected thread's frame #0 takes g's registers for
    the length of command."""
    thread = gdb.selected_thread()
    if thread is None:
        raise _err("no thread selected: is the program running?")
    if thread.is_running():
        raise _err("the selected thread is running; interrupt it first")
    word = command.split(None, 1)[0] if command.strip() else ""
    if word in RESUMING:
        raise _err("'%s' would run the program with goroutine %d's registers "
                   "on thread %d; refused" % (word, g.goid, thread.num))
    regs = arch.context_regs(g.ctx)
    with KeepSelection():
        gdb.newest_frame().select()
        frame0 = gdb.newest_frame()
        names = [n for n, _ in regs] + list(arch.preserve)
        saved = []
        for n in names:
            try:
                saved.append((n, read_reg(frame0, n)))
            except (gdb.error, ValueError):
                if n not in arch.preserve:
                    raise
        try:
            for n, v in regs:
                write_reg(n, int(v))
            gdb.execute(command, from_tty)
        finally:
            restore_registers(thread, saved)


def restore_registers(thread, saved):
    """Give the thread its own registers back: every one that differs,
    the pc before the preserved ones (writing the pc may reset them)."""
    if not thread.is_valid():
        return
    if gdb.selected_thread() != thread:
        thread.switch()
    failed = []
    for n, v in saved:
        try:
            if read_reg(gdb.newest_frame(), n) != v:
                write_reg(n, v)
        except gdb.error as e:
            failed.append("%s (%s)" % (n, e))
    if failed:
        raise _err("could not restore thread %d's registers: %s"
                   % (thread.num, ", ".join(failed)))


class _FrameId:
    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


class _Overlay:
    """Core files: while active, the selected thread's frame #0 unwinds
    into a goroutine's saved context."""

    def __init__(self):
        self.thread_num = None
        self.arch = None
        self.regs = None
        self.sp = 0

    def active(self):
        return self.regs is not None


overlay = _Overlay()

if gdb.unwinder is not None:

    class ContextUnwinder(gdb.unwinder.Unwinder):
        def __init__(self):
            super().__init__("gort goroutine context")

        def __call__(self, pending_frame):
            if not overlay.active() or pending_frame.level() != 0:
                return None
            t = gdb.selected_thread()
            if t is None or t.num != overlay.thread_num:
                return None
            arch = overlay.arch
            pc = pending_frame.read_register(arch.pc_reg)
            # Frame #0's id takes the goroutine's sp, so that the frames
            # above it (on another stack) are never "inner" to it.
            sp = gdb.Value(overlay.sp).cast(gdb.lookup_type("unsigned long"))
            info = pending_frame.create_unwind_info(_FrameId(sp, pc))
            for name, value in overlay.regs:
                rtype = pending_frame.read_register(name).type
                info.add_saved_register(name, value.cast(rtype))
            return info

    gdb.unwinder.register_unwinder(None, ContextUnwinder(), replace=True)


class HideThreadFrame:
    """Core files: bt inside a goroutine leaves out frame #0 (the
    selected thread's own).  Registered only while a command runs in the
    overlay: any frame filter makes gdb print every backtrace through
    Python, which shows function names differently."""

    name = "gort-goroutine-frames"

    def __init__(self):
        self.priority = 100
        self.enabled = True

    def filter(self, frames):
        if overlay.active():
            return itertools.islice(frames, 1, None)
        return frames


def run_with_overlay(arch, g, command, from_tty):
    if gdb.unwinder is None:
        raise _err("this gdb has no Python unwinders: cannot show a parked "
                   "goroutine in a core file")
    thread = gdb.selected_thread()
    if thread is None:
        raise _err("no thread selected")
    with KeepSelection():
        overlay.thread_num = thread.num
        overlay.arch = arch
        overlay.sp = arch.context_sp(g.ctx)
        overlay.regs = arch.context_regs(g.ctx)
        gdb.invalidate_cached_frames()
        gdb.frame_filters[HideThreadFrame.name] = HideThreadFrame()
        try:
            f = gdb.newest_frame().older()
            if f is not None:
                f.select()
            gdb.execute(command, from_tty)
        finally:
            overlay.regs = None
            gdb.frame_filters.pop(HideThreadFrame.name, None)
            gdb.invalidate_cached_frames()


def run_on_thread(g, command, from_tty):
    with KeepSelection():
        g.thread.switch()
        gdb.execute(command, from_tty)


def run_in_goroutine(arch, g, command, from_tty):
    if g.start_fn is not None:
        raise _err("goroutine %d has not started; it will run %s"
                   % (g.goid, describe_pc(g.start_fn, False)))
    if g.on_thread():
        if g.thread is None:
            where = "LWP %d" % g.tid if g.tid else "a thread gdb does not know"
            raise _err("goroutine %d is %s on %s; its saved context is stale"
                       % (g.goid, g.doing(), where))
        gdb.write("goroutine %d is %s on thread %d (LWP %d):\n"
                  % (g.goid, g.doing(), g.thread.num, g.tid))
        run_on_thread(g, command, from_tty)
    elif _is_core():
        run_with_overlay(arch, g, command, from_tty)
    else:
        run_with_registers(arch, g, command, from_tty)


# --- the commands ------------------------------------------------------------


def thread_where(thread):
    """Where a thread is: its innermost frame."""
    with KeepSelection():
        thread.switch()
        try:
            return describe_pc(gdb.newest_frame().pc(), False)
        except gdb.error as e:
            return "(%s)" % e


class InfoGoroutines(gdb.Command):
    """List the live goroutines of a gort program.

One line each: "*" for the one running on the selected thread, its id, its
status (running, runnable, waiting, syscall), the wait reason of a waiting
one, and where it is: for a goroutine on a thread, that thread and its
innermost frame; for the others, the saved context's resume address."""

    def __init__(self):
        super().__init__("info goroutines", gdb.COMMAND_STACK,
                         gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        gs = goroutines()
        selected = gdb.selected_thread()
        arch = current_arch()
        rows = []
        for g in gs:
            here = g.thread is not None and g.thread == selected
            mark = "*" if here else " "
            if g.on_thread():
                if g.thread is not None:
                    where = "thread %d (LWP %d), %s" % (
                        g.thread.num, g.tid, thread_where(g.thread))
                elif g.tid:
                    where = "LWP %d, not known to gdb" % g.tid
                else:
                    where = "on no M that gdb can see"
            elif g.start_fn is not None:
                where = "not started, will run " + describe_pc(
                    g.start_fn, False)
            else:
                where = describe_pc(arch.context_pc(g.ctx), True)
            rows.append((mark, str(g.goid), g.status, g.reason or "", where))
        wid = max([len(r[1]) for r in rows] + [2])
        wst = max([len(r[2]) for r in rows] + [6])
        wre = max([len(r[3]) for r in rows] + [11])
        fmt = "%%s %%-%ds  %%-%ds  %%-%ds  %%s\n" % (wid, wst, wre)
        gdb.write(fmt % (" ", "Id", "Status", "Wait reason", "Where"))
        for r in rows:
            gdb.write(fmt % r)


class GoroutineCommand(gdb.Command):
    """Run a gdb command inside a goroutine: goroutine N CMD, or
goroutine all CMD for every live goroutine.

N is a goroutine id, or an expression that gives one.  Examples:
    goroutine 7 bt
    goroutine 7 bt full
    goroutine all bt
A goroutine that is not on a thread is shown from its saved context: in a
live process the selected thread borrows its registers while CMD runs
(commands that resume the program are refused); in a core file its
frames are #1 and up.  For a goroutine on a thread, CMD runs on that
thread."""

    def __init__(self):
        super().__init__("goroutine", gdb.COMMAND_STACK, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        parts = arg.split(None, 1)
        if len(parts) != 2:
            raise _err("usage: goroutine <id>|all <gdb command>")
        which, command = parts
        gs = goroutines()
        arch = current_arch()
        if which == "all":
            for g in gs:
                head = g.reason if g.reason else g.status
                gdb.write("\ngoroutine %d [%s]:\n" % (g.goid, head))
                try:
                    run_in_goroutine(arch, g, command, from_tty)
                except (gdb.error, gdb.GdbError) as e:
                    gdb.write("%s\n" % e)
            return
        try:
            goid = int(gdb.parse_and_eval(which))
        except gdb.error as e:
            raise _err("bad goroutine id '%s': %s" % (which, e))
        try:
            run_in_goroutine(arch, find_goroutine(gs, goid), command, from_tty)
        except gdb.error as e:
            # The command's own error, reported as gdb would have (the
            # registers are back by now).
            raise gdb.GdbError(str(e))


InfoGoroutines()
GoroutineCommand()
