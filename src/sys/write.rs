// SPDX-License-Identifier: GPL-2.0

//! The disk gate: counts the bytes a policy's tasks put into regular files and refuses what
//! goes beyond their quota with `EDQUOT`. As the other gates, it decides in the ftrace
//! callback; only a refusal is diverted. Every way of giving a file data or space is a hook:
//!
//! - `generic_write_checks_count`, which a file system's `write_iter` asks, under the inode
//!   lock and with the exact length, before it writes (through `generic_write_checks`, or
//!   directly as btrfs does): write, pwrite, writev, pwritev2, copy_file_range, sendfile and
//!   splice into a file (each chunk as it is written, so what a call asks beyond its data
//!   costs nothing), AIO, core dumps, kernel_write. On a kernel whose `generic_write_checks`
//!   has it inlined, that function is hooked too (`checks_inline`);
//! - `vfs_fallocate`, for the space fallocate(2) allocates (`len`, unless the mode punches
//!   or collapses a range; overlayfs's inner call on its backing file is not counted again);
//! - `notify_change`, for what truncate(2), ftruncate(2) (and any other change of a size)
//!   add to a file's size, measured under the inode lock it is called with, so two
//!   truncates at once cannot both start from the same size (a file then written through
//!   `mmap` is written within that size: counted here once);
//! - `shmem_kernel_file_setup` and `hugetlb_file_setup`, for the size of a SysV shared memory
//!   segment (the shmem or hugetlbfs file that shmat maps; only segments, by their name).
//!
//! tmpfs, memfd and SysV shared memory are files here: their bytes count against the disk
//! quota (not the memory limit, which is address space). Writes to pipes, sockets and
//! devices are not counted.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{CallArgs, Divert, HookSetBuilder, Refuse};

/// `EDQUOT` (the `kernel` crate of 6.12 has no constant for it).
pub(crate) fn edquot() -> Error {
    Error::from_errno(-(bindings::EDQUOT as i32))
}

/// Who may write how much.
pub(crate) trait WritePolicy: Send + Sync {
    /// Whether the current task may put `bytes` more into files now (they are counted if
    /// so). Called from the ftrace callback: it must not sleep.
    fn admit_write(&self, bytes: u64) -> bool;
}

/// What a call of one of the hooked functions puts into a file, in bytes (0: nothing
/// counted).
type Measure = fn(&CallArgs<'_>) -> u64;

/// `int generic_write_checks_count(struct kiocb *, loff_t *count)`.
fn write_checked(args: &CallArgs<'_>) -> u64 {
    // SAFETY: arguments 0 and 1 are the write's kiocb (whose file the caller holds) and its
    // length, both in kernel memory for the call.
    let bytes = unsafe {
        bindings::ctn_write_check_count(
            args.word(0) as *const bindings::kiocb,
            args.word(1) as *const i64,
        )
    };
    u64::try_from(bytes).unwrap_or(0)
}

/// `ssize_t generic_write_checks(struct kiocb *, struct iov_iter *from)`, where it does not
/// call `generic_write_checks_count` (see `checks_inline`).
fn write_checked_iter(args: &CallArgs<'_>) -> u64 {
    // SAFETY: arguments 0 and 1 are the write's kiocb and its data, in kernel memory for
    // the call.
    let bytes = unsafe {
        bindings::ctn_write_check_iter(
            args.word(0) as *const bindings::kiocb,
            args.word(1) as *const bindings::iov_iter,
        )
    };
    u64::try_from(bytes).unwrap_or(0)
}

/// `int vfs_fallocate(struct file *, int mode, loff_t offset, loff_t len)`.
fn fallocated(args: &CallArgs<'_>) -> u64 {
    let frees = bindings::FALLOC_FL_PUNCH_HOLE | bindings::FALLOC_FL_COLLAPSE_RANGE;
    let file = args.word(0) as *mut bindings::file;
    // SAFETY: argument 0 of `vfs_fallocate` is a file the caller holds for the call.
    if args.word(1) as u32 & frees != 0 || !unsafe { bindings::ctn_file_takes_data(file) } {
        return 0;
    }
    // A negative length is the kernel's EINVAL: counted as nothing.
    u64::try_from(args.word(3) as i64).unwrap_or(0)
}

/// `int notify_change(struct mnt_idmap *, struct dentry *, struct iattr *, struct inode
/// **)`: what a new size adds to a regular file.
fn resized(args: &CallArgs<'_>) -> u64 {
    // SAFETY: arguments 1 and 2 of `notify_change` are the dentry whose inode the caller
    // holds locked and the attributes to set, in kernel memory for the call.
    let growth = unsafe {
        bindings::ctn_setattr_growth(
            args.word(1) as *mut bindings::dentry,
            args.word(2) as *const bindings::iattr,
        )
    };
    u64::try_from(growth).unwrap_or(0)
}

/// `struct file *shmem_kernel_file_setup(const char *name, loff_t size, unsigned long
/// flags)` and `hugetlb_file_setup(const char *name, size_t size, ...)`: a SysV segment's
/// size (other callers, such as a shared anonymous mapping's `dev/zero`, are not counted).
fn shm_sized(args: &CallArgs<'_>) -> u64 {
    // SAFETY: argument 0 is the file's name, a kernel string.
    if !unsafe { bindings::ctn_is_sysv_shm_name(args.word(0) as *const kernel::ffi::c_char) } {
        return 0;
    }
    u64::try_from(args.word(1) as i64).unwrap_or(0)
}

/// The policy as one hook sees it: a call is diverted when it is refused.
struct Gate<P> {
    policy: P,
    measure: Measure,
}

impl<P: WritePolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        let bytes = (self.measure)(args);
        bytes != 0 && !self.policy.admit_write(bytes)
    }
}

impl<P: WritePolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        // For `shmem_kernel_file_setup`, which returns a file, the same word is
        // ERR_PTR(-EDQUOT).
        edquot().to_errno().into()
    }
}

/// Whether the kernel's `generic_write_checks` has `generic_write_checks_count` inlined (no
/// direct call of it in its first bytes): then both are hooked, or the file systems that call
/// the former would write uncounted.
fn checks_inline(hooks: &mut HookSetBuilder<'_>) -> Result<bool> {
    let found = hooks.sites_of(&[WRITE_CHECKS, WRITE_CHECKS_COUNT])?;
    let (Some(Ok(checks)), Some(Ok(count))) = (found.first(), found.get(1)) else {
        return Err(ENOENT);
    };
    // SAFETY: kernel text, readable; `checks` is a function's fentry site, followed by its
    // body (the first 256 bytes hold the call: the function is short).
    Ok(!unsafe { super::ftrace::calls_function(*checks, *count, 256) })
}

const WRITE_CHECKS: &kernel::str::CStr = kernel::c_str!("generic_write_checks");
const WRITE_CHECKS_COUNT: &kernel::str::CStr = kernel::c_str!("generic_write_checks_count");

/// Adds the gates to `hooks`.
pub(crate) fn add<P: WritePolicy + Clone + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    let inline = checks_inline(hooks)?;
    let mut gate = |symbol, measure: Measure| {
        let gate = Gate {
            policy: policy.clone(),
            measure,
        };
        hooks.refusing(symbol, gate)
    };
    gate(WRITE_CHECKS_COUNT, write_checked)?;
    if inline {
        gate(WRITE_CHECKS, write_checked_iter)?;
    }
    gate(kernel::c_str!("vfs_fallocate"), fallocated)?;
    gate(kernel::c_str!("notify_change"), resized)?;
    gate(kernel::c_str!("shmem_kernel_file_setup"), shm_sized)?;
    // Only with HUGETLBFS.
    super::ftrace::optional(gate(kernel::c_str!("hugetlb_file_setup"), shm_sized))
}
