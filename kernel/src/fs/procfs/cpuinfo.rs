//! `/proc/cpuinfo` from CPUID, in Linux's `show_cpuinfo` format: one block for the one CPU,
//! with the flags Linux names for the feature bits of leaves 1, 7 and 0x80000001.

use alloc::string::String;
use core::fmt::Write;

use crate::arch::x86_64::cpu::cpuid;

/// Linux's names of CPUID leaf 1 EDX bits 0..31 (empty: no name).
const LEAF1_EDX: [&str; 32] = [
    "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep", "mtrr", "pge",
    "mca", "cmov", "pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse",
    "sse2", "ss", "ht", "tm", "ia64", "pbe",
];
/// Leaf 1 ECX.
const LEAF1_ECX: [&str; 32] = [
    "pni",
    "pclmulqdq",
    "dtes64",
    "monitor",
    "ds_cpl",
    "vmx",
    "smx",
    "est",
    "tm2",
    "ssse3",
    "cid",
    "sdbg",
    "fma",
    "cx16",
    "xtpr",
    "pdcm",
    "",
    "pcid",
    "dca",
    "sse4_1",
    "sse4_2",
    "x2apic",
    "movbe",
    "popcnt",
    "tsc_deadline_timer",
    "aes",
    "xsave",
    "",
    "avx",
    "f16c",
    "rdrand",
    "hypervisor",
];
/// Leaf 0x80000001 EDX (the bits that repeat leaf 1 are left out, as Linux does).
const EXT_EDX: [&str; 32] = [
    "", "", "", "", "", "", "", "", "", "", "", "syscall", "", "", "", "", "", "", "", "mp", "nx",
    "", "mmxext", "", "", "fxsr_opt", "pdpe1gb", "rdtscp", "", "lm", "3dnowext", "3dnow",
];
/// Leaf 0x80000001 ECX.
const EXT_ECX: [&str; 32] = [
    "lahf_lm",
    "cmp_legacy",
    "svm",
    "extapic",
    "cr8_legacy",
    "abm",
    "sse4a",
    "misalignsse",
    "3dnowprefetch",
    "osvw",
    "ibs",
    "xop",
    "skinit",
    "wdt",
    "",
    "lwp",
    "fma4",
    "tce",
    "",
    "nodeid_msr",
    "",
    "tbm",
    "topoext",
    "perfctr_core",
    "perfctr_nb",
    "",
    "bpext",
    "ptsc",
    "perfctr_llc",
    "mwaitx",
    "",
    "",
];
/// Leaf 7 EBX.
const LEAF7_EBX: [&str; 32] = [
    "fsgsbase",
    "tsc_adjust",
    "sgx",
    "bmi1",
    "hle",
    "avx2",
    "",
    "smep",
    "bmi2",
    "erms",
    "invpcid",
    "rtm",
    "cqm",
    "",
    "mpx",
    "rdt_a",
    "avx512f",
    "avx512dq",
    "rdseed",
    "adx",
    "smap",
    "avx512ifma",
    "",
    "clflushopt",
    "clwb",
    "intel_pt",
    "avx512pf",
    "avx512er",
    "avx512cd",
    "sha_ni",
    "avx512bw",
    "avx512vl",
];

fn names(s: &mut String, bits: u32, table: &[&str; 32]) {
    for (i, name) in table.iter().enumerate() {
        if bits & (1 << i) != 0 && !name.is_empty() {
            s.push(' ');
            s.push_str(name);
        }
    }
}

/// The CPU's brand string (leaves 0x80000002-4), or "unknown".
fn model_name() -> String {
    if cpuid(0x8000_0000, 0).eax < 0x8000_0004 {
        return "unknown".into();
    }
    let mut bytes = alloc::vec::Vec::new();
    for leaf in 0x8000_0002..=0x8000_0004 {
        let r = cpuid(leaf, 0);
        for w in [r.eax, r.ebx, r.ecx, r.edx] {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
    }
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from(String::from_utf8_lossy(&bytes[..end]).trim())
}

/// A TSC reading and the monotonic time when procfs was registered at boot.
static BOOT_SAMPLE: spin::Once<(u64, u64)> = spin::Once::new();

/// Takes the boot sample the TSC rate is measured from.
pub fn sample_tsc() {
    BOOT_SAMPLE.call_once(|| {
        (
            crate::arch::x86_64::cpu::rdtsc(),
            crate::time::monotonic_ns(),
        )
    });
}

/// The TSC rate in kHz: TSC ticks against monotonic time since the boot sample.
fn tsc_khz() -> u64 {
    let (tsc0, ns0) = BOOT_SAMPLE.get().copied().unwrap_or((0, 0));
    let ns = crate::time::monotonic_ns().saturating_sub(ns0).max(1);
    let ticks = crate::arch::x86_64::cpu::rdtsc().saturating_sub(tsc0);
    (ticks as u128 * 1_000_000 / ns as u128) as u64
}

pub fn cpuinfo() -> String {
    let v = cpuid(0, 0);
    let max_leaf = v.eax;
    let mut vendor = alloc::vec::Vec::new();
    for w in [v.ebx, v.edx, v.ecx] {
        vendor.extend_from_slice(&w.to_le_bytes());
    }
    let l1 = cpuid(1, 0);
    let base_family = (l1.eax >> 8) & 0xf;
    let family = if base_family == 0xf {
        base_family + ((l1.eax >> 20) & 0xff)
    } else {
        base_family
    };
    let model = ((l1.eax >> 4) & 0xf)
        | if base_family >= 6 {
            ((l1.eax >> 16) & 0xf) << 4
        } else {
            0
        };
    let ext = cpuid(0x8000_0001, 0);
    let mut flags = String::new();
    names(&mut flags, l1.edx, &LEAF1_EDX);
    names(&mut flags, ext.edx, &EXT_EDX);
    names(&mut flags, l1.ecx, &LEAF1_ECX);
    names(&mut flags, ext.ecx, &EXT_ECX);
    if max_leaf >= 7 {
        names(&mut flags, cpuid(7, 0).ebx, &LEAF7_EBX);
    }
    let khz = tsc_khz();
    let clflush = ((l1.ebx >> 8) & 0xff) * 8;
    let sizes = if cpuid(0x8000_0000, 0).eax >= 0x8000_0008 {
        let a = cpuid(0x8000_0008, 0).eax;
        (a & 0xff, (a >> 8) & 0xff)
    } else {
        (36, 48)
    };
    // The L2 cache (leaf 0x80000006, which AMD and Intel both have), as Linux shows it.
    let cache_kb = if cpuid(0x8000_0000, 0).eax >= 0x8000_0006 {
        cpuid(0x8000_0006, 0).ecx >> 16
    } else {
        0
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "processor\t: 0\nvendor_id\t: {}\ncpu family\t: {family}\nmodel\t\t: {model}\n\
         model name\t: {}\nstepping\t: {}\nmicrocode\t: 0x0\ncpu MHz\t\t: {}.{:03}\n\
         cache size\t: {cache_kb} KB\nphysical id\t: 0\n\
         siblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n\
         fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {max_leaf}\nwp\t\t: yes\n\
         flags\t\t:{flags}\nbugs\t\t:\nbogomips\t: {}.{:02}\nclflush size\t: {clflush}\n\
         cache_alignment\t: {clflush}\naddress sizes\t: {} bits physical, {} bits virtual\n\
         power management:\n\n",
        String::from_utf8_lossy(&vendor),
        model_name(),
        l1.eax & 0xf,
        khz / 1000,
        khz % 1000,
        khz * 2 / 1000,
        khz * 2 / 10 % 100,
        sizes.0,
        sizes.1,
    );
    s
}
