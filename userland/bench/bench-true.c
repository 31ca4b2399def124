/* bench-true: exits with status 0 at once, without libc (no startup code at all), so that
 * bench's fork-exec-wait measures the kernel's exec and exit, nothing else. Built with
 * -nostdlib -ffreestanding by userland/build.sh into /usr/lib/keel-tests/bench-true.
 */
void _start(void) __attribute__((noreturn));
void _start(void)
{
	for (;;)
		__asm__ volatile("syscall" : : "a"(231L /* exit_group */), "D"(0L) : "rcx", "r11");
}
