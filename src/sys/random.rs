// SPDX-License-Identifier: GPL-2.0

//! Random numbers and the keyed hash (SipHash-2-4) of the kernel.

use super::bindings;

/// A random word from the kernel's generator.
pub(crate) fn u64() -> u64 {
    // SAFETY: `get_random_u64` may be called from any context.
    unsafe { bindings::get_random_u64() }
}

/// SipHash-2-4 of `first` and `second` under `key`. Any context.
pub(crate) fn siphash(first: u64, second: u64, key: &[u64; 2]) -> u64 {
    // SAFETY: `key` points to the two words `ctn_siphash` reads.
    unsafe { bindings::ctn_siphash(first, second, key.as_ptr()) }
}
