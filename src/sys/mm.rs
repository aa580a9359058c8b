// SPDX-License-Identifier: GPL-2.0

//! The address-space gate: a hook on `may_expand_vm`, which the kernel asks before every
//! growth of a process's address space (mmap, brk, mremap, stack growth, making a mapping
//! writable) and whose "no" the callers turn into `ENOMEM` (a stack that cannot grow gets
//! `SIGSEGV`, as with RLIMIT_AS).
//!
//! The policy decides in the ftrace callback itself (it neither sleeps nor touches user
//! memory): an admitted growth runs the kernel's function directly, and only a refusal is
//! diverted, to answer "no". The common case costs one callback.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};

/// The host's physical memory, in bytes (what admission control reserves from).
pub(crate) fn total_ram_bytes() -> u64 {
    // SAFETY: reads a global counter.
    unsafe { bindings::ctn_total_ram_bytes() }
}

/// Whose address spaces may grow.
pub(crate) trait MemoryPolicy: Send + Sync {
    /// Whether the current task's address space, `now` pages large, may grow by `pages`.
    /// Called from the ftrace callback: it must not sleep.
    fn admit_pages(&self, pages: u64, now: u64) -> bool;
}

/// The policy as the hook sees it: a call is diverted when it is refused.
struct Gate<P>(P);

impl<P: MemoryPolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        let mm = args.word(0) as *mut bindings::mm_struct;
        // SAFETY: reads the current task's `mm` pointer.
        if !core::ptr::eq(mm, unsafe { bindings::ctn_current_mm() }) {
            return false; // another address space (a child's, during fork)
        }
        // SAFETY: `mm` is the current task's, live while it runs; `total_vm` is a word the
        // kernel reads without locks too.
        let now = unsafe { bindings::ctn_mm_total_vm(mm) } as u64;
        !self.0.admit_pages(args.word(2) as u64, now)
    }
}

impl<P: MemoryPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        0 // false: callers return ENOMEM
    }
}

/// Adds the gate to `hooks`.
pub(crate) fn add<P: MemoryPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    hooks.refusing(kernel::c_str!("may_expand_vm"), Gate(policy))
}
