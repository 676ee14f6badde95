/* execveat_app [--syscall] PROG [ARGS...]: replaces itself with PROG
 * through execveat(AT_FDCWD, PROG, ...), the exec glibc does not route
 * through execve, or with --syscall through syscall(SYS_execve, ...).  Not
 * linked with libcprof. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	int raw = argc > 1 && !strcmp(argv[1], "--syscall");
	if (argc < 2 + raw) {
		fprintf(stderr, "usage: execveat_app [--syscall] PROG [ARGS...]\n");
		return 2;
	}
	if (raw)
		syscall(SYS_execve, argv[2], argv + 2, environ);
	else
		execveat(AT_FDCWD, argv[1], argv + 1, environ, 0);
	perror("execveat_app");
	return 127;
}
