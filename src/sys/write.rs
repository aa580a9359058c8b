// SPDX-License-Identifier: GPL-2.0

//! The write gate: a hook on `vfs_write`, through which write(2) and pwrite(2) go, that
//! counts the bytes a policy's tasks write to regular files and refuses a write beyond their
//! quota with `EDQUOT`. As the other gates, it decides in the ftrace callback; only a refusal
//! is diverted. Writes to pipes, sockets and devices are not counted.

use kernel::ffi::c_void;
use kernel::prelude::*;
use kernel::ThisModule;

use super::bindings;
use super::ftrace::{CallArgs, Divert, FunctionHook, Hooked};

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

/// The installed gate; dropping it removes the hook.
pub(crate) struct WriteGate<P: WritePolicy> {
    _hook: FunctionHook<Gate<P>>,
}

impl<P: WritePolicy> WriteGate<P> {
    pub(crate) fn register(module: &'static ThisModule, policy: P) -> Result<Self> {
        // SAFETY: `refuse::<P>` has `vfs_write`'s four parameters followed by
        // `*const Hooked<Gate<P>>`, returns `ssize_t`, holds an `InFlight` guard throughout
        // and does not call the original.
        let hook = unsafe {
            FunctionHook::register(
                module,
                kernel::c_str!("vfs_write"),
                4,
                refuse::<P> as usize,
                Gate(policy),
            )?
        };
        Ok(Self { _hook: hook })
    }
}

/// `ssize_t vfs_write(struct file *, const char __user *, size_t, loff_t *)` for a write the
/// policy refused.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the live hook state.
unsafe extern "C" fn refuse<P: WritePolicy>(
    _file: *mut bindings::file,
    _buf: *const c_void,
    _count: usize,
    _pos: *mut i64,
    hooked: *const Hooked<Gate<P>>,
) -> isize {
    // SAFETY: the hook state outlives every diverted call (`FunctionHook` invariant).
    let _in_flight = unsafe { &*hooked }.enter();
    core::hint::black_box(edquot().to_errno() as isize)
}
