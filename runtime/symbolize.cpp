/*
 * runtime/symbolize.cpp - see symbolize.h.
 *
 * Invariants: g_objects[0, g_nobjects) are filled under g_lock and never
 * change or go away once filled (a mapping of a file stays for the
 * process's life; a dlclose'd object's stale entry can only make a name
 * wrong, never a read fault, because the file mapping is ours).  An
 * object is keyed by its load bias and path, as dl_iterate_phdr reports
 * them.
 */
#include "runtime/symbolize.h"

#include "runtime/lock.h"

#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gort::rt {

namespace {

struct elf_object {
	uptr bias;
	char path[256];
	const ElfW(Sym) * syms; /* nullptr: no symbol table found */
	usize nsyms;
	const char *strs;
	usize strs_len;
};

constexpr int MAX_OBJECTS = 64;
rt_lock g_lock;
elf_object g_objects[MAX_OBJECTS];
int g_nobjects;

struct find_arg {
	uptr pc;
	uptr bias;
	const char *name;
	bool found;
};

/* dl_iterate_phdr callback: is arg->pc in one of this object's loaded,
 * executable segments? */
int find_object(struct dl_phdr_info *info, size_t, void *p)
{
	auto a = static_cast<find_arg *>(p);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) &ph = info->dlpi_phdr[i];
		if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0)
			continue;
		uptr lo = info->dlpi_addr + ph.p_vaddr;
		if (a->pc >= lo && a->pc < lo + ph.p_memsz) {
			a->bias = info->dlpi_addr;
			a->name = info->dlpi_name;
			a->found = true;
			return 1;
		}
	}
	return 0;
}

/* Map @path and find its symbol table: .symtab if present (a full,
 * unstripped table), else .dynsym.  Leaves o->syms nullptr on failure. */
void load_symbols(elf_object *o, const char *path)
{
	int fd = ::open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	void *map = MAP_FAILED;
	if (::fstat(fd, &st) == 0 && st.st_size > 0)
		map = ::mmap(nullptr, usize(st.st_size), PROT_READ, MAP_PRIVATE,
			     fd, 0);
	::close(fd);
	if (map == MAP_FAILED)
		return;
	auto base = static_cast<const char *>(map);
	usize size = usize(st.st_size);
	auto eh = reinterpret_cast<const ElfW(Ehdr) *>(base);
	if (size < sizeof(*eh) || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_shentsize != sizeof(ElfW(Shdr)) ||
	    eh->e_shoff + usize(eh->e_shnum) * sizeof(ElfW(Shdr)) > size)
		return; /* the mapping stays: harmless, and rare */
	auto sh = reinterpret_cast<const ElfW(Shdr) *>(base + eh->e_shoff);
	const ElfW(Shdr) *best = nullptr;
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB ||
		    (sh[i].sh_type == SHT_DYNSYM && best == nullptr))
			best = &sh[i];
	}
	if (best == nullptr || best->sh_link >= eh->e_shnum)
		return;
	const ElfW(Shdr) &str = sh[best->sh_link];
	if (best->sh_offset + best->sh_size > size ||
	    str.sh_offset + str.sh_size > size)
		return;
	o->strs = base + str.sh_offset;
	o->strs_len = str.sh_size;
	o->nsyms = best->sh_size / sizeof(ElfW(Sym));
	o->syms = reinterpret_cast<const ElfW(Sym) *>(base + best->sh_offset);
}

/* The cached object for (@bias, @name), loading it if new.  Context:
 * g_lock held. */
elf_object *object_for(uptr bias, const char *name)
{
	/* The main program has an empty name. */
	const char *path = name != nullptr && name[0] != '\0' ? name : nullptr;
	for (int i = 0; i < g_nobjects; i++) {
		elf_object *o = &g_objects[i];
		if (o->bias == bias &&
		    (path == nullptr || std::strcmp(o->path, path) == 0))
			return o;
	}
	if (g_nobjects == MAX_OBJECTS)
		return nullptr;
	elf_object *o = &g_objects[g_nobjects++];
	*o = elf_object{};
	o->bias = bias;
	if (path != nullptr) {
		std::strncpy(o->path, path, sizeof(o->path) - 1);
		load_symbols(o, path);
	} else {
		ssize_t n = ::readlink("/proc/self/exe", o->path,
				       sizeof(o->path) - 1);
		o->path[n > 0 ? n : 0] = '\0';
		load_symbols(o, "/proc/self/exe");
	}
	if (o->path[0] == '\0')
		std::strcpy(o->path, "?");
	return o;
}

/* The function symbol covering @addr (an address in the object's own
 * terms, bias removed), or nullptr.  A linear scan: dumps are rare, and a
 * sorted copy would cost memory for every object ever symbolized. */
const ElfW(Sym) * lookup(const elf_object *o, uptr addr)
{
	const ElfW(Sym) *best = nullptr;
	for (usize i = 0; i < o->nsyms; i++) {
		const ElfW(Sym) &s = o->syms[i];
		unsigned type = ELF64_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    s.st_shndx == SHN_UNDEF || s.st_name >= o->strs_len)
			continue;
		if (addr >= s.st_value && addr < s.st_value + s.st_size)
			return &o->syms[i];
		/* Assembly without .size: the nearest start below. */
		if (s.st_size == 0 && addr >= s.st_value &&
		    (best == nullptr || s.st_value > best->st_value))
			best = &o->syms[i];
	}
	return best;
}

void copy_name(char *dst, usize cap, const char *src)
{
	usize n = std::strlen(src);
	if (n < cap) {
		std::memcpy(dst, src, n + 1);
		return;
	}
	std::memcpy(dst, src, cap - 4);
	std::memcpy(dst + cap - 4, "...", 4);
}

} // namespace

void symbolize(uptr pc, symbol *out)
{
	out->name[0] = '?';
	out->name[1] = '\0';
	out->offset = 0;
	out->object = "?";
	out->object_offset = pc;
	out->found = false;

	find_arg a{pc, 0, nullptr, false};
	dl_iterate_phdr(find_object, &a);
	if (!a.found)
		return;
	lock(&g_lock);
	elf_object *o = object_for(a.bias, a.name);
	unlock(&g_lock);
	if (o == nullptr)
		return;
	out->object = o->path;
	out->object_offset = pc - a.bias;
	if (o->syms == nullptr)
		return;
	const ElfW(Sym) *s = lookup(o, pc - a.bias);
	if (s == nullptr)
		return;
	const char *mangled = o->strs + s->st_name;
	int status = -1;
	char *demangled =
		abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
	copy_name(out->name, sizeof(out->name),
		  status == 0 && demangled != nullptr ? demangled : mangled);
	std::free(demangled);
	out->offset = pc - a.bias - s->st_value;
	out->found = true;
}

} // namespace gort::rt
