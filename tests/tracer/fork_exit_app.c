/* fork_exit_app: forks a child that sleeps 6 s and exits at once, as a
 * program that daemonizes does.  Not linked with libcprof. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	usleep(300000);
	pid_t p = fork();
	if (p == 0) {
		sleep(6);
		_exit(0);
	}
	printf("child %d\n", (int)p);
	return p < 0;
}
