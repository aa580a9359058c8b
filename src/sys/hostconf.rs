// SPDX-License-Identifier: GPL-2.0

//! The host's configuration, read-only to the tasks a policy picks (as jail refuses sysctl
//! writes and devfs hides devices): hooks on the permission checks the VFS asks, deciding in
//! the ftrace callback and diverting only refusals.
//! - `proc_sys_permission`, asked for every open of a `/proc/sys` file (a write there is a
//!   host-wide setting: `kernel/core_pattern`, `kernel/hostname`, `net/*`): a write or
//!   append is refused with `EACCES`; reading stays allowed.
//! - `kernfs_iop_permission`, the same for sysfs (`/sys`) and cgroupfs.
//! - `chrdev_open`, the first step of opening any character device node (misc devices
//!   included), wherever the node is: a device the policy does not list is refused with
//!   `EPERM`, as the device cgroup refuses it (a node made by `mknod` or brought in a root
//!   cannot reach `/dev/kmsg`, `/dev/mem` or a disk). Opening with `O_PATH` opens no device.
//! - `security_kernel_module_request`, asked by `request_module` in the context of the task
//!   whose call wants a module (an unknown socket family, a netdevice name, a file system):
//!   refused with `EPERM`, so a member makes the host run no modprobe (the call itself
//!   fails as for a missing module). Only with `CONFIG_SECURITY` (every distribution
//!   kernel).

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{optional, CallArgs, Divert, HookSetBuilder, Refuse};

/// `MAY_WRITE | MAY_APPEND` of `inode_permission`'s mask.
const MAY_CHANGE: usize = 0x2 | 0x8;

/// Who may change what. Its [`Divert`] says whose calls are checked.
pub(crate) trait HostConfigPolicy: Divert + Clone {
    /// A change of the host's configuration was refused to the current task with `errno`
    /// (must not sleep).
    fn refused(&self, errno: Error);
    /// Whether the current task may open the device node numbered `rdev` (the kernel's
    /// `dev_t`); a refusal counts. Must not sleep.
    fn may_open_device(&self, rdev: u32) -> bool;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `int (*permission)(struct mnt_idmap *, struct inode *, int mask)` of /proc/sys, sysfs.
    Write,
    /// `int chrdev_open(struct inode *inode, struct file *filp)`.
    Device,
    /// `int security_kernel_module_request(char *kmod_name)`.
    ModuleRequest,
}

struct Gate<P> {
    policy: P,
    check: Check,
}

impl Check {
    /// What the hooked function returns for a refused call.
    fn errno(self) -> Error {
        match self {
            Check::Write => EACCES,
            Check::Device | Check::ModuleRequest => EPERM,
        }
    }
}

impl<P: HostConfigPolicy> Divert for Gate<P> {
    fn divert(&self) -> bool {
        self.policy.divert()
    }

    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if !self.policy.divert() {
            return false;
        }
        match self.check {
            Check::Write => {
                let refused = args.word(2) & MAY_CHANGE != 0;
                if refused {
                    self.policy.refused(self.check.errno());
                }
                refused
            }
            Check::Device => {
                let inode = args.word(0) as *const bindings::inode;
                // SAFETY: argument 0 of `chrdev_open` is the inode being opened, referenced
                // by the open in progress.
                let rdev = unsafe { bindings::ctn_inode_rdev(inode) };
                !self.policy.may_open_device(rdev)
            }
            Check::ModuleRequest => {
                self.policy.refused(self.check.errno());
                true
            }
        }
    }
}

impl<P: HostConfigPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        self.check.errno().to_errno().into()
    }
}

/// Adds the host-configuration hooks to `hooks`.
pub(crate) fn add<P: HostConfigPolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    let mut hook = |symbol, check| {
        let gate = Gate {
            policy: policy.clone(),
            check,
        };
        hooks.refusing(symbol, gate)
    };
    hook(kernel::c_str!("proc_sys_permission"), Check::Write)?;
    hook(kernel::c_str!("kernfs_iop_permission"), Check::Write)?;
    hook(kernel::c_str!("chrdev_open"), Check::Device)?;
    // Without CONFIG_SECURITY a static inline stub: members' requests then run modprobe.
    optional(hook(
        kernel::c_str!("security_kernel_module_request"),
        Check::ModuleRequest,
    ))
}
