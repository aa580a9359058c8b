// SPDX-License-Identifier: GPL-2.0

//! Who made each pseudo-terminal: observers of devpts making and freeing a pty's index
//! (`devpts_pty_new`, `devpts_kill_index`), so that a member may open the `/dev/pts/N` of
//! the ptys its container made and of no other (a host user's shell, another container's).
//! Without this, root in a container (DAC_OVERRIDE) could open the host admin's terminal,
//! read what is typed there and write to it. A pty is filed by instance (the `pts_fs_info`
//! every devpts mount has) and index: every instance numbers its ptys from 0.

use kernel::prelude::*;

use super::ftrace::{CallArgs, HookSetBuilder, Observe};

/// Keeps the owner of each pty index. Both calls come from the ftrace callback: they must
/// not sleep.
pub(crate) trait PtyPolicy: Send + Sync + Clone {
    /// The current task made the pty `index` of the devpts instance `fsi`.
    fn made(&self, fsi: usize, index: i32);
    /// The pty `index` of instance `fsi` is gone (whoever's task frees it).
    fn gone(&self, fsi: usize, index: i32);
}

/// `struct dentry *devpts_pty_new(struct pts_fs_info *, int index, void *priv)`.
struct Made<P>(P);

impl<P: PtyPolicy> Observe for Made<P> {
    fn observe(&self, args: &CallArgs<'_>) {
        self.0.made(args.word(0), args.word(1) as i32);
    }
}

/// `void devpts_kill_index(struct pts_fs_info *, int idx)`.
struct Gone<P>(P);

impl<P: PtyPolicy> Observe for Gone<P> {
    fn observe(&self, args: &CallArgs<'_>) {
        self.0.gone(args.word(0), args.word(1) as i32);
    }
}

/// Adds the observers to `hooks` (none without UNIX98 ptys).
pub(crate) fn add<P: PtyPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    super::ftrace::optional(
        hooks.observing_all(kernel::c_str!("devpts_pty_new"), Made(policy.clone())),
    )?;
    super::ftrace::optional(hooks.observing_all(kernel::c_str!("devpts_kill_index"), Gone(policy)))
}
