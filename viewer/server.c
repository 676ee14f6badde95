/* server.c: libmicrohttpd plumbing: binding (loopback by default), the
 * Host check against DNS rebinding, embedded static files looked up by
 * exact path (no file system access, so no traversal), gzip when the
 * client accepts it, and dispatch of /api/ to api.c. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "assets.h"

#define GZIP_MIN 1024

struct vw_server {
	struct MHD_Daemon *mhd;
	struct vw_db *db;        /* borrowed */
	int fd;                  /* listening socket, owned by mhd once started */
	int loopback;
	int port;
	char url[128];
};

static const char *get_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result send_buf(struct MHD_Connection *conn, int status, const char *type,
				const char *disposition, const void *data, size_t len,
				int is_static)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	struct MHD_Response *r;
	void *gz = NULL;
	size_t gzlen = 0;
	enum MHD_Result ret;
	int gzipped = 0;

	if (ae && strstr(ae, "gzip") && len >= GZIP_MIN && !disposition &&
	    !vw_gzip(data, len, 1, &gz, &gzlen)) {
		/* level 1: a timeline answer must leave fast; ratio differs little */
		gzipped = 1;
		r = MHD_create_response_from_buffer(gzlen, gz, MHD_RESPMEM_MUST_FREE);
	} else {
		r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	}
	if (!r) {
		free(gz);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Vary", "Accept-Encoding");
	MHD_add_response_header(r, "Cache-Control", is_static ? "no-cache" : "no-store");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
	if (gzipped)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	if (disposition)
		MHD_add_response_header(r, "Content-Disposition", disposition);
	ret = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *msg)
{
	return send_buf(conn, status, "text/plain; charset=utf-8", NULL, msg, strlen(msg), 0);
}

/* With a loopback listener, only loopback Host names are served, so a web
 * page elsewhere cannot reach the API through DNS rebinding. */
static int host_ok(const struct vw_server *s, struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	static const char *const ok[] = { "127.0.0.1", "localhost", "[::1]" };
	size_t i, n;

	if (!s->loopback)
		return 1;
	if (!h)
		return 0;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = strlen(ok[i]);
		if (!strncasecmp(h, ok[i], n) && (h[n] == 0 || (h[n] == ':' && atoi(h + n + 1) == s->port)))
			return 1;
	}
	return 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct vw_server *s = cls;
	struct vw_req req = { .ctx = conn, .arg = get_arg };
	struct vw_resp resp;
	enum MHD_Result ret;
	size_t i;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_text(conn, 405, "only GET is served\n");
	if (!host_ok(s, conn))
		return send_text(conn, 403, "forbidden host\n");
	if (!strncmp(url, "/api/", 5)) {
		memset(&resp, 0, sizeof(resp));
		if (vw_api_handle(s->db, url, &req, &resp))
			return send_text(conn, 404, "no such API\n");
		ret = send_buf(conn, resp.status, resp.type, resp.disposition,
			       resp.body.p ? resp.body.p : "", resp.body.len, 0);
		vw_buf_fini(&resp.body);
		return ret;
	}
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (i = 0; i < vw_nassets; i++)
		if (!strcmp(url, vw_assets[i].path))
			return send_buf(conn, 200, vw_assets[i].type, NULL, vw_assets[i].data,
					vw_assets[i].len, 1);
	return send_text(conn, 404, "not found\n");
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

static int listen_on(struct vw_server *s, const char *addr, struct vw_err *err)
{
	char host[256] = "127.0.0.1", port[32] = "0";
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *colon;
	int fd = -1, one = 1, rc;

	if (addr && *addr) {
		colon = strrchr(addr, ':');
		if (!colon || strlen(colon + 1) >= sizeof(port) ||
		    (size_t)(colon - addr) >= sizeof(host)) {
			vw_err_set(err, "bad -http address '%s': want HOST:PORT or :PORT", addr);
			return -EINVAL;
		}
		if (colon > addr) {
			memcpy(host, addr, (size_t)(colon - addr));
			host[colon - addr] = 0;
		}
		snprintf(port, sizeof(port), "%s", colon + 1);
		/* [::1]:port */
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = 0;
		}
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		vw_err_set(err, "bad -http address '%s': %s", addr, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto syserr;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto syserr;
	s->loopback = is_loopback((struct sockaddr *)&ss);
	if (ss.ss_family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];

		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
		snprintf(s->url, sizeof(s->url), "http://[%s]:%d/", a, s->port);
	} else {
		char a[INET_ADDRSTRLEN];

		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
		snprintf(s->url, sizeof(s->url), "http://%s:%d/",
			 strcmp(a, "0.0.0.0") ? a : "127.0.0.1", s->port);
	}
	s->fd = fd;
	freeaddrinfo(ai);
	return 0;
syserr:
	rc = -errno;
	vw_err_set(err, "cannot listen on %s: %s", addr && *addr ? addr : "127.0.0.1:0",
		   strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

int vw_server_start(struct vw_server **out, struct vw_db *db, const char *addr,
		    const char **url, struct vw_err *err)
{
	struct vw_server *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->db = db;
	s->fd = -1;
	rc = listen_on(s, addr, err);
	if (rc)
		goto fail;
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
				  MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, s,
				  MHD_OPTION_LISTEN_SOCKET, s->fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				  MHD_OPTION_END);
	if (!s->mhd) {
		vw_err_set(err, "cannot start the HTTP server");
		rc = -EIO;
		goto fail;
	}
	s->fd = -1;  /* libmicrohttpd owns and closes the socket now */
	*url = s->url;
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return rc;
}

void vw_server_destroy(struct vw_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
