// SPDX-License-Identifier: GPL-2.0

//! The task-creation gate: a hook on `kernel_clone`, which every fork, vfork, clone, clone3 and
//! pthread_create goes through, at a point where the new task can still be refused.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{self, original, Divert, HookSetBuilder, Hooked};

/// Who may create tasks. Its [`Divert`] says whose clones are subject to `admit`; tasks it
/// says no to pay only that check.
pub(crate) trait ClonePolicy: Divert {
    /// What `admit` hands to `done`.
    type Ticket;
    /// Whether the current task may create a task now, with clone `flags`; an error is what
    /// the clone returns.
    fn admit(&self, flags: u64) -> Result<Self::Ticket>;
    /// The admitted creation is over: `created` says whether a task was created.
    fn done(&self, ticket: Self::Ticket, created: bool);
}

/// The clone flag of a task that shares its creator's address space (a thread, vfork).
pub(crate) const CLONE_VM: u64 = bindings::CLONE_VM as u64;

/// Adds the gate to `hooks`.
pub(crate) fn add<P: ClonePolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    // SAFETY: `kernel_clone_replacement::<P>` has `kernel_clone`'s one parameter followed by
    // `*const Hooked<P>`, returns `pid_t`, holds an `InFlight` guard throughout and calls the
    // original through `Hooked::call_original`.
    unsafe {
        hooks.hook(
            original!(kernel::c_str!("kernel_clone")),
            1,
            kernel_clone_replacement::<P> as usize,
            policy,
        )
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
