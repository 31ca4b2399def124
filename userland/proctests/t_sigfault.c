/* t_sigfault.c: synchronous signals and what a handler may rely on. SIGSEGV with si_addr and
 * si_code (SEGV_MAPERR, SEGV_ACCERR), fixed by the handler (mprotect, then the access
 * restarts) or left by siglongjmp; SIGBUS past the end of a file mapping; SIGFPE (FPE_INTDIV);
 * SIGILL from ud2 with the handler moving RIP in the ucontext; SIGTRAP from int3; faults that
 * are blocked, ignored or nested still kill; SA_ONSTACK with sigaltstack (a local's address,
 * SS_ONSTACK, EPERM while on it, a stack overflow caught on the alternate stack); FPU/SSE/AVX
 * state: registers kept across a handler that clobbers them, the handler starting with default
 * MXCSR and x87 control word, floating point in a loop interrupted by a timer. */
#include "proctests.h"

/* Top-level asm: known addresses for the faulting instructions. */
__asm__(".text\n"
	".globl pt_ud2\n"
	"pt_ud2:\n"
	"	ud2\n"
	"	ret\n"
	".globl pt_int3\n"
	"pt_int3:\n"
	"	int3\n"
	"	ret\n");
void pt_ud2(void);
void pt_int3(void);

static sigjmp_buf f_jb;
static volatile int f_signo, f_code, f_count, f_jump;
static void *volatile f_addr;

static void h_fault(int s, siginfo_t *si, void *uc)
{
	f_signo = s;
	f_code = si->si_code;
	f_addr = si->si_addr;
	f_count++;
	if (f_jump)
		siglongjmp(f_jb, 1);
	if (s == SIGSEGV) /* make the page writable: the access restarts and succeeds */
		mprotect((void *)((uintptr_t)si->si_addr & ~4095UL), 4096, PROT_READ | PROT_WRITE);
	if (s == SIGILL) /* skip the 2-byte ud2 */
		((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP] += 2;
}

static void fault_reset(int jump)
{
	f_signo = f_code = f_count = 0;
	f_addr = 0;
	f_jump = jump;
}

static void t_segv(void)
{
	pt_siginfo_handler(SIGSEGV, h_fault, 0);
	pt_siginfo_handler(SIGBUS, h_fault, 0);
	char *page = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fault_reset(0);
	((volatile char *)page)[123] = 77;
	kt_expect_eq("sigfault.segv-prot-none-signo", f_signo, SIGSEGV);
	kt_expect_eq("sigfault.segv-prot-none-SEGV_ACCERR", f_code, SEGV_ACCERR);
	kt_expect_true("sigfault.segv-si_addr-exact", f_addr == page + 123, "the faulting address");
	kt_expect_true("sigfault.segv-handler-fix-restarts-access", f_count == 1 && page[123] == 77,
		       "one fault, then the store done");
	mprotect(page, 4096, PROT_READ);
	fault_reset(1);
	if (!sigsetjmp(f_jb, 1))
		((volatile char *)page)[5] = 1;
	kt_expect_true("sigfault.segv-write-read-only-ACCERR",
		       f_count == 1 && f_code == SEGV_ACCERR && f_addr == page + 5,
		       "SEGV_ACCERR at page+5");
	kt_expect_eq("sigfault.siglongjmp-restores-mask", pt_mask() & BIT(SIGSEGV), 0);
	munmap(page, 4096);
	fault_reset(1);
	if (!sigsetjmp(f_jb, 1))
		(void)((volatile char *)page)[8];
	kt_expect_true("sigfault.segv-unmapped-MAPERR",
		       f_count == 1 && f_code == SEGV_MAPERR && f_addr == page + 8,
		       "SEGV_MAPERR at page+8");
	fault_reset(1);
	if (!sigsetjmp(f_jb, 1))
		(void)*(volatile int *)pt_low_addr;
	kt_expect_true("sigfault.segv-null-page-MAPERR",
		       f_count == 1 && f_code == SEGV_MAPERR && f_addr == (void *)16,
		       "SEGV_MAPERR at address 16");

	/* SIGBUS: a whole page past the end of a file mapping; the rest of the last page is 0. */
	int fd = open(HELLO_TXT, O_RDONLY);
	char *fm = mmap(0, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (fm != MAP_FAILED) {
		kt_expect_true("sigfault.file-map-tail-of-last-page-zero",
			       fm[0] == 'H' && fm[100] == 0 && fm[4095] == 0, "'H' then zeros");
		fault_reset(1);
		if (!sigsetjmp(f_jb, 1))
			(void)((volatile char *)fm)[4096 + 10];
		kt_expect_true("sigfault.sigbus-past-eof",
			       f_signo == SIGBUS && f_code == BUS_ADRERR &&
				       f_addr == fm + 4096 + 10,
			       "SIGBUS BUS_ADRERR at the address");
		munmap(fm, 8192);
	} else {
		kt_fail("sigfault.file-map", "mmap of %s failed: %s", HELLO_TXT, strerror(errno));
	}
	pt_default(SIGSEGV);
	pt_default(SIGBUS);
}

static volatile int v_zero = 0, v_minus1 = -1, v_intmin = (int)0x80000000;

static void t_traps(void)
{
	pt_siginfo_handler(SIGFPE, h_fault, 0);
	pt_siginfo_handler(SIGILL, h_fault, 0);
	pt_siginfo_handler(SIGTRAP, h_fault, 0);
	volatile int r = 0;
	fault_reset(1);
	if (!sigsetjmp(f_jb, 1)) { /* idiv by hand: the compiler turns 1 / x into compares */
		int q, d = v_zero;
		__asm__ volatile("cltd\n idivl %1" : "=a"(q) : "r"(d), "a"(1000) : "edx");
		r = q;
	}
	kt_expect_true("sigfault.sigfpe-divide-by-zero-FPE_INTDIV",
		       f_signo == SIGFPE && f_code == FPE_INTDIV, "SIGFPE FPE_INTDIV");
	fault_reset(1);
	if (!sigsetjmp(f_jb, 1)) {
		int q, d = v_minus1;
		__asm__ volatile("cltd\n idivl %1" : "=a"(q) : "r"(d), "a"(v_intmin) : "edx");
		r = q;
	}
	kt_expect_true("sigfault.sigfpe-int-min-by-minus-1-FPE_INTDIV",
		       f_signo == SIGFPE && f_code == FPE_INTDIV, "SIGFPE FPE_INTDIV");
	(void)r;
	fault_reset(0);
	pt_ud2();
	kt_expect_true("sigfault.sigill-ud2-ILL_ILLOPN", f_signo == SIGILL && f_code == ILL_ILLOPN,
		       "SIGILL ILL_ILLOPN");
	kt_expect_true("sigfault.sigill-si_addr-is-instruction", f_addr == (void *)pt_ud2,
		       "si_addr == the ud2");
	kt_expect_eq("sigfault.handler-moved-rip-resumes", f_count, 1);
	fault_reset(0);
	pt_int3();
	kt_expect_true("sigfault.int3-sigtrap-resumes-after", f_signo == SIGTRAP && f_count == 1,
		       "SIGTRAP once, then execution goes on after the int3");
	kt_expect_eq("sigfault.int3-si_code-SI_KERNEL", f_code, SI_KERNEL);
	pt_default(SIGFPE);
	pt_default(SIGILL);
	pt_default(SIGTRAP);

	/* A fault that is blocked, ignored, or happens inside its own handler kills. */
	const char *names[3] = { "sigfault.blocked-segv-still-kills",
				 "sigfault.ignored-segv-still-kills",
				 "sigfault.fault-in-segv-handler-kills" };
	for (int i = 0; i < 3; i++) {
		pid_t p = pt_fork();
		if (p == 0) {
			if (i == 0)
				pt_setmask(BIT(SIGSEGV));
			if (i == 1)
				signal(SIGSEGV, SIG_IGN);
			if (i == 2) {
				fault_reset(0);
				pt_siginfo_handler(SIGSEGV, h_fault, 0);
				mprotect((void *)((uintptr_t)&f_count & ~4095UL), 4096, PROT_READ);
			}
			*(volatile int *)pt_low_addr = 1;
			_exit(99);
		}
		expect_killed(names[i], pt_wait(p), SIGSEGV);
	}
}

static char alt_mem[65536] __attribute__((aligned(16)));
static volatile uintptr_t alt_local;
static volatile int alt_flags, alt_change;

static void h_alt(int s)
{
	(void)s;
	volatile char here;
	alt_local = (uintptr_t)&here;
	stack_t cur, other = { alt_mem, 0, sizeof alt_mem };
	sigaltstack(0, &cur);
	alt_flags = cur.ss_flags;
	alt_change = sigaltstack(&other, 0) < 0 ? errno : 0;
}

static void h_overflow(int s)
{
	(void)s;
	volatile char here;
	_exit((uintptr_t)&here >= (uintptr_t)alt_mem &&
			      (uintptr_t)&here < (uintptr_t)alt_mem + sizeof alt_mem ? 0 : 1);
}

static volatile int recurse_limit = 1 << 30;
static int recurse(int n)
{
	volatile char buf[1024];
	buf[0] = (char)n;
	if (n >= recurse_limit)
		return 0;
	return recurse(n + 1) + buf[0];
}

static void t_altstack(void)
{
	stack_t ss = { alt_mem, 0, sizeof alt_mem }, old;
	sigaltstack(&ss, &old);
	pt_handler(SIGUSR1, h_alt, SA_ONSTACK, 0);
	raise(SIGUSR1);
	int on = alt_local >= (uintptr_t)alt_mem && alt_local < (uintptr_t)alt_mem + sizeof alt_mem;
	kt_expect_true("sigfault.sa_onstack-runs-on-altstack", on, "a local inside the alt stack");
	kt_expect_eq("sigfault.sa_onstack-ss_flags-SS_ONSTACK", alt_flags, SS_ONSTACK);
	kt_expect_eq("sigfault.sigaltstack-change-while-on-it-EPERM", alt_change, EPERM);
	stack_t now;
	sigaltstack(0, &now);
	kt_expect_eq("sigfault.sigaltstack-flags-0-after-handler", now.ss_flags, 0);
	pt_handler(SIGUSR1, h_alt, 0, 0);
	raise(SIGUSR1);
	on = alt_local >= (uintptr_t)alt_mem && alt_local < (uintptr_t)alt_mem + sizeof alt_mem;
	kt_expect_true("sigfault.without-sa_onstack-normal-stack", !on, "a local outside it");
	stack_t dis = { 0, SS_DISABLE, 0 };
	sigaltstack(&dis, 0);
	pt_default(SIGUSR1);
	pid_t p = pt_fork();
	if (p == 0) {
		sigaltstack(&ss, 0);
		pt_handler(SIGSEGV, h_overflow, SA_ONSTACK, 0);
		_exit(recurse(0) ? 2 : 3);
	}
	expect_exit("sigfault.stack-overflow-caught-on-altstack", pt_wait(p), 0);
}

/* ---- FPU state ---- */
static volatile unsigned h_mxcsr, h_fcw;
static volatile int fpu_count;
static volatile double h_result;

static void h_fpu(int s)
{
	(void)s;
	unsigned m;
	unsigned short cw;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	h_mxcsr = m;
	h_fcw = cw;
	fpu_count++;
	double x = 0.1;
	for (int i = 0; i < 50; i++)
		x = x * 1.7 + 0.3 / (x + 1.0);
	h_result = x;
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n"
			 "pcmpeqd %%xmm1, %%xmm1\n"
			 "movdqa %%xmm0, %%xmm2\n movdqa %%xmm0, %%xmm3\n"
			 "movdqa %%xmm0, %%xmm4\n movdqa %%xmm0, %%xmm5\n"
			 "movdqa %%xmm0, %%xmm6\n movdqa %%xmm0, %%xmm7\n"
			 "movdqa %%xmm0, %%xmm8\n movdqa %%xmm0, %%xmm9\n"
			 "movdqa %%xmm0, %%xmm10\n movdqa %%xmm0, %%xmm11\n"
			 "movdqa %%xmm0, %%xmm12\n movdqa %%xmm0, %%xmm13\n"
			 "movdqa %%xmm0, %%xmm14\n movdqa %%xmm0, %%xmm15\n" ::
				 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
				   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
				   "xmm15");
}

#define XMM_ALL                                                                            \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",         \
		"xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define XMM_LOAD(n) "movdqu " #n "*16(%%r12), %%xmm" #n "\n"
#define XMM_STORE(n) "movdqu %%xmm" #n ", " #n "*16(%%r13)\n"
#define XMM_16(m)                                                                              \
	m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) m(11) m(12) m(13) m(14) m(15)

/* Loads xmm0-15, sends itself SIGUSR1 with a raw kill in the same asm, stores xmm0-15. */
static void xmm_across_signal(uint64_t in[32], uint64_t out[32])
{
	register uint64_t *r12 __asm__("r12") = in;
	register uint64_t *r13 __asm__("r13") = out;
	register long pid __asm__("r14") = getpid();
	__asm__ volatile(XMM_16(XMM_LOAD)
			 "mov $62, %%eax\n mov %%r14, %%rdi\n mov $10, %%esi\n syscall\n"
			 XMM_16(XMM_STORE)
			 :
			 : "r"(r12), "r"(r13), "r"(pid)
			 : "rax", "rdi", "rsi", "rcx", "r11", "memory", XMM_ALL);
}

static double fp_work(long n)
{
	double s = 0, x = 1.0;
	for (long i = 0; i < n; i++) {
		x = x * 1.0000001 + 1e-9;
		s += x / (1.0 + (double)(i & 15));
	}
	return s;
}

static void t_fpu(void)
{
	pt_handler(SIGUSR1, h_fpu, 0, 0);
	uint64_t in[32], out[32];
	for (int i = 0; i < 32; i++)
		in[i] = 0x0101010101010101ULL * (uint64_t)(i + 1) ^ 0x5a5a000012345678ULL;
	memset(out, 0, sizeof out);
	fpu_count = 0;
	xmm_across_signal(in, out);
	kt_expect_eq("sigfault.fpu-handler-ran", fpu_count, 1);
	kt_expect_true("sigfault.xmm0-15-preserved-across-handler", !memcmp(in, out, sizeof in),
		       "xmm0-15 as loaded before the signal");

	unsigned mx = 0x7f80, got_mx = 0; /* round toward zero */
	unsigned short cw = 0x27f, got_cw = 0; /* 53-bit precision */
	__asm__ volatile("ldmxcsr %0" ::"m"(mx));
	__asm__ volatile("fldcw %0" ::"m"(cw));
	raise(SIGUSR1);
	__asm__ volatile("stmxcsr %0" : "=m"(got_mx));
	__asm__ volatile("fnstcw %0" : "=m"(got_cw));
	unsigned def_mx = 0x1f80;
	unsigned short def_cw = 0x37f;
	__asm__ volatile("ldmxcsr %0" ::"m"(def_mx));
	__asm__ volatile("fldcw %0" ::"m"(def_cw));
	kt_expect_eq("sigfault.handler-starts-with-default-mxcsr", h_mxcsr, 0x1f80);
	kt_expect_eq("sigfault.handler-starts-with-default-x87-cw", h_fcw, 0x37f);
	kt_expect_eq("sigfault.mxcsr-restored-after-handler", got_mx, 0x7f80);
	kt_expect_eq("sigfault.x87-cw-restored-after-handler", got_cw, 0x27f);
	pt_default(SIGUSR1);

	/* Floating point interrupted at random points by a 1 ms timer whose handler computes. */
	double want = fp_work(3000000);
	pt_handler(SIGALRM, h_fpu, SA_RESTART, 0);
	fpu_count = 0;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, 0);
	double got = 0;
	long t0 = kt_now_ms();
	int rounds = 0;
	do {
		got = fp_work(3000000);
		rounds++;
	} while (got == want && fpu_count < 5 && kt_now_ms() - t0 < 5000);
	setitimer(ITIMER_REAL, &off, 0);
	pt_default(SIGALRM);
	printf("info: fpu loop: %d rounds, %d timer signals\n", rounds, (int)fpu_count);
	kt_expect_true("sigfault.fpu-timer-signals-arrived", fpu_count > 0, "SIGALRM handled");
	kt_expect_true("sigfault.fp-results-unchanged-by-async-handlers", got == want,
		       "the same sum with and without signals");
}

static int have_avx(void)
{
	unsigned a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 28)) || !(c & (1u << 27)))
		return 0;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static void h_ymm(int s)
{
	(void)s;
	fpu_count++;
	__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n vmovdqa %%ymm0, %%ymm1\n"
			 "vmovdqa %%ymm0, %%ymm8\n vmovdqa %%ymm0, %%ymm15\n" ::
				 : "xmm0", "xmm1", "xmm8", "xmm15");
}

static void t_avx(void)
{
	if (!have_avx()) {
		printf("info: no AVX: sigfault.ymm-upper-halves-preserved skipped\n");
		return;
	}
	pt_handler(SIGUSR1, h_ymm, 0, 0);
	uint64_t in[16], out[16];
	for (int i = 0; i < 16; i++)
		in[i] = 0x1111111111111111ULL * (uint64_t)(i % 15 + 1);
	memset(out, 0, sizeof out);
	register uint64_t *r12 __asm__("r12") = in;
	register uint64_t *r13 __asm__("r13") = out;
	register long pid __asm__("r14") = getpid();
	fpu_count = 0;
	__asm__ volatile("vmovdqu 0(%%r12), %%ymm1\n vmovdqu 32(%%r12), %%ymm8\n"
			 "vmovdqu 64(%%r12), %%ymm15\n vmovdqu 96(%%r12), %%ymm0\n"
			 "mov $62, %%eax\n mov %%r14, %%rdi\n mov $10, %%esi\n syscall\n"
			 "vmovdqu %%ymm1, 0(%%r13)\n vmovdqu %%ymm8, 32(%%r13)\n"
			 "vmovdqu %%ymm15, 64(%%r13)\n vmovdqu %%ymm0, 96(%%r13)\n vzeroupper\n"
			 :
			 : "r"(r12), "r"(r13), "r"(pid)
			 : "rax", "rdi", "rsi", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm8",
			   "xmm15");
	kt_expect_true("sigfault.ymm-upper-halves-preserved",
		       fpu_count == 1 && !memcmp(in, out, sizeof in), "ymm0,1,8,15 as loaded");
	pt_default(SIGUSR1);
}

void t_sigfault(void)
{
	t_segv();
	t_traps();
	t_altstack();
	t_fpu();
	t_avx();
}
