// SPDX-License-Identifier: GPL-2.0

//! The descriptor gate: a hook on `get_unused_fd_flags`, through which open, openat, creat,
//! socket, socketpair, accept, pipe, dup, epoll_create, eventfd, memfd_create and the other
//! calls that make a new descriptor take its number, and whose error they return. As the
//! address-space gate (`mm.rs`), the policy decides in the ftrace callback and only a refusal
//! is diverted, to answer `EMFILE`.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};

/// Who may open descriptors.
pub(crate) trait FilesPolicy: Send + Sync {
    /// Whether the current process, which has `now` descriptors open, may open one more.
    /// Called from the ftrace callback: it must not sleep.
    fn admit_file(&self, now: u64) -> bool;
}

/// The policy as the hook sees it: a call is diverted when it is refused.
struct Gate<P>(P);

impl<P: FilesPolicy> Divert for Gate<P> {
    fn divert_call(&self, _args: &CallArgs<'_>) -> bool {
        // SAFETY: reads the current task's descriptor table, which it cannot lose while it
        // runs this call.
        let now = u64::from(unsafe { bindings::ctn_current_open_files() });
        !self.0.admit_file(now)
    }
}

impl<P: FilesPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        EMFILE.to_errno().into()
    }
}

/// Adds the gate to `hooks`.
pub(crate) fn add<P: FilesPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    hooks.refusing(kernel::c_str!("get_unused_fd_flags"), Gate(policy))
}
