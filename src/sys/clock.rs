// SPDX-License-Identifier: GPL-2.0

//! Wall-clock and monotonic time.

use super::bindings;

/// Nanoseconds since the epoch (CLOCK_REALTIME).
pub(crate) fn now_real_ns() -> u64 {
    // SAFETY: `ktime_get_real_ns` may be called from any context.
    unsafe { bindings::ctn_now_real_ns() }
}

/// Nanoseconds of monotonic time, from any context (NMI-safe; for rates and periods).
pub(crate) fn now_mono_ns() -> u64 {
    // SAFETY: `ktime_get_mono_fast_ns` may be called from any context.
    unsafe { bindings::ctn_now_mono_ns() }
}
