// SPDX-License-Identifier: GPL-2.0

//! Large tables of atomics, allocated already zeroed (vmalloc), so that creating one is not a
//! loop over millions of entries.

use core::sync::atomic::AtomicU16;

use kernel::alloc::flags::__GFP_ZERO;
use kernel::prelude::*;

/// `len` atomics, all zero.
pub(crate) fn zeroed_u16(len: usize) -> Result<VVec<AtomicU16>> {
    let mut table = VVec::<AtomicU16>::with_capacity(len, GFP_KERNEL | __GFP_ZERO)?;
    // SAFETY: the capacity is at least `len` and `__GFP_ZERO` made every byte zero, which is a
    // valid `AtomicU16`, so the first `len` elements are initialised.
    unsafe { table.set_len(len) };
    Ok(table)
}
