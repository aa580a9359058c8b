// SPDX-License-Identifier: GPL-2.0

//! The task-creation gate: a hook on `kernel_clone`, which every fork, vfork, clone, clone3 and
//! pthread_create goes through, at a point where the new task can still be refused; and one
//! on `cgroup_can_fork`, the last point of `copy_process` where a creation can fail before
//! the task is visible, where the new process's copy of its creator's address space is
//! complete (`dup_mmap` ran under the creator's mmap lock): its size is charged there,
//! exactly, whatever the creator's other threads mapped while it was made.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{self, original, Divert, HookSetBuilder, Hooked};

/// Who may create tasks.
pub(crate) trait ClonePolicy: Divert {
    /// What `admit` hands to `done`.
    type Ticket;
    /// Whether the current task may create a task now, with clone `flags`; an error is what
    /// the clone returns.
    fn admit(&self, flags: u64) -> Result<Self::Ticket>;
    /// The admitted creation is over: `created` says whether a task was created.
    fn done(&self, ticket: Self::Ticket, created: bool);
    /// Whether the current task's new process `tgid` may hold `pages` of its own (its copy
    /// of the address space), charged to it if so. Called for every creation (threads and
    /// tasks outside containers included: `pages` is 0 for those that share their creator's).
    fn admit_copy(&self, tgid: i32, pages: u64) -> bool;
    /// The creation of process `tgid`, whose copy `admit_copy` charged, failed after all.
    fn copy_dropped(&self, tgid: i32);
}

/// Adds the gates to `hooks`.
pub(crate) fn add<P: ClonePolicy + Clone + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    // SAFETY: `kernel_clone_replacement::<P>` has `kernel_clone`'s one parameter followed by
    // `*const Hooked<P>`, returns `pid_t`, holds an `InFlight` guard throughout and calls the
    // original through `Hooked::call_original`.
    unsafe {
        hooks.hook(
            original!(kernel::c_str!("kernel_clone")),
            1,
            kernel_clone_replacement::<P> as usize,
            policy.clone(),
        )?;
    }
    // Only with CGROUPS (without it both are empty inlines: a fork's copy is not checked).
    // SAFETY: `can_fork_replacement::<P>` has `cgroup_can_fork`'s two parameters followed by
    // `*const Hooked<P>`, returns `int`, holds an `InFlight` guard throughout and calls the
    // original through `Hooked::call_original`.
    ftrace::optional(unsafe {
        hooks.hook(
            original!(kernel::c_str!("cgroup_can_fork")),
            2,
            can_fork_replacement::<P> as usize,
            policy.clone(),
        )
    })?;
    // What `cgroup_can_fork` admitted is undone by `cgroup_cancel_fork` when a later step of
    // `copy_process` fails.
    ftrace::optional(hooks.observing(kernel::c_str!("cgroup_cancel_fork"), CopyDropped(policy)))
}

/// The pages of address space the new task `child` holds of its own: its copy of its
/// creator's (0 if it shares the creator's, or has none).
fn copy_of(child: *mut bindings::task_struct) -> (i32, u64) {
    // SAFETY: `child` is the task `copy_process` is making, which it holds; its `mm` and
    // `tgid` are set.
    let pages = unsafe { bindings::ctn_fork_copy_pages(child) };
    // SAFETY: as above.
    let tgid = unsafe { (*child).tgid };
    (tgid, pages as u64)
}

/// `int cgroup_can_fork(struct task_struct *child, struct kernel_clone_args *)`: the copy
/// is admitted before the cgroups' own checks, and given back if they refuse.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real
/// `cgroup_can_fork` call and the live hook state.
unsafe extern "C" fn can_fork_replacement<P: ClonePolicy>(
    child: *mut bindings::task_struct,
    args: *mut bindings::kernel_clone_args,
    hooked: *const Hooked<P>,
) -> i32 {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    let (tgid, pages) = copy_of(child);
    if pages != 0 && !hooked.policy().admit_copy(tgid, pages) {
        return ENOMEM.to_errno();
    }
    // SAFETY: the hook is `cgroup_can_fork`'s, of this type; the arguments are the caller's,
    // passed through unchanged.
    let ret: i32 = unsafe { hooked.call_original((child, args)) };
    if ret != 0 && pages != 0 {
        hooked.policy().copy_dropped(tgid);
    }
    ret
}

/// `void cgroup_cancel_fork(struct task_struct *child, struct kernel_clone_args *)`.
struct CopyDropped<P>(P);

impl<P: ClonePolicy> ftrace::Observe for CopyDropped<P> {
    fn observe(&self, args: &ftrace::CallArgs<'_>) {
        let (tgid, pages) = copy_of(args.word(0) as *mut bindings::task_struct);
        if pages != 0 {
            self.0.copy_dropped(tgid);
        }
    }
}

/// `pid_t kernel_clone(struct kernel_clone_args *args)`, for gated tasks.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real `kernel_clone`
/// call and the live hook state.
unsafe extern "C" fn kernel_clone_replacement<P: ClonePolicy>(
    args: *mut bindings::kernel_clone_args,
    hooked: *const Hooked<P>,
) -> i32 {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `args` is the caller's `kernel_clone_args`, valid for the call.
    let flags = unsafe { (*args).flags };
    let ticket = match hooked.policy().admit(flags) {
        Ok(ticket) => ticket,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: the hook is `kernel_clone`'s, of this type; `args` is the caller's, passed
    // through unchanged.
    let ret: i32 = unsafe { hooked.call_original((args,)) };
    hooked.policy().done(ticket, ret > 0);
    ret
}
