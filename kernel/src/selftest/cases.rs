//! Deliberate failures, selected by `selftest=CASE`, that the test harness must report.

use crate::arch::x86_64::idt;

pub(super) fn run(name: &str) {
    match name {
        "fault" => selftest_fault_depth_one(0x10),
        "overflow" => {
            let n = recurse(1);
            crate::println!("recursion returned {n}?");
        }
        "panic" => panic!("deliberate panic (selftest=panic)"),
        "triple" => {
            crate::println!("selftest: provoking a triple fault");
            idt::load_empty();
            // SAFETY: deliberately raises #BP with no IDT: #BP -> #GP -> #DF -> triple fault.
            unsafe { core::arch::asm!("int3") };
        }
        "hang" => {
            crate::println!("selftest: hanging with interrupts off");
            crate::arch::x86_64::cpu::halt_forever();
        }
        _ => crate::println!(
            "selftest: unknown case {name:?} (fault, overflow, panic, triple, hang)"
        ),
    }
}

#[inline(never)]
fn selftest_fault_depth_one(addr: u64) {
    selftest_fault_depth_two(core::hint::black_box(addr) + 1);
    core::hint::black_box(());
}

#[inline(never)]
fn selftest_fault_depth_two(addr: u64) {
    selftest_fault_depth_three(core::hint::black_box(addr) + 1);
    core::hint::black_box(());
}

#[inline(never)]
fn selftest_fault_depth_three(addr: u64) {
    crate::println!("selftest: writing to {addr:#x}, three calls deep");
    // SAFETY: deliberately faults: nothing is mapped at this low address in the kernel's page
    // tables, so the write raises a page fault that the kernel must report.
    unsafe { core::ptr::write_volatile(addr as *mut u64, 0xdead) };
    core::hint::black_box(());
}

#[inline(never)]
fn recurse(n: u64) -> u64 {
    let pad = core::hint::black_box([n; 64]);
    if n == u64::MAX {
        return 0;
    }
    recurse(n + 1) + pad[3]
}
