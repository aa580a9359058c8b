// SPDX-License-Identifier: GPL-2.0

//! The unsafe edge of ctn: small safe wrappers over raw kernel interfaces, written once in the
//! style of the `kernel` crate's abstractions. Nothing outside this directory uses `bindings`.

mod bindings;
pub(crate) mod miscdev;
