// SPDX-License-Identifier: GPL-2.0

//! POSIX message queue names by policy: a task the policy picks opens, makes and removes
//! queues under its prefix (for ctn: its container's, see `crate::ipc::file_queue_name`),
//! so two containers use the same queue name without meeting, and none reaches the host's.
//!
//! `mq_open` and `mq_unlink` (every entry: the 64-bit calls, the 32-bit and compat ones)
//! look the name up with `lookup_one_len(const char *name, struct dentry *base, int len)`,
//! passing the kernel's copy of it, in the queues' file system (`mq_mnt` of the IPC
//! namespace, whatever the task's root). The calls from there, told by their return address,
//! are diverted to a replacement that looks the prefixed name up instead (the name is made
//! in its own buffer: the caller's is not touched). Those return addresses are found at
//! installation, in whichever of the functions below the compiler kept the calls in (`call
//! rel32` to `lookup_one_len`, within the function's length from kallsyms). Other callers of
//! `lookup_one_len` (overlayfs, debugfs, nfsd) pay the table lookup and one compare.
//!
//! This is the convenience, not the wall: `hostconf` refuses a member every name without its
//! prefix in the queues' file system (open, make, remove, change), whatever the path (a
//! mounted `/dev/mqueue`, io_uring, a handle). A kernel whose calls are not found keeps
//! every queue out of the members' reach.

use kernel::ffi::c_int;
use kernel::prelude::*;

use super::bindings;
use super::ftrace::{self, original, CallArgs, Divert, HookSetBuilder, Hooked};
use crate::ipc::{self, NamePrefix, QueueName};

/// Whose queue names are filed under which prefix.
pub(crate) trait QueueNamePolicy: Send + Sync + Clone {
    /// The prefix of the current task's queue names, if the policy files them. Must not
    /// sleep.
    fn queue_prefix(&self) -> Option<NamePrefix>;
}

/// The functions that may hold `mq_open`'s and `mq_unlink`'s calls of `lookup_one_len`: the
/// body (`do_mq_open`, the `__do_sys`/`__se_sys` of `mq_unlink`) or, where it was inlined,
/// the entries.
const OPEN: [&CStr; 8] = [
    kernel::c_str!("do_mq_open"),
    kernel::c_str!("__do_sys_mq_open"),
    kernel::c_str!("__se_sys_mq_open"),
    kernel::c_str!("__x64_sys_mq_open"),
    kernel::c_str!("__ia32_sys_mq_open"),
    kernel::c_str!("__do_compat_sys_mq_open"),
    kernel::c_str!("__se_compat_sys_mq_open"),
    kernel::c_str!("__ia32_compat_sys_mq_open"),
];
const UNLINK: [&CStr; 4] = [
    kernel::c_str!("__do_sys_mq_unlink"),
    kernel::c_str!("__se_sys_mq_unlink"),
    kernel::c_str!("__x64_sys_mq_unlink"),
    kernel::c_str!("__ia32_sys_mq_unlink"),
];

/// At most this many call sites are kept (each of the 12 functions has at most one).
const MAX_CALLS: usize = 16;

/// The policy and the return addresses of the calls it sees.
#[derive(Clone)]
struct QueueCalls<P> {
    policy: P,
    returns: [usize; MAX_CALLS],
}

impl<P: QueueNamePolicy> Divert for QueueCalls<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        self.returns.contains(&args.caller())
    }
}

/// Adds the queue-name hook to `hooks`. Without `CONFIG_POSIX_MQUEUE`, or where no call of
/// both `mq_open` and `mq_unlink` is found, there is none (and no member reaches a queue).
pub(crate) fn add<P: QueueNamePolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    let lookup = original!(kernel::c_str!("lookup_one_len"));
    let Ok(callee) = hooks
        .sites_of(&[lookup.name()])?
        .first()
        .copied()
        .unwrap_or(Err(ENOENT))
    else {
        return Ok(());
    };
    let mut returns = [0; MAX_CALLS];
    let mut taken = 0;
    let (mut found, mut present) = ([false; 2], false);
    for (path, callers) in [&OPEN[..], &UNLINK[..]].into_iter().enumerate() {
        for site in hooks.sites_of(callers)?.iter().filter_map(|s| s.ok()) {
            present = true;
            // SAFETY: both are fentry sites (found by kprobes).
            for at in unsafe { ftrace::call_returns(site, callee) } {
                if !returns.iter().take(taken).any(|&r| r == at) {
                    if let Some(slot) = returns.get_mut(taken) {
                        *slot = at;
                        taken += 1;
                    }
                }
                found[path] = true;
            }
        }
    }
    if found != [true; 2] {
        // A kernel without POSIX_MQUEUE has none of the functions: nothing to say.
        if present {
            pr_warn!("ctn: mq_open's or mq_unlink's name lookup not found: members use no queue\n");
        }
        return Ok(());
    }
    let calls = QueueCalls { policy, returns };
    // SAFETY: `lookup::<P>` takes `lookup_one_len`'s three parameters followed by
    // `*const Hooked<QueueCalls<P>>`, returns its `struct dentry *`, holds an `InFlight`
    // guard throughout and calls the original through `Hooked::call_original`.
    unsafe { hooks.hook(lookup, 3, lookup_queue::<P> as usize, calls) }
}

/// `struct dentry *lookup_one_len(const char *name, struct dentry *base, int len)`, called
/// by `mq_open` or `mq_unlink` of a picked task: the same lookup of the name filed under the
/// task's prefix.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real
/// `lookup_one_len` call (`name` holds `len` bytes) and the live hook state.
unsafe extern "C" fn lookup_queue<P: QueueNamePolicy>(
    name: *const u8,
    base: *mut bindings::dentry,
    len: c_int,
    hooked: *const Hooked<QueueCalls<P>>,
) -> *mut bindings::dentry {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    let mut filed = [0u8; ipc::QUEUE_NAME_MAX];
    let answer = match (hooked.policy().policy.queue_prefix(), usize::try_from(len)) {
        (Some(prefix), Ok(n)) => {
            // SAFETY: `name` holds `len` bytes (the caller's contract), the kernel's copy of
            // the task's name, which no one changes during the call.
            let given = unsafe { core::slice::from_raw_parts(name, n) };
            ipc::file_queue_name(given, &prefix, &mut filed)
        }
        _ => QueueName::AsGiven,
    };
    let (name, len) = match answer {
        QueueName::AsGiven => (name, len),
        // At most `QUEUE_NAME_MAX`: fits an `int`.
        QueueName::Filed(n) => (filed.as_ptr(), n as c_int),
        QueueName::TooLong => {
            return Error::from_errno(-(bindings::ENAMETOOLONG as i32)).to_ptr();
        }
    };
    // SAFETY: `original` is the start of `lookup_one_len`; `name` holds `len` bytes and
    // lives across the call (the dentry it makes copies the name), `base` is the caller's.
    unsafe { hooked.call_original((name, base, len)) }
}
