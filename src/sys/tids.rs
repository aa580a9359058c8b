// SPDX-License-Identifier: GPL-2.0

//! A thread that execs takes its process's pid: `de_thread` kills the other threads, waits
//! for the leader to exit (the exit tracepoint has already seen it go) and then calls
//! `exchange_tids(thread, leader)`, after which the thread is the process's pid and the
//! leader's remains the thread's old one. No tracepoint marks the exchange, and the exec's
//! new credentials are computed right after it: a hook on `exchange_tids` tells the policy,
//! in the callback (before the pids change hands), so that whatever it keys by pid follows
//! the thread.

use kernel::prelude::*;

use super::ftrace::{CallArgs, HookSetBuilder, Observe};
use super::task::TaskRef;

/// What follows a thread whose pid changes.
pub(crate) trait TidPolicy: Send + Sync + Clone {
    /// The thread `from` is about to become pid `to` (its process's; the leader that had it
    /// has exited). Must not sleep.
    fn taking_pid(&self, from: i32, to: i32);
}

struct Exchange<P>(P);

impl<P: TidPolicy> Observe for Exchange<P> {
    /// `void exchange_tids(struct task_struct *left, struct task_struct *right)`.
    fn observe(&self, args: &CallArgs<'_>) {
        // SAFETY: both arguments are tasks `de_thread` holds for the call: the exec'ing
        // thread and its exited leader.
        let tasks = unsafe {
            (
                TaskRef::from_raw(args.word(0) as *mut _),
                TaskRef::from_raw(args.word(1) as *mut _),
            )
        };
        if let (Some(thread), Some(leader)) = tasks {
            self.0.taking_pid(thread.pid(), leader.pid());
        }
    }
}

/// Adds the hook to `hooks`.
pub(crate) fn add<P: TidPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    hooks.observing_all(kernel::c_str!("exchange_tids"), Exchange(policy))
}
