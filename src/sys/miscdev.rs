// SPDX-License-Identifier: GPL-2.0

//! A misc character device (`/dev/NAME`, dynamic minor) whose ioctls go to a Rust handler.
//!
//! The 6.12 `kernel` crate has no misc-device abstraction, so this is a minimal one: register
//! on creation, deregister on drop, ioctl only (no read/write/mmap).

use core::pin::Pin;

use kernel::error::to_result;
use kernel::ffi::{c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::types::Opaque;
use kernel::uaccess::UserPtr;
use kernel::ThisModule;

use super::bindings;

/// What a misc device does with `ioctl(fd, cmd, arg)`.
pub(crate) trait IoctlHandler: Sync + Send {
    /// Handles one call; `arg` is untrusted (usually a user pointer). The `Ok` value is
    /// returned to user space and must be non-negative.
    fn ioctl(&self, cmd: u32, arg: UserPtr) -> Result<u32>;
}

/// The registration's memory, at a fixed address while registered (`misc_register` links
/// `misc` into a global list and points `misc.fops` at `fops`).
#[repr(C)]
struct Inner<T> {
    misc: Opaque<bindings::miscdevice>,
    fops: bindings::file_operations,
    handler: T,
}

/// A registered misc device; dropping it removes the device.
///
/// # Invariants
///
/// `inner.misc` is registered with `misc_register` for the whole life of `self`, and
/// `inner.fops.owner` is the module that owns `self`. Every open file of the device holds a
/// reference on that module, so the module cannot be unloaded, and therefore `self` (owned
/// by the module and dropped only at unload or when init fails) cannot be dropped, while a
/// file is open, except for the window described in [`MiscDevice::register`].
pub(crate) struct MiscDevice<T: IoctlHandler> {
    inner: Pin<KBox<Inner<T>>>,
}

// SAFETY: the raw fields of `Inner` are written only before registration and are then used by
// the kernel, which serialises its own access (`misc_mtx`); Rust code only reads `handler`,
// which is `Send + Sync`. Deregistration (in `drop`) needs no particular thread.
unsafe impl<T: IoctlHandler> Send for MiscDevice<T> {}
// SAFETY: see `Send`; `&MiscDevice` gives access to nothing but `handler`, which is `Sync`.
unsafe impl<T: IoctlHandler> Sync for MiscDevice<T> {}

impl<T: IoctlHandler> MiscDevice<T> {
    /// Registers `/dev/{name}` with permissions `mode`, serving ioctls with `handler`.
    ///
    /// The device can be opened as soon as this returns. Make it the last fallible step of
    /// module init: a file opened during init keeps a pointer to the registration, which an
    /// init failure would free.
    pub(crate) fn register(
        name: &'static CStr,
        mode: u16,
        module: &'static ThisModule,
        handler: T,
    ) -> Result<Self> {
        let fops = bindings::file_operations {
            owner: module.as_ptr().cast(),
            unlocked_ioctl: Some(ioctl_callback::<T>),
            ..Default::default()
        };
        let misc = bindings::miscdevice {
            minor: bindings::MISC_DYNAMIC_MINOR as i32,
            name: name.as_char_ptr(),
            mode,
            ..Default::default()
        };
        let inner = KBox::pin(
            Inner {
                misc: Opaque::new(misc),
                fops,
                handler,
            },
            GFP_KERNEL,
        )?;
        let misc = inner.misc.get();
        // SAFETY: `misc` points into `inner`, which is pinned and not yet shared with the kernel,
        // so this write races with nothing; `fops` lives as long as `misc` (same allocation).
        unsafe { (*misc).fops = &inner.fops };
        // SAFETY: `misc` is a fully initialised miscdevice at a stable address that stays valid
        // until `drop` deregisters it (type invariant); `name` is a 'static C string.
        to_result(unsafe { bindings::misc_register(misc) })?;
        Ok(Self { inner })
    }
}

impl<T: IoctlHandler> MiscDevice<T> {
    /// The device's number (`MKDEV(MISC_MAJOR, minor)`, the kernel's encoding).
    pub(crate) fn rdev(&self) -> u32 {
        const MISC_MAJOR: u32 = bindings::MISC_MAJOR;
        // SAFETY: `misc` is registered (type invariant); `misc_register` wrote the dynamic
        // minor before returning and nothing writes it again.
        let minor = unsafe { (*self.inner.misc.get()).minor } as u32;
        (MISC_MAJOR << 20) | minor
    }
}

impl<T: IoctlHandler> Drop for MiscDevice<T> {
    fn drop(&mut self) {
        // SAFETY: `misc` was registered in `register` (type invariant) and is deregistered
        // only here. After this returns no new file can open it, and no file is open (the
        // module reference each open file holds prevents the drop, type invariant).
        unsafe { bindings::misc_deregister(self.inner.misc.get()) };
    }
}

/// `file_operations.unlocked_ioctl` for every `MiscDevice<T>`.
///
/// # Safety
///
/// Called by the VFS only, on a file opened through `misc_open` on a `MiscDevice<T>`.
unsafe extern "C" fn ioctl_callback<T: IoctlHandler>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `file` is valid for the duration of the call (VFS contract). `misc_open` set its
    // `private_data` to our registered `miscdevice`, which is the `misc` field of an
    // `Inner<T>` that stays alive while the file is open (`MiscDevice` invariant). `Opaque`
    // is `repr(transparent)`, so the field's address is the miscdevice's address.
    let inner = unsafe {
        let misc = (*file).private_data.cast::<Opaque<bindings::miscdevice>>();
        &*kernel::container_of!(misc, Inner<T>, misc)
    };
    match inner.handler.ioctl(cmd, arg as UserPtr) {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}
