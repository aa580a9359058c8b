// SPDX-License-Identifier: GPL-2.0

//! Raw bindings for the kernel APIs ctn uses beyond the `kernel` crate, generated at build time
//! (see `Kbuild` and `bindgen_allowlist`). Only the wrappers in `src/sys/` use them.

#![allow(
    dead_code,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]

use kernel::ffi;

// rust/bindgen_parameters blocklists these so that they map to Rust's own types.
type __kernel_size_t = usize;
type __kernel_ssize_t = isize;
type __kernel_ptrdiff_t = isize;

include!("bindings_generated.rs");
