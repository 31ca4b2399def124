//! User FPU/SSE/AVX state. The kernel itself never uses these registers (the target disables
//! SSE), so a thread's state is saved when it is switched out and restored when it is switched
//! in, with `xsave`/`xrstor` sized from CPUID leaf 0xD, or `fxsave`/`fxrstor` without XSAVE.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::cpu;

static USE_XSAVE: AtomicBool = AtomicBool::new(false);
static XCR0: AtomicU64 = AtomicU64::new(0);
static AREA_SIZE: AtomicUsize = AtomicUsize::new(512);

/// Enables the FPU for user mode and XSAVE with every user state component the CPU has.
pub fn init(features: &cpu::Features) {
    if features.xsave {
        let supported = cpu::cpuid(0xd, 0).eax as u64;
        // x87, SSE, AVX, and the AVX-512 components where present.
        let xcr0 = supported & (0b1110_0111);
        // SAFETY: CPUID reports XSAVE; OSXSAVE must be set before xsetbv; the XCR0 value only
        // has supported bits, with x87 and SSE always among them.
        unsafe {
            cpu::set_cr4(cpu::cr4() | (1 << 18));
            core::arch::asm!("xsetbv", in("ecx") 0, in("eax") xcr0 as u32, in("edx") (xcr0 >> 32) as u32, options(nomem, nostack));
        }
        let size = cpu::cpuid(0xd, 0).ebx as usize;
        XCR0.store(xcr0, Ordering::Relaxed);
        AREA_SIZE.store(size.max(576), Ordering::Relaxed);
        USE_XSAVE.store(true, Ordering::Relaxed);
        log::info!("FPU: xsave, XCR0 {xcr0:#x}, {size}-byte areas");
    } else {
        log::info!("FPU: fxsave, 512-byte areas");
    }
    probe_mxcsr_mask();
}

/// One thread's saved FPU state.
pub struct FpuState {
    area: *mut u8,
    layout: Layout,
}

// SAFETY: the area is owned by one thread and only touched by the scheduler on its behalf.
unsafe impl Send for FpuState {}
// SAFETY: as above.
unsafe impl Sync for FpuState {}

impl FpuState {
    /// The initial state of a new program: x87 control word 0x37f, MXCSR 0x1f80, everything
    /// else zero (XSTATE_BV 0 makes `xrstor` load the init state of the other components).
    pub fn new() -> Option<FpuState> {
        let layout = Layout::from_size_align(AREA_SIZE.load(Ordering::Relaxed), 64).ok()?;
        // SAFETY: the layout has a non-zero size.
        let area = unsafe { alloc_zeroed(layout) };
        if area.is_null() {
            return None;
        }
        let s = FpuState { area, layout };
        s.reset();
        Some(s)
    }

    /// Resets to the initial state (execve).
    pub fn reset(&self) {
        // SAFETY: the area is at least 512 bytes and owned by us.
        unsafe {
            core::ptr::write_bytes(self.area, 0, self.layout.size());
            (self.area as *mut u16).write(0x37f);
            (self.area.add(24) as *mut u32).write(0x1f80);
            (self.area.add(28) as *mut u32).write(0xffff); // MXCSR_MASK
        }
    }

    /// Saves the CPU's current FPU registers here.
    pub fn save(&self) {
        let xcr0 = XCR0.load(Ordering::Relaxed);
        // SAFETY: the area is 64-byte aligned and as large as CPUID says xsave needs.
        unsafe {
            if USE_XSAVE.load(Ordering::Relaxed) {
                core::arch::asm!("xsave64 [{}]", in(reg) self.area, in("eax") xcr0 as u32, in("edx") (xcr0 >> 32) as u32, options(nostack));
            } else {
                core::arch::asm!("fxsave64 [{}]", in(reg) self.area, options(nostack));
            }
        }
    }

    /// Loads this state into the CPU.
    pub fn restore(&self) {
        let xcr0 = XCR0.load(Ordering::Relaxed);
        // SAFETY: the area holds a state written by `save` or `reset`.
        unsafe {
            if USE_XSAVE.load(Ordering::Relaxed) {
                core::arch::asm!("xrstor64 [{}]", in(reg) self.area, in("eax") xcr0 as u32, in("edx") (xcr0 >> 32) as u32, options(nostack));
            } else {
                core::arch::asm!("fxrstor64 [{}]", in(reg) self.area, options(nostack));
            }
        }
    }
}

impl FpuState {
    fn bytes(&self) -> &[u8] {
        // SAFETY: the area is `layout.size()` bytes, owned by us, initialised by `new`.
        unsafe { core::slice::from_raw_parts(self.area, self.layout.size()) }
    }

    #[allow(
        clippy::mut_from_ref,
        reason = "the area is the owning thread's alone; save/restore already write it through &self"
    )]
    fn bytes_mut(&self) -> &mut [u8] {
        // SAFETY: as above; only the owning thread (or the scheduler on its behalf, never at
        // the same time) writes it, and no other reference to the bytes is alive meanwhile.
        unsafe { core::slice::from_raw_parts_mut(self.area, self.layout.size()) }
    }

    /// Copies the saved state into `out` (the signal frame's FPU area).
    pub fn copy_to(&self, out: &mut [u8]) {
        let b = self.bytes();
        let n = out.len().min(b.len());
        out[..n].copy_from_slice(&b[..n]);
    }

    /// Makes this state a copy of `other`'s saved state (fork, clone).
    pub fn copy_from(&self, other: &FpuState) {
        let src = other.bytes();
        let dst = self.bytes_mut();
        let n = src.len().min(dst.len());
        dst[..n].copy_from_slice(&src[..n]);
    }

    /// Takes a state image from user memory (rt_sigreturn), made safe to load: reserved
    /// MXCSR bits cleared, and for xsave the standard (non-compacted) format with only enabled
    /// components and a zero reserved header, so `xrstor` cannot fault on it.
    pub fn load_user_image(&self, img: &[u8]) {
        let dst = self.bytes_mut();
        let n = img.len().min(dst.len());
        dst[..n].copy_from_slice(&img[..n]);
        let mask = MXCSR_MASK.load(Ordering::Relaxed);
        let mxcsr = u32::from_le_bytes([dst[24], dst[25], dst[26], dst[27]]) & mask;
        dst[24..28].copy_from_slice(&mxcsr.to_le_bytes());
        dst[28..32].copy_from_slice(&mask.to_le_bytes());
        if USE_XSAVE.load(Ordering::Relaxed) && dst.len() >= 576 {
            let bv = u64::from_le_bytes(dst[512..520].try_into().unwrap_or([0; 8]));
            let bv = bv & XCR0.load(Ordering::Relaxed);
            dst[512..520].copy_from_slice(&bv.to_le_bytes());
            dst[520..576].fill(0); // XCOMP_BV and the reserved header bytes
        }
    }
}

/// The MXCSR bits the CPU implements (from an fxsave image; 0xffbf if it reports none).
static MXCSR_MASK: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0xffbf);

/// Reads the CPU's MXCSR mask (after `init`).
pub fn probe_mxcsr_mask() {
    #[repr(C, align(64))]
    struct Area([u8; 512]);
    let mut a = Area([0; 512]);
    // SAFETY: a 512-byte, 16-byte-aligned buffer is what fxsave64 writes; the FPU is enabled.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) a.0.as_mut_ptr(), options(nostack)) };
    let m = u32::from_le_bytes([a.0[28], a.0[29], a.0[30], a.0[31]]);
    if m != 0 {
        MXCSR_MASK.store(m, Ordering::Relaxed);
    }
}

impl Drop for FpuState {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.area, self.layout) };
    }
}

/// Whether states are in the xsave layout (else fxsave's 512 bytes).
pub fn uses_xsave() -> bool {
    USE_XSAVE.load(Ordering::Relaxed)
}

/// The enabled xsave components (XCR0).
pub fn xcr0() -> u64 {
    XCR0.load(Ordering::Relaxed)
}

/// Bytes of one saved FPU state.
pub fn area_size() -> usize {
    AREA_SIZE.load(Ordering::Relaxed)
}
