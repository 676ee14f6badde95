/* assets.h: the UI files, embedded at build time by embed.c. */
#ifndef VW_ASSETS_H
#define VW_ASSETS_H

#include <stddef.h>

struct vw_asset {
	const char *path;   /* URL path, e.g. "/app.js" */
	const char *type;   /* Content-Type */
	const unsigned char *data;
	size_t len;
};

extern const struct vw_asset vw_assets[];
extern const size_t vw_nassets;

#endif
