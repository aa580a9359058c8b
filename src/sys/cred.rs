// SPDX-License-Identifier: GPL-2.0

//! Privilege checks on the current task.

use super::bindings;

/// Whether the current task has `CAP_SYS_ADMIN` in the initial user namespace.
///
/// Like `capable()`, this marks the task as having used the capability (audit, `PF_SUPERPRIV`).
pub(crate) fn has_sys_admin() -> bool {
    // SAFETY: `capable` only reads the current task's credentials; CAP_SYS_ADMIN is valid.
    unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as i32) }
}

/// Whether the current task is root (effective uid 0) with `CAP_SYS_ADMIN` in its bounding
/// set, without a capability check: for what a container's root does to its own container
/// (its names). Its effective set cannot say: the container's capability set has masked it
/// (`capable::add`), as jail's `allow.set_hostname` asks only that the caller be root.
pub(crate) fn own_root() -> bool {
    // SAFETY: reads the current task's credentials only.
    unsafe { bindings::ctn_current_is_own_root() }
}
