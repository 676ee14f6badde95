/* lod_agg.c: open-addressing hash aggregate for the cache build. */
#include "lod_agg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const int64_t k[3])
{
	uint64_t h = 1469598103934665603ull;
	int i;

	for (i = 0; i < 3; i++) {
		h ^= (uint64_t)k[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return (size_t)h;
}

static struct lod_agg_ent *slot(struct lod_agg_ent *ents, size_t cap, const int64_t k[3])
{
	size_t i = hash(k) & (cap - 1);

	while (ents[i].used && memcmp(ents[i].k, k, sizeof(ents[i].k)))
		i = (i + 1) & (cap - 1);
	return &ents[i];
}

static int grow(struct lod_agg *a)
{
	size_t cap = a->cap ? a->cap * 2 : 1024, i;
	struct lod_agg_ent *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < a->cap; i++)
		if (a->ents[i].used)
			*slot(n, cap, a->ents[i].k) = a->ents[i];
	free(a->ents);
	a->ents = n;
	a->cap = cap;
	return 0;
}

void lod_agg_add(struct lod_agg *a, const int64_t k[3], int64_t dur, int64_t id)
{
	struct lod_agg_ent *e;

	if (a->oom)
		return;
	if ((a->n + 1) * 2 > a->cap && grow(a)) {
		a->oom = 1;
		return;
	}
	e = slot(a->ents, a->cap, k);
	if (!e->used) {
		memcpy(e->k, k, sizeof(e->k));
		e->used = 1;
		a->n++;
	}
	e->cnt++;
	e->total += dur;
	if (dur > e->max || e->cnt == 1) {
		e->max = dur;
		e->max_id = id;
	}
}

int lod_agg_write(struct lod_agg *a, sqlite3 *c, const char *sql, int nkeys)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int j, rc = 0;

	if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	for (i = 0; i < a->cap && !rc; i++) {
		if (!a->ents[i].used)
			continue;
		for (j = 0; j < nkeys; j++) {
			if (a->ents[i].k[j] == -1)
				sqlite3_bind_null(st, j + 1);
			else
				sqlite3_bind_int64(st, j + 1, a->ents[i].k[j]);
		}
		sqlite3_bind_int64(st, nkeys + 1, a->ents[i].cnt);
		sqlite3_bind_int64(st, nkeys + 2, a->ents[i].total);
		sqlite3_bind_int64(st, nkeys + 3, a->ents[i].max);
		sqlite3_bind_int64(st, nkeys + 4, a->ents[i].max_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -EIO;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

void lod_agg_fini(struct lod_agg *a)
{
	free(a->ents);
	memset(a, 0, sizeof(*a));
}
