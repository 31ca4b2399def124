//! execve: loading a static ELF (ET_EXEC or static-pie ET_DYN) or a `#!` script into a fresh
//! address space, and building the initial stack Linux programs expect (argc, argv, envp,
//! auxv, the strings, 16 random bytes).
//!
//! Everything that can fail is done before the old image is touched, so a failed execve
//! returns an error to the unchanged caller, as on Linux.

use alloc::sync::Arc;
use alloc::vec::Vec;

use keel_abi::auxv::*;
use keel_abi::{Errno, KResult};
use keel_vm::{Vma, VmaFlags};

use super::Process;
use crate::mm::aspace::{AddressSpace, Backing, PROT_READ, PROT_WRITE};
use crate::mm::exeinfo::{ExeFile, ImageInfo, Segment};
use crate::mm::{page_ceil, page_floor, PAGE_SIZE};

/// Top of the user stack (Linux's TASK_SIZE: 47 bits minus one page).
pub const STACK_TOP: u64 = 0x7fff_ffff_f000;
/// Size of the stack region.
pub const STACK_SIZE: u64 = 8 << 20;
/// Where static-pie programs are loaded (Linux's ELF_ET_DYN_BASE).
pub const PIE_BASE: u64 = 0x5555_5555_4000;
/// Linux's limit on `#!` nesting.
const MAX_SCRIPT_DEPTH: usize = 4;
/// Largest executable the kernel reads into memory.
const MAX_IMAGE: u64 = 256 << 20;

/// What a successful load produced: where to start.
pub struct Loaded {
    pub mm: Arc<AddressSpace>,
    pub entry: u64,
    pub stack: u64,
    /// The name for `comm` (basename of the path).
    pub comm: Vec<u8>,
}

/// Reads an executable: the path must name a regular file with execute permission. Relative
/// paths start at `dir` (or the cwd). Returns its bytes and the file, by the name it was found.
fn read_executable_at(
    p: &Process,
    dir: Option<&Arc<keel_vfs::Inode>>,
    path: &[u8],
) -> KResult<(Vec<u8>, ExeFile)> {
    let cred = p.cred.lock().fs_cred();
    let (root, cwd) = {
        let fs = p.fs.lock();
        (fs.root.clone(), fs.cwd.clone())
    };
    let ctx = keel_vfs::LookupCtx {
        root: &root,
        cwd: dir.unwrap_or(&cwd),
        cred: &cred,
    };
    let r = keel_vfs::resolve(&ctx, path, true)?;
    let origin = Some((r.parent.clone(), r.name.clone()));
    let inode = r.into_inode()?;
    let image = read_inode(p, &inode)?;
    Ok((image, ExeFile { inode, origin }))
}

fn read_executable(p: &Process, path: &[u8]) -> KResult<(Vec<u8>, ExeFile)> {
    read_executable_at(p, None, path)
}

/// Reads the executable `inode` (regular, executable for the caller, not too large).
fn read_inode(p: &Process, inode: &Arc<keel_vfs::Inode>) -> KResult<Vec<u8>> {
    let cred = p.cred.lock().fs_cred();
    let meta = inode.metadata();
    if meta.mode & keel_vfs::consts::S_IFMT != keel_vfs::consts::S_IFREG {
        return Err(Errno::EACCES);
    }
    inode.check_access(&cred, keel_vfs::consts::MAY_EXEC)?;
    if meta.size > MAX_IMAGE {
        return Err(Errno::ENOMEM);
    }
    let mut data = crate::mm::try_zeroed_buffer(meta.size as usize)?;
    let n = inode.read_at(0, &mut data)?;
    data.truncate(n);
    Ok(data)
}

/// execveat(fd, "", AT_EMPTY_PATH): loads the file an fd refers to (opened by `origin`, the
/// directory and name, when known); `name` stands for its path (argv of a script's
/// interpreter, AT_EXECFN).
pub fn load_inode(
    p: &Process,
    inode: Arc<keel_vfs::Inode>,
    origin: Option<(Arc<keel_vfs::Inode>, Vec<u8>)>,
    name: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> KResult<Loaded> {
    let image = read_inode(p, &inode)?;
    load_image(p, name, image, ExeFile { inode, origin }, argv, envp)
}

/// execveat(dirfd, relative path): the path starts at `dir`.
pub fn load_at(
    p: &Process,
    dir: &Arc<keel_vfs::Inode>,
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> KResult<Loaded> {
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let (image, exe) = read_executable_at(p, Some(dir), path)?;
    load_image(p, path, image, exe, argv, envp)
}

/// Loads `path` with `argv` and `envp` for process `p` (not yet installed).
pub fn load(p: &Process, path: &[u8], argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> KResult<Loaded> {
    let (image, exe) = read_executable(p, path)?;
    load_image(p, path, image, exe, argv, envp)
}

fn load_image(
    p: &Process,
    path: &[u8],
    mut image: Vec<u8>,
    mut exe: ExeFile,
    mut argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
) -> KResult<Loaded> {
    let execfn = path.to_vec();
    let mut path = path.to_vec();
    for depth in 0.. {
        let Some((interp, arg)) = keel_elf::parse_shebang(&image) else {
            break;
        };
        if depth >= MAX_SCRIPT_DEPTH {
            return Err(Errno::ELOOP);
        }
        // argv becomes: interpreter, [optional argument], script path, original argv[1..].
        let mut new_argv = Vec::with_capacity(argv.len() + 2);
        new_argv.push(interp.to_vec());
        if let Some(a) = arg {
            new_argv.push(a.to_vec());
        }
        new_argv.push(path.clone());
        new_argv.extend(argv.into_iter().skip(1));
        argv = new_argv;
        path = interp.to_vec();
        (image, exe) = read_executable(p, &path)?;
    }
    let elf = keel_elf::parse(&image).map_err(|e| e.errno())?;
    if elf.interp().is_some() {
        log::info!(
            "execve {}: dynamically linked programs are not supported yet",
            show(&path)
        );
        return Err(Errno::ENOEXEC);
    }
    let bias = elf.load_bias(PIE_BASE);
    let plan = elf.plan(bias).map_err(|e| e.errno())?;
    let mm = Arc::new(AddressSpace::new().ok_or(Errno::ENOMEM)?);

    // Segments: one private VMA per PT_LOAD; a page shared by two segments takes both
    // protections (it is inserted with the first and widened for the second).
    let mut last_end = 0u64;
    for seg in &plan.segments {
        let start = page_floor(seg.vaddr);
        let end = page_ceil(seg.end());
        let prot = seg.prot.bits();
        {
            let mut g = mm.lock();
            let first = if start < last_end {
                let shared = last_end - PAGE_SIZE;
                let old = g.vmas.find(shared).map(|v| v.prot).unwrap_or(0);
                g.vmas
                    .protect(shared, last_end, old | prot)
                    .map_err(|_| Errno::ENOEXEC)?;
                last_end
            } else {
                start
            };
            if first < end {
                g.vmas
                    .insert(Vma::anonymous(first, end, prot, Backing::Anon))
                    .map_err(|_| Errno::ENOEXEC)?;
            }
        }
        mm.write_bytes(
            seg.vaddr,
            image.get(seg.file_range()).ok_or(Errno::ENOEXEC)?,
        )?;
        // The tail of the last file page up to memsz is zero already (fresh frames).
        last_end = last_end.max(end);
    }
    {
        let mut g = mm.lock();
        g.brk_start = page_ceil(plan.brk_start);
        g.brk = g.brk_start;
        g.vmas
            .insert(Vma {
                flags: VmaFlags::ANONYMOUS | VmaFlags::STACK,
                ..Vma::anonymous(
                    STACK_TOP - STACK_SIZE,
                    STACK_TOP,
                    PROT_READ | PROT_WRITE,
                    Backing::Anon,
                )
            })
            .map_err(|_| Errno::ENOMEM)?;
    }
    let cred = p.cred.lock().clone();
    let aux = [
        (AT_PHDR, plan.phdr),
        (AT_PHENT, plan.phent as u64),
        (AT_PHNUM, plan.phnum as u64),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, plan.entry),
        (AT_UID, cred.uid as u64),
        (AT_EUID, cred.euid as u64),
        (AT_GID, cred.gid as u64),
        (AT_EGID, cred.egid as u64),
        (AT_SECURE, 0),
        (AT_HWCAP, crate::arch::x86_64::cpu::cpuid(1, 0).edx as u64),
        (AT_HWCAP2, 0),
        (AT_CLKTCK, 100),
        (
            AT_MINSIGSTKSZ,
            crate::arch::x86_64::fpu::area_size() as u64 + 1024,
        ),
    ];
    let (stack, strings) = build_stack(&mm, &argv, &envp, &execfn, &aux)?;
    mm.lock().image = image_info(&plan.segments, stack, strings, exe);
    let comm = path.rsplit(|&b| b == b'/').next().unwrap_or(&path).to_vec();
    Ok(Loaded {
        mm,
        entry: plan.entry,
        stack,
        comm,
    })
}

/// Linux's `mm_struct` fields for /proc, as `load_elf_binary` sets them: code from the
/// executable segments, data up to the last segment's file bytes; `strings` are the bounds of
/// the argument and environment strings.
fn image_info(
    segments: &[keel_elf::Segment],
    start_stack: u64,
    strings: [u64; 3],
    exe: ExeFile,
) -> ImageInfo {
    let mut info = ImageInfo {
        start_code: u64::MAX,
        start_stack,
        arg_start: strings[0],
        arg_end: strings[1],
        env_start: strings[1],
        env_end: strings[2],
        exe: Some(exe),
        ..ImageInfo::default()
    };
    for seg in segments {
        let file_end = seg.vaddr + seg.filesz;
        if seg.prot.exec {
            info.start_code = info.start_code.min(seg.vaddr);
            info.end_code = info.end_code.max(file_end);
        }
        info.start_data = info.start_data.max(seg.vaddr);
        info.end_data = info.end_data.max(file_end);
        info.segments.push(Segment {
            start: page_floor(seg.vaddr),
            end: page_ceil(seg.end()),
            offset: page_floor(seg.offset),
        });
    }
    if info.start_code == u64::MAX {
        info.start_code = 0;
    }
    info
}

/// Lays out the initial stack below STACK_TOP and returns the stack pointer (at argc) and
/// the bounds of the strings: start of the arguments, start of the environment (the end of
/// the arguments), end of the environment.
fn build_stack(
    mm: &AddressSpace,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    aux: &[(u64, u64)],
) -> KResult<(u64, [u64; 3])> {
    // Strings and blobs first, from the top down.
    let mut sp = STACK_TOP - 8; // Linux leaves the last word as an end marker
    let push_bytes = |sp: &mut u64, data: &[u8], nul: bool| -> KResult<u64> {
        let len = data.len() as u64 + nul as u64;
        *sp = sp.checked_sub(len).ok_or(Errno::E2BIG)?;
        mm.write_bytes(*sp, data)?;
        if nul {
            mm.write_bytes(*sp + data.len() as u64, &[0])?;
        }
        Ok(*sp)
    };
    let execfn_at = push_bytes(&mut sp, execfn, true)?;
    let env_end = execfn_at;
    let mut envp_at = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        envp_at.push(push_bytes(&mut sp, e, true)?);
    }
    envp_at.reverse();
    let mut argv_at = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        argv_at.push(push_bytes(&mut sp, a, true)?);
    }
    argv_at.reverse();
    let strings = [sp, envp_at.first().copied().unwrap_or(env_end), env_end];
    let platform_at = push_bytes(&mut sp, b"x86_64", true)?;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    sp &= !15;
    let random_at = push_bytes(&mut sp, &random, false)?;
    if STACK_TOP - sp > STACK_SIZE / 4 {
        return Err(Errno::E2BIG);
    }

    // Then the word array: argc, argv..., 0, envp..., 0, auxv pairs, AT_NULL.
    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(&argv_at);
    words.push(0);
    words.extend(&envp_at);
    words.push(0);
    for &(k, v) in aux {
        words.extend([k, v]);
    }
    words.extend([
        AT_RANDOM,
        random_at,
        AT_EXECFN,
        execfn_at,
        AT_PLATFORM,
        platform_at,
        AT_NULL,
        0,
    ]);
    sp &= !15;
    sp -= (words.len() as u64) * 8;
    sp &= !15; // argc sits 16-byte aligned, as the x86_64 ABI requires at process entry
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    mm.write_bytes(sp, &bytes)?;
    Ok((sp, strings))
}

fn show(b: &[u8]) -> &str {
    core::str::from_utf8(b).unwrap_or("<non-UTF-8>")
}

/// Installs a loaded image in the calling thread's process: the new address space, the
/// close-on-exec sweep, reset signal handlers, FPU and FS base, the name, and a frame that
/// starts the program.
pub fn install(
    thread: &Arc<crate::sched::Thread>,
    loaded: Loaded,
    frame: &mut crate::arch::x86_64::trap::TrapFrame,
) {
    use core::sync::atomic::Ordering;
    let u = thread.user().expect("execve from a kernel thread");
    let p = &u.process;
    end_other_threads(thread, p);
    let old = p.set_mm(loaded.mm.clone());
    loaded.mm.activate();
    drop(old);
    super::exit::release_vfork_parent(p);
    p.did_exec.store(true, Ordering::Release);
    p.fds().close_on_exec();
    {
        // Handlers go back to the default; ignored signals stay ignored (execve(2)).
        let mut actions = p.sigactions.lock();
        for a in actions.iter_mut() {
            if a.sa_handler > 1 {
                *a = keel_abi::signal::SigAction::default();
            }
        }
    }
    *u.altstack.lock() = disabled_altstack();
    u.fpu.reset();
    u.fpu.restore();
    u.fs_base.store(0, Ordering::Relaxed);
    u.gs_base.store(0, Ordering::Relaxed);
    crate::arch::x86_64::msr::set_user_fs_base(0);
    crate::arch::x86_64::msr::set_user_gs_base(0);
    u.clear_child_tid.store(0, Ordering::Relaxed);
    u.robust_list.store(0, Ordering::Relaxed);
    thread.set_name(&loaded.comm);
    *frame = crate::syscall::initial_frame(loaded.entry, loaded.stack);
}

/// Linux's `de_thread`: the other threads of the process end before the new image runs.
fn end_other_threads(me: &Arc<crate::sched::Thread>, p: &Process) {
    use core::sync::atomic::Ordering;
    let others: Vec<_> = p
        .threads
        .lock()
        .iter()
        .filter(|t| !Arc::ptr_eq(t, me))
        .cloned()
        .collect();
    if others.is_empty() {
        return;
    }
    for t in &others {
        if let Some(u) = t.user() {
            u.kill_pending.store(true, Ordering::Release);
        }
        t.set_signal_pending(true);
        crate::sched::wake(t);
    }
    p.events
        .wait_uninterruptible(|| p.live_threads.load(Ordering::Acquire) <= 1);
}

/// `stack_t` of a thread without an alternate signal stack.
pub fn disabled_altstack() -> keel_abi::signal::StackT {
    keel_abi::signal::StackT {
        ss_sp: 0,
        ss_flags: 2,
        pad: 0,
        ss_size: 0,
    }
}
