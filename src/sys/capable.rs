// SPDX-License-Identifier: GPL-2.0

//! The capability gate: a hook on `cap_capable`, where every capability check ends
//! (`capable`, `ns_capable`, `file_ns_capable`, `has_capability`, with or without
//! `CONFIG_SECURITY`: the capability LSM is always first). A check made for the current task
//! on its own credentials is refused with `EPERM` (the answer for a missing capability) when
//! the policy does not grant the capability; checks on other credentials (another task's, a
//! file opener's, overlayfs's mounter's) are the kernel's alone.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};

/// `CAP_OPT_NOAUDIT`: a probe (`ns_capable_noaudit`), not a request.
const CAP_OPT_NOAUDIT: usize = 1 << 1;

/// Which capabilities the current task may use. Its [`Divert`] says whose checks it decides.
pub(crate) trait CapabilityPolicy: Divert + Clone {
    /// Whether the current task may use capability `cap`; `audit`: a refusal counts (not a
    /// probe). Must not sleep.
    fn grants(&self, cap: u32, audit: bool) -> bool;
}

struct Gate<P>(P);

impl<P: CapabilityPolicy> Divert for Gate<P> {
    fn divert(&self) -> bool {
        self.0.divert()
    }

    /// `int cap_capable(const struct cred *cred, struct user_namespace *ns, int cap,
    /// unsigned int opts)`.
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if !self.0.divert() {
            return false;
        }
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

/// Adds the capability gate to `hooks`.
pub(crate) fn add<P: CapabilityPolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    hooks.refusing(kernel::c_str!("cap_capable"), Gate(policy))
}
