// SPDX-License-Identifier: GPL-2.0

//! The two ways into a system call on x86-64. Besides the 64-bit `syscall` entry
//! (`__x64_sys_*`), a kernel with `IA32_EMULATION` (every distribution's) has the 32-bit one,
//! which `int $0x80` reaches from any process, 64-bit ones included (`__ia32_sys_*`, and
//! `__ia32_compat_sys_*` where the 32-bit layout differs). A hook on a system call's entry
//! covers only the entry it is on, so every rule that sits on one names both; rules that
//! sit behind the entries (`security_*`, the kernel's common functions) need neither.

use kernel::ffi::c_long;

use super::bindings;
use super::ftrace::{Divert, Hooked};

/// Which entry a system call came through: where its arguments are in the caller's saved
/// registers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Abi {
    /// `syscall`: di, si, dx, r10, r8, r9.
    X64,
    /// `int $0x80` (and 32-bit programs' `sysenter`, `syscall`): the low halves of bx, cx, dx,
    /// si, di, bp.
    Ia32,
}

impl Abi {
    /// The ABI a replacement instantiated with `IA32` serves (replacements are generic over a
    /// `const IA32: bool`, one instance per entry).
    pub(crate) const fn of(ia32: bool) -> Self {
        if ia32 {
            Self::Ia32
        } else {
            Self::X64
        }
    }

    /// Argument `n` (0-based, at most 5) of the call whose saved registers are `regs`, as a
    /// machine word. A 32-bit argument is zero-extended, as the kernel's wrappers take it:
    /// cast it to the parameter's C type (`as i32` for an `int`).
    ///
    /// # Safety
    ///
    /// `regs` is the saved register frame of a system call entered through this ABI (the
    /// one parameter of its entry), valid for the call.
    pub(crate) unsafe fn arg(self, regs: *const bindings::pt_regs, n: u32) -> u64 {
        // SAFETY: the caller's promise.
        let r = unsafe { &*regs };
        match self {
            Self::X64 => {
                (match n {
                    0 => r.di,
                    1 => r.si,
                    2 => r.dx,
                    3 => r.r10,
                    4 => r.r8,
                    _ => r.r9,
                }) as u64
            }
            Self::Ia32 => u64::from(
                (match n {
                    0 => r.bx,
                    1 => r.cx,
                    2 => r.dx,
                    3 => r.si,
                    4 => r.di,
                    _ => r.bp,
                }) as u32,
            ),
        }
    }
}

/// Calls the system call entry `hooked` hooks, for a replacement that runs it.
///
/// # Safety
///
/// `hooked` is the hook of a system call entry (`long (const struct pt_regs *)`); `regs` the
/// frame of the diverted call.
pub(crate) unsafe fn call_original<D: Divert>(
    hooked: &Hooked<D>,
    regs: *const bindings::pt_regs,
) -> c_long {
    // SAFETY: the hook is a system call entry's, of this type (caller's promise).
    unsafe { hooked.call_original((regs,)) }
}

/// Both entries of a system call defined with `SYSCALL_DEFINE` (same layout on both ABIs):
/// `[c"__x64_sys_NAME", c"__ia32_sys_NAME"]`.
macro_rules! entries {
    ($name:literal) => {
        [
            kernel::c_str!(concat!("__x64_sys_", $name)),
            kernel::c_str!(concat!("__ia32_sys_", $name)),
        ]
    };
}
pub(crate) use entries;
