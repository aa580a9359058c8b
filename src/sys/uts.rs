// SPDX-License-Identifier: GPL-2.0

//! Host and domain names as tasks see them: hooks on uname(2), sethostname(2) and
//! setdomainname(2) (both entries of each, and the 32-bit table's older unames) that serve
//! the tasks a policy picks from the policy instead of the UTS namespace. The syscalls' own contracts (privilege, length, faults, in the kernel's order)
//! are kept here; the policy only decides names.

use kernel::ffi::c_long;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use super::bindings;
use super::cred;
use super::ftrace::{self, optional, original, Divert, HookSetBuilder, Hooked};
use super::syscall::{call_original, entries, Abi};

/// Length of a name field of `struct new_utsname`, including the NUL.
pub(crate) const UTS_LEN: usize = bindings::__NEW_UTS_LEN as usize + 1;

/// A host or domain name as uname(2) returns it: NUL-filled.
pub(crate) type UtsName = [u8; UTS_LEN];

#[derive(Clone, Copy)]
pub(crate) enum UtsField {
    Host,
    Domain,
}

/// Who sees which names.
pub(crate) trait UtsPolicy: Divert {
    /// Copies the host and domain names the current task sees, if not the namespace's, into
    /// `host` and `domain` (returns false and leaves them alone otherwise).
    fn copy_names(&self, host: &mut UtsName, domain: &mut UtsName) -> bool;
    /// Sets one name for the current task's view (privilege and length already checked;
    /// `name` is NUL-filled).
    fn set(&self, field: UtsField, name: UtsName) -> Result;
}

/// Adds the name hooks to `hooks`, on both entries of each call.
pub(crate) fn add<P: UtsPolicy + Clone + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    let newuname_x64 = original!(entries!("newuname")[0]);
    let newuname_ia32 = original!(entries!("newuname")[1]);
    let sethostname_x64 = original!(entries!("sethostname")[0]);
    let sethostname_ia32 = original!(entries!("sethostname")[1]);
    let setdomainname_x64 = original!(entries!("setdomainname")[0]);
    let setdomainname_ia32 = original!(entries!("setdomainname")[1]);
    let mut hook = |symbol, replacement: usize| {
        // SAFETY: each replacement below takes the syscall wrapper's one parameter
        // (`const struct pt_regs *`) followed by `*const Hooked<P>`, returns `long`, holds an
        // `InFlight` guard throughout, and calls the original (if at all) through
        // `Hooked::call_original`; it reads the arguments of the entry it
        // is instantiated for (`IA32`).
        unsafe { hooks.hook(symbol, 1, replacement, policy.clone()) }
    };
    hook(newuname_x64, newuname::<P, false> as usize)?;
    hook(sethostname_x64, sethostname::<P, false> as usize)?;
    hook(setdomainname_x64, setdomainname::<P, false> as usize)?;
    // The 32-bit entries (IA32_EMULATION): the same calls, and the 32-bit table's older
    // uname(2)s, whose shorter structures carry the host name as their second field.
    optional(hook(newuname_ia32, newuname::<P, true> as usize))?;
    optional(hook(sethostname_ia32, sethostname::<P, true> as usize))?;
    optional(hook(setdomainname_ia32, setdomainname::<P, true> as usize))?;
    optional(hook(
        original!(kernel::c_str!("__ia32_sys_uname")),
        olduname::<P, UTS_LEN> as usize,
    ))?;
    optional(hook(
        original!(kernel::c_str!("__ia32_sys_olduname")),
        olduname::<P, OLD_UTS_LEN> as usize,
    ))
}

/// Length of a field of `struct oldold_utsname` (`__OLD_UTS_LEN` + 1), for oldolduname(2).
const OLD_UTS_LEN: usize = bindings::__OLD_UTS_LEN as usize + 1;

// SAFETY: `new_utsname` is six byte arrays: no padding, every byte initialised.
unsafe impl kernel::types::AsBytes for bindings::new_utsname {}

/// `long __x64_sys_newuname(const struct pt_regs *regs)` for a diverted task: the UTS
/// namespace's answer with the policy's names in `nodename` and `domainname` (whole fields:
/// the bytes after each NUL are zero, as LTP uname04 checks), built here and copied out once.
/// For personalities whose fields the kernel rewrites (UNAME26, PER_LINUX32), the kernel's
/// own answer with the two fields written over it.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real call and the
/// live hook state.
unsafe extern "C" fn newuname<P: UtsPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `regs` is the syscall's register frame, of the entry `IA32` says.
    let buf = unsafe { Abi::of(IA32).arg(regs, 0) } as UserPtr;
    // SAFETY: reads the current task's personality.
    if !unsafe { bindings::ctn_uname_personality_rewrites() } {
        // Bytes count here (uname is mostly copying): one copy of the namespace's answer, the
        // container's names written over two of its fields, one copy out.
        // SAFETY: `utsname()` of the current task is valid while it runs; reading it without
        // uts_sem is sound for the fields kept (see the helper).
        let mut answer = unsafe { *bindings::ctn_utsname() };
        if hooked
            .policy()
            .copy_names(&mut answer.nodename, &mut answer.domainname)
        {
            let written = UserSlice::new(buf, core::mem::size_of::<bindings::new_utsname>())
                .writer()
                .write(&answer);
            return match written {
                Ok(()) => 0,
                Err(e) => e.to_errno() as c_long,
            };
        }
    }
    // SAFETY: `hooked` hooks this system call entry; `regs` is the caller's frame, passed
    // through.
    let ret = unsafe { call_original(hooked, regs) };
    if ret != 0 {
        return ret;
    }
    let (mut host, mut domain) = ([0; UTS_LEN], [0; UTS_LEN]);
    if !hooked.policy().copy_names(&mut host, &mut domain) {
        return ret;
    }
    let host_at = core::mem::offset_of!(bindings::new_utsname, nodename);
    let domain_at = core::mem::offset_of!(bindings::new_utsname, domainname);
    let written = UserSlice::new(buf.wrapping_add(host_at), UTS_LEN)
        .writer()
        .write_slice(&host)
        .and_then(|()| {
            UserSlice::new(buf.wrapping_add(domain_at), UTS_LEN)
                .writer()
                .write_slice(&domain)
        });
    match written {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// sethostname(2) and setdomainname(2) for a diverted task: `(const char *name, int len)`.
///
/// # Safety
///
/// `regs` is the register frame of a call entered through `abi`.
unsafe fn set_name<P: UtsPolicy>(
    policy: &P,
    field: UtsField,
    regs: *const bindings::pt_regs,
    abi: Abi,
) -> c_long {
    // The member's own root: naming its container is not the host's business (the
    // capability set does not decide).
    if !cred::own_root() {
        return EPERM.to_errno() as c_long;
    }
    // SAFETY: the caller's promise.
    let (name_at, len) = unsafe { (abi.arg(regs, 0), abi.arg(regs, 1)) };
    // The kernel takes `len` as an int.
    let len = len as i32;
    let Ok(len) = usize::try_from(len) else {
        return EINVAL.to_errno() as c_long;
    };
    if len >= UTS_LEN {
        return EINVAL.to_errno() as c_long;
    }
    let mut name = [0u8; UTS_LEN];
    let copied = UserSlice::new(name_at as UserPtr, len)
        .reader()
        .read_slice(&mut name[..len]);
    let result = copied.and_then(|()| policy.set(field, name));
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `long __x64_sys_sethostname(const struct pt_regs *regs)`, and its 32-bit entry.
///
/// # Safety
///
/// As [`newuname`].
unsafe extern "C" fn sethostname<P: UtsPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `regs` is the frame of a call entered through the entry `IA32` says.
    unsafe { set_name(hooked.policy(), UtsField::Host, regs, Abi::of(IA32)) }
}

/// `long __x64_sys_setdomainname(const struct pt_regs *regs)`, and its 32-bit entry.
///
/// # Safety
///
/// As [`newuname`].
unsafe extern "C" fn setdomainname<P: UtsPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `regs` is the frame of a call entered through the entry `IA32` says.
    unsafe { set_name(hooked.policy(), UtsField::Domain, regs, Abi::of(IA32)) }
}

/// The 32-bit table's older uname(2)s for a diverted task: `long __ia32_sys_uname(regs)`
/// (`struct old_utsname`, five fields of 65 bytes) and `__ia32_sys_olduname(regs)`
/// (`struct oldold_utsname`, five of 9): the kernel's answer with the policy's host name over
/// the second field, cut to `FIELD - 1` bytes and NUL-ended as the kernel cuts its own.
///
/// # Safety
///
/// As [`newuname`], for these two 32-bit entries.
unsafe extern "C" fn olduname<P: UtsPolicy, const FIELD: usize>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `hooked` hooks this system call entry; `regs` is the caller's frame, passed
    // through.
    let ret = unsafe { call_original(hooked, regs) };
    let (mut host, mut domain) = ([0; UTS_LEN], [0; UTS_LEN]);
    if ret != 0 || !hooked.policy().copy_names(&mut host, &mut domain) {
        return ret;
    }
    if let Some(cut) = host.get_mut(FIELD.saturating_sub(1)..) {
        cut.fill(0);
    }
    let Some(field) = host.get(..FIELD) else {
        return ret;
    };
    // SAFETY: `regs` is the frame of a 32-bit entry's call.
    let buf = unsafe { Abi::Ia32.arg(regs, 0) } as UserPtr;
    match UserSlice::new(buf.wrapping_add(FIELD), FIELD)
        .writer()
        .write_slice(field)
    {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}
