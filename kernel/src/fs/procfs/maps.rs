//! What procfs reads from a process's address space: `cmdline` and `environ` (the strings
//! `execve` put on the stack, read through the page tables without faulting anything in) and
//! `maps` (the VMAs, in `show_map_vma`'s format).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use keel_vm::VmaFlags;

use super::fd::path_name;
use super::pid::caller_root;
use crate::mm::aspace::{Backing, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::proc::Process;

/// Most bytes `cmdline` or `environ` gives (Linux reads as much as asked; this is the cap on
/// what execve accepts).
const MAX_STRINGS: u64 = 2 << 20;

/// `[start, end)` of `p`'s memory.
fn read_range(p: &Process, start: u64, end: u64) -> Vec<u8> {
    let Some(mm) = p.try_mm() else {
        return Vec::new();
    };
    let len = end.saturating_sub(start).min(MAX_STRINGS) as usize;
    let mut buf = alloc::vec![0u8; len];
    let n = mm.read_bytes(start, &mut buf);
    buf.truncate(n);
    buf
}

/// `/proc/PID/cmdline`: the argument strings, each with its NUL; empty for a zombie. If the
/// program overwrote the last NUL (`setproctitle`), the text up to the first NUL, which may
/// run into the environment (Linux's `get_mm_proctitle`).
pub fn cmdline(p: &Process) -> Vec<u8> {
    let Some(mm) = p.try_mm() else {
        return Vec::new();
    };
    let (arg_start, arg_end, env_end) = {
        let g = mm.lock();
        (g.image.arg_start, g.image.arg_end, g.image.env_end)
    };
    drop(mm);
    let mut args = read_range(p, arg_start, arg_end);
    if args.last().is_some_and(|&b| b != 0) {
        args = read_range(p, arg_start, env_end);
        if let Some(nul) = args.iter().position(|&b| b == 0) {
            args.truncate(nul);
        }
    }
    args
}

/// `/proc/PID/environ`: the environment strings.
pub fn environ(p: &Process) -> Vec<u8> {
    let Some(mm) = p.try_mm() else {
        return Vec::new();
    };
    let (start, end) = {
        let g = mm.lock();
        (g.image.env_start, g.image.env_end)
    };
    drop(mm);
    read_range(p, start, end)
}

/// `/proc/PID/maps`: `start-end perms offset major:minor inode`, padded to column 73 when a
/// name follows: the executable's path for its segments, `[heap]`, `[stack]`, and
/// `/dev/zero (deleted)` for shared anonymous memory, as Linux names them.
pub fn maps(p: &Process) -> Vec<u8> {
    let Some(mm) = p.try_mm() else {
        return Vec::new();
    };
    let root = caller_root();
    let g = mm.lock();
    let image = &g.image;
    let exe = image.exe.as_ref().map(|x| {
        let name = match &x.origin {
            Some((dir, n)) => path_name(&root, dir, n, &x.inode),
            None => Vec::new(),
        };
        (name, x.inode.metadata())
    });
    let mut s = String::new();
    for v in g.vmas.iter() {
        let seg = image
            .segments
            .iter()
            .find(|seg| seg.start <= v.start && v.end <= seg.end);
        let shared = v.flags.contains(VmaFlags::SHARED);
        let (offset, dev, ino, name): (u64, u64, u64, Vec<u8>) = match (seg, &exe) {
            (Some(seg), Some((name, m))) => (
                seg.offset + (v.start - seg.start),
                m.dev,
                m.ino,
                name.clone(),
            ),
            _ if matches!(v.backing, Backing::Shared(_)) => {
                (0, 1, 0, b"/dev/zero (deleted)".to_vec())
            }
            _ if v.start <= g.brk && v.end >= g.brk_start && g.brk > g.brk_start => {
                (0, 0, 0, b"[heap]".to_vec())
            }
            _ if v.start <= image.start_stack && v.end >= image.start_stack => {
                (0, 0, 0, b"[stack]".to_vec())
            }
            _ => (0, 0, 0, Vec::new()),
        };
        let bit = |on: bool, c: char| if on { c } else { '-' };
        let start = s.len();
        let _ = write!(
            s,
            "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
            v.start,
            v.end,
            bit(v.prot & PROT_READ != 0, 'r'),
            bit(v.prot & PROT_WRITE != 0, 'w'),
            bit(v.prot & PROT_EXEC != 0, 'x'),
            if shared { 's' } else { 'p' },
            offset,
            keel_vfs::major(dev),
            keel_vfs::minor(dev),
            ino,
        );
        if !name.is_empty() {
            while s.len() - start < 73 {
                s.push(' ');
            }
            s.push_str(&String::from_utf8_lossy(&name));
        }
        s.push('\n');
    }
    s.into_bytes()
}
