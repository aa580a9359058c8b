// SPDX-License-Identifier: GPL-2.0

//! The address-space gate: a hook on `may_expand_vm`, which the kernel asks before every
//! growth of a process's address space (mmap, brk, mremap, stack growth, making a mapping
//! writable) and whose "no" the callers turn into `ENOMEM` (a stack that cannot grow gets
//! `SIGSEGV`, as with RLIMIT_AS).

use kernel::ffi::c_ulong;
use kernel::prelude::*;
use kernel::ThisModule;

use super::bindings;
use super::ftrace::{Divert, FunctionHook, Hooked};

/// Whose address spaces may grow. Its [`Divert`] says whose growth is checked; tasks it says
/// no to pay only that check.
pub(crate) trait MemoryPolicy: Divert {
    /// Whether the current task's address space may grow by `pages` pages now.
    fn admit_pages(&self, pages: u64) -> bool;
}

/// The installed gate; dropping it removes the hook.
pub(crate) struct MemoryGate<P: MemoryPolicy> {
    _hook: FunctionHook<P>,
}

impl<P: MemoryPolicy> MemoryGate<P> {
    pub(crate) fn register(module: &'static ThisModule, policy: P) -> Result<Self> {
        // SAFETY: `may_expand_vm_replacement::<P>` has `may_expand_vm`'s three parameters
        // followed by `*const Hooked<P>`, returns `bool`, holds an `InFlight` guard throughout
        // and calls the original through `Hooked::original`, not in tail position.
        let hook = unsafe {
            FunctionHook::register(
                module,
                kernel::c_str!("may_expand_vm"),
                3,
                may_expand_vm_replacement::<P> as usize,
                policy,
            )?
        };
        Ok(Self { _hook: hook })
    }
}

/// `bool may_expand_vm(struct mm_struct *mm, vm_flags_t flags, unsigned long npages)`. Only
/// the current task's own address space is checked (the kernel may ask about another one,
/// a child's during fork).
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real call and the
/// live hook state.
unsafe extern "C" fn may_expand_vm_replacement<P: MemoryPolicy>(
    mm: *mut bindings::mm_struct,
    flags: c_ulong,
    npages: c_ulong,
    hooked: *const Hooked<P>,
) -> bool {
    // SAFETY: the hook state outlives every diverted call (`FunctionHook` invariant).
    let hooked = unsafe { &*hooked };
    let _in_flight = hooked.enter();
    // SAFETY: reads the current task's `mm` pointer.
    let own = core::ptr::eq(mm, unsafe { bindings::ctn_current_mm() });
    if own && !hooked.policy().admit_pages(npages as u64) {
        return core::hint::black_box(false);
    }
    // SAFETY: `original` is the start of `may_expand_vm`, whose type this is; the arguments
    // are passed through unchanged.
    let ret = unsafe {
        let original: unsafe extern "C" fn(*mut bindings::mm_struct, c_ulong, c_ulong) -> bool =
            core::mem::transmute(hooked.original());
        original(mm, flags, npages)
    };
    core::hint::black_box(ret)
}
