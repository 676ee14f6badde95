/* execveat_app PROG [ARGS...]: replaces itself with PROG through
 * execveat(AT_FDCWD, PROG, ...), the exec glibc does not route through
 * execve.  Not linked with libcprof. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: execveat_app PROG [ARGS...]\n");
		return 2;
	}
	execveat(AT_FDCWD, argv[1], argv + 1, environ, 0);
	perror("execveat_app");
	return 127;
}
