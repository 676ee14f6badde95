/* server.h: the HTTP server of cprof-trace (libmicrohttpd). */
#ifndef VW_SERVER_H
#define VW_SERVER_H

#include "query.h"
#include "util.h"

struct vw_server;

/* addr: "host:port", ":port" (loopback), "" (127.0.0.1:0).  On success
 * *url holds the address to open (owned by the server). */
int vw_server_start(struct vw_server **out, struct vw_db *db, const char *addr,
		    const char **url, struct vw_err *err);
void vw_server_destroy(struct vw_server *s);

#endif
