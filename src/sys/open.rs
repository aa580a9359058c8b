// SPDX-License-Identifier: GPL-2.0

//! The open recorder: a hook on `do_filp_open`, through which open(2), openat(2), openat2(2),
//! creat(2) and execve(2) open files by name, that shows a policy the absolute names its
//! tasks open. It never diverts a call. Installed only while some container records (see
//! `hooks.rs`), so that opening a file costs nothing more otherwise.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, HookSetBuilder, Observe};

/// Longest name looked at, with its NUL (longer ones reach the policy cut, and it drops them).
pub(crate) const NAME_LEN: usize = 256;

/// Who is watched.
pub(crate) trait OpenPolicy: Send + Sync {
    /// The current task opens `path`, an absolute name of at most `NAME_LEN - 1` bytes, or
    /// a longer one cut to `NAME_LEN` bytes (with no NUL). Must not sleep.
    fn opened(&self, path: &[u8]);
}

struct Recorder<P>(P);

impl<P: OpenPolicy> Observe for Recorder<P> {
    fn observe(&self, args: &CallArgs<'_>) {
        let name = args.word(1) as *const bindings::filename;
        let mut buf = [0u8; NAME_LEN];
        let mut len = 0;
        // SAFETY: argument 1 of `do_filp_open` is the caller's `struct filename`, whose
        // `name` is a NUL-terminated string in kernel memory for the whole call; reading
        // stops at its NUL or after `NAME_LEN` bytes.
        unsafe {
            let s = (*name).name;
            if s.is_null() {
                return;
            }
            while len < NAME_LEN {
                let b = core::ptr::read(s.add(len));
                if b == 0 {
                    break;
                }
                buf[len] = b;
                len += 1;
            }
        }
        if buf[0] == b'/' {
            self.0.opened(&buf[..len]);
        }
    }
}

/// Adds the recorder to `hooks`.
pub(crate) fn add<P: OpenPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    hooks.observing(kernel::c_str!("do_filp_open"), Recorder(policy))
}
