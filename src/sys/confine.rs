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
use kernel::ThisModule;

use super::bindings;
use super::ftrace::{CallArgs, Divert, FunctionHook, Refuse};

/// The namespace flags of clone(2), clone3(2) and unshare(2).
pub(crate) const CLONE_NEW_ANY: u64 = (bindings::CLONE_NEWNS
    | bindings::CLONE_NEWCGROUP
    | bindings::CLONE_NEWUTS
    | bindings::CLONE_NEWIPC
    | bindings::CLONE_NEWUSER
    | bindings::CLONE_NEWPID
    | bindings::CLONE_NEWNET
    | bindings::CLONE_NEWTIME) as u64;

/// When a confined call is refused.
#[derive(Clone, Copy, PartialEq, Eq)]
enum When {
    Always,
    /// When its first argument has a namespace flag (unshare: `CLONE_FILES` and `CLONE_FS`
    /// alone only unshare the caller's own tables).
    NamespaceFlags,
}

/// The refused calls. A call the kernel was built without is skipped.
const CONFINED: &[(&CStr, When)] = &[
    (c_str!("__x64_sys_chroot"), When::Always),
    (c_str!("__x64_sys_pivot_root"), When::Always),
    (c_str!("__x64_sys_mount"), When::Always),
    (c_str!("__x64_sys_umount"), When::Always),
    (c_str!("__x64_sys_fsopen"), When::Always),
    (c_str!("__x64_sys_fspick"), When::Always),
    (c_str!("__x64_sys_fsmount"), When::Always),
    (c_str!("__x64_sys_move_mount"), When::Always),
    (c_str!("__x64_sys_open_tree"), When::Always),
    (c_str!("__x64_sys_mount_setattr"), When::Always),
    (c_str!("__x64_sys_setns"), When::Always),
    (c_str!("__x64_sys_unshare"), When::NamespaceFlags),
    (c_str!("__x64_sys_init_module"), When::Always),
    (c_str!("__x64_sys_finit_module"), When::Always),
    (c_str!("__x64_sys_delete_module"), When::Always),
    (c_str!("__x64_sys_kexec_load"), When::Always),
    (c_str!("__x64_sys_kexec_file_load"), When::Always),
    (c_str!("__x64_sys_reboot"), When::Always),
    (c_str!("__x64_sys_settimeofday"), When::Always),
    (c_str!("__x64_sys_clock_settime"), When::Always),
    (c_str!("__x64_sys_adjtimex"), When::Always),
    (c_str!("__x64_sys_clock_adjtime"), When::Always),
    (c_str!("__x64_sys_swapon"), When::Always),
    (c_str!("__x64_sys_swapoff"), When::Always),
];

/// Whose calls are confined. Its [`Divert`] says who is; others pay only that check.
pub(crate) trait ConfinePolicy: Divert + Clone {
    /// A confined call was refused (for the container's accounting; must not sleep).
    fn refused(&self);
}

/// The policy as one hook sees it.
struct Gate<P> {
    policy: P,
    when: When,
}

impl<P: ConfinePolicy> Divert for Gate<P> {
    fn divert(&self) -> bool {
        self.policy.divert()
    }

    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if !self.policy.divert() {
            return false;
        }
        if self.when == When::NamespaceFlags {
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

/// The installed hooks; dropping them removes them.
pub(crate) struct ConfineHooks<P: ConfinePolicy> {
    _hooks: KVec<FunctionHook<Gate<P>>>,
}

impl<P: ConfinePolicy> ConfineHooks<P> {
    pub(crate) fn register(module: &'static ThisModule, policy: P) -> Result<Self> {
        let mut hooks = KVec::with_capacity(CONFINED.len(), GFP_KERNEL)?;
        for &(symbol, when) in CONFINED {
            let gate = Gate {
                policy: policy.clone(),
                when,
            };
            match FunctionHook::refusing(module, symbol, gate) {
                Ok(hook) => hooks.push(hook, GFP_KERNEL)?,
                Err(e) if e == ENOENT => {} // not in this kernel
                Err(e) => return Err(e),
            }
        }
        Ok(Self { _hooks: hooks })
    }
}
