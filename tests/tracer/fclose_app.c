/* fclose_app: a socket wrapped with fdopen and closed with fclose, its peer
 * closed with close.  Not linked with libcprof: run preloaded.  Prints the
 * two fd numbers. */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int sv[2];
	char buf[16];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	FILE *f = fdopen(sv[0], "w");
	if (!f || fprintf(f, "hello\n") < 0 || fclose(f))
		return 1;
	if (read(sv[1], buf, sizeof buf) != 6 || close(sv[1]))
		return 1;
	printf("%d %d\n", sv[0], sv[1]);
	return 0;
}
