/* elf_fuzz: the module list and the ELF symbol reader of tracer/modules.c,
 * then thousands of corrupted and truncated copies of an ELF file, which
 * must all be refused or read without a crash.  TAP output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>

#include "internal.h"

#define ITERATIONS 1500

/* modules.c reports failures through core.c, which this test does not link. */
volatile uint64_t cprof_internal_errors;
void cprof_internal_error(const char *what, int err)
{
	(void) what;
	(void) err;
	cprof_internal_errors++;
}

static int tests, failures;

static void check(int ok, const char *what)
{
	tests++;
	if (!ok)
		failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", tests, what);
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	char *buf;

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc((size_t) st.st_size);
	if (buf && read(fd, buf, (size_t) st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = (size_t) st.st_size;
	return buf;
}

static int symbols_contain(const struct cprof_module *m, const char *line_end)
{
	char *text = NULL;
	size_t len = 0;
	int found;

	if (cprof_modules_symbols(m, &text, &len))
		return 0;
	found = memmem(text, len, line_end, strlen(line_end)) != NULL;
	free(text);
	return found;
}

int main(int argc, char **argv)
{
	struct cprof_module *mods = NULL, fake = { 0 };
	const struct cprof_module *vdso = NULL, *libc = NULL;
	char tmp[64];
	size_t n = 0, len, readable = 0;
	char *orig, *copy;
	int fd;

	(void) argc;
	check(cprof_modules_list(&mods, &n) == 0 && n > 2, "module list");
	check(n && strstr(mods[0].path, "elf_fuzz") != NULL, "main program first, by its path");
	for (size_t i = 0; i < n; i++) {
		if (mods[i].is_vdso)
			vdso = &mods[i];
		if (strstr(mods[i].path, "/libc.so.6"))
			libc = &mods[i];
	}
	check(libc && libc->build_id_len == 20, "libc has a 20-byte build-id");
	check(libc && libc->start < libc->end && libc->bias <= libc->start, "libc range and bias");
	check(n && symbols_contain(&mods[0], "\tmain\n"), "main program symbols include main");
	check(libc && symbols_contain(libc, "\tmalloc\n"), "libc symbols include malloc");
	if (vdso)
		check(symbols_contain(vdso, "clock_gettime\n"), "vdso symbols read from memory");

	orig = slurp(argc > 1 ? argv[1] : "/proc/self/exe", &len);
	check(orig && len > sizeof(Elf64_Ehdr), "read an ELF file to corrupt");
	if (!orig)
		return 1;
	copy = malloc(len);
	/* an in-memory file: thousands of rewrites cost no disk I/O */
	fd = memfd_create("elf-fuzz", 0);
	if (!copy || fd < 0)
		return 1;
	snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", fd);
	fake.path = tmp;
	srand(12345);
	for (int it = 0; it < ITERATIONS; it++) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *) orig;
		size_t size = len, shtab = eh->e_shoff < len ? eh->e_shoff : 0;
		char *text = NULL;
		size_t tlen;

		memcpy(copy, orig, len);
		if (it % 4 == 0)
			size = (size_t) rand() % len;      /* truncated */
		for (int k = 1 + rand() % 8; k > 0; k--) {
			size_t at;

			switch (rand() % 3) {
			case 0: at = (size_t) rand() % sizeof(Elf64_Ehdr); break;
			case 1: at = shtab + (size_t) rand() % (len - shtab); break;
			default: at = (size_t) rand() % len; break;
			}
			copy[at] = (char) (rand() % 3 ? rand() : 0xff);
		}
		if (ftruncate(fd, 0) || pwrite(fd, copy, size, 0) != (ssize_t) size)
			return 1;
		if (!cprof_modules_symbols(&fake, &text, &tlen))
			readable++;
		free(text);
	}
	close(fd);
	printf("# %zu of %d corrupted copies still had a readable symbol table\n", readable,
			ITERATIONS);
	check(1, "no crash on corrupted or truncated ELF files");
	cprof_modules_free(mods, n);
	free(orig);
	free(copy);
	printf("1..%d\n", tests);
	return failures != 0;
}
