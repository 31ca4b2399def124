/* hello: the "must show" C program: stdio, argv, envp, a file read from the initrd, and its
 * exit status. Prints its arguments and environment, reads /usr/share/keel-tests/hello.txt,
 * checks what it can, prints `N passed, N failed`, and exits with status 0 if all passed
 * (as PID 1 it powers off instead, unless keel_pid1_exit=1: see ../common/kt.h). With
 * `--exit N` it exits with status N after the summary instead, to show exit statuses. */
#include "../common/kt.h"

#include <fcntl.h>

int main(int argc, char **argv, char **envp)
{
	kt_init();
	printf("Hello from C, pid %d\n", (int)getpid());
	int want_exit = -1;
	for (int i = 0; i < argc; i++) {
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
		if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc)
			want_exit = atoi(argv[i + 1]);
	}
	int envc = 0;
	for (char **e = envp; *e; e++, envc++)
		printf("envp[%d] = \"%s\"\n", envc, *e);
	kt_expect_true("hello.argv0", argc >= 1 && argv[0] && argv[0][0], "a non-empty argv[0]");
	kt_expect_true("hello.argv-terminated", argv[argc] == NULL, "argv[argc] == NULL");

	FILE *f = fopen("/usr/share/keel-tests/hello.txt", "r");
	char line[128] = { 0 };
	kt_expect_true("hello.fopen-initrd-file", f != NULL, "fopen to succeed");
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = 0;
		fclose(f);
		printf("hello.txt says: %s", line);
	}
	kt_expect_true("hello.file-content", strcmp(line, "Hello from the Keel initrd.\n") == 0,
		       "\"Hello from the Keel initrd.\"");
	char *buf = malloc(1 << 20);
	kt_expect_true("hello.malloc-1MiB", buf != NULL, "malloc to succeed");
	if (buf) {
		memset(buf, 1, 1 << 20);
		free(buf);
	}
	fprintf(stderr, "hello: this line went to stderr\n");
	if (want_exit >= 0) {
		printf("%d passed, %d failed\n", kt_passed, kt_failed);
		printf("hello: exiting with status %d\n", want_exit);
		fflush(stdout);
		_exit(want_exit);
	}
	kt_finish();
}
