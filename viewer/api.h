/* api.h: the JSON API, independent of the HTTP library: a request gives
 * its query arguments through a callback, a response is a status, a type
 * and a body.  Handlers call the query layer and hold no SQL. */
#ifndef VW_API_H
#define VW_API_H

#include <stddef.h>

#include "query.h"
#include "util.h"

struct vw_req {
	void *ctx;
	const char *(*arg)(void *ctx, const char *name);  /* NULL when absent */
};

struct vw_resp {
	int status;
	const char *type;         /* static string */
	const char *disposition;  /* static string or NULL */
	struct vw_buf body;       /* owned */
};

/* Answers path under /api/.  Returns 0, or -ENOENT for an unknown path. */
int vw_api_handle(struct vw_db *db, const char *path, const struct vw_req *req,
		  struct vw_resp *resp);

#endif
