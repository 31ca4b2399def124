//! Any input: `parse` and `parse_shebang` must not panic, and an accepted image must plan at
//! a typical ET_DYN bias with every segment inside the input and user space.
#![no_main]

use keel_elf::{parse, parse_shebang, ElfKind, USER_END};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_shebang(data);
    let Ok(image) = parse(data) else { return };
    let bias = image.load_bias(0x5555_5555_4000);
    let bias = if image.kind() == ElfKind::Exec { 0 } else { bias };
    if let Ok(plan) = image.plan(bias) {
        for s in &plan.segments {
            assert!(s.file_range().end <= data.len());
            assert!(s.end() <= USER_END);
        }
    }
});
