/* t_mm.c: the address space: brk, mmap (anonymous private/shared, MAP_FIXED,
 * MAP_FIXED_NOREPLACE, protections), munmap, mprotect, madvise(MADV_DONTNEED), mremap and its
 * errors, demand-zero pages, and read() into an untouched mapping. No test faults on purpose
 * (signals come later): PROT_NONE and unmapped ranges are probed through syscalls (EFAULT). */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "conformance.h"

#define PG 4096L
#define MAP_ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

static int all_bytes(const char *p, long n, int v)
{
	for (long i = 0; i < n; i++)
		if (p[i] != (char)v)
			return 0;
	return 1;
}

static long map(long addr, long len, int prot, int flags)
{
	return kt_sys6(SYS_mmap, addr, len, prot, flags, -1, 0);
}

static void t_mm_brk(void)
{
	long cur = kt_sys1(SYS_brk, 0);
	kt_expect_true("mm.brk-query", cur > 0, "a positive break");
	long want = cur + 64 * 1024;
	kt_expect_eq("mm.brk-grow", kt_sys1(SYS_brk, want), want);
	char *p = (char *)cur;
	kt_expect_true("mm.brk-grown-memory-zeroed", all_bytes(p, want - cur, 0), "zeros");
	memset(p, 0xab, want - cur);
	kt_expect_true("mm.brk-grown-memory-writable", all_bytes(p, want - cur, 0xab), "0xab");
	kt_expect_eq("mm.brk-shrink", kt_sys1(SYS_brk, cur), cur);
	kt_expect_eq("mm.brk-regrow", kt_sys1(SYS_brk, want), want);
	kt_expect_true("mm.brk-regrown-memory-zeroed", all_bytes(p, want - cur, 0),
		       "zeros after shrink and regrow");
	kt_sys1(SYS_brk, cur);
	kt_expect_eq("mm.brk-below-start-returns-current", kt_sys1(SYS_brk, 4096), cur);
}

static void t_mm_mmap(void)
{
	long r = map(0, 16 * PG, PROT_READ | PROT_WRITE, MAP_ANON_PRIV);
	kt_expect_true("mm.mmap-anon-private", r > 0 && (r & (PG - 1)) == 0, "a page address");
	char *p = (char *)r;
	kt_expect_true("mm.mmap-demand-zero", all_bytes(p, 16 * PG, 0), "zeros");
	memset(p, 7, 16 * PG);
	kt_expect_true("mm.mmap-writable", all_bytes(p, 16 * PG, 7), "7s");

	/* MAP_FIXED over the middle replaces it with fresh zero pages. */
	long m = map(r + 4 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_ANON_PRIV | MAP_FIXED);
	kt_expect_eq("mm.mmap-fixed-address", m, r + 4 * PG);
	kt_expect_true("mm.mmap-fixed-replaces", all_bytes(p + 4 * PG, 2 * PG, 0) &&
			       all_bytes(p + 3 * PG, PG, 7) && all_bytes(p + 6 * PG, PG, 7),
		       "zeros in the replaced pages, 7s around them");
	kt_expect_err("mm.mmap-fixed-noreplace-EEXIST",
		      map(r + PG, PG, PROT_READ, MAP_ANON_PRIV | MAP_FIXED_NOREPLACE), EEXIST);
	kt_expect_eq("mm.munmap-middle", kt_sys2(SYS_munmap, r + 8 * PG, 2 * PG), 0);
	kt_expect_eq("mm.mmap-fixed-noreplace-free-range",
		     map(r + 8 * PG, PG, PROT_READ | PROT_WRITE, MAP_ANON_PRIV | MAP_FIXED_NOREPLACE),
		     r + 8 * PG);
	kt_expect_true("mm.munmap-keeps-neighbours", all_bytes(p + 7 * PG, PG, 7) &&
			       all_bytes(p + 10 * PG, PG, 7), "7s next to the hole");
	kt_expect_err("mm.write-from-unmapped-EFAULT", kt_sys3(SYS_write, 1, r + 9 * PG, 1), EFAULT);

	/* madvise(MADV_DONTNEED) drops private anonymous pages: they read back as zeros. */
	kt_expect_eq("mm.madvise-dontneed", kt_sys3(SYS_madvise, r, 2 * PG, MADV_DONTNEED), 0);
	kt_expect_true("mm.madvise-dontneed-zeroes", all_bytes(p, 2 * PG, 0) &&
			       all_bytes(p + 2 * PG, PG, 7), "zeros, then the untouched 7s");
	kt_expect_eq("mm.madvise-willneed", kt_sys3(SYS_madvise, r, PG, MADV_WILLNEED), 0);
	kt_expect_err("mm.madvise-unaligned-EINVAL", kt_sys3(SYS_madvise, r + 1, PG, MADV_DONTNEED),
		      EINVAL);

	/* Protections, observed through syscalls rather than faults. */
	kt_expect_eq("mm.mprotect-none", kt_sys3(SYS_mprotect, r, PG, PROT_NONE), 0);
	kt_expect_err("mm.write-from-PROT_NONE-EFAULT", kt_sys3(SYS_write, 1, r, 1), EFAULT);
	kt_expect_eq("mm.mprotect-read", kt_sys3(SYS_mprotect, r, PG, PROT_READ), 0);
	long fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	kt_expect_err("mm.read-into-readonly-EFAULT", kt_sys3(SYS_read, fd, r, 4), EFAULT);
	kt_expect_eq("mm.mprotect-read-write", kt_sys3(SYS_mprotect, r, PG, PROT_READ | PROT_WRITE),
		     0);
	kt_expect_eq("mm.read-into-writable", kt_sys3(SYS_read, fd, r, 5), 5);
	kt_expect_true("mm.read-into-writable-content", memcmp(p, "Hello", 5) == 0, "'Hello'");
	kt_sys1(SYS_close, fd);
	kt_expect_err("mm.mprotect-unmapped-ENOMEM",
		      kt_sys3(SYS_mprotect, r + 9 * PG, PG, PROT_READ), ENOMEM);
	kt_expect_err("mm.mprotect-unaligned-EINVAL", kt_sys3(SYS_mprotect, r + 1, PG, PROT_READ),
		      EINVAL);
	kt_expect_eq("mm.munmap-all", kt_sys2(SYS_munmap, r, 16 * PG), 0);
	kt_expect_eq("mm.munmap-unmapped-is-ok", kt_sys2(SYS_munmap, r, 16 * PG), 0);

	/* PROT_NONE mapping made accessible later. */
	r = map(0, 2 * PG, PROT_NONE, MAP_ANON_PRIV);
	kt_expect_ok("mm.mmap-prot-none", r);
	kt_expect_err("mm.prot-none-read-by-kernel-EFAULT", kt_sys3(SYS_write, 1, r, 1), EFAULT);
	kt_expect_eq("mm.mprotect-prot-none-to-rw",
		     kt_sys3(SYS_mprotect, r, 2 * PG, PROT_READ | PROT_WRITE), 0);
	((char *)r)[PG + 5] = 9;
	kt_expect_true("mm.prot-none-then-rw-usable", ((char *)r)[PG + 5] == 9 &&
			       all_bytes((char *)r, PG, 0), "the written byte and zeros");
	kt_sys2(SYS_munmap, r, 2 * PG);

	kt_expect_err("mm.mmap-zero-length-EINVAL", map(0, 0, PROT_READ, MAP_ANON_PRIV), EINVAL);
	kt_expect_err("mm.mmap-no-type-EINVAL", map(0, PG, PROT_READ, MAP_ANONYMOUS), EINVAL);
	kt_expect_err("mm.mmap-fixed-unaligned-EINVAL",
		      map(0x10000001, PG, PROT_READ, MAP_ANON_PRIV | MAP_FIXED), EINVAL);
	kt_expect_err("mm.mmap-fixed-kernel-address-ENOMEM",
		      map((long)0xffff800000000000UL, PG, PROT_READ, MAP_ANON_PRIV | MAP_FIXED),
		      ENOMEM);
	kt_expect_err("mm.mmap-bad-fd-EBADF",
		      kt_sys6(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE, 999, 0), EBADF);
	kt_expect_err("mm.munmap-unaligned-EINVAL", kt_sys2(SYS_munmap, 0x10000001, PG), EINVAL);
	kt_expect_err("mm.munmap-zero-length-EINVAL", kt_sys2(SYS_munmap, 0x10000000, 0), EINVAL);
	kt_expect_err("mm.munmap-kernel-address-EINVAL",
		      kt_sys2(SYS_munmap, (long)0xffff800000000000UL, PG), EINVAL);

	/* Shared anonymous: usable, and mremap keeps the contents of its object. */
	r = map(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	kt_expect_ok("mm.mmap-anon-shared", r);
	kt_expect_true("mm.mmap-anon-shared-zeroed", all_bytes((char *)r, 4 * PG, 0), "zeros");
	memset((char *)r, 3, 4 * PG);
	kt_expect_true("mm.mmap-anon-shared-writable", all_bytes((char *)r, 4 * PG, 3), "3s");
	kt_sys2(SYS_munmap, r, 4 * PG);

	/* A big demand-zero region: touch one byte per page. */
	long big = 64L << 20;
	r = map(0, big, PROT_READ | PROT_WRITE, MAP_ANON_PRIV);
	int ok = r > 0;
	for (long off = 0; ok && off < big; off += PG) {
		ok &= ((char *)r)[off] == 0;
		((char *)r)[off] = 1;
	}
	kt_expect_true("mm.mmap-64MiB-touch-every-page", ok, "every page zero then writable");
	kt_sys2(SYS_munmap, r, big);
}

static void t_mm_mremap(void)
{
	long r = map(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_ANON_PRIV);
	kt_sys2(SYS_munmap, r + 2 * PG, 6 * PG);
	memset((char *)r, 5, 2 * PG);
	long g = kt_sys5(SYS_mremap, r, 2 * PG, 4 * PG, 0, 0);
	kt_expect_eq("mm.mremap-grow-in-place", g, r);
	kt_expect_true("mm.mremap-grow-keeps-and-zero-fills", all_bytes((char *)r, 2 * PG, 5) &&
			       all_bytes((char *)r + 2 * PG, 2 * PG, 0), "5s then zeros");
	long blocker = map(r + 4 * PG, PG, PROT_READ, MAP_ANON_PRIV | MAP_FIXED_NOREPLACE);
	kt_expect_err("mm.mremap-grow-blocked-without-maymove-ENOMEM",
		      kt_sys5(SYS_mremap, r, 4 * PG, 8 * PG, 0, 0), ENOMEM);
	long m = kt_sys5(SYS_mremap, r, 4 * PG, 8 * PG, MREMAP_MAYMOVE, 0);
	kt_expect_true("mm.mremap-maymove-moves", m > 0 && m != r, "a new address");
	kt_expect_true("mm.mremap-move-keeps-contents",
		       m > 0 && all_bytes((char *)m, 2 * PG, 5) &&
			       all_bytes((char *)m + 2 * PG, 6 * PG, 0), "5s then zeros");
	kt_expect_err("mm.mremap-old-range-gone-EFAULT", kt_sys3(SYS_write, 1, r, 1), EFAULT);
	long dest = map(0, 8 * PG, PROT_NONE, MAP_ANON_PRIV);
	long f = kt_sys5(SYS_mremap, m, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	kt_expect_eq("mm.mremap-fixed-destination", f, dest);
	kt_expect_true("mm.mremap-fixed-keeps-contents", f == dest && all_bytes((char *)f, PG, 5),
		       "5s at the destination");
	kt_expect_eq("mm.mremap-shrink", kt_sys5(SYS_mremap, f, 8 * PG, 2 * PG, 0, 0), f);
	kt_expect_err("mm.mremap-shrunk-tail-unmapped-EFAULT",
		      kt_sys3(SYS_write, 1, f + 3 * PG, 1), EFAULT);
	kt_expect_err("mm.mremap-unmapped-old-EFAULT",
		      kt_sys5(SYS_mremap, f + 4 * PG, PG, 2 * PG, MREMAP_MAYMOVE, 0), EFAULT);
	kt_expect_err("mm.mremap-unaligned-EINVAL",
		      kt_sys5(SYS_mremap, f + 1, PG, 2 * PG, MREMAP_MAYMOVE, 0), EINVAL);
	kt_expect_err("mm.mremap-zero-new-size-EINVAL",
		      kt_sys5(SYS_mremap, f, PG, 0, MREMAP_MAYMOVE, 0), EINVAL);
	kt_expect_err("mm.mremap-fixed-without-maymove-EINVAL",
		      kt_sys5(SYS_mremap, f, PG, PG, MREMAP_FIXED, dest + 4 * PG), EINVAL);
	kt_sys2(SYS_munmap, f, 2 * PG);
	kt_sys2(SYS_munmap, blocker, PG);
}

static void t_mm_read_untouched(void)
{
	long r = map(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_ANON_PRIV);
	long fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	long n = kt_sys3(SYS_read, fd, r + PG - 3, 64); /* straddles two untouched pages */
	kt_expect_eq("mm.read-into-untouched-mmap", n, sizeof HELLO_CONTENT - 1);
	kt_expect_true("mm.read-into-untouched-mmap-content",
		       memcmp((char *)r + PG - 3, HELLO_CONTENT, sizeof HELLO_CONTENT - 1) == 0,
		       "the fixture's text");
	kt_sys1(SYS_close, fd);
	kt_sys2(SYS_munmap, r, 4 * PG);
}

/* A terabyte reserved with PROT_NONE costs nothing until used: mprotect, mincore and munmap
 * over it must take no longer than what is actually mapped (a kernel that walks every page
 * of the range hangs here, and the harness's timeout reports it). */
static void t_mm_huge_reservation(void)
{
	const long TB = 1L << 40;
	long r = kt_sys6(SYS_mmap, 0, TB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	kt_expect_true("mm.reserve-1TiB-prot-none", r > 0 && (r & (PG - 1)) == 0, "a mapping");
	if (r <= 0)
		return;
	kt_expect_eq("mm.reserve-mprotect-first-page", kt_sys3(SYS_mprotect, r, PG,
							       PROT_READ | PROT_WRITE), 0);
	*(volatile char *)r = 42;
	kt_expect_eq("mm.reserve-mprotect-all-none", kt_sys3(SYS_mprotect, r, TB, PROT_NONE), 0);
	kt_expect_eq("mm.reserve-mprotect-first-back", kt_sys3(SYS_mprotect, r, PG, PROT_READ), 0);
	kt_expect_eq("mm.reserve-keeps-content", *(volatile char *)r, 42);
	static unsigned char vec[4096];
	kt_expect_eq("mm.reserve-mincore-16MiB", kt_sys3(SYS_mincore, r, 4096 * PG, vec), 0);
	kt_expect_true("mm.reserve-mincore-first-resident", vec[0] == 1 && vec[1] == 0,
		       "page 0 resident, page 1 not");
	kt_expect_eq("mm.reserve-munmap-1TiB", kt_sys2(SYS_munmap, r, TB), 0);
}

/* A PROT_NONE private file mapping: the file's bytes are in it, but neither the program nor
 * a system call on its behalf may read them until mprotect allows it. */
static void t_mm_protnone_file(void)
{
	long fd = kt_sys2(SYS_open, HELLO_TXT, O_RDONLY);
	/* A regular file as the sink: /dev/null never reads the buffer, on Linux either. */
	long nul = kt_sys3(SYS_open, "/tmp/protnone-sink", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	long p = kt_sys6(SYS_mmap, 0, PG, PROT_NONE, MAP_PRIVATE, fd, 0);
	kt_expect_true("mm.file-map-prot-none", p > 0, "a mapping");
	kt_expect_err("mm.write-from-prot-none-file-map-EFAULT", kt_sys3(SYS_write, nul, p, 1), EFAULT);
	kt_expect_eq("mm.file-map-mprotect-read", kt_sys3(SYS_mprotect, p, PG, PROT_READ), 0);
	kt_expect_eq("mm.write-from-readable-file-map", kt_sys3(SYS_write, nul, p, 5), 5);
	kt_expect_true("mm.file-map-content", memcmp((char *)p, HELLO_CONTENT, 5) == 0, "the file's bytes");
	kt_expect_err("mm.file-map-offset-overflow-EOVERFLOW",
		      kt_sys6(SYS_mmap, 0, PG, PROT_READ, MAP_PRIVATE, fd, -4096L), EOVERFLOW);
	kt_sys2(SYS_munmap, p, PG);
	kt_sys1(SYS_close, fd);
	kt_sys1(SYS_close, nul);
}

void t_mm(void)
{
	t_mm_brk();
	t_mm_mmap();
	t_mm_mremap();
	t_mm_read_untouched();
	t_mm_huge_reservation();
	t_mm_protnone_file();
}
