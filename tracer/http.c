/* http.c: the /debug/pprof endpoint inside the traced program (DESIGN.md §2,
 * Go's net/http/pprof as the reference).
 *
 * libmicrohttpd with one thread per connection: a trace request simply blocks
 * its thread for N seconds while other requests are served.  The request
 * traces first and answers afterwards, from an unlinked temporary file, so a
 * failed capture is an error status and never a truncated 200.  While it
 * waits it watches the client's socket: a client that hangs up aborts the
 * capture and no LTTng session is left behind. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>                       /* isnan, isinf: macros, no libm */
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "internal.h"

#define DEFAULT_MAX_SECONDS 60.0
#define WAIT_STEP_MS 100                /* how often a trace checks for shutdown */
#define CMDLINE_MAX (1 << 20)
#define PREFIX "/debug/pprof/"

static pthread_mutex_t server_lock = PTHREAD_MUTEX_INITIALIZER;
static struct MHD_Daemon *daemon_;      /* owned, under server_lock */
static int port_;
static int listen_fd_ = -1;      /* under server_lock */
static double max_seconds = DEFAULT_MAX_SECONDS;
static atomic_int stopping;             /* cprof_httpd_stop ends waiting traces */

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>/debug/pprof/</title></head><body>\n"
	"<h1>/debug/pprof/</h1>\n"
	"<p>cprof execution tracer endpoint.</p>\n<table>\n"
	"<tr><td><a href=\"trace?seconds=1\">trace</a></td><td>A trace of execution of "
	"the current program (LTTng CTF in a gzip'd tar). Set the duration with the "
	"<code>seconds</code> GET parameter (default 1, fractions allowed). Open the "
	"file with <code>cprof-trace trace.out</code>.</td></tr>\n"
	"<tr><td><a href=\"cmdline\">cmdline</a></td><td>The command line of the "
	"current program, arguments separated by NUL bytes.</td></tr>\n"
	"</table>\n<p>Example: <code>curl -o trace.out "
	"'http://HOST:PORT/debug/pprof/trace?seconds=5'</code></p>\n</body></html>\n";

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status,
		struct MHD_Response *resp)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* A one-line text/plain answer, Go's http.Error style. */
static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	struct MHD_Response *resp;
	char body[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(body, sizeof(body) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t) n > sizeof(body) - 2)
		n = sizeof(body) - 2;
	body[n++] = '\n';
	resp = MHD_create_response_from_buffer((size_t) n, body, MHD_RESPMEM_MUST_COPY);
	if (resp) {
		MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
		if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
			MHD_add_response_header(resp, "Allow", "GET, HEAD");
	}
	return queue(c, status, resp);
}

static enum MHD_Result serve_index(struct MHD_Connection *c)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof(index_html) - 1,
			(void *) index_html, MHD_RESPMEM_PERSISTENT);

	if (resp)
		MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	return queue(c, MHD_HTTP_OK, resp);
}

static enum MHD_Result serve_cmdline(struct MHD_Connection *c)
{
	struct MHD_Response *resp;
	size_t len = 0;
	char *buf = malloc(CMDLINE_MAX);
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the command line");
	}
	while (len < CMDLINE_MAX && ((n = read(fd, buf + len, CMDLINE_MAX - len)) > 0 ||
				(n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t) n : 0;
	close(fd);
	/* Go joins os.Args with NUL: no NUL after the last argument. */
	if (len && !buf[len - 1])
		len--;
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	return queue(c, MHD_HTTP_OK, resp);
}

/* Parses ?seconds=; returns NULL or the reason it is refused. */
static const char *parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	*out = 1.0;
	if (!arg)
		return NULL;
	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || isnan(v))
		return "seconds is not a number";
	if (isinf(v) || v > max_seconds)
		return "seconds exceeds the maximum (CPROF_MAX_SECONDS)";
	if (v <= 0)
		return "seconds must be positive";
	*out = v;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps until the deadline; returns 0, or -ECONNRESET when the client hung
 * up, or -ESHUTDOWN when the server is stopping. */
static int wait_or_hangup(struct MHD_Connection *c, double seconds)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	double deadline = now_s() + seconds, left;
	struct pollfd p = { .fd = ci ? ci->connect_fd : -1, .events = POLLRDHUP };

	while ((left = deadline - now_s()) > 0) {
		int ms = (int) (left * 1000) + 1;

		if (atomic_load(&stopping))
			return -ESHUTDOWN;
		if (ms > WAIT_STEP_MS)
			ms = WAIT_STEP_MS;
		/* only POLLRDHUP asked: pipelined bytes (POLLIN) do not wake us */
		if (poll(&p, p.fd >= 0 ? 1 : 0, ms) > 0 &&
				(p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
			return -ECONNRESET;
	}
	return 0;
}

static int tmp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/cprof-trace-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static enum MHD_Result serve_trace(struct MHD_Connection *c)
{
	struct cprof_session *s = NULL;
	struct cprof_session_result res;
	struct cprof_error err = { 0 };
	struct MHD_Response *resp;
	struct stat st;
	const char *why;
	char count[32], start_s[32], traced_s[32], stop_s[32];
	double seconds, t_req = now_s(), t_live, t_end;
	int fd = -1, r;

	why = parse_seconds(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds"),
			&seconds);
	if (why)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "%s", why);

	r = cprof_session_start(NULL, &s, &err);
	if (r == -EBUSY)
		return reply_text(c, MHD_HTTP_CONFLICT, "tracing already enabled");
	if (r == -EHOSTDOWN)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", err.message);
	if (r)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Could not enable tracing: %s",
				err.message);

	t_live = now_s();
	r = wait_or_hangup(c, seconds);
	t_end = now_s();
	if (r) {
		if (r != -ESHUTDOWN)
			cprof_log("trace request: the client went away after %.1f s of %g; "
					"capture discarded", t_end - t_live, seconds);
		cprof_session_abort(s);
		if (r == -ESHUTDOWN)
			return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "server stopping");
		return MHD_NO;          /* nobody to answer: close the connection */
	}
	fd = tmp_file();
	if (fd < 0) {
		cprof_session_abort(s);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				"cannot create a temporary file: %s", strerror(errno));
	}
	r = cprof_session_finish(s, fd, seconds, &res, &err);
	if (r || fstat(fd, &st)) {
		close(fd);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "tracing failed: %s",
				r ? err.message : strerror(errno));
	}
	resp = MHD_create_response_from_fd((uint64_t) st.st_size, fd);  /* owns fd */
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	snprintf(count, sizeof(count), "%llu", (unsigned long long) res.discarded_events);
	/* where a request's time went: a busy host can take seconds to start
	 * or to drain a capture, and the client sees only the total */
	snprintf(start_s, sizeof(start_s), "%.3f", t_live - t_req);
	snprintf(traced_s, sizeof(traced_s), "%.3f", (double) (res.end_ns - res.start_ns) / 1e9);
	snprintf(stop_s, sizeof(stop_s), "%.3f", now_s() - t_end);
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Content-Disposition", "attachment; filename=\"trace.out\"");
	MHD_add_response_header(resp, "X-Cprof-Discarded-Events", count);
	MHD_add_response_header(resp, "X-Cprof-Start-Seconds", start_s);
	MHD_add_response_header(resp, "X-Cprof-Traced-Seconds", traced_s);
	MHD_add_response_header(resp, "X-Cprof-Stop-Seconds", stop_s);
	return queue(c, MHD_HTTP_OK, resp);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
		const char *method, const char *version, const char *upload_data,
		size_t *upload_data_size, void **con_cls)
{
	static int first_call_marker;
	int get = !strcmp(method, MHD_HTTP_METHOD_GET);
	int head = !strcmp(method, MHD_HTTP_METHOD_HEAD);

	(void) cls;
	(void) version;
	(void) upload_data;
	/* The first call only announces the headers; answer on the second. */
	if (!*con_cls) {
		*con_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;      /* a body we do not want: drop it */
		return MHD_YES;
	}
	if (strcmp(url, PREFIX) && strcmp(url, "/debug/pprof") &&
			strcmp(url, PREFIX "trace") && strcmp(url, PREFIX "cmdline"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "404 page not found");
	if (!get && !(head && strcmp(url, PREFIX "trace")))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (!strcmp(url, PREFIX "trace"))
		return serve_trace(c);
	if (!strcmp(url, PREFIX "cmdline"))
		return serve_cmdline(c);
	return serve_index(c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void) cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	cprof_log("http: %s", msg);
}

/* "host:port", ":port", "port", "[v6]:port"; an empty host is loopback. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, struct cprof_error *err)
{
	char host[256], port[16];
	const char *colon, *h = addr;
	size_t hlen;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *pick = NULL;
	char *end;
	long pn;
	int r;

	if (addr[0] == '[') {
		const char *close_br = strchr(addr, ']');

		if (!close_br || close_br[1] != ':')
			return cprof_error_set(err, -EINVAL, "%s: expected [IPv6]:port", addr);
		h = addr + 1;
		hlen = (size_t) (close_br - h);
		colon = close_br + 1;
		hints.ai_flags |= AI_NUMERICHOST;
	} else if ((colon = strrchr(addr, ':'))) {
		hlen = (size_t) (colon - addr);
		if (memchr(addr, ':', hlen))
			return cprof_error_set(err, -EINVAL, "%s: write IPv6 hosts as [addr]:port", addr);
	} else {
		hlen = 0;               /* a bare port */
		colon = addr - 1;
	}
	if (hlen >= sizeof(host) || strlen(colon + 1) >= sizeof(port))
		return cprof_error_set(err, -EINVAL, "%s: address too long", addr);
	memcpy(host, h, hlen);
	host[hlen] = 0;
	strcpy(port, colon + 1);
	errno = 0;
	pn = strtol(port, &end, 10);
	if (!*port || *end || errno || pn < 0 || pn > 65535)
		return cprof_error_set(err, -EINVAL, "%s: bad port \"%s\"", addr, port);
	r = getaddrinfo(hlen ? host : "127.0.0.1", port, &hints, &res);
	if (r)
		return cprof_error_set(err, -EINVAL, "%s: %s", addr, gai_strerror(r));
	/* "localhost" resolves to ::1 and 127.0.0.1: prefer IPv4 like curl. */
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET || (ai->ai_family == AF_INET6 && !pick))
			pick = ai;
		if (pick && pick->ai_family == AF_INET)
			break;
	}
	if (!pick) {
		freeaddrinfo(res);
		return cprof_error_set(err, -EAFNOSUPPORT, "%s: no IPv4 or IPv6 address", addr);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, pick->ai_addr, pick->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static double env_max_seconds(void)
{
	const char *s = getenv("CPROF_MAX_SECONDS");
	char *end;
	double v;

	if (!s || !*s)
		return DEFAULT_MAX_SECONDS;
	v = strtod(s, &end);
	if (*end || !isfinite(v) || v <= 0) {
		cprof_log("CPROF_MAX_SECONDS=%s is not a positive number; using %g", s,
				DEFAULT_MAX_SECONDS);
		return DEFAULT_MAX_SECONDS;
	}
	return v;
}

int cprof_httpd_start(const char *addr, struct cprof_error *err)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_ERROR_LOG;
	int r;

	r = parse_addr(addr, &ss, err);
	if (r)
		return r;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	pthread_mutex_lock(&server_lock);
	if (daemon_) {
		r = cprof_error_set(err, -EALREADY, "the HTTP endpoint is already running on port %d",
				port_);
		goto end;
	}
	max_seconds = env_max_seconds();
	atomic_store(&stopping, 0);
	/* MHD's threads are cprof's own: never traced. */
	cprof_internal_begin();
	daemon_ = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,     /* first, or unused */
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &ss,
			/* A thread per connection, bounded.  Loopback clients all
			 * count against one address, and an idle one (a browser's
			 * keep-alive, a request never finished) holds its slot until
			 * the timeout: with 8 slots and 120 s, 8 of them refused every
			 * trace request for two minutes.  The timeout is of
			 * inactivity: a capture in progress is not idle. */
			MHD_OPTION_CONNECTION_LIMIT, (unsigned) 32,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) 16,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 10,
			MHD_OPTION_END);
	cprof_internal_end();
	if (!daemon_) {
		r = cprof_error_set(err, -EADDRNOTAVAIL, "cannot listen on %s", addr);
		goto end;
	}
	info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	port_ = info ? info->port : 0;
	info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_LISTEN_FD);
	listen_fd_ = info ? info->listen_fd : -1;
	cprof_own_fd(listen_fd_, 1);    /* a program closing all its fds spared it */
	r = 0;
end:
	pthread_mutex_unlock(&server_lock);
	return r;
}

int cprof_httpd_port(void)
{
	int p;

	pthread_mutex_lock(&server_lock);
	p = daemon_ ? port_ : -ENOTCONN;
	pthread_mutex_unlock(&server_lock);
	return p;
}

int cprof_httpd_stop(void)
{
	struct MHD_Daemon *d;

	pthread_mutex_lock(&server_lock);
	d = daemon_;
	daemon_ = NULL;
	port_ = 0;
	cprof_own_fd(listen_fd_, 0);    /* MHD closes it */
	listen_fd_ = -1;
	pthread_mutex_unlock(&server_lock);
	if (!d)
		return 0;
	/* Waiting traces see this within WAIT_STEP_MS and abort. */
	atomic_store(&stopping, 1);
	MHD_stop_daemon(d);
	return 0;
}

void cprof_httpd_atfork_child(void)
{
	/* The daemon's threads did not survive fork; its memory is the
	 * parent's: forgotten without touching it.  Its listening socket is
	 * closed here (the parent's stays open): a child that outlived its
	 * parent held the port, every request to it hanging unanswered. */
	pthread_mutex_init(&server_lock, NULL);
	daemon_ = NULL;
	if (listen_fd_ >= 0)
		syscall(SYS_close, listen_fd_);
	listen_fd_ = -1;
	port_ = 0;
}
