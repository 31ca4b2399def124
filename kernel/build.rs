//! Passes the kernel's linker script to the linker.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let script = format!("{dir}/src/arch/x86_64/linker.ld");
    println!("cargo:rerun-if-changed={script}");
    println!("cargo:rerun-if-changed={dir}/src/arch/x86_64/boot.S");
    println!("cargo:rerun-if-changed={dir}/src/arch/x86_64/trap.S");
    write_trap_stubs();
    // The linker script applies to the kernel binary only.
    if std::env::var("TARGET")
        .map(|t| t == "x86_64-unknown-none")
        .unwrap_or(false)
    {
        println!("cargo:rustc-link-arg-bins=-T{script}");
    }
}

/// Writes the 256 interrupt entry stubs and their address table to `$OUT_DIR/trap_stubs.S`.
/// Each stub pushes a dummy error code where the CPU pushes none, then its vector number, and
/// jumps to the common entry in `trap.S`.
fn write_trap_stubs() {
    use std::fmt::Write;
    const HAS_ERROR_CODE: [u32; 10] = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];
    let mut s = String::from(".section .text.trap_stubs, \"ax\"\n");
    for v in 0..256u32 {
        writeln!(s, ".align 16\ntrap_stub_{v}:").unwrap();
        if !HAS_ERROR_CODE.contains(&v) {
            s.push_str("    push 0\n");
        }
        writeln!(s, "    push {v}\n    jmp trap_common").unwrap();
    }
    s.push_str(
        ".section .rodata.trap_stubs, \"a\"\n.align 8\n.global trap_stub_table\ntrap_stub_table:\n",
    );
    for v in 0..256u32 {
        writeln!(s, "    .quad trap_stub_{v}").unwrap();
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{out}/trap_stubs.S"), s).expect("write trap_stubs.S");
}
