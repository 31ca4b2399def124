/* Hello world for Keel: build it against the sysroot with keel-cc (see the README). */
#include <stdio.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;

	if (uname(&u) != 0) {
		perror("uname");
		return 1;
	}
	printf("hello from C on %s %s\n", u.nodename, u.machine);
	return 0;
}
