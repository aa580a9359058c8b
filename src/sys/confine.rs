// SPDX-License-Identifier: GPL-2.0

//! The confinement gate: hooks on the system calls through which a process could leave its
//! container's view of the host or change the host itself, refused with `EPERM` for the tasks
//! a policy picks (as FreeBSD jail and Linux-VServer refuse them, whatever the caller's
//! capabilities): changing its root (`chroot`, `pivot_root`), mounting and unmounting (also
//! through the new mount API), entering or making namespaces (`setns`, `unshare` with a
//! namespace flag; `clone` with one is refused by the clone gate), loading and unloading
//! modules, loading a kernel to boot (`kexec_*`), rebooting, setting the host's clock and
//! swapping. Each hook sits on the system call's entry (`__x64_sys_*`), decides in the ftrace
//! callback and diverts only refusals.

use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};

/// The namespace flags of clone(2), clone3(2) and unshare(2).
pub(crate) const CLONE_NEW_ANY: u64 = (bindings::CLONE_NEWNS
    | bindings::CLONE_NEWCGROUP
    | bindings::CLONE_NEWUTS
    | bindings::CLONE_NEWIPC
    | bindings::CLONE_NEWUSER
    | bindings::CLONE_NEWPID
    | bindings::CLONE_NEWNET
    | bindings::CLONE_NEWTIME) as u64;

/// The refused calls (a call the kernel was built without is skipped). unshare(2) is
/// refused only with a namespace flag: `CLONE_FILES` and `CLONE_FS` alone only unshare the
/// caller's own tables.
const CONFINED: &[&CStr] = &[
    c_str!("__x64_sys_chroot"),
    c_str!("__x64_sys_pivot_root"),
    c_str!("__x64_sys_mount"),
    c_str!("__x64_sys_umount"),
    c_str!("__x64_sys_fsopen"),
    c_str!("__x64_sys_fspick"),
    c_str!("__x64_sys_fsmount"),
    c_str!("__x64_sys_move_mount"),
    c_str!("__x64_sys_open_tree"),
    c_str!("__x64_sys_mount_setattr"),
    c_str!("__x64_sys_setns"),
    UNSHARE,
    c_str!("__x64_sys_init_module"),
    c_str!("__x64_sys_finit_module"),
    c_str!("__x64_sys_delete_module"),
    c_str!("__x64_sys_kexec_load"),
    c_str!("__x64_sys_kexec_file_load"),
    c_str!("__x64_sys_reboot"),
    c_str!("__x64_sys_settimeofday"),
    c_str!("__x64_sys_clock_settime"),
    c_str!("__x64_sys_adjtimex"),
    c_str!("__x64_sys_clock_adjtime"),
    c_str!("__x64_sys_swapon"),
    c_str!("__x64_sys_swapoff"),
];
const UNSHARE: &CStr = c_str!("__x64_sys_unshare");

/// Whose calls are confined. Its [`Divert`] says who is; others pay only that check.
pub(crate) trait ConfinePolicy: Divert + Clone {
    /// A confined call was refused (for the container's accounting; must not sleep).
    fn refused(&self);
}

/// The policy as the hook sees it: one hook for all the calls.
struct Gate<P> {
    policy: P,
    /// The fentry site of unshare(2) (0 if the kernel has none).
    unshare: usize,
}

impl<P: ConfinePolicy> Divert for Gate<P> {
    fn divert(&self) -> bool {
        self.policy.divert()
    }

    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if !self.policy.divert() {
            return false;
        }
        if args.site() == self.unshare {
            let regs = args.word(0) as *const bindings::pt_regs;
            // SAFETY: argument 0 of a system call's entry is the caller's saved registers,
            // in kernel memory for the whole call; `di` holds the first argument.
            let flags = unsafe { (*regs).di } as u64;
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
    let mut sites = KVec::with_capacity(CONFINED.len(), GFP_KERNEL)?;
    let mut unshare = 0;
    // One lookup for all: one grace period.
    let found = hooks.sites_of(CONFINED)?;
    for (&symbol, site) in CONFINED.iter().zip(found.into_iter()) {
        match site {
            Ok(site) => {
                if symbol.as_bytes() == UNSHARE.as_bytes() {
                    unshare = site;
                }
                sites.push(site, GFP_KERNEL)?;
            }
            Err(e) if e == ENOENT => {} // not in this kernel
            Err(e) => return Err(e),
        }
    }
    hooks.refusing_sites(&sites, Gate { policy, unshare })
}
