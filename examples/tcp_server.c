/* tcp_server.c: a small multi-threaded TCP server on loopback, its slow
 * "backend" and a client load generator, so a trace shows the accept loop,
 * workers blocked reading requests, slow backend calls and writes that block
 * on a slow reader.
 *
 *   cprof-example-tcp                       server + backend + 4 clients, one process
 *   cprof-example-tcp --mode server --serve-port-file P --no-http
 *   cprof-example-tcp --mode client --connect PORT --clients 8 --duration 2
 *
 * Protocol: a request is a 4-byte big-endian length then that many bytes,
 * whose first byte is the kind ('n' normal, 's' asks the backend, 'b' asks
 * for a big answer); an answer is framed the same way.  Everything blocks:
 * one worker thread per connection, blocking reads and writes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_WORKERS 64
#define REQ_MAX 4096

static const char *mode = "all";
static int port_arg, clients = 4, workers = 8, backend_ms = 2, slow_every = 10,
	big_every = 50, big_kib = 1024, requests = 0;
static const char *serve_port_file;

static int opt(const char *o, const char *v)
{
	if (!strcmp(o, "--mode") && (!strcmp(v, "all") || !strcmp(v, "server") ||
			!strcmp(v, "client")))
		mode = v;
	else if (!strcmp(o, "--connect"))
		port_arg = atoi(v);
	else if (!strcmp(o, "--clients"))
		clients = atoi(v);
	else if (!strcmp(o, "--workers"))
		workers = atoi(v);
	else if (!strcmp(o, "--backend-ms"))
		backend_ms = atoi(v);
	else if (!strcmp(o, "--slow-every"))
		slow_every = atoi(v);
	else if (!strcmp(o, "--big-every"))
		big_every = atoi(v);
	else if (!strcmp(o, "--big-kib"))
		big_kib = atoi(v);
	else if (!strcmp(o, "--requests"))
		requests = atoi(v);
	else if (!strcmp(o, "--serve-port-file"))
		serve_port_file = v;
	else
		return -1;
	return 0;
}

/* ---- framing ------------------------------------------------------------ */

static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int send_msg(int fd, const void *body, uint32_t len)
{
	uint32_t be = htonl(len);
	return write_full(fd, &be, 4) || write_full(fd, body, len) ? -1 : 0;
}

/* Reads one framed message into buf (at most cap bytes kept; the rest is
 * read in small pieces and dropped - a deliberately slow reader). */
static int recv_msg(int fd, char *buf, uint32_t cap, uint32_t *len, int slow)
{
	uint32_t be;
	if (read_full(fd, &be, 4))
		return -1;
	*len = ntohl(be);
	uint32_t keep = *len < cap ? *len : cap;
	if (read_full(fd, buf, keep))
		return -1;
	char sink[4096];
	for (uint32_t left = *len - keep; left > 0;) {
		uint32_t n = left < sizeof sink ? left : sizeof sink;
		if (read_full(fd, sink, n))
			return -1;
		left -= n;
		if (slow && (left & 0xffff) < n) {      /* pause every 64 KiB */
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

static int listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
			bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 128) ||
			getsockname(fd, (struct sockaddr *)&sa, &len)) {
		perror("tcp: listen");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static int connect_loopback(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* ---- backend: answers after backend_ms ------------------------------------ */

static int backend_port;

static void *backend_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[REQ_MAX];
	uint32_t len;
	pthread_setname_np(pthread_self(), "backend-conn");
	while (recv_msg(fd, buf, sizeof buf, &len, 0) == 0) {
		struct timespec ts = { backend_ms / 1000, (backend_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		if (send_msg(fd, "backend-answer", 14))
			break;
	}
	close(fd);
	return NULL;
}

static void *accept_loop(void *arg);

/* ---- server: accept loop, one worker per connection ------------------------ */

struct server {
	int lfd;
	const char *name;
	void *(*serve)(void *);
};

static void *accept_loop(void *arg)
{
	struct server *s = arg;
	pthread_setname_np(pthread_self(), s->name);
	for (;;) {
		int c = accept(s->lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		/* a modest send buffer: big answers to a slow reader block the
		 * writer, as they would over a real network */
		int one = 1, sndbuf = 128 * 1024;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &a, s->serve, (void *)(intptr_t)c))
			close(c);
		pthread_attr_destroy(&a);
	}
	return NULL;
}

static volatile int active_workers;

static void *worker(void *arg)
{
	int fd = (int)(intptr_t)arg, backend = -1;
	static char big[8 << 20];
	char req[REQ_MAX];
	uint32_t len;
	if (__atomic_add_fetch(&active_workers, 1, __ATOMIC_RELAXED) > workers) {
		__atomic_sub_fetch(&active_workers, 1, __ATOMIC_RELAXED);
		close(fd);      /* over the worker limit */
		return NULL;
	}
	pthread_setname_np(pthread_self(), "worker");
	while (recv_msg(fd, req, sizeof req, &len, 0) == 0 && len > 0) {
		int r;
		if (req[0] == 's') {
			char ans[64];
			uint32_t alen;
			if (backend < 0)
				backend = connect_loopback(backend_port);
			if (backend < 0 || send_msg(backend, req, len) ||
					recv_msg(backend, ans, sizeof ans, &alen, 0))
				break;
			r = send_msg(fd, ans, alen < sizeof ans ? alen : sizeof ans);
		} else if (req[0] == 'b') {
			uint32_t n = (uint32_t)big_kib * 1024u;
			r = send_msg(fd, big, n < sizeof big ? n : sizeof big);
		} else {
			r = send_msg(fd, "ok", 2);
		}
		if (r)
			break;
	}
	if (backend >= 0)
		close(backend);
	close(fd);
	__atomic_sub_fetch(&active_workers, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void start_server(struct server *s, int *port, const char *name, void *(*serve)(void *))
{
	pthread_t t;
	s->lfd = listen_loopback(port);
	s->name = name;
	s->serve = serve;
	pthread_create(&t, NULL, accept_loop, s);
	pthread_detach(t);
}

/* ---- clients ------------------------------------------------------------------ */

static volatile uint64_t done_requests, failed_clients;

static void *client(void *arg)
{
	int id = (int)(intptr_t)arg;
	char req[64], ans[256];
	uint32_t len;
	pthread_setname_np(pthread_self(), "client");
	int fd = connect_loopback(port_arg);
	if (fd < 0) {
		__atomic_add_fetch(&failed_clients, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (int i = 1; !example_stopping() && (requests == 0 || i <= requests); i++) {
		char kind = slow_every > 0 && i % slow_every == 0 ? 's' :
			big_every > 0 && (i + id) % big_every == 0 ? 'b' : 'n';
		int n = snprintf(req, sizeof req, "%c request %d from client %d", kind, i, id);
		if (send_msg(fd, req, (uint32_t)n) || recv_msg(fd, ans, sizeof ans, &len, kind == 'b'))
			break;
		__atomic_add_fetch(&done_requests, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_file(const char *path, int port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) || rename(tmp, path)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static struct server front, back;
	example_init(argc, argv, "cprof-example-tcp",
		"A blocking multi-threaded TCP server on 127.0.0.1, a slow backend it calls,\n"
		"and a client load generator (all three by default).",
		"  --mode all|server|client  what to run (default all)\n"
		"  --connect PORT            client mode: the server's port\n"
		"  --serve-port-file FILE    server mode: write the server's port to FILE\n"
		"  --clients N               client threads (default 4)\n"
		"  --requests N              requests per client, 0 = until --duration (default 0)\n"
		"  --workers N               connections served at once (default 8)\n"
		"  --backend-ms N            backend answer delay (default 2)\n"
		"  --slow-every N            every Nth request calls the backend (default 10)\n"
		"  --big-every N             every Nth request gets a big answer, read slowly (default 50)\n"
		"  --big-kib N               size of a big answer in KiB (default 1024)\n",
		opt);
	if (workers < 1 || workers > MAX_WORKERS || clients < 0 || clients > 256) {
		fprintf(stderr, "cprof-example-tcp: --workers 1..%d, --clients 0..256\n", MAX_WORKERS);
		return 2;
	}
	int serve = strcmp(mode, "client") != 0, load = strcmp(mode, "server") != 0;
	if (serve) {
		int port;
		start_server(&back, &backend_port, "backend-accept", backend_conn);
		start_server(&front, &port, "accept-loop", worker);
		if (strcmp(mode, "all") == 0)
			port_arg = port;
		printf("cprof-example-tcp: serving 127.0.0.1:%d (backend :%d)\n", port, backend_port);
		fflush(stdout);
		if (serve_port_file)
			write_file(serve_port_file, port);
	}
	if (load) {
		if (port_arg <= 0) {
			fprintf(stderr, "cprof-example-tcp: --mode client needs --connect PORT\n");
			return 2;
		}
		pthread_t t[256];
		double t0 = now_s();
		for (int i = 0; i < clients; i++)
			pthread_create(&t[i], NULL, client, (void *)(intptr_t)i);
		for (int i = 0; i < clients; i++)
			pthread_join(t[i], NULL);
		double dt = now_s() - t0;
		printf("requests=%llu seconds=%.3f rate=%.0f failed_clients=%llu\n",
			(unsigned long long)done_requests, dt, dt > 0 ? done_requests / dt : 0,
			(unsigned long long)failed_clients);
		fflush(stdout);
	} else {
		while (!example_stopping())
			example_sleep_ms(50);
	}
	example_fini();
	return failed_clients ? 1 : 0;
}
