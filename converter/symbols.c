/* symbols.c: address → module and symbol, from what travels in trace.out.
 *
 * cprof/modules.tsv gives each module's address range and load bias;
 * cprof/symbols/<index>.tsv its symbols relative to the bias.  Symbol files
 * are loaded lazily, the first time an address falls in their module, since
 * a process maps many libraries a trace never touches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

struct sym {
	uint64_t value, size;
	char *name;            /* owned */
};

struct module {
	struct conv_module_info info;
	int file_index;        /* <index> of symbols/<index>.tsv, -1 for none */
	int loaded;
	struct sym *syms;      /* owned, sorted by value */
	size_t n_syms;
	char *path, *build_id; /* owned; info points at them */
};

struct conv_symbols {
	char *dir;             /* owned: the unpacked bundle */
	struct module *mods;   /* owned, sorted by start */
	int n_mods;
	int from_tsv;          /* modules.tsv existed: module events are ignored */
	int last;              /* index of the last hit, a cheap cache */
};

static int cmp_mod(const void *a, const void *b)
{
	const struct module *x = a, *y = b;
	return x->info.start < y->info.start ? -1 : x->info.start > y->info.start;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int add_module(struct conv_symbols *s, int file_index, uint64_t start, uint64_t end,
	uint64_t bias, const char *build_id, const char *path)
{
	struct module *nm = realloc(s->mods, sizeof *nm * (size_t) (s->n_mods + 1));
	if (!nm)
		return -ENOMEM;
	s->mods = nm;
	struct module *m = &nm[s->n_mods++];
	memset(m, 0, sizeof *m);
	m->file_index = file_index;
	m->path = strdup(path);
	m->build_id = build_id && strcmp(build_id, "-") ? strdup(build_id) : NULL;
	m->info = (struct conv_module_info) { .start = start, .end = end, .bias = bias };
	return m->path ? 0 : -ENOMEM;
}

/* ids follow the sorted order so stack_profile_mapping ids are stable */
static void renumber(struct conv_symbols *s)
{
	qsort(s->mods, (size_t) s->n_mods, sizeof *s->mods, cmp_mod);
	for (int i = 0; i < s->n_mods; i++) {
		s->mods[i].info.id = i + 1;
		s->mods[i].info.path = s->mods[i].path;
		s->mods[i].info.build_id = s->mods[i].build_id;
	}
	s->last = 0;
}

int conv_symbols_create(const char *bundle_dir, struct conv_symbols **out, struct conv_error *err)
{
	char p[4096], line[8192];
	struct conv_symbols *s = calloc(1, sizeof *s);
	FILE *f = NULL;
	int ret = 0;

	if (!s || !(s->dir = strdup(bundle_dir)))
		goto nomem;
	snprintf(p, sizeof p, "%s/cprof/modules.tsv", bundle_dir);
	if (!(f = fopen(p, "r"))) {
		conv_warn("cprof/modules.tsv is missing: stacks will show addresses only");
		goto done;
	}
	s->from_tsv = 1;
	while (fgets(line, sizeof line, f)) {
		char bid[256], path[4096];
		int idx;
		unsigned long long start, end, bias;
		if (sscanf(line, "%d\t%llx\t%llx\t%llx\t%255s\t%4095[^\n]", &idx, &start, &end, &bias,
				bid, path) != 6)
			continue;
		if ((ret = add_module(s, idx, start, end, bias, bid, path)) < 0)
			goto nomem;
	}
	fclose(f);
done:
	renumber(s);
	*out = s;
	return 0;
nomem:
	if (f)
		fclose(f);
	conv_symbols_destroy(s);
	conv_error_set(err, "out of memory loading symbols");
	return -ENOMEM;
}

void conv_symbols_add_module(struct conv_symbols *s, const char *path, uint64_t base, uint64_t size)
{
	if (s->from_tsv || !size)
		return;
	for (int i = 0; i < s->n_mods; i++)
		if (s->mods[i].info.start == base)
			return;
	/* without modules.tsv the bias is unknown; base is right for PIE and .so */
	if (add_module(s, -1, base, base + size, base, NULL, path) == 0)
		renumber(s);
}

void conv_symbols_destroy(struct conv_symbols *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_mods; i++) {
		for (size_t k = 0; k < s->mods[i].n_syms; k++)
			free(s->mods[i].syms[k].name);
		free(s->mods[i].syms);
		free(s->mods[i].path);
		free(s->mods[i].build_id);
	}
	free(s->mods);
	free(s->dir);
	free(s);
}

int conv_symbols_module_count(const struct conv_symbols *s) { return s->n_mods; }

const struct conv_module_info *conv_symbols_module(const struct conv_symbols *s, int i)
{
	return i >= 0 && i < s->n_mods ? &s->mods[i].info : NULL;
}

static void load_syms(struct conv_symbols *s, struct module *m)
{
	char p[4096], line[4096];
	size_t cap = 0;
	m->loaded = 1;
	if (m->file_index < 0)
		return;
	snprintf(p, sizeof p, "%s/cprof/symbols/%d.tsv", s->dir, m->file_index);
	FILE *f = fopen(p, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *e1, *e2;
		uint64_t v = strtoull(line, &e1, 16);
		if (e1 == line || *e1 != '\t')
			continue;
		uint64_t sz = strtoull(e1 + 1, &e2, 0);
		if (*e2 != '\t')
			continue;
		char *name = e2 + 1;
		name[strcspn(name, "\r\n")] = 0;
		if (!*name)
			continue;
		if (m->n_syms == cap) {
			cap = cap ? cap * 2 : 1024;
			struct sym *ns = realloc(m->syms, sizeof *ns * cap);
			if (!ns)
				break;
			m->syms = ns;
		}
		if (!(m->syms[m->n_syms].name = strdup(name)))
			break;
		m->syms[m->n_syms].value = v;
		m->syms[m->n_syms++].size = sz;
	}
	fclose(f);
	qsort(m->syms, m->n_syms, sizeof *m->syms, cmp_sym);
}

static struct module *find_module(struct conv_symbols *s, uint64_t addr)
{
	if (s->n_mods && addr >= s->mods[s->last].info.start && addr < s->mods[s->last].info.end)
		return &s->mods[s->last];
	int lo = 0, hi = s->n_mods - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct module *m = &s->mods[mid];
		if (addr < m->info.start)
			hi = mid - 1;
		else if (addr >= m->info.end)
			lo = mid + 1;
		else
			return &s->mods[s->last = mid];
	}
	return NULL;
}

/* The last symbol at or below rel, or NULL. */
static const struct sym *find_sym(const struct module *m, uint64_t rel)
{
	size_t lo = 0, hi = m->n_syms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->syms[mid].value <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &m->syms[lo - 1] : NULL;
}

const char *conv_symbols_lookup(struct conv_symbols *s, uint64_t addr, int64_t *mapping,
	uint64_t *offset)
{
	struct module *m = find_module(s, addr);
	*mapping = CONV_NULL;
	*offset = 0;
	if (!m)
		return NULL;
	*mapping = m->info.id;
	if (!m->loaded)
		load_syms(s, m);
	uint64_t rel = addr - m->info.bias;
	const struct sym *y = find_sym(m, rel);
	/* a sized symbol must contain the address; unsized ones are taken as is */
	if (!y || (y->size && rel >= y->value + y->size))
		return NULL;
	*offset = rel - y->value;
	return y->name;
}

const char *conv_symbols_object(struct conv_symbols *s, uint64_t addr, uint64_t *offset)
{
	struct module *m = find_module(s, addr);
	if (!m)
		return NULL;
	if (!m->loaded)
		load_syms(s, m);
	const struct sym *y = find_sym(m, addr - m->info.bias);
	if (!y || !y->size || addr - m->info.bias >= y->value + y->size)
		return NULL;
	*offset = addr - m->info.bias - y->value;
	return y->name;
}
