// SPDX-License-Identifier: GPL-2.0

//! The write gate: a hook on `vfs_write`, through which write(2) and pwrite(2) go, that
//! counts the bytes a policy's tasks write to regular files and refuses a write beyond their
//! quota with `EDQUOT`. As the other gates, it decides in the ftrace callback; only a refusal
//! is diverted. Writes to pipes, sockets and devices are not counted.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};

/// `EDQUOT` (the `kernel` crate of 6.12 has no constant for it).
pub(crate) fn edquot() -> Error {
    Error::from_errno(-(bindings::EDQUOT as i32))
}

/// Who may write how much. Its [`Divert`] says whose writes are counted.
pub(crate) trait WritePolicy: Divert {
    /// Whether the current task may write `bytes` more to files now (they are counted if so).
    /// Called from the ftrace callback: it must not sleep.
    fn admit_write(&self, bytes: u64) -> bool;
}

/// The policy as the hook sees it: a call is diverted when it is refused.
struct Gate<P>(P);

impl<P: WritePolicy> Divert for Gate<P> {
    fn divert(&self) -> bool {
        self.0.divert()
    }

    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if !self.0.divert() {
            return false;
        }
        let file = args.word(0) as *mut bindings::file;
        // SAFETY: argument 0 of `vfs_write` is the file being written, referenced by the
        // caller for the call.
        if !unsafe { bindings::ctn_file_is_regular(file) } {
            return false;
        }
        !self.0.admit_write(args.word(2) as u64)
    }
}

impl<P: WritePolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        edquot().to_errno().into()
    }
}

/// Adds the gate to `hooks`.
pub(crate) fn add<P: WritePolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    hooks.refusing(kernel::c_str!("vfs_write"), Gate(policy))
}
