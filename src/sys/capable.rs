// SPDX-License-Identifier: GPL-2.0

//! The capability gate: a hook on `cap_capable`, where every capability check ends
//! (`capable`, `ns_capable`, `file_ns_capable`, `has_capability`, with or without
//! `CONFIG_SECURITY`: the capability LSM is always first). A check made for the current task
//! on its own credentials is refused with `EPERM` (the answer for a missing capability) when
//! the policy does not grant the capability; checks on other credentials (another task's, a
//! file opener's, overlayfs's mounter's) are the kernel's alone.
//!
//! The compiler inlines `cap_capable` into some of the capability LSM's own checks
//! (`cap_mmap_addr`'s `mmap_min_addr`, `cap_vm_enough_memory`, `cap_capset`,
//! `cap_task_prctl` in 6.12.117 with clang-19), which then test the credentials' bits
//! directly. So the credentials themselves are limited too: at every exec by a task the
//! policy picks, `security_bprm_committing_creds` (the new credentials are complete and
//! still private to the exec) masks their permitted, effective, inheritable and ambient
//! sets with the policy's set. Every process that enters a container execs, so its
//! credentials never hold more than the set (a capability added later reaches a process at
//! its next exec; the bounding set is left alone so that it can).

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Observe, Refuse};

/// `CAP_OPT_NOAUDIT`: a probe (`ns_capable_noaudit`), not a request.
const CAP_OPT_NOAUDIT: usize = 1 << 1;

/// Which capabilities the current task may use.
pub(crate) trait CapabilityPolicy: Send + Sync + Clone {
    /// Whether the current task may use capability `cap`; `audit`: a refusal counts (not a
    /// probe). Must not sleep.
    fn grants(&self, cap: u32, audit: bool) -> bool;
    /// The set of capabilities the current task may hold, if the policy limits it. Must
    /// not sleep.
    fn limit(&self) -> Option<u64>;
}

struct Gate<P>(P);

impl<P: CapabilityPolicy> Divert for Gate<P> {
    /// `int cap_capable(const struct cred *cred, struct user_namespace *ns, int cap,
    /// unsigned int opts)`.
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        // SAFETY: reads the current task's `cred` pointer; no reference is taken.
        let own = unsafe { bindings::ctn_current_cred() } as usize;
        if args.word(0) != own {
            return false;
        }
        !self
            .0
            .grants(args.word(2) as u32, args.word(3) & CAP_OPT_NOAUDIT == 0)
    }
}

impl<P: CapabilityPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        EPERM.to_errno().into()
    }
}

/// Limits the credentials of an exec (see the module's comment).
struct ExecLimit<P>(P);

impl<P: CapabilityPolicy> Observe for ExecLimit<P> {
    /// `void security_bprm_committing_creds(const struct linux_binprm *bprm)`.
    fn observe(&self, args: &CallArgs<'_>) {
        if let Some(set) = self.0.limit() {
            // SAFETY: argument 0 is the exec's `linux_binprm`, whose `cred` are the new
            // credentials, not yet committed: no other task can see them.
            unsafe { bindings::ctn_bprm_limit_caps(args.word(0) as *const _, set) };
        }
    }
}

/// Adds the capability gate and the exec limit to `hooks`.
pub(crate) fn add<P: CapabilityPolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    hooks.refusing(kernel::c_str!("cap_capable"), Gate(policy.clone()))?;
    hooks.observing(
        kernel::c_str!("security_bprm_committing_creds"),
        ExecLimit(policy),
    )
}
