// SPDX-License-Identifier: GPL-2.0

//! Resources as tasks see them: hooks on sysinfo(2), `/proc/meminfo`, getrlimit(2),
//! setrlimit(2) and prlimit64(2) that show the tasks a policy picks their allocation instead
//! of the host's (lxcfs does this for /proc files; busybox `free` reads both sysinfo and
//! /proc/meminfo). The view changes what is reported; what is enforced is the policy's own
//! limits, checked elsewhere.

use kernel::ffi::c_long;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use super::bindings;
use super::ftrace::{optional, original, Divert, HookSetBuilder, Hooked, Original};
use super::syscall::{call_original, entries, Abi};

/// `RLIMIT_*` numbers (asm-generic/resource.h) of the limits a policy may cap.
pub(crate) const RLIMIT_NPROC: u32 = 6;
pub(crate) const RLIMIT_NOFILE: u32 = 7;
pub(crate) const RLIMIT_AS: u32 = 9;

/// What a task is allowed, as it sees it.
pub(crate) trait ViewPolicy: Divert + Clone {
    /// The current task's memory: (total, in use), in bytes, if it has an allocation.
    fn memory(&self) -> Option<(u64, u64)>;
    /// How many tasks share the current task's allocation, if it has one.
    fn tasks(&self) -> Option<u64>;
    /// The highest value resource limit `resource` may show or take for the process `pid`
    /// (0: the current one), if its allocation caps it.
    fn rlimit_cap(&self, pid: i32, resource: u32) -> Option<u64>;
    /// Whether the current task may act on process `pid` (a refusal counts). Must not sleep.
    fn reaches(&self, pid: i32) -> bool;
}

/// Adds the resource-view hooks to `hooks`.
pub(crate) fn add<P: ViewPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    let mut hook = |symbol: Original, replacement: usize| {
        // SAFETY: each replacement below takes the syscall wrapper's one parameter
        // (`const struct pt_regs *`) followed by `*const Hooked<P>`, returns `long`, holds an
        // `InFlight` guard throughout and calls the original through
        // `Hooked::call_original`.
        unsafe { hooks.hook(symbol, 1, replacement, policy.clone()) }
    };
    hook(
        original!(kernel::c_str!("__x64_sys_sysinfo")),
        sysinfo::<P, false> as usize,
    )?;
    hook(
        original!(kernel::c_str!("__x64_sys_getrlimit")),
        getrlimit::<P, false> as usize,
    )?;
    hook(
        original!(kernel::c_str!("__x64_sys_setrlimit")),
        setrlimit::<P, false> as usize,
    )?;
    let prlimit64_x64 = original!(entries!("prlimit64")[0]);
    let prlimit64_ia32 = original!(entries!("prlimit64")[1]);
    hook(prlimit64_x64, prlimit64::<P, false> as usize)?;
    // The 32-bit entries where the kernel has them (IA32_EMULATION): prlimit64 reaches
    // other processes too; the others have their own (compat) layouts.
    optional(hook(prlimit64_ia32, prlimit64::<P, true> as usize))?;
    optional(hook(
        original!(kernel::c_str!("__ia32_compat_sys_sysinfo")),
        sysinfo::<P, true> as usize,
    ))?;
    optional(hook(
        original!(kernel::c_str!("__ia32_compat_sys_getrlimit")),
        getrlimit::<P, true> as usize,
    ))?;
    optional(hook(
        original!(kernel::c_str!("__ia32_compat_sys_old_getrlimit")),
        getrlimit::<P, true> as usize,
    ))?;
    optional(hook(
        original!(kernel::c_str!("__ia32_compat_sys_setrlimit")),
        setrlimit::<P, true> as usize,
    ))?;
    // SAFETY: as above, for `int meminfo_proc_show(struct seq_file *, void *)` (a static
    // function whose address /proc takes, so it has the C calling convention).
    unsafe {
        hooks.hook(
            original!(kernel::c_str!("meminfo_proc_show")),
            2,
            meminfo::<P> as usize,
            policy,
        )
    }
}

fn errno(e: Error) -> c_long {
    e.to_errno() as c_long
}

/// How an entry lays out `struct rlimit`: two 64-bit words (current, maximum), or, for the
/// 32-bit compat entries, two 32-bit ones whose 0xffffffff is infinity.
#[derive(Clone, Copy)]
enum Rlimit {
    Native,
    Compat,
}

impl Rlimit {
    fn of(ia32: bool) -> Self {
        if ia32 {
            Self::Compat
        } else {
            Self::Native
        }
    }

    fn len(self) -> usize {
        match self {
            Self::Native => 16,
            Self::Compat => 8,
        }
    }

    /// The limit at `ptr`, in 64-bit values.
    fn read(self, ptr: UserPtr) -> Result<[u64; 2]> {
        let mut raw = [0u8; 16];
        let raw = &mut raw[..self.len()];
        UserSlice::new(ptr, raw.len()).reader().read_slice(raw)?;
        let word = |i: usize| match self {
            Self::Native => {
                let mut w = [0u8; 8];
                w.copy_from_slice(&raw[i * 8..i * 8 + 8]);
                u64::from_ne_bytes(w)
            }
            Self::Compat => {
                let mut w = [0u8; 4];
                w.copy_from_slice(&raw[i * 4..i * 4 + 4]);
                match u32::from_ne_bytes(w) {
                    u32::MAX => u64::MAX,
                    v => u64::from(v),
                }
            }
        };
        Ok([word(0), word(1)])
    }

    /// Writes the limit at `ptr` (a compat value beyond 32 bits is infinity, as the kernel
    /// writes it).
    fn write(self, ptr: UserPtr, values: [u64; 2]) -> Result {
        let mut raw = [0u8; 16];
        for (i, v) in values.into_iter().enumerate() {
            match self {
                Self::Native => raw[i * 8..i * 8 + 8].copy_from_slice(&v.to_ne_bytes()),
                Self::Compat => raw[i * 4..i * 4 + 4]
                    .copy_from_slice(&(v.min(u64::from(u32::MAX)) as u32).to_ne_bytes()),
            }
        }
        UserSlice::new(ptr, self.len())
            .writer()
            .write_slice(&raw[..self.len()])
    }
}

/// Lowers the limit at `ptr` (just written by the kernel) to `cap`.
fn cap_rlimit(ptr: UserPtr, cap: u64, layout: Rlimit) -> Result {
    let [cur, max] = layout.read(ptr)?;
    layout.write(ptr, [cur.min(cap), max.min(cap)])
}

/// A new limit above the cap is refused as an unprivileged raise of a hard limit is.
fn check_new_rlimit(ptr: UserPtr, cap: u64, layout: Rlimit) -> Result {
    let [cur, max] = layout.read(ptr)?;
    // The kernel's own argument check comes first (do_prlimit: EINVAL before any EPERM).
    if cur > max {
        return Err(EINVAL);
    }
    if cur > cap || max > cap {
        return Err(EPERM);
    }
    Ok(())
}

/// `long __x64_sys_sysinfo(const struct pt_regs *regs)` and the 32-bit
/// `__ia32_compat_sys_sysinfo` (`struct compat_sysinfo`): total memory is the allocation,
/// free memory what is left of it, processes the tasks sharing it.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real call through
/// the entry `IA32` says and the live hook state (as every replacement in this file).
unsafe extern "C" fn sysinfo<P: ViewPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: the hook state outlives every diverted call.
    let hooked = unsafe { &*hooked };
    let _in_flight = hooked.enter();
    // SAFETY: `hooked` hooks a syscall wrapper; `regs` is passed through.
    let ret = unsafe { call_original(hooked, regs) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: `regs` is the frame of a call through the entry `IA32` says.
    let info = unsafe { Abi::of(IA32).arg(regs, 0) } as UserPtr;
    let policy = hooked.policy();
    let rewritten = match (policy.memory(), policy.tasks(), IA32) {
        (Some(memory), tasks, false) => rewrite_sysinfo(info, memory, tasks),
        (Some(memory), tasks, true) => rewrite_compat_sysinfo(info, memory, tasks),
        _ => Ok(()),
    };
    rewritten.map_or_else(errno, |()| 0)
}

/// The same for `struct compat_sysinfo` (kernel/sys.c): 32-bit counts in `mem_unit` bytes.
fn rewrite_compat_sysinfo(info: UserPtr, (total, used): (u64, u64), tasks: Option<u64>) -> Result {
    const LEN: usize = 64;
    const TOTALRAM: usize = 16;
    const PROCS: usize = 40;
    const MEM_UNIT: usize = 52;
    let mut raw = [0u8; LEN];
    UserSlice::new(info, LEN).reader().read_slice(&mut raw)?;
    let unit = u64::from(u32::from_ne_bytes([
        raw[MEM_UNIT],
        raw[MEM_UNIT + 1],
        raw[MEM_UNIT + 2],
        raw[MEM_UNIT + 3],
    ]))
    .max(1);
    // totalram, freeram, sharedram, bufferram, totalswap, freeswap: the allocation, what is
    // left of it, and nothing of the host's buffers, shared memory or swap.
    let values = [total / unit, total.saturating_sub(used) / unit, 0, 0, 0, 0];
    for (i, v) in values.into_iter().enumerate() {
        let at = TOTALRAM + 4 * i;
        raw[at..at + 4].copy_from_slice(&(v.min(u64::from(u32::MAX)) as u32).to_ne_bytes());
    }
    if let Some(tasks) = tasks {
        raw[PROCS..PROCS + 2]
            .copy_from_slice(&(tasks.min(u64::from(u16::MAX)) as u16).to_ne_bytes());
    }
    UserSlice::new(info, LEN).writer().write_slice(&raw)
}

fn rewrite_sysinfo(info: UserPtr, (total, used): (u64, u64), tasks: Option<u64>) -> Result {
    type S = bindings::sysinfo;
    let mut raw = [0u8; core::mem::size_of::<S>()];
    UserSlice::new(info, raw.len())
        .reader()
        .read_slice(&mut raw)?;
    let at = core::mem::offset_of!(S, mem_unit);
    let unit = u64::from(u32::from_ne_bytes([
        raw[at],
        raw[at + 1],
        raw[at + 2],
        raw[at + 3],
    ]))
    .max(1);
    let mut put =
        |offset: usize, value: u64| raw[offset..offset + 8].copy_from_slice(&value.to_ne_bytes());
    put(core::mem::offset_of!(S, totalram), total / unit);
    put(
        core::mem::offset_of!(S, freeram),
        total.saturating_sub(used) / unit,
    );
    // Nothing of the host's buffers, shared memory or swap is the container's.
    put(core::mem::offset_of!(S, sharedram), 0);
    put(core::mem::offset_of!(S, bufferram), 0);
    put(core::mem::offset_of!(S, totalswap), 0);
    put(core::mem::offset_of!(S, freeswap), 0);
    if let Some(tasks) = tasks {
        let at = core::mem::offset_of!(S, procs);
        raw[at..at + 2].copy_from_slice(&(tasks.min(u64::from(u16::MAX)) as u16).to_ne_bytes());
    }
    UserSlice::new(info, raw.len()).writer().write_slice(&raw)
}

/// `long __x64_sys_getrlimit(const struct pt_regs *regs)`: `(resource, struct rlimit *)`,
/// and the 32-bit `__ia32_compat_sys_getrlimit` and `_old_getrlimit` (`struct
/// compat_rlimit`).
///
/// # Safety
///
/// As [`sysinfo`].
unsafe extern "C" fn getrlimit<P: ViewPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: as in `sysinfo`.
    let hooked = unsafe { &*hooked };
    let _in_flight = hooked.enter();
    // SAFETY: as in `sysinfo`.
    let ret = unsafe { call_original(hooked, regs) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: as in `sysinfo`.
    let arg = |n| unsafe { Abi::of(IA32).arg(regs, n) };
    let capped = match hooked.policy().rlimit_cap(0, arg(0) as u32) {
        Some(cap) => cap_rlimit(arg(1) as UserPtr, cap, Rlimit::of(IA32)),
        None => Ok(()),
    };
    capped.map_or_else(errno, |()| 0)
}

/// `long __x64_sys_setrlimit(const struct pt_regs *regs)`: `(resource, const struct rlimit
/// *)`, and the 32-bit `__ia32_compat_sys_setrlimit`.
///
/// # Safety
///
/// As [`sysinfo`].
unsafe extern "C" fn setrlimit<P: ViewPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: as in `sysinfo`.
    let hooked = unsafe { &*hooked };
    let _in_flight = hooked.enter();
    // SAFETY: as in `sysinfo`.
    let arg = |n| unsafe { Abi::of(IA32).arg(regs, n) };
    if let Some(cap) = hooked.policy().rlimit_cap(0, arg(0) as u32) {
        if let Err(e) = check_new_rlimit(arg(1) as UserPtr, cap, Rlimit::of(IA32)) {
            return errno(e);
        }
    }
    // SAFETY: as in `sysinfo`.
    unsafe { call_original(hooked, regs) }
}

/// `long __x64_sys_prlimit64(const struct pt_regs *regs)` and its 32-bit entry (the same
/// layout): `(pid, resource, const struct rlimit64 *new, struct rlimit64 *old)`, the view of
/// the target process's allocation.
///
/// # Safety
///
/// As [`sysinfo`].
unsafe extern "C" fn prlimit64<P: ViewPolicy, const IA32: bool>(
    regs: *const bindings::pt_regs,
    hooked: *const Hooked<P>,
) -> c_long {
    // SAFETY: as in `sysinfo`.
    let hooked = unsafe { &*hooked };
    let _in_flight = hooked.enter();
    // SAFETY: `regs` is the frame of a call entered through the entry `IA32` says.
    let arg = |n| unsafe { Abi::of(IA32).arg(regs, n) };
    let (pid, resource) = (arg(0) as i32, arg(1) as u32);
    let (new, old) = (arg(2) as UserPtr, arg(3) as UserPtr);
    // Another process's limits, out of reach: as if it did not exist (the kernel's
    // own check lets root change any root process's limits).
    if pid != 0 && !hooked.policy().reaches(pid) {
        return errno(ESRCH);
    }
    let cap = hooked.policy().rlimit_cap(pid, resource);
    if let (Some(cap), true) = (cap, new != 0) {
        if let Err(e) = check_new_rlimit(new, cap, Rlimit::Native) {
            return errno(e);
        }
    }
    // SAFETY: as in `sysinfo`.
    let ret = unsafe { call_original(hooked, regs) };
    let capped = match (cap, ret == 0 && old != 0) {
        (Some(cap), true) => cap_rlimit(old, cap, Rlimit::Native),
        _ => Ok(()),
    };
    if ret != 0 {
        ret
    } else {
        capped.map_or_else(errno, |()| 0)
    }
}

/// A `/proc/meminfo` for an allocation of `total` bytes of which `used` are in use: what
/// `free`, `top` and friends read (the host's page cache, buffers and swap are not the
/// container's, so they are zero).
fn write_meminfo(m: *mut bindings::seq_file, (total, used): (u64, u64)) {
    use core::fmt::Write;
    let mut text = Text::default();
    let (total, free) = (total >> 10, total.saturating_sub(used) >> 10);
    let lines: [(&str, u64); 11] = [
        ("MemTotal", total),
        ("MemFree", free),
        ("MemAvailable", free),
        ("Buffers", 0),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", 0),
        ("Inactive", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Shmem", 0),
    ];
    for (name, kb) in lines {
        // As the kernel lays it out: the label and the number in 24 columns. The buffer
        // holds all 11 lines (at most 48 bytes each).
        let _ = writeln!(
            text,
            "{name}:{kb:>w$} kB",
            w = 23usize.saturating_sub(name.len())
        );
    }
    // SAFETY: `m` is the seq_file of the read in progress; `text.buf` holds `text.len` bytes.
    unsafe { bindings::seq_write(m, text.buf.as_ptr().cast(), text.len) };
}

/// A small text buffer that formatting writes into (and that refuses to overflow).
struct Text {
    buf: [u8; 640],
    len: usize,
}

impl Default for Text {
    fn default() -> Self {
        Self {
            buf: [0; 640],
            len: 0,
        }
    }
}

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `int meminfo_proc_show(struct seq_file *m, void *v)`.
///
/// # Safety
///
/// As [`sysinfo`].
unsafe extern "C" fn meminfo<P: ViewPolicy>(
    m: *mut bindings::seq_file,
    v: *mut core::ffi::c_void,
    hooked: *const Hooked<P>,
) -> kernel::ffi::c_int {
    // SAFETY: as in `sysinfo`.
    let hooked = unsafe { &*hooked };
    let _in_flight = hooked.enter();
    if let Some(memory) = hooked.policy().memory() {
        write_meminfo(m, memory);
        return 0;
    }
    // SAFETY: `original` is `meminfo_proc_show`, of this type; the arguments are passed on.
    let ret = unsafe { hooked.call_original((m, v)) };
    ret
}
