/* lod_agg.h: a small hash aggregate (count, total, max per key of up to
 * three integers) used while building the viewer cache. */
#ifndef VW_LOD_AGG_H
#define VW_LOD_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct lod_agg_ent {
	int64_t k[3];
	int64_t cnt, total, max;
	int64_t max_id;  /* id of the longest row */
	int used;
};

struct lod_agg {
	struct lod_agg_ent *ents; /* owned */
	size_t cap, n;
	int oom;
};

void lod_agg_add(struct lod_agg *a, const int64_t k[3], int64_t dur, int64_t id);
/* Inserts every entry with sql (nkeys key columns, then cnt, total, max, max_id;
 * key -1 is written as NULL). */
int lod_agg_write(struct lod_agg *a, sqlite3 *c, const char *sql, int nkeys);
void lod_agg_fini(struct lod_agg *a);

#endif
