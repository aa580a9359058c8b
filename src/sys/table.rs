// SPDX-License-Identifier: GPL-2.0

//! Large tables of atomics, allocated already zeroed (vmalloc), so that creating one is not a
//! loop over millions of entries.

use core::sync::atomic::{AtomicU16, AtomicU32};

use kernel::alloc::flags::__GFP_ZERO;
use kernel::prelude::*;

/// Types for which all-zero bytes are a valid value.
///
/// # Safety
///
/// Implementors must be valid when every byte is zero.
pub(crate) unsafe trait Zeroable {}

// SAFETY: an atomic integer is its integer, and zero is one.
unsafe impl Zeroable for AtomicU16 {}
// SAFETY: as above.
unsafe impl Zeroable for AtomicU32 {}
// SAFETY: as above.
unsafe impl Zeroable for core::sync::atomic::AtomicU64 {}

/// `len` values, all zero.
pub(crate) fn zeroed<T: Zeroable>(len: usize) -> Result<VVec<T>> {
    let mut table = VVec::<T>::with_capacity(len, GFP_KERNEL | __GFP_ZERO)?;
    // SAFETY: the capacity is at least `len` and `__GFP_ZERO` made every byte zero, which is a
    // valid `T` (`Zeroable`), so the first `len` elements are initialised.
    unsafe { table.set_len(len) };
    Ok(table)
}
