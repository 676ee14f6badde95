/* query_gc.h: the GC phases and pauses of a trace, read once and kept in
 * memory; shared by the GC row (query_gc.c) and the MMU (query_mmu.c).
 * Nothing outside the query layer includes this. */
#ifndef VW_QUERY_GC_H
#define VW_QUERY_GC_H

#include "query_int.h"

#define GC_LANES 4   /* pauses, then GC phases at nesting 0, 1, 2+ */

struct vw_gc_slice {
	int64_t id, ts, dur, utid, parent;
	const char *name;  /* borrowed from vw_gc.names */
	int stw;         /* a stop-the-world pause, else a GC phase */
	int lane;
};

struct vw_gc {
	struct vw_gc_slice *s;  /* owned, sorted by ts */
	size_t n;
	/* Names interned (a few kinds for many slices): open addressing. */
	char **names;        /* owned, each owned; NULL: empty slot */
	size_t nnames, cap_names;
	/* The default MMU curves (stw; stw and gc) once computed: the trace
	 * does not change.  Owned, published with release order. */
	char *curve[2];
	int64_t maxdur;
	int lanes;
};

/* The GC slices of db, read on the first call. */
int vw_gc_load(struct vw_db *db, struct vw_gc **out, struct vw_err *err);

#endif
