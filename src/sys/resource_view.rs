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
use super::ftrace::{self, optional, original, Divert, HookSetBuilder, Hooked, Original};
use super::syscall::{call_original, entries, Abi};

/// The `RLIMIT_*` numbers of the limits a policy may cap.
pub(crate) const RLIMIT_NPROC: u32 = bindings::RLIMIT_NPROC;
pub(crate) const RLIMIT_NOFILE: u32 = bindings::RLIMIT_NOFILE;
pub(crate) const RLIMIT_AS: u32 = bindings::RLIMIT_AS;

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

/// How an entry lays out the structures it reads and writes: the x86-64 ones (64-bit words),
/// or, for the 32-bit compat entries, `struct compat_rlimit` (two 32-bit words whose
/// 0xffffffff is infinity) and `struct compat_sysinfo` (32-bit counts).
#[derive(Clone, Copy)]
enum Layout {
    Native,
    Compat,
}

/// Where `struct sysinfo` (or `compat_sysinfo`) keeps what the view rewrites: `len` bytes
/// in all, `totalram` then five more counts of `Layout::word` bytes (freeram, sharedram,
/// bufferram, totalswap, freeswap), `procs` (16 bits) and `mem_unit` (32 bits).
struct SysinfoAt {
    len: usize,
    totalram: usize,
    procs: usize,
    mem_unit: usize,
}

// The six counts follow each other in `struct sysinfo` (`SysinfoAt`'s promise).
const _: () = {
    type S = bindings::sysinfo;
    assert!(core::mem::offset_of!(S, freeswap) == core::mem::offset_of!(S, totalram) + 5 * 8);
};

impl Layout {
    fn of(ia32: bool) -> Self {
        if ia32 {
            Self::Compat
        } else {
            Self::Native
        }
    }

    /// Bytes in one word of the layout's structures.
    fn word(self) -> usize {
        match self {
            Self::Native => 8,
            Self::Compat => 4,
        }
    }

    /// The word at `at` of `raw`.
    fn get(self, raw: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w[..self.word()].copy_from_slice(&raw[at..at + self.word()]);
        u64::from_ne_bytes(w)
    }

    /// Stores `value` as the word at `at` of `raw` (a compat word saturates).
    fn put(self, raw: &mut [u8], at: usize, value: u64) {
        match self {
            Self::Native => raw[at..at + 8].copy_from_slice(&value.to_ne_bytes()),
            Self::Compat => raw[at..at + 4]
                .copy_from_slice(&(value.min(u64::from(u32::MAX)) as u32).to_ne_bytes()),
        }
    }

    fn sysinfo(self) -> SysinfoAt {
        type S = bindings::sysinfo;
        match self {
            Self::Native => SysinfoAt {
                len: core::mem::size_of::<S>(),
                totalram: core::mem::offset_of!(S, totalram),
                procs: core::mem::offset_of!(S, procs),
                mem_unit: core::mem::offset_of!(S, mem_unit),
            },
            // kernel/sys.c.
            Self::Compat => SysinfoAt {
                len: 64,
                totalram: 16,
                procs: 40,
                mem_unit: 52,
            },
        }
    }

    /// The limit at `ptr`, in 64-bit values (a compat infinity is RLIM_INFINITY).
    fn read_rlimit(self, ptr: UserPtr) -> Result<[u64; 2]> {
        let mut raw = [0u8; 16];
        let raw = &mut raw[..2 * self.word()];
        UserSlice::new(ptr, raw.len()).reader().read_slice(raw)?;
        let value = |i: usize| match (self, self.get(raw, i * self.word())) {
            (Self::Compat, v) if v == u64::from(u32::MAX) => u64::MAX,
            (_, v) => v,
        };
        Ok([value(0), value(1)])
    }

    /// Writes the limit at `ptr` (a compat value beyond 32 bits is infinity, as the kernel
    /// writes it).
    fn write_rlimit(self, ptr: UserPtr, values: [u64; 2]) -> Result {
        let mut raw = [0u8; 16];
        let len = 2 * self.word();
        for (i, v) in values.into_iter().enumerate() {
            self.put(&mut raw, i * self.word(), v);
        }
        UserSlice::new(ptr, len).writer().write_slice(&raw[..len])
    }
}

/// Lowers the limit at `ptr` (just written by the kernel) to `cap`.
fn cap_rlimit(ptr: UserPtr, cap: u64, layout: Layout) -> Result {
    let [cur, max] = layout.read_rlimit(ptr)?;
    layout.write_rlimit(ptr, [cur.min(cap), max.min(cap)])
}

/// A new limit above the cap is refused as an unprivileged raise of a hard limit is.
fn check_new_rlimit(ptr: UserPtr, cap: u64, layout: Layout) -> Result {
    let [cur, max] = layout.read_rlimit(ptr)?;
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
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `hooked` hooks a syscall wrapper; `regs` is passed through.
    let ret = unsafe { call_original(hooked, regs) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: `regs` is the frame of a call through the entry `IA32` says.
    let info = unsafe { Abi::of(IA32).arg(regs, 0) } as UserPtr;
    let policy = hooked.policy();
    let rewritten = match policy.memory() {
        Some(memory) => rewrite_sysinfo(info, memory, policy.tasks(), Layout::of(IA32)),
        None => Ok(()),
    };
    rewritten.map_or_else(errno, |()| 0)
}

fn rewrite_sysinfo(
    info: UserPtr,
    (total, used): (u64, u64),
    tasks: Option<u64>,
    layout: Layout,
) -> Result {
    let at = layout.sysinfo();
    let mut raw = [0u8; core::mem::size_of::<bindings::sysinfo>()];
    let raw = &mut raw[..at.len];
    UserSlice::new(info, raw.len()).reader().read_slice(raw)?;
    let unit = u64::from(u32::from_ne_bytes([
        raw[at.mem_unit],
        raw[at.mem_unit + 1],
        raw[at.mem_unit + 2],
        raw[at.mem_unit + 3],
    ]))
    .max(1);
    // totalram, freeram, sharedram, bufferram, totalswap, freeswap: the allocation, what is
    // left of it, and nothing of the host's buffers, shared memory or swap.
    let counts = [total / unit, total.saturating_sub(used) / unit, 0, 0, 0, 0];
    for (i, v) in counts.into_iter().enumerate() {
        layout.put(raw, at.totalram + i * layout.word(), v);
    }
    if let Some(tasks) = tasks {
        raw[at.procs..at.procs + 2]
            .copy_from_slice(&(tasks.min(u64::from(u16::MAX)) as u16).to_ne_bytes());
    }
    UserSlice::new(info, raw.len()).writer().write_slice(raw)
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
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: as in `sysinfo`.
    let ret = unsafe { call_original(hooked, regs) };
    if ret != 0 {
        return ret;
    }
    // SAFETY: as in `sysinfo`.
    let arg = |n| unsafe { Abi::of(IA32).arg(regs, n) };
    let capped = match hooked.policy().rlimit_cap(0, arg(0) as u32) {
        Some(cap) => cap_rlimit(arg(1) as UserPtr, cap, Layout::of(IA32)),
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
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: as in `sysinfo`.
    let arg = |n| unsafe { Abi::of(IA32).arg(regs, n) };
    if let Some(cap) = hooked.policy().rlimit_cap(0, arg(0) as u32) {
        if let Err(e) = check_new_rlimit(arg(1) as UserPtr, cap, Layout::of(IA32)) {
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
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
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
        if let Err(e) = check_new_rlimit(new, cap, Layout::Native) {
            return errno(e);
        }
    }
    // SAFETY: as in `sysinfo`.
    let ret = unsafe { call_original(hooked, regs) };
    let capped = match (cap, ret == 0 && old != 0) {
        (Some(cap), true) => cap_rlimit(old, cap, Layout::Native),
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
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    if let Some(memory) = hooked.policy().memory() {
        write_meminfo(m, memory);
        return 0;
    }
    // SAFETY: `original` is `meminfo_proc_show`, of this type; the arguments are passed on.
    let ret = unsafe { hooked.call_original((m, v)) };
    ret
}
