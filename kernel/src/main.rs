//! Keel: an x86_64 kernel that speaks the Linux syscall ABI.
//!
//! Boot flow: `boot.S` (multiboot2 or PVH, 32-bit) -> long mode -> [`kmain`], which brings up
//! memory, descriptor tables, interrupt controllers, time and the scheduler, runs the
//! self-tests, and (with the process layer) starts init. See DESIGN.md for the architecture.
#![no_std]
#![no_main]

extern crate alloc;

mod arch;
mod boot;
mod debug;
mod drivers;
mod fs;
mod irq;
mod mm;
mod net;
mod proc;
mod random;
mod sched;
mod selftest;
mod sync;
mod syscall;
mod time;
mod tty;

use spin::Once;

use arch::x86_64::{apic, cpu, gdt, idt, paging, percpu, trap};
use boot::cmdline::Cmdline;
use boot::{BootInfo, MemKind};

static BOOT_INFO: Once<BootInfo> = Once::new();

/// The kernel command line.
pub fn cmdline() -> Cmdline<'static> {
    Cmdline::new(BOOT_INFO.get().map(|b| b.cmdline()).unwrap_or(""))
}

#[no_mangle]
extern "C" fn kmain(magic: u32, info: u32) -> ! {
    drivers::serial::init();
    let bi = BOOT_INFO.call_once(|| boot::parse(magic, info));
    let cmd = cmdline();
    let level = cmd
        .get("loglevel")
        .and_then(debug::logger::parse_level)
        .unwrap_or(log::LevelFilter::Info);
    debug::logger::init(level);
    debug::set_test_mode(cmd.has("selftest") || cmd.has("keel.test"));
    println!(
        "Keel {} starting ({} boot), command line: {}",
        env!("CARGO_PKG_VERSION"),
        bi.loader,
        cmd.raw()
    );

    init_memory(bi);
    gdt::init();
    idt::init();
    percpu::init();
    let features = init_cpu_features();
    arch::x86_64::fpu::init(&features);
    arch::x86_64::syscall::init();
    let platform = drivers::acpi::init(bi.acpi);
    apic::init(platform);
    apic::init_ioapics(platform);
    irq::register(trap::vector::TIMER as u8, timer_interrupt);
    irq::register(SERIAL_VECTOR, serial_interrupt);
    apic::route_isa_irq(platform, 4, SERIAL_VECTOR);
    drivers::serial::enable_rx_interrupt();
    sched::init();
    cpu::enable_interrupts();
    time::init_wall_clock();
    random::init();
    fs::init();
    net::init(platform, cmd.get("net.dhcp") != Some("off"));
    if let Some((start, len)) = bi.initrd {
        let n = fs::unpack_initrd(start, len);
        mm::frames::release(start, start + len);
        log::info!(
            "initrd: {n} entries unpacked into the root tmpfs; {} KiB returned to the allocator",
            len / 1024
        );
    }

    let ram: u64 = bi
        .regions()
        .iter()
        .filter(|r| r.kind == MemKind::Usable)
        .map(|r| r.end - r.start)
        .sum();
    println!(
        "Keel {} (x86_64): {} MiB RAM, {} MiB free, {} CPU(s); up in {} ms",
        env!("CARGO_PKG_VERSION"),
        ram >> 20,
        (mm::frames::free_frames() as u64 * 4096) >> 20,
        platform.cpus.max(1),
        time::monotonic_ns() / 1_000_000
    );

    if cmd.has("selftest") {
        if let Some(case) = cmd.get("selftest") {
            selftest::run_case(case);
        }
        let (_, failed) = selftest::run_all(true);
        debug::stop(failed == 0);
    }
    if !cmd.has("keel.noselftest") {
        selftest::run_all(false);
    }
    proc::signal::start_worker();
    if !proc::init::start(cmd) {
        println!("keel: nothing to run as PID 1; powering off");
        arch::x86_64::exit::power_off();
    }
    // The boot thread retires; PID 1 and the idle thread carry on.
    sched::exit_current()
}

const SERIAL_VECTOR: u8 = 36;

fn serial_interrupt() {
    while let Some(b) = drivers::serial::try_read() {
        tty::console::console_input(b);
    }
}

fn timer_interrupt() {
    time::tick();
    sched::timer::run_expired();
    sched::timer_tick();
}

fn init_memory(bi: &BootInfo) {
    for r in bi.regions() {
        log::debug!("memory {:#012x}-{:#012x} {:?}", r.start, r.end, r.kind);
    }
    let mut reserved = [
        (
            mm::image::__kernel_phys_start(),
            mm::image::__kernel_phys_end(),
        ),
        (0, 0),
    ];
    if let Some((start, len)) = bi.initrd {
        reserved[1] = (start, start + len);
        log::info!("initrd at {start:#x}, {len} bytes");
    }
    mm::frames::init(bi, &reserved);
    // The direct map covers every range of the memory map (RAM, ACPI tables, firmware), in
    // 2 MiB steps; device MMIO outside the map goes through `mm::mmio`.
    let top = bi
        .regions()
        .iter()
        .filter(|r| r.kind != MemKind::Reserved || r.end <= 1 << 32)
        .map(|r| r.end)
        .max()
        .unwrap_or(1 << 30);
    paging::init_kernel_tables(top.next_multiple_of(2 << 20));
}

fn init_cpu_features() -> cpu::Features {
    let f = cpu::features();
    let mut cr4 = cpu::cr4();
    cr4 |= (1 << 9) | (1 << 10); // OSFXSR, OSXMMEXCPT: user programs use SSE
    if f.smep {
        cr4 |= 1 << 20;
    }
    if f.smap {
        cr4 |= 1 << 21;
    }
    // SAFETY: only bits CPUID reports (SSE support is architectural on x86_64); the kernel
    // never touches user pages outside the user-copy routines, which SMAP requires.
    unsafe { cpu::set_cr4(cr4) };
    mm::usercopy::set_smap(f.smap);
    log::info!(
        "CPU: SMEP {} SMAP {} RDRAND {} RDSEED {} XSAVE {}",
        f.smep,
        f.smap,
        f.rdrand,
        f.rdseed,
        f.xsave
    );
    f
}
