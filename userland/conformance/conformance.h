/* conformance.h: what the conformance groups share: fixture paths and the bad pointers.
 *
 * The groups (t_*.c) are #included by conformance.c into one translation unit, so that the
 * header-only harness kt.h keeps one set of counters. Each group is a function
 * `void t_NAME(void)` that runs its checks and returns.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include "../common/kt.h"

#include <pthread.h>
#include <sys/random.h>

/* The fixture tree userland/build.sh puts into the initrd (see userland/fixtures/README). */
#define FIX "/usr/share/keel-tests/"
#define HELLO_TXT FIX "hello.txt"
#define HELLO_CONTENT "Hello from the Keel initrd.\n"
#define TESTS_DIR "/usr/lib/keel-tests/"
#define EXEC_CHECK TESTS_DIR "exec-check"

/* Addresses no syscall may dereference: NULL, the start of the kernel half (the direct map on
 * Keel), the kernel image (-2 GiB), a page that was mapped and then unmapped, and a PROT_NONE
 * page. bad_ptrs_init() fills the last two. */
enum { BAD_NULL, BAD_KHALF, BAD_KIMAGE, BAD_UNMAPPED, BAD_PROTNONE, BAD_COUNT };
static long bad_ptr[BAD_COUNT] = { 0, (long)0xffff800000000000UL, (long)0xffffffff80000000UL };
static const char *bad_name[BAD_COUNT] = { "null", "kernel-half", "kernel-image", "unmapped",
					   "prot-none" };

#endif
