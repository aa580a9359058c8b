//! A `/proc` inside a container's root, so that `ps`, `top` and `/proc/self` work there. The
//! module hides every process out of the container's reach from it (as from the host's
//! `/proc`) and keeps its host-wide files read-only to members.
//!
//! The mount point is the root's own `proc` directory, held by a descriptor resolved inside
//! the root with no symlink followed (a container that made its `/proc` a link to `/etc`
//! gets an error, never a mount over a host directory), and the new proc is attached to that
//! descriptor with the mount API (`fsopen`, `fsmount`, `move_mount` onto an empty path): no
//! path string is walked after the check. Members cannot mount or unmount, so what is at
//! the root's `/proc` is what ctnctl put there until ctnctl takes it away.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::libc;
use nix::mount::{umount2, MntFlags};
use nix::sys::stat::fstat;
use nix::sys::statfs::{fstatfs, PROC_SUPER_MAGIC};

use crate::error::Error;
use crate::inroot::InRoot;

/// Whether `fd` is a proc of the container's own: every proc mount has a super block of its
/// own, so one with the device number of the host's `/proc` is the host's (a root of `/`, or
/// a root bound recursively from the host's) and is never ctnctl's to mount or take away.
fn is_own_proc(fd: &OwnedFd) -> Option<bool> {
    if fstatfs(fd).ok()?.filesystem_type() != PROC_SUPER_MAGIC {
        return Some(false);
    }
    let host = nix::sys::stat::stat("/proc").ok()?;
    Some(fstat(fd.as_raw_fd()).ok()?.st_dev != host.st_dev)
}

/// A new descriptor from a raw system-call result.
fn owned(r: libc::c_long) -> Result<OwnedFd, Errno> {
    if r < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the system call returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

/// A detached proc mount (nosuid, nodev, noexec), not yet attached anywhere.
fn new_proc() -> Result<OwnedFd, Errno> {
    let fstype: &CStr = c"proc";
    // SAFETY: `fstype` is NUL-terminated and outlives the call.
    let fs =
        owned(unsafe { libc::syscall(libc::SYS_fsopen, fstype.as_ptr(), libc::FSOPEN_CLOEXEC) })?;
    // SAFETY: FSCONFIG_CMD_CREATE takes no key, value or aux (null, null, 0).
    let r = unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            libc::FSCONFIG_CMD_CREATE,
            std::ptr::null::<libc::c_char>(),
            std::ptr::null::<libc::c_void>(),
            0,
        )
    };
    if r < 0 {
        return Err(Errno::last());
    }
    let attrs = libc::MOUNT_ATTR_NOSUID | libc::MOUNT_ATTR_NODEV | libc::MOUNT_ATTR_NOEXEC;
    // SAFETY: `fs` is the configured context above; the flags are the mount API's own.
    owned(unsafe {
        libc::syscall(
            libc::SYS_fsmount,
            fs.as_raw_fd(),
            libc::FSMOUNT_CLOEXEC,
            attrs,
        )
    })
}

/// Mounts proc at `root`'s `/proc` (made if missing) unless one is there already. Returns
/// whether it mounted one.
pub fn mount(root: &Path) -> Result<bool, Error> {
    let inroot = InRoot::open(root)?;
    let at = inroot.mount_point("proc")?;
    if fstatfs(&at).is_ok_and(|s| s.filesystem_type() == PROC_SUPER_MAGIC) {
        return Ok(false); // mounted by an earlier start or exec (or the host's, for `/`)
    }
    let failed = |e: Errno| {
        Error::Refused(format!(
            "cannot mount proc at {}: {e}.\n  The container runs without /proc; check that the kernel has CONFIG_PROC_FS.",
            root.join("proc").display()
        ))
    };
    let proc = new_proc().map_err(failed)?;
    let empty: &CStr = c"";
    // SAFETY: both descriptors are open; the empty paths are NUL-terminated and, with the
    // EMPTY_PATH flags, name the descriptors themselves.
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            proc.as_raw_fd(),
            empty.as_ptr(),
            at.as_raw_fd(),
            empty.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH | libc::MOVE_MOUNT_T_EMPTY_PATH,
        )
    };
    if r < 0 {
        return Err(failed(Errno::last()));
    }
    Ok(true)
}

/// Unmounts the proc at `root`'s `/proc`, if one is mounted there (every stacked one).
pub fn unmount(root: &Path) {
    let Ok(inroot) = InRoot::open(root) else {
        return;
    };
    for _ in 0..16 {
        let Ok(at) = inroot.existing_mount_point("proc") else {
            return;
        };
        if is_own_proc(&at) != Some(true) {
            return;
        }
        // The descriptor is the proc mount's root: its magic link names that mount, not a
        // path a container could change.
        let link = format!("/proc/self/fd/{}", at.as_raw_fd());
        if umount2(link.as_str(), MntFlags::MNT_DETACH).is_err() {
            return;
        }
    }
}
