//! Changing identity: `setuid`, `setgid`, `setreuid`, `setregid`, `setresuid`, `setresgid`,
//! `setfsuid`, `setfsgid`, `setgroups`, with Linux's rules (credentials(7)): a caller with
//! effective uid 0 (CAP_SETUID / CAP_SETGID) may set any id; others only move among their
//! real, effective and saved ids (EPERM). The filesystem id follows the effective id, and -1
//! means "unchanged" where Linux says so (EINVAL where an id is required).
//!
//! The getters are in `proc.rs`; every id lives in the process's `Creds`.

use alloc::vec::Vec;

use keel_abi::{Errno, KResult};

use super::Caller;
use crate::mm::usercopy::UserPtr;
use crate::proc::Creds;

/// Linux's `NGROUPS_MAX`.
const NGROUPS_MAX: usize = 65536;
/// The id that means "no change" (and is never a valid id).
const KEEP: u32 = u32::MAX;

/// The ids of one kind (user or group) as `(real, effective, saved, fs)`.
type Ids = (u32, u32, u32, u32);

fn ids(c: &Creds, user: bool) -> Ids {
    if user {
        (c.uid, c.euid, c.suid, c.fsuid)
    } else {
        (c.gid, c.egid, c.sgid, c.fsgid)
    }
}

fn set_ids(c: &mut Creds, user: bool, (r, e, s, f): Ids) {
    if user {
        (c.uid, c.euid, c.suid, c.fsuid) = (r, e, s, f);
    } else {
        (c.gid, c.egid, c.sgid, c.fsgid) = (r, e, s, f);
    }
}

/// Applies `change` to the user (`user`) or group ids of the caller under its credential
/// lock; `change` gets the old ids and whether the caller is privileged.
fn update(
    c: &Caller,
    user: bool,
    change: impl FnOnce(Ids, bool) -> KResult<Ids>,
) -> KResult<usize> {
    let p = c.process();
    let mut cr = p.cred.lock();
    let privileged = cr.euid == 0;
    let new = change(ids(&cr, user), privileged)?;
    set_ids(&mut cr, user, new);
    Ok(0)
}

/// `setuid(2)` / `setgid(2)`: privileged callers set all four ids; others may set the
/// effective (and fs) id to the real or saved one.
pub fn sys_setid(c: &Caller, id: u32, user: bool) -> KResult<usize> {
    if id == KEEP {
        return Err(Errno::EINVAL);
    }
    update(c, user, |(r, e, s, f), privileged| {
        let _ = (e, f);
        if privileged {
            Ok((id, id, id, id))
        } else if id == r || id == s {
            Ok((r, id, s, id))
        } else {
            Err(Errno::EPERM)
        }
    })
}

/// `setreuid(2)` / `setregid(2)`: the real id may become the real or effective one, the
/// effective id any of the three; the saved id follows the new effective id when the real id
/// is set or the effective id changes to something other than the old real id.
pub fn sys_setreid(c: &Caller, rid: u32, eid: u32, user: bool) -> KResult<usize> {
    update(c, user, |(r, e, s, _), privileged| {
        let (mut nr, mut ne, mut ns) = (r, e, s);
        if rid != KEEP {
            if !privileged && rid != r && rid != e {
                return Err(Errno::EPERM);
            }
            nr = rid;
        }
        if eid != KEEP {
            if !privileged && eid != r && eid != e && eid != s {
                return Err(Errno::EPERM);
            }
            ne = eid;
        }
        if rid != KEEP || (eid != KEEP && eid != r) {
            ns = ne;
        }
        Ok((nr, ne, ns, ne))
    })
}

/// `setresuid(2)` / `setresgid(2)`: each id that is not -1 is set; an unprivileged caller
/// may only use values among its current real, effective and saved ids.
pub fn sys_setresid(c: &Caller, rid: u32, eid: u32, sid: u32, user: bool) -> KResult<usize> {
    update(c, user, |(r, e, s, f), privileged| {
        let allowed = |id: u32| id == KEEP || privileged || id == r || id == e || id == s;
        if !allowed(rid) || !allowed(eid) || !allowed(sid) {
            return Err(Errno::EPERM);
        }
        let pick = |id: u32, old: u32| if id == KEEP { old } else { id };
        let ne = pick(eid, e);
        let nf = if eid == KEEP { f } else { ne };
        Ok((pick(rid, r), ne, pick(sid, s), nf))
    })
}

/// `setfsuid(2)` / `setfsgid(2)`: always returns the old filesystem id; sets the new one if
/// the caller is privileged or it is one of the caller's ids (an invalid id changes nothing).
pub fn sys_setfsid(c: &Caller, id: u32, user: bool) -> KResult<usize> {
    let p = c.process();
    let mut cr = p.cred.lock();
    let (r, e, s, f) = ids(&cr, user);
    if id != KEEP && (cr.euid == 0 || id == r || id == e || id == s || id == f) {
        set_ids(&mut cr, user, (r, e, s, id));
    }
    Ok(f as usize)
}

/// `setgroups(2)`: EPERM without privilege, EINVAL above `NGROUPS_MAX`, EFAULT for a bad list.
pub fn sys_setgroups(c: &Caller, size: i32, list: u64) -> KResult<usize> {
    if c.process().cred.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let n = usize::try_from(size).map_err(|_| Errno::EINVAL)?;
    if n > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let mut groups = Vec::new();
    groups.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
    for k in 0..n {
        groups.push(UserPtr::<u32>::new(list).add(k)?.read()?);
    }
    groups.sort_unstable();
    c.process().cred.lock().groups = groups;
    Ok(0)
}
