// SPDX-License-Identifier: GPL-2.0

//! The confinement gate: hooks on the system calls through which a process could leave its
//! container's view of the host or change the host itself, refused with `EPERM` for the tasks
//! a policy picks (as FreeBSD jail and Linux-VServer refuse them, whatever the caller's
//! capabilities): changing its root (`chroot`, `pivot_root`), mounting and unmounting (also
//! through the new mount API), entering or making namespaces (`setns`, `unshare` with a
//! namespace flag; `clone` with one is refused by the clone gate), loading and unloading
//! modules, loading a kernel to boot (`kexec_*`), rebooting, setting the host's clock and
//! swapping; and io_uring. Each hook sits on the system call's entries (both of them, see
//! `syscall.rs`), decides in the ftrace callback and diverts only refusals.

use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};
use super::syscall::{entries, Abi};

/// The namespace flags of clone(2), clone3(2) and unshare(2).
pub(crate) const CLONE_NEW_ANY: u64 = (bindings::CLONE_NEWNS
    | bindings::CLONE_NEWCGROUP
    | bindings::CLONE_NEWUTS
    | bindings::CLONE_NEWIPC
    | bindings::CLONE_NEWUSER
    | bindings::CLONE_NEWPID
    | bindings::CLONE_NEWNET
    | bindings::CLONE_NEWTIME) as u64;

/// The refused calls, on both entries (a call or entry the kernel was built without is
/// skipped). unshare(2) is refused only with a namespace flag: `CLONE_FILES` and `CLONE_FS`
/// alone only unshare the caller's own tables. io_uring is refused whole, as Docker's default
/// seccomp profile does since 2023: its work runs in kernel threads that are no container's
/// members, which no rule here would follow.
const CONFINED: &[[&CStr; 2]] = &[
    entries!("chroot"),
    entries!("pivot_root"),
    entries!("mount"),
    entries!("umount"),
    entries!("fsopen"),
    entries!("fspick"),
    entries!("fsmount"),
    entries!("move_mount"),
    entries!("open_tree"),
    entries!("mount_setattr"),
    entries!("setns"),
    UNSHARE,
    entries!("init_module"),
    entries!("finit_module"),
    entries!("delete_module"),
    entries!("kexec_load"),
    entries!("kexec_file_load"),
    entries!("reboot"),
    entries!("settimeofday"),
    entries!("clock_settime"),
    entries!("adjtimex"),
    entries!("clock_adjtime"),
    entries!("swapon"),
    entries!("swapoff"),
    entries!("io_uring_setup"),
    entries!("io_uring_enter"),
    entries!("io_uring_register"),
];
/// The 32-bit table's own variants of the same calls: older ones (umount without flags,
/// stime) and those whose 32-bit layout differs (compat structures, 32-bit times).
const CONFINED_IA32: &[&CStr] = &[
    c_str!("__ia32_sys_oldumount"),
    c_str!("__ia32_compat_sys_kexec_load"),
    c_str!("__ia32_compat_sys_settimeofday"),
    c_str!("__ia32_sys_stime32"),
    c_str!("__ia32_sys_clock_settime32"),
    c_str!("__ia32_sys_adjtimex_time32"),
    c_str!("__ia32_sys_clock_adjtime32"),
];
const UNSHARE: [&CStr; 2] = entries!("unshare");

/// Whose calls are confined.
pub(crate) trait ConfinePolicy: Send + Sync + Clone {
    /// A confined call was refused (for the container's accounting; must not sleep).
    fn refused(&self);
}

/// The policy as the hook sees it: one hook for all the calls.
struct Gate<P> {
    policy: P,
    /// The fentry sites of unshare(2)'s entries (0 where the kernel has none).
    unshare: [usize; 2],
}

impl<P: ConfinePolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if let Some(abi) = [Abi::X64, Abi::Ia32]
            .into_iter()
            .zip(self.unshare)
            .find_map(|(abi, site)| (site == args.site()).then_some(abi))
        {
            let regs = args.word(0) as *const bindings::pt_regs;
            // SAFETY: argument 0 of a system call's entry is the caller's saved registers,
            // in kernel memory for the whole call, entered through `abi`.
            let flags = unsafe { abi.arg(regs, 0) };
            if flags & CLONE_NEW_ANY == 0 {
                return false;
            }
        }
        self.policy.refused();
        true
    }
}

impl<P: ConfinePolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        EPERM.to_errno().into()
    }
}

/// Adds the refusals to `hooks` (one hook for every confined call).
pub(crate) fn add<P: ConfinePolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    let mut symbols = KVec::with_capacity(CONFINED.len() * 2 + CONFINED_IA32.len(), GFP_KERNEL)?;
    for &symbol in Iterator::chain(CONFINED.iter().flatten(), CONFINED_IA32) {
        symbols.push(symbol, GFP_KERNEL)?;
    }
    let mut sites = KVec::with_capacity(symbols.len(), GFP_KERNEL)?;
    let mut unshare = [0; 2];
    // One lookup for all: one grace period.
    let found = hooks.sites_of(&symbols)?;
    for (&symbol, site) in symbols.iter().zip(found.into_iter()) {
        match site {
            Ok(site) => {
                for (entry, taken) in UNSHARE.iter().zip(unshare.iter_mut()) {
                    if symbol.as_bytes() == entry.as_bytes() {
                        *taken = site;
                    }
                }
                sites.push(site, GFP_KERNEL)?;
            }
            Err(e) if e == ENOENT => {} // not in this kernel
            Err(e) => return Err(e),
        }
    }
    hooks.refusing_sites(&sites, Gate { policy, unshare })
}
