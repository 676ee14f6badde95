/* source.h: turns the user's trace argument into a database path,
 * converting a trace.out once into a cached database beside it. */
#ifndef VW_SOURCE_H
#define VW_SOURCE_H

#include "util.h"

/* *db_path is malloc'd.  0 or a negative errno with err set. */
int vw_source_resolve(const char *arg, char **db_path, int quiet, struct vw_err *err);

#endif
