// SPDX-License-Identifier: GPL-2.0

//! The disk gate: counts the bytes a policy's tasks put into regular files and refuses what
//! goes beyond their quota with `EDQUOT`. As the other gates, it decides in the ftrace
//! callback; only a refusal is diverted. Every way of giving a file data or space is a hook:
//!
//! - `rw_verify_area(WRITE, ...)`, which every write path asks before it writes `count`
//!   bytes: write, pwrite, writev, pwritev(2), copy_file_range, sendfile and splice into a
//!   file, AIO and io_uring writes, kernel_write;
//! - `vfs_fallocate`, for the space fallocate(2) allocates (`len`, unless the mode punches
//!   or collapses a range);
//! - `do_truncate`, for what truncate(2), ftruncate(2) add to a file's size (a file then
//!   written through `mmap` is written within that size: counted here once);
//! - `shmem_kernel_file_setup`, for the size of a SysV shared memory segment (a shmem file
//!   that shmat maps).
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

/// Who may write how much. Its [`Divert`] says whose writes are counted.
pub(crate) trait WritePolicy: Divert {
    /// Whether the current task may put `bytes` more into files now (they are counted if
    /// so). Called from the ftrace callback: it must not sleep.
    fn admit_write(&self, bytes: u64) -> bool;
}

/// What a call of one of the hooked functions puts into a file, in bytes (0: nothing
/// counted).
type Measure = fn(&CallArgs<'_>) -> u64;

/// `int rw_verify_area(int read_write, struct file *, const loff_t *ppos, size_t count)`.
fn verified_write(args: &CallArgs<'_>) -> u64 {
    if args.word(0) as u32 != bindings::WRITE || !is_regular(args.word(1)) {
        return 0;
    }
    args.word(3) as u64
}

/// `int vfs_fallocate(struct file *, int mode, loff_t offset, loff_t len)`.
fn fallocated(args: &CallArgs<'_>) -> u64 {
    let frees = bindings::FALLOC_FL_PUNCH_HOLE | bindings::FALLOC_FL_COLLAPSE_RANGE;
    if args.word(1) as u32 & frees != 0 || !is_regular(args.word(0)) {
        return 0;
    }
    // A negative length is the kernel's EINVAL: counted as nothing.
    u64::try_from(args.word(3) as i64).unwrap_or(0)
}

/// `int do_truncate(struct mnt_idmap *, struct dentry *, loff_t length, unsigned int
/// time_attrs, struct file *)`: what the new length adds to a regular file.
fn truncated(args: &CallArgs<'_>) -> u64 {
    let dentry = args.word(1) as *mut bindings::dentry;
    // SAFETY: argument 1 of `do_truncate` is the dentry of the file being truncated, which
    // the caller holds.
    let growth = unsafe { bindings::ctn_truncate_growth(dentry, args.word(2) as i64) };
    u64::try_from(growth).unwrap_or(0)
}

/// `struct file *shmem_kernel_file_setup(const char *name, loff_t size, unsigned long
/// flags)`: a SysV segment's size.
fn shm_sized(args: &CallArgs<'_>) -> u64 {
    u64::try_from(args.word(1) as i64).unwrap_or(0)
}

fn is_regular(file: usize) -> bool {
    // SAFETY: the hooked functions' file argument is a file the caller holds a reference to
    // for the call.
    unsafe { bindings::ctn_file_is_regular(file as *mut bindings::file) }
}

/// The policy as one hook sees it: a call is diverted when it is refused.
struct Gate<P> {
    policy: P,
    measure: Measure,
}

impl<P: WritePolicy> Divert for Gate<P> {
    fn divert(&self) -> bool {
        self.policy.divert()
    }

    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if !self.policy.divert() {
            return false;
        }
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

/// Adds the gates to `hooks`.
pub(crate) fn add<P: WritePolicy + Clone + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    for (symbol, measure) in [
        (kernel::c_str!("rw_verify_area"), verified_write as Measure),
        (kernel::c_str!("vfs_fallocate"), fallocated),
        (kernel::c_str!("do_truncate"), truncated),
        (kernel::c_str!("shmem_kernel_file_setup"), shm_sized),
    ] {
        let gate = Gate {
            policy: policy.clone(),
            measure,
        };
        hooks.refusing(symbol, gate)?;
    }
    Ok(())
}
