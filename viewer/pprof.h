/* pprof.h: encodes blocking profiles as pprof's profile.proto, gzip'd. */
#ifndef VW_PPROF_H
#define VW_PPROF_H

#include "query.h"

/* Writes the gzip'd profile into *out (malloc'd).  0 or -ENOMEM/-EIO. */
int vw_pprof_encode(const struct vw_stacks *s, void **out, size_t *out_len);

/* The profile of `kind` (vw_q_stacks) from db, gzip'd into *out (malloc'd);
 * 0 or a negative errno with err set. */
int vw_pprof_profile(struct vw_db *db, const char *kind, void **out, size_t *out_len,
		     struct vw_err *err);

#endif
