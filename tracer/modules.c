/* modules.c: what is loaded in this process and the function symbols of
 * each object, so a trace can be symbolized where the binaries do not exist.
 *
 * Modules come from dl_iterate_phdr (runtime range over PT_LOAD, load bias,
 * GNU build-id from the PT_NOTE segments in memory).  Symbols come from a
 * small read-only ELF64 reader over an mmap of the file: .symtab when the
 * file (or its /usr/lib/debug/.build-id companion) has one, else .dynsym.
 * Every offset read from a file is bounds-checked: a truncated or hostile ELF
 * yields -ENOEXEC, never a crash. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "cprof_tp.h"

#define MAX_MODULES 4096
#define MAX_ELF_SIZE (2ull << 30)       /* we map, not read, but stay sane */
#define MAX_SYMBOLS (4u << 20)
#define MAX_TEXT (256u << 20)

struct list {
	struct cprof_module *mods;
	size_t n, cap;
	int err;
};

/* Finds NT_GNU_BUILD_ID in the PT_NOTE segments of a mapped object. */
static void find_build_id(const struct dl_phdr_info *info, struct cprof_module *m)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;
		size_t align;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *) (info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		align = ph->p_align == 8 ? 8 : 4;
		while ((size_t) (end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *) p;
			size_t name_sz = (nh->n_namesz + align - 1) & ~(align - 1);
			size_t desc_sz = (nh->n_descsz + align - 1) & ~(align - 1);
			const char *name = p + sizeof(*nh);
			const uint8_t *desc = (const uint8_t *) name + name_sz;

			if (name_sz > (size_t) (end - name) ||
					desc_sz > (size_t) (end - (const char *) desc))
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
					!memcmp(name, "GNU", 4) && nh->n_descsz &&
					nh->n_descsz <= sizeof(m->build_id)) {
				memcpy(m->build_id, desc, nh->n_descsz);
				m->build_id_len = (uint8_t) nh->n_descsz;
				return;
			}
			p = (const char *) desc + desc_sz;
		}
	}
}

static int add_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct list *l = data;
	struct cprof_module *m;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
	char exe[PATH_MAX];
	const char *path = info->dlpi_name;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (lo >= hi)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct cprof_module *p;

		if (cap > MAX_MODULES)
			return 1;           /* stop iterating: bounded */
		p = realloc(l->mods, cap * sizeof(*p));
		if (!p) {
			l->err = -ENOMEM;
			return 1;
		}
		l->mods = p;
		l->cap = cap;
	}
	m = &l->mods[l->n];
	memset(m, 0, sizeof(*m));
	m->start = lo;
	m->end = hi;
	m->bias = info->dlpi_addr;
	/* The vdso's ELF header is where the auxv says; its name is not a file. */
	if (vdso && (uintptr_t) info->dlpi_phdr >= vdso &&
			(uintptr_t) info->dlpi_phdr < vdso + 4096) {
		m->is_vdso = 1;
		path = "[vdso]";
	} else if (!path || !*path) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		exe[n > 0 ? n : 0] = 0;
		path = exe;
	}
	find_build_id(info, m);
	m->path = strdup(path);
	if (!m->path) {
		l->err = -ENOMEM;
		return 1;
	}
	l->n++;
	return 0;
}

int cprof_modules_list(struct cprof_module **out, size_t *n)
{
	struct list l = { 0 };

	dl_iterate_phdr(add_module, &l);
	if (l.err) {
		cprof_modules_free(l.mods, l.n);
		*out = NULL;
		*n = 0;
		return l.err;
	}
	*out = l.mods;
	*n = l.n;
	return 0;
}

void cprof_modules_free(struct cprof_module *mods, size_t n)
{
	for (size_t i = 0; i < n && mods; i++)
		free(mods[i].path);
	free(mods);
}

void cprof_modules_emit(void)
{
	struct cprof_module *mods;
	size_t n;

	if (cprof_modules_list(&mods, &n)) {
		cprof_internal_error("module list", -ENOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++)
		lttng_ust_tracepoint(cprof, module, mods[i].path, mods[i].start,
				mods[i].end - mods[i].start, mods[i].build_id,
				mods[i].build_id_len);
	cprof_modules_free(mods, n);
}

/* ---- ELF symbol tables -------------------------------------------------- */

struct image {
	const uint8_t *p;   /* mmap of the file, owned */
	size_t size;
};

struct sym {
	uint64_t value, size;
	const char *name;   /* borrowed from the image's string table */
	uint8_t bind;
};

/* p[off, off+len) lies inside the image (overflow-safe). */
static int in_image(const struct image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

static int map_file(const char *path, struct image *im)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t) sizeof(Elf64_Ehdr) ||
			(uint64_t) st.st_size > MAX_ELF_SIZE) {
		close(fd);
		return -ENOEXEC;
	}
	p = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	im->p = p;
	im->size = (size_t) st.st_size;
	return 0;
}

static const Elf64_Shdr *section_headers(const struct image *im, unsigned *count)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *) im->p;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
			eh->e_shentsize != sizeof(Elf64_Shdr) || !eh->e_shnum ||
			!in_image(im, eh->e_shoff, (uint64_t) eh->e_shnum * sizeof(Elf64_Shdr)) ||
			eh->e_shoff % 8)
		return NULL;
	*count = eh->e_shnum;
	return (const Elf64_Shdr *) (im->p + eh->e_shoff);
}

/* Returns the symbol table section of the given type, validated. */
static const Elf64_Shdr *find_symtab(const struct image *im, uint32_t type,
		const Elf64_Shdr **strtab)
{
	unsigned n;
	const Elf64_Shdr *sh = section_headers(im, &n);

	for (unsigned i = 0; sh && i < n; i++) {
		const Elf64_Shdr *s = &sh[i];

		if (s->sh_type != type || s->sh_entsize != sizeof(Elf64_Sym) ||
				!in_image(im, s->sh_offset, s->sh_size) || s->sh_offset % 8 ||
				s->sh_link >= n)
			continue;
		*strtab = &sh[s->sh_link];
		if ((*strtab)->sh_type != SHT_STRTAB ||
				!in_image(im, (*strtab)->sh_offset, (*strtab)->sh_size) ||
				!(*strtab)->sh_size)
			continue;
		return s;
	}
	return NULL;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* at one address prefer a global name, then the fewest underscores */
	if (x->bind != y->bind)
		return x->bind == STB_GLOBAL ? -1 : y->bind == STB_GLOBAL ? 1 : 0;
	return (int) strspn(x->name, "_") - (int) strspn(y->name, "_");
}

static int collect(const struct image *im, const Elf64_Shdr *symtab, const Elf64_Shdr *strtab,
		struct sym **out, size_t *count)
{
	const Elf64_Sym *syms = (const Elf64_Sym *) (im->p + symtab->sh_offset);
	const char *str = (const char *) im->p + strtab->sh_offset;
	size_t n = symtab->sh_size / sizeof(Elf64_Sym), k = 0;
	struct sym *v;

	if (n > MAX_SYMBOLS)
		n = MAX_SYMBOLS;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const Elf64_Sym *s = &syms[i];
		unsigned type = ELF64_ST_TYPE(s->st_info);

		/* functions for stacks; sized data objects so the converter can
		 * name a global mutex or condvar by the symbol that holds it */
		if ((type != STT_FUNC && type != STT_GNU_IFUNC &&
				!(type == STT_OBJECT && s->st_size)) || s->st_shndx == SHN_UNDEF ||
				!s->st_value || s->st_name >= strtab->sh_size)
			continue;
		/* the name must end inside the string table */
		if (!memchr(str + s->st_name, 0, strtab->sh_size - s->st_name))
			continue;
		if (!str[s->st_name] || str[s->st_name] == '@')
			continue;
		v[k++] = (struct sym) { s->st_value, s->st_size, str + s->st_name,
			ELF64_ST_BIND(s->st_info) };
	}
	qsort(v, k, sizeof(*v), sym_cmp);
	*out = v;
	*count = k;
	return 0;
}

static int format_symbols(struct sym *v, size_t n, char **text, size_t *len)
{
	size_t cap = 64 * 1024, used = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t need;

		if (i && v[i].value == v[i - 1].value)
			continue;           /* one name per address, best first */
		need = strlen(v[i].name) + 2 * 20 + 8;
		if (used + need > cap) {
			char *p;

			while (used + need > cap)
				cap *= 2;
			if (cap > MAX_TEXT) {
				free(buf);
				return -EFBIG;
			}
			p = realloc(buf, cap);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
		}
		/* glibc's .symtab spells versions in: "pthread_mutex_lock@@GLIBC_2.2.5" */
		used += (size_t) snprintf(buf + used, cap - used, "0x%llx\t%llu\t%.*s\n",
				(unsigned long long) v[i].value, (unsigned long long) v[i].size,
				(int) strcspn(v[i].name, "@"), v[i].name);
	}
	*text = buf;
	*len = used;
	return 0;
}

/* Debian's -dbgsym packages put full symbol tables under the build-id. */
static int map_debug_file(const struct cprof_module *m, struct image *im)
{
	char path[PATH_MAX];
	int off;

	if (m->build_id_len < 2)
		return -ENOENT;
	off = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", m->build_id[0]);
	for (unsigned i = 1; i < m->build_id_len; i++)
		off += snprintf(path + off, sizeof(path) - (size_t) off, "%02x", m->build_id[i]);
	snprintf(path + off, sizeof(path) - (size_t) off, ".debug");
	return map_file(path, im);
}

int cprof_modules_symbols(const struct cprof_module *m, char **text, size_t *len)
{
	struct image im = { 0 }, dbg = { 0 };
	const Elf64_Shdr *symtab = NULL, *strtab = NULL;
	const struct image *use = &im;
	struct sym *v = NULL;
	size_t n = 0;
	int in_memory = 0, r;

	*text = NULL;
	*len = 0;
	if (m->is_vdso) {
		/* The kernel maps the vdso's whole ELF image; read it in place.
		 * Its section headers lie past PT_LOAD but inside the last
		 * mapped page, so the bound is the page-rounded PT_LOAD end. */
		unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
		uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE);

		if (!ehdr || ehdr < m->start || ehdr >= m->end)
			return -ENOENT;
		im.p = (const uint8_t *) ehdr;
		im.size = (size_t) (((m->end + page - 1) & ~(page - 1)) - ehdr);
		in_memory = 1;
	} else {
		r = map_file(m->path, &im);
		if (r)
			return r;
	}
	if (!section_headers(&im, &(unsigned) { 0 })) {
		r = -ENOEXEC;
		goto end;
	}
	symtab = find_symtab(&im, SHT_SYMTAB, &strtab);
	if (!symtab && !in_memory && !map_debug_file(m, &dbg) && section_headers(&dbg, &(unsigned) { 0 })) {
		symtab = find_symtab(&dbg, SHT_SYMTAB, &strtab);
		if (symtab)
			use = &dbg;
	}
	if (!symtab)
		symtab = find_symtab(&im, SHT_DYNSYM, &strtab);
	if (!symtab) {
		r = -ENOEXEC;
		goto end;
	}
	r = collect(use, symtab, strtab, &v, &n);
	if (!r)
		r = format_symbols(v, n, text, len);
end:
	free(v);
	if (dbg.p)
		munmap((void *) dbg.p, dbg.size);
	if (im.p && !in_memory)
		munmap((void *) im.p, im.size);
	return r;
}
