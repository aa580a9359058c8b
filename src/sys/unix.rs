// SPDX-License-Identifier: GPL-2.0

//! Abstract unix socket names by policy: a task the policy picks binds and looks up abstract
//! names under its prefix (for ctn: its container's, see `crate::ipc::file_name`), so it
//! reaches no socket of the host or of another container by name (the containerd-shim
//! CVE-2020-15257 class) and two containers use the same name without meeting. Hooks, each
//! rewriting the address in the callback (the kernel's own copy of it) before the function
//! runs:
//! - `unix_bind(struct socket *, struct sockaddr *, int len)`: bind, from every path (the
//!   64-bit and 32-bit calls, io_uring's `IORING_OP_BIND`).
//! - `unix_find_other(struct net *, struct sockaddr_un *, int len, int type)`: the lookup of
//!   the peer of a connect (stream, seqpacket, datagram) and of a datagram's destination
//!   (sendto, sendmsg, sendmmsg, io_uring), wherever it comes from.
//!
//! The address is the kernel's copy of the caller's, in a `sockaddr_storage` (128 bytes) on
//! every path a user task reaches these from; the name grows within `sockaddr_un` (110
//! bytes) or the call is refused with `EINVAL`. Both are static in `af_unix.c`: hooked where
//! the compiler left them out of line (they are in `unix_stream_ops` and called from
//! several places; the isolation tests would show otherwise).

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};
use crate::ipc::{self, NamePrefix};

const _: () = assert!(core::mem::size_of::<bindings::sockaddr_un>() == ipc::SOCKADDR_UN_LEN);
const _: () = assert!(bindings::AF_UNIX as u16 == ipc::AF_UNIX);

/// Whose names are filed under which prefix.
pub(crate) trait UnixNamePolicy: Send + Sync + Clone {
    /// The prefix of the current task's abstract names, if the policy files them. Must not
    /// sleep.
    fn name_prefix(&self) -> Option<NamePrefix>;
    /// A name of the current task was refused with `errno`. Must not sleep.
    fn refused(&self, errno: Error);
}

/// Files the address in arguments 1 (pointer) and 2 (length) of both hooked functions.
struct FileNames<P>(P);

impl<P: UnixNamePolicy> Divert for FileNames<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        let Some(prefix) = self.0.name_prefix() else {
            return false;
        };
        let addr = args.word(1) as *mut [u8; ipc::SOCKADDR_UN_LEN];
        let len = args.word(2) as i32;
        let Ok(len) = usize::try_from(len) else {
            return false; // the kernel refuses it
        };
        // SAFETY: argument 1 is the kernel's copy of a user task's address, in a
        // `sockaddr_storage` that outlives the call, larger than `sockaddr_un` (see the
        // module's comment); only this task uses it during the call.
        let addr = unsafe { &mut *addr };
        match ipc::file_name(addr, len, &prefix) {
            Ok(filed) if filed != len => {
                // SAFETY: the length of the address now in the buffer, at most
                // `sizeof(struct sockaddr_un)`: a length callers pass.
                unsafe { args.set_word(2, filed) };
                false
            }
            Ok(_) => false,
            Err(errno) => {
                self.0.refused(errno);
                true
            }
        }
    }
}

impl<P: UnixNamePolicy> Refuse for FileNames<P> {
    /// `-EINVAL`: for `unix_bind` the errno, for `unix_find_other` `ERR_PTR(-EINVAL)`.
    fn refusal(&self) -> i64 {
        EINVAL.to_errno().into()
    }
}

/// Adds the name hooks to `hooks`.
pub(crate) fn add<P: UnixNamePolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    hooks.sites_of(&[
        kernel::c_str!("unix_bind"),
        kernel::c_str!("unix_find_other"),
    ])?;
    hooks.refusing(kernel::c_str!("unix_bind"), FileNames(policy.clone()))?;
    hooks.refusing(kernel::c_str!("unix_find_other"), FileNames(policy))
}
