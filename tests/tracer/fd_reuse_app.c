/* fd_reuse_app: socket fds that become something else - a file by dup2 or
 * dup3, an eventfd or a pipe after a close and a create made with raw
 * system calls (out of an interposer's sight) - still read as what they
 * now are.  Prints "ok", or FAIL lines and exits 1.  Not linked with
 * libcprof. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>
static int check_read(const char *what, int fd) {
	char b[8]; ssize_t r = read(fd, b, sizeof b);
	if (r < 0) { printf("FAIL %s: read: %s\n", what, strerror(errno)); return 1; }
	return 0;
}
int main(void) {
	int bad = 0, sv[2];
	int f = open("/etc/hostname", O_RDONLY);
	/* 1. dup2 a file over a socket fd */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	send(sv[1], "abc", 3, 0); char b[8]; recv(sv[0], b, 3, 0);
	dup2(f, sv[0]); lseek(sv[0], 0, SEEK_SET);
	bad |= check_read("dup2 file over socket", sv[0]);
	/* 2. dup3 */
	int s2[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, s2); send(s2[1], "x", 1, 0); recv(s2[0], b, 1, 0);
	dup3(f, s2[0], O_CLOEXEC); lseek(s2[0], 0, SEEK_SET);
	bad |= check_read("dup3 file over socket", s2[0]);
	/* 3. socket closed with a raw syscall, number reused by a raw eventfd */
	int s3[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, s3); send(s3[1], "x", 1, 0); recv(s3[0], b, 1, 0);
	int num = s3[0];
	syscall(SYS_close, num);
	int e = (int)syscall(SYS_eventfd2, 0, 0);
	if (e == num) { unsigned long long one = 1; write(e, &one, 8); unsigned long long v; if (read(e, &v, 8) != 8) { printf("FAIL raw close + raw eventfd: read: %s\n", strerror(errno)); bad = 1; } }
	else printf("(eventfd got %d, not %d)\n", e, num);
	/* 4. socket closed by close_range, number reused by pipe2 via syscall */
	int s4[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, s4); send(s4[1], "x", 1, 0); recv(s4[0], b, 1, 0);
	int p[2];
	syscall(SYS_close, s4[0]);
	syscall(SYS_pipe2, p, 0);
	write(p[1], "hi", 2);
	if (read(p[0], b, 2) != 2) { printf("FAIL pipe over old socket fd: read: %s\n", strerror(errno)); bad = 1; }
	printf(bad ? "bad\n" : "ok\n");
	return bad;
}
