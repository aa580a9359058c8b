// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note

//! The ctn ioctl ABI: the one definition shared by the kernel module (`src/`) and `ctnctl`
//! (`userspace/`). `include/uapi/linux/ctn.h` states the same ABI for C users; the test in
//! `uapi/tests/c_header.rs` checks that both agree on every size, offset and number.
//!
//! Rules every structure follows:
//! - its first field is `size`, which the caller sets to `size_of` the structure it was built
//!   against; the module refuses any other value with `EINVAL`;
//! - `reserved` fields must be zero on input (`EINVAL` otherwise) and are zero on output;
//! - no implicit padding (every byte is a named field), so the module may copy it as bytes;
//! - strings are fixed arrays of bytes, NUL-terminated and NUL-filled.
//!
//! The ioctl number encodes the structure's size, so an incompatible change also changes the
//! number. `CTN_ABI_VERSION` grows whenever anything here changes.
//!
//! This file has no dependencies and no crate attributes: the module includes it with
//! `#[path]`, and `uapi/lib.rs` wraps it as the `ctn-uapi` crate for userspace.

/// Version of this ABI, reported by `CTN_IOC_VERSION`.
pub const CTN_ABI_VERSION: u32 = 1;

/// The character device the module registers.
pub const CTN_DEVICE_PATH: &str = "/dev/ctn";

/// ioctl "type" byte for ctn (unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst).
pub const CTN_IOC_MAGIC: u32 = 0xC7;

/// Length of the module version string, including its terminating NUL.
pub const CTN_VERSION_LEN: usize = 32;

/// Argument of `CTN_IOC_VERSION`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtnVersion {
    /// In: `size_of::<CtnVersion>()`.
    pub size: u32,
    /// Out: `CTN_ABI_VERSION` of the loaded module.
    pub abi_version: u32,
    /// Out: the module's version string, NUL-terminated.
    pub module_version: [u8; CTN_VERSION_LEN],
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// Report the ABI version and module version.
pub const CTN_IOC_VERSION: u32 = ioc_rw::<CtnVersion>(0x00);

// The generic Linux ioctl number encoding (asm-generic/ioctl.h), used by x86 and arm64.
const IOC_NRBITS: u32 = 8;
const IOC_TYPEBITS: u32 = 8;
const IOC_SIZEBITS: u32 = 14;
const IOC_NRSHIFT: u32 = 0;
const IOC_TYPESHIFT: u32 = IOC_NRSHIFT + IOC_NRBITS;
const IOC_SIZESHIFT: u32 = IOC_TYPESHIFT + IOC_TYPEBITS;
const IOC_DIRSHIFT: u32 = IOC_SIZESHIFT + IOC_SIZEBITS;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// `_IOWR(CTN_IOC_MAGIC, nr, T)`: every ctn structure is read (for `size`) and written back.
const fn ioc_rw<T>(nr: u32) -> u32 {
    let size = core::mem::size_of::<T>();
    assert!(size < (1 << IOC_SIZESHIFT));
    ((IOC_READ | IOC_WRITE) << IOC_DIRSHIFT)
        | ((size as u32) << IOC_SIZESHIFT)
        | (CTN_IOC_MAGIC << IOC_TYPESHIFT)
        | (nr << IOC_NRSHIFT)
}
