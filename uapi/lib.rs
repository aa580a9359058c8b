// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note

//! The ctn ioctl ABI as a crate for userspace (`ctnctl`, tests). The definitions live in
//! `ctn.rs`, which the kernel module includes directly.
#![no_std]

#[path = "ctn.rs"]
mod ctn;
pub use ctn::*;
