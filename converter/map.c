/* map.c: the one hash map of the converter (uint64 keys and values). */
#include <errno.h>
#include <stdlib.h>

#include "conv.h"

uint64_t *conv_map_get(const struct conv_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = conv_hash64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return NULL;
		if (m->keys[i] == key)
			return &m->vals[i];
	}
}

static int grow(struct conv_map *m)
{
	struct conv_map n = { .cap = m->cap ? m->cap * 2 : 256 };
	n.keys = malloc(n.cap * sizeof *n.keys);
	n.vals = malloc(n.cap * sizeof *n.vals);
	n.used = calloc(n.cap, 1);
	if (!n.keys || !n.vals || !n.used) {
		conv_map_fini(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i])
			conv_map_put(&n, m->keys[i], m->vals[i]);
	conv_map_fini(m);
	*m = n;
	return 0;
}

int conv_map_put(struct conv_map *m, uint64_t key, uint64_t val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	size_t i = conv_hash64(key) & (m->cap - 1);
	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->used[i]) {
		m->used[i] = 1;
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

void conv_map_fini(struct conv_map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = m->vals = NULL;
	m->used = NULL;
	m->cap = m->n = 0;
}

int conv_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}
