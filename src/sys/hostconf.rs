// SPDX-License-Identifier: GPL-2.0

//! The host's configuration, read-only to the tasks a policy picks (as jail refuses sysctl
//! writes and devfs hides devices): hooks on the check points the VFS and the kernel ask,
//! deciding in the ftrace callback and diverting only refusals.
//! - `security_file_open`, asked for every open of a file, whoever reaches it (open,
//!   openat2, io_uring, a handle, a 32-bit call, `mq_open`): the policy says whether the task
//!   may open it (see [`OpenFacts`]): a device node (character or block) outside its list is
//!   refused with `EPERM`, as the device cgroup refuses it (a node made by `mknod` or brought
//!   in a root cannot reach `/dev/kmsg`, `/dev/mem` or a disk); a file of a kernel interface
//!   (debugfs, tracefs), or a write (or a read of a file others may not read) on a file
//!   system that stores no data of its own (sysfs, cgroupfs, securityfs, configfs,
//!   binfmt_misc, efivarfs, ...), with `EACCES`. Opening with
//!   `O_PATH` is no open (the kernel does not ask). Requires `CONFIG_SECURITY` (every
//!   distribution kernel): without it the hooks cannot be installed and no container starts.
//! - `proc_reg_open`, /proc's open of the entries the kernel registers (`/proc/sysrq-trigger`,
//!   `/proc/irq/*`, `/proc/bus/pci/*`, `/proc/net/*`, `/proc/kcore`, ...): a write, or a read
//!   of an entry others may not read, is refused with `EACCES`, as on any kernel interface
//!   (see [`privilege::file_refusal`]). A process's own directory (`/proc/PID/`, of a
//!   process in reach) stays writable.
//! - `proc_sys_permission`, asked for every open of a `/proc/sys` file (a write there is a
//!   host-wide setting: `kernel/core_pattern`, `kernel/hostname`, `net/*`): a write or
//!   append is refused with `EACCES`; reading stays allowed.
//! - `kernfs_iop_permission`, the same for sysfs (`/sys`) and cgroupfs, for directories too
//!   (no cgroup is made or removed).
//! - `security_kernel_module_request`, asked by `request_module` in the context of the task
//!   whose call wants a module (an unknown socket family, a netdevice name, a file system):
//!   refused with `EPERM`, so a member makes the host run no modprobe (the call itself
//!   fails as for a missing module).
//! - `security_bpf`, asked for every `bpf()` command: `EPERM` (a pinned map of the host is
//!   reached with `BPF_OBJ_GET` and no capability at all).
//! - `security_file_ioctl` (and `_compat`, for 32-bit callers), asked for every ioctl: the
//!   terminal ioctls that act beyond the caller's own terminal (see [`Ioctl`] and
//!   [`privilege::ioctl_refused`]) are refused with `EPERM`. The terminal a member
//!   has as its controlling terminal may be the host's (the admin's, for `ctnctl exec`):
//!   `TIOCSTI` on it types commands into the admin's shell after the member exits.
//! - `security_inode_create`, `_unlink`, `_mkdir`, `_rmdir`, `_mknod`, `_symlink`, `_link`
//!   and `_rename`, asked for every name made, removed or moved in a directory, and
//!   `security_inode_setattr`, `_setxattr`, `_removexattr`, `_set_acl` and `_remove_acl`,
//!   asked for every change of a file's mode, owner or extended attributes:
//!   refused (names `EACCES`, attributes `EPERM`) on every file system but those of data
//!   (see [`privilege::changes_refused`]). A kernel interface's names and modes are the
//!   host's: `chmod 0222 /proc/sysrq-trigger` or a cgroup made, an EFI variable or a pinned
//!   BPF map removed, a tracefs instance made. The POSIX message queues' one name space (per
//!   IPC namespace, whatever the root) holds the host's queues and every container's: a
//!   member opens, makes, removes or changes there only names that begin with its
//!   container's prefix (which `mqueue.rs` gives the names of its `mq_open` and
//!   `mq_unlink`), through `mq_open` or a mounted `/dev/mqueue` alike; the host's queues, the
//!   other containers' and the directory itself (its listing) are refused with `EACCES`.
//!   Every change of such a queue is refused (its size and times too), and so are
//!   `security_inode_getattr` (stat: a queue's times tell when it is used) and
//!   `security_path_notify` (an inotify watch on the directory names every queue made).
//! - `security_key_alloc` and `security_key_permission`, asked when a key or keyring is made
//!   and whenever one is used (add_key, keyctl, request_key, and the kernel on the caller's
//!   behalf): keyrings belong to users, and uid 0 inside is the host's uid 0 (its user
//!   keyring, the admin's session keyring that `ctnctl exec` inherits). Refused as Docker's
//!   default seccomp profile refuses them: `EPERM` to make one, `EACCES` to use one. Only
//!   with `CONFIG_KEYS`.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{optional, CallArgs, Divert, HookSetBuilder, Refuse};
use crate::privilege;

/// `MAY_WRITE | MAY_APPEND` of `inode_permission`'s mask.
const MAY_CHANGE: usize = (bindings::MAY_WRITE | bindings::MAY_APPEND) as usize;

/// The kinds of file system, for what a member may open there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileSystem {
    /// Files kept on a device, in memory (tmpfs, ramfs, hugetlbfs), in layers (overlay,
    /// ecryptfs), on servers (NFS, SMB, 9p, Ceph, AFS, FUSE), on flash (UBIFS, JFFS2), in
    /// pools (ZFS, bcachefs); terminals (devpts), message queues, and what a /proc/PID/fd
    /// link reopens (pipes, sockets, anonymous inodes, pidfds, namespaces).
    Data,
    /// proc.
    Proc,
    /// Any other file system: a kernel interface (sysfs, cgroupfs, securityfs, configfs,
    /// binfmt_misc, efivarfs, pstore, fusectl, xenfs, bpffs, ...). A storage file system
    /// missing from [`DATA_WITHOUT_DEVICE`] lands here too: writes to it are refused, a
    /// clear error rather than a hole.
    Interface,
    /// Interfaces to the kernel's memory and activity: debugfs, tracefs.
    Internals,
    /// POSIX message queues (mqueue): one name space for the host and every container, each
    /// container's names under its prefix.
    MessageQueues,
}

impl FileSystem {
    /// The kind of a file system by its magic number and whether it keeps its files on a
    /// block device (`FS_REQUIRES_DEV`).
    fn of(fs: &bindings::ctn_fs_facts) -> Self {
        match fs.magic as u64 {
            _ if fs.on_device => FileSystem::Data,
            m if m == bindings::PROC_SUPER_MAGIC as u64 => FileSystem::Proc,
            m if m == bindings::DEBUGFS_MAGIC as u64 || m == bindings::TRACEFS_MAGIC as u64 => {
                FileSystem::Internals
            }
            m if DATA_WITHOUT_DEVICE.contains(&m) => FileSystem::Data,
            MQUEUE_MAGIC => FileSystem::MessageQueues,
            // devtmpfs (see `ctn_fs_facts_of`): the host's /dev, an interface.
            _ => FileSystem::Interface,
        }
    }

    /// The kind of the file system `inode` (a directory a name is made in) is on.
    ///
    /// # Safety
    ///
    /// `inode` is an inode the caller holds.
    unsafe fn of_inode(inode: usize) -> Self {
        let mut fs = bindings::ctn_fs_facts::default();
        // SAFETY: `inode` is held (caller's contract); `fs` is writable.
        unsafe { bindings::ctn_inode_fs(inode as *const bindings::inode, &mut fs) };
        Self::of(&fs)
    }

    /// The kind of the file system `dentry` (a file whose attributes change) is on.
    ///
    /// # Safety
    ///
    /// `dentry` is a dentry the caller holds.
    unsafe fn of_dentry(dentry: usize) -> Self {
        let mut fs = bindings::ctn_fs_facts::default();
        // SAFETY: `dentry` is held (caller's contract); `fs` is writable.
        unsafe { bindings::ctn_dentry_fs(dentry as *const bindings::dentry, &mut fs) };
        Self::of(&fs)
    }
}

/// The kinds of ioctl, for which ones a member may make.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ioctl {
    /// `TIOCSTI`: a byte pushed into a terminal's input, as if typed.
    TerminalInput,
    /// The console's: `TIOCLINUX` (selection, paste, console state), `TIOCCONS` (the system
    /// console), the keyboard and display ioctls (`KD*`, `PIO_*`, `GIO_*`: `linux/kd.h`)
    /// and the virtual terminals' (`VT_*`: `linux/vt.h`).
    Console,
    /// Any other: the driver's.
    Other,
}

/// The type bytes of the console's keyboard/display and virtual-terminal ioctls. They are
/// plain 16-bit numbers (no `_IOC` direction or size), which tells them from drivers'
/// `_IOC` ioctls of the same type byte (V4L2's `'V'`).
const CONSOLE_IOCTL_TYPES: [u32; 2] = [b'K' as u32, b'V' as u32];

impl Ioctl {
    /// The kind of ioctl `cmd`.
    pub(crate) fn of(cmd: u32) -> Self {
        if cmd == bindings::TIOCSTI {
            Ioctl::TerminalInput
        } else if cmd == bindings::TIOCLINUX
            || cmd == bindings::TIOCCONS
            || (cmd >> 16 == 0 && CONSOLE_IOCTL_TYPES.contains(&(cmd >> 8)))
        {
            Ioctl::Console
        } else {
            Ioctl::Other
        }
    }
}

/// The device majors the device rule names (`linux/major.h`).
pub(crate) mod majors {
    use super::bindings;

    /// null, zero, full, random, urandom, ...
    pub(crate) const MEM: u32 = bindings::MEM_MAJOR;
    /// tty, console, ptmx.
    pub(crate) const TTYAUX: u32 = bindings::TTYAUX_MAJOR;
    /// The `/dev/pts/N` of Unix98 ptys.
    pub(crate) const PTY_SLAVE: u32 = bindings::UNIX98_PTY_SLAVE_MAJOR;
}

/// Magic numbers no kernel header exports: POSIX message queues (`ipc/mqueue.c`), UBIFS
/// (`fs/ubifs/ubifs.h`), OpenZFS (out of tree, `ZFS_SUPER_MAGIC`).
const MQUEUE_MAGIC: u64 = 0x1980_0202;
const UBIFS_MAGIC: u64 = 0x2405_1905;
const ZFS_MAGIC: u64 = 0x2fc1_2fc1;

/// The file systems without a block device that hold data (see [`FileSystem::Data`]).
const DATA_WITHOUT_DEVICE: [u64; 23] = [
    bindings::TMPFS_MAGIC as u64,
    bindings::RAMFS_MAGIC as u64,
    bindings::HUGETLBFS_MAGIC as u64,
    bindings::OVERLAYFS_SUPER_MAGIC as u64,
    bindings::ECRYPTFS_SUPER_MAGIC as u64,
    bindings::NFS_SUPER_MAGIC as u64,
    bindings::SMB2_SUPER_MAGIC as u64,
    bindings::CIFS_SUPER_MAGIC as u64,
    bindings::V9FS_MAGIC as u64,
    bindings::CEPH_SUPER_MAGIC as u64,
    bindings::AFS_FS_MAGIC as u64,
    bindings::FUSE_SUPER_MAGIC as u64,
    bindings::JFFS2_SUPER_MAGIC as u64,
    bindings::BCACHEFS_SUPER_MAGIC as u64,
    UBIFS_MAGIC,
    ZFS_MAGIC,
    bindings::DEVPTS_SUPER_MAGIC as u64,
    bindings::PIPEFS_MAGIC as u64,
    bindings::SOCKFS_MAGIC as u64,
    bindings::ANON_INODE_FS_MAGIC as u64,
    bindings::PID_FS_MAGIC as u64,
    bindings::NSFS_MAGIC as u64,
    bindings::HOSTFS_SUPER_MAGIC as u64,
];

/// The name of a file the caller holds (its dentry), for whose queue it is.
pub(crate) struct FileName(*const bindings::dentry);

impl FileName {
    /// The name of `dentry`.
    ///
    /// # Safety
    ///
    /// `dentry` is a dentry the caller holds for as long as the `FileName` lives.
    unsafe fn of(dentry: usize) -> Self {
        Self(dentry as *const bindings::dentry)
    }

    /// Whether the name begins with `prefix`.
    pub(crate) fn begins_with(&self, prefix: &[u8]) -> bool {
        // SAFETY: the dentry is held (`of`'s contract); the helper reads its name under RCU,
        // at most `prefix.len()` bytes and not past its NUL.
        unsafe { bindings::ctn_dentry_name_begins(self.0, prefix.as_ptr(), prefix.len()) }
    }
}

/// What an open is of, as `security_file_open` sees it.
pub(crate) struct OpenFacts {
    /// The inode's type and permission bits (`S_IF*`).
    pub(crate) mode: u32,
    /// The device number (`dev_t`) of a device node.
    pub(crate) rdev: u32,
    /// The file system instance's own data (devpts: which instance a pty is of).
    pub(crate) sb_info: usize,
    /// The kind of file system the file is on.
    pub(crate) fs: FileSystem,
    /// Whether the file is opened for writing.
    pub(crate) writes: bool,
    /// The name it is opened by.
    pub(crate) name: FileName,
}

impl OpenFacts {
    /// The facts of `file`, a file being opened.
    ///
    /// # Safety
    ///
    /// `file` is the `struct file *` of an open in progress (referenced by it).
    unsafe fn of(file: usize) -> Self {
        let mut raw = bindings::ctn_open_facts::default();
        // SAFETY: `file` is a file being opened (caller's contract); `raw` is writable.
        unsafe { bindings::ctn_open_facts(file as *const bindings::file, &mut raw) };
        Self {
            mode: raw.mode,
            rdev: raw.rdev,
            sb_info: raw.sb_info as usize,
            fs: FileSystem::of(&raw.fs),
            writes: raw.writes,
            // SAFETY: the open holds its path (caller's contract) while the facts are used.
            name: unsafe { FileName::of(raw.dentry as usize) },
        }
    }

    /// Whether the file is readable by its owner and group only (no `S_IROTH`).
    pub(crate) fn private(&self) -> bool {
        self.mode & bindings::S_IROTH == 0
    }

    /// Whether the file is a device node (character or block).
    pub(crate) fn is_device(&self) -> bool {
        matches!(
            self.mode & bindings::S_IFMT,
            bindings::S_IFCHR | bindings::S_IFBLK
        )
    }
}

/// Who may change what.
pub(crate) trait HostConfigPolicy: Send + Sync + Clone {
    /// A change of the host's configuration was refused to the current task with `errno`
    /// (must not sleep).
    fn refused(&self, errno: Error);
    /// Why the current task may not open the file `open` describes, if it may not: `EPERM`
    /// for a device node, `EACCES` for anything else (see [`open_errno`]). A refusal counts.
    /// Must not sleep.
    fn open_refusal(&self, open: &OpenFacts) -> Option<Error>;
    /// Whether the message queue `name` is the current task's to open, make, remove or
    /// change. Must not sleep.
    fn owns_queue(&self, name: &FileName) -> bool;
}

/// The errno of a refused open: the device cgroup's for a device node, the VFS's for a file.
pub(crate) fn open_errno(open: &OpenFacts) -> Error {
    if open.is_device() {
        EPERM
    } else {
        EACCES
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `int (*permission)(struct mnt_idmap *, struct inode *, int mask)` of /proc/sys, sysfs.
    Write,
    /// `int security_file_open(struct file *file)`.
    Open,
    /// `static int proc_reg_open(struct inode *inode, struct file *file)`.
    ProcEntry,
    /// `int security_kernel_module_request(char *kmod_name)`.
    ModuleRequest,
    /// `int security_bpf(int cmd, union bpf_attr *attr, unsigned int size)`.
    Bpf,
    /// `int security_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg)`,
    /// and `security_file_ioctl_compat` of the same arguments.
    Ioctl,
    /// A name made, removed or moved in a directory: pairs of the argument positions of the
    /// directory (`struct inode *`) and of the name (`struct dentry *`):
    /// `security_inode_create`, `_unlink`, `_mkdir`, `_rmdir`, `_mknod`, `_symlink` (0, 1),
    /// `_link` (1, 2), `_rename` (0, 1 and 2, 3).
    Names(&'static [(u32, u32)]),
    /// A file's mode or owner changed: `int security_inode_setattr(struct mnt_idmap *,
    /// struct dentry *, struct iattr *)` (a size or times alone pass: `O_TRUNC` of a
    /// process's own `/proc/PID/` file sets the size).
    Owner,
    /// A file's extended attributes changed, its file (`struct dentry *`) the second
    /// argument: `security_inode_setxattr`, `_removexattr`, `_set_acl`, `_remove_acl`.
    Attributes,
    /// A file's attributes read or its events watched, the file (`const struct path *`)
    /// first: `security_inode_getattr` (stat), `security_path_notify` (inotify, fanotify,
    /// dnotify). Refused only for another's message queue (its times say when it is used,
    /// a watch on the directory names every queue made and removed).
    Look,
    /// `int security_file_lock(struct file *, unsigned int cmd)`: a lease (F_SETLEASE) or a
    /// flock(2) lock. A lease on a kernel interface's file makes every host process that
    /// opens it for writing wait out the lease break time (the owner check passes: a
    /// member's uid 0 owns the host's interface files).
    Lock,
    /// `int security_key_alloc(struct key *, const struct cred *, unsigned long flags)`.
    KeyAlloc,
    /// `int security_key_permission(key_ref_t, const struct cred *, enum key_need_perm)`.
    KeyUse,
}

struct Gate<P> {
    policy: P,
    check: Check,
}

impl Check {
    /// What the hooked function returns for a refused call (an open: see `refusal_of`).
    fn errno(self) -> Error {
        match self {
            Check::Write
            | Check::ProcEntry
            | Check::Open
            | Check::Names(_)
            | Check::Lock
            | Check::Look
            | Check::KeyUse => EACCES,
            Check::ModuleRequest
            | Check::Bpf
            | Check::Ioctl
            | Check::KeyAlloc
            | Check::Owner
            | Check::Attributes => EPERM,
        }
    }
}

impl<P: HostConfigPolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        let refused = match self.check {
            Check::Write => args.word(2) & MAY_CHANGE != 0,
            Check::Open => {
                // SAFETY: argument 0 of `security_file_open` is the file being opened.
                let open = unsafe { OpenFacts::of(args.word(0)) };
                return self.policy.open_refusal(&open).is_some();
            }
            Check::ProcEntry => {
                // SAFETY: argument 1 of `proc_reg_open` is the file being opened.
                let open = unsafe { OpenFacts::of(args.word(1)) };
                // An entry the kernel registers is one of its interfaces.
                privilege::file_refusal(FileSystem::Interface, open.writes, open.private(), false)
                    .is_some()
            }
            Check::Names(names) => names.iter().any(|&(dir, entry)| {
                // SAFETY: the argument at `dir` is a directory a name is made, removed or
                // moved in, which the caller holds (locked), and the one at `entry` that
                // name, held too.
                unsafe {
                    self.change_refused(
                        FileSystem::of_inode(args.word(dir)),
                        &FileName::of(args.word(entry)),
                    )
                }
            }),
            Check::Owner => {
                const OWNER: u32 = bindings::ATTR_MODE | bindings::ATTR_UID | bindings::ATTR_GID;
                let file = args.word(1);
                // SAFETY: argument 2 is the change asked for, argument 1 the file it is
                // asked of, both held by the caller.
                let (changes, fs) = unsafe {
                    (
                        bindings::ctn_iattr_valid(args.word(2) as *const bindings::iattr),
                        FileSystem::of_dentry(file),
                    )
                };
                // A queue's size and times are its owner's too (a truncate forges its size).
                let owners = changes & OWNER != 0 || fs == FileSystem::MessageQueues;
                // SAFETY: `file` is held by the caller.
                owners && self.change_refused(fs, &unsafe { FileName::of(file) })
            }
            Check::Look => {
                // SAFETY: argument 0 is a path the caller holds, and so its dentry.
                let file = unsafe {
                    bindings::ctn_path_dentry(args.word(0) as *const bindings::path) as usize
                };
                // SAFETY: as above.
                let fs = unsafe { FileSystem::of_dentry(file) };
                // SAFETY: as above.
                fs == FileSystem::MessageQueues
                    && self.change_refused(fs, &unsafe { FileName::of(file) })
            }
            Check::Attributes => {
                // SAFETY: argument 1 is the file whose attributes change, which the caller
                // holds.
                unsafe {
                    self.change_refused(
                        FileSystem::of_dentry(args.word(1)),
                        &FileName::of(args.word(1)),
                    )
                }
            }
            Check::Lock => {
                // SAFETY: argument 0 of `security_file_lock` is an open file the caller holds.
                let open = unsafe { OpenFacts::of(args.word(0)) };
                self.change_refused(open.fs, &open.name)
            }
            Check::ModuleRequest | Check::Bpf | Check::KeyAlloc | Check::KeyUse => true,
            // The kernel takes `cmd` as an unsigned int.
            Check::Ioctl => privilege::ioctl_refused(Ioctl::of(args.word(1) as u32)),
        };
        if refused {
            self.policy.refused(self.check.errno());
        }
        refused
    }
}

impl<P: HostConfigPolicy> Gate<P> {
    /// Whether a change of the file `name`, on a file system of kind `fs`, is refused to
    /// the current task.
    fn change_refused(&self, fs: FileSystem, name: &FileName) -> bool {
        let own_queue = fs == FileSystem::MessageQueues && self.policy.owns_queue(name);
        privilege::changes_refused(fs, own_queue)
    }
}

impl<P: HostConfigPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        self.check.errno().to_errno().into()
    }

    fn refusal_of(&self, arg0: usize) -> i64 {
        match self.check {
            // SAFETY: a refused `security_file_open` call: `arg0` is its file, still being
            // opened (the open waits for this answer).
            Check::Open => open_errno(&unsafe { OpenFacts::of(arg0) })
                .to_errno()
                .into(),
            _ => self.refusal(),
        }
    }
}

/// Adds the host-configuration hooks to `hooks`.
pub(crate) fn add<P: HostConfigPolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    let mut hook = |symbol, check| {
        let gate = Gate {
            policy: policy.clone(),
            check,
        };
        hooks.refusing(symbol, gate)
    };
    hook(kernel::c_str!("security_file_open"), Check::Open)?;
    hook(kernel::c_str!("proc_reg_open"), Check::ProcEntry)?;
    hook(kernel::c_str!("proc_sys_permission"), Check::Write)?;
    hook(kernel::c_str!("kernfs_iop_permission"), Check::Write)?;
    hook(
        kernel::c_str!("security_kernel_module_request"),
        Check::ModuleRequest,
    )?;
    hook(kernel::c_str!("security_file_ioctl"), Check::Ioctl)?;
    // Only with CONFIG_COMPAT: without it there are no 32-bit ioctls.
    optional(hook(
        kernel::c_str!("security_file_ioctl_compat"),
        Check::Ioctl,
    ))?;
    const DIR: &[(u32, u32)] = &[(0, 1)];
    for symbol in [
        kernel::c_str!("security_inode_create"),
        kernel::c_str!("security_inode_unlink"),
        kernel::c_str!("security_inode_mkdir"),
        kernel::c_str!("security_inode_rmdir"),
        kernel::c_str!("security_inode_mknod"),
        kernel::c_str!("security_inode_symlink"),
    ] {
        hook(symbol, Check::Names(DIR))?;
    }
    hook(
        kernel::c_str!("security_inode_link"),
        Check::Names(&[(1, 2)]),
    )?;
    hook(
        kernel::c_str!("security_inode_rename"),
        Check::Names(&[(0, 1), (2, 3)]),
    )?;
    hook(kernel::c_str!("security_inode_setattr"), Check::Owner)?;
    hook(kernel::c_str!("security_file_lock"), Check::Lock)?;
    hook(kernel::c_str!("security_inode_getattr"), Check::Look)?;
    hook(kernel::c_str!("security_path_notify"), Check::Look)?;
    for symbol in [
        kernel::c_str!("security_inode_setxattr"),
        kernel::c_str!("security_inode_removexattr"),
        kernel::c_str!("security_inode_set_acl"),
        kernel::c_str!("security_inode_remove_acl"),
    ] {
        hook(symbol, Check::Attributes)?;
    }
    // Only with CONFIG_KEYS: without it there are no keyrings.
    optional(hook(kernel::c_str!("security_key_alloc"), Check::KeyAlloc))?;
    optional(hook(
        kernel::c_str!("security_key_permission"),
        Check::KeyUse,
    ))?;
    // Only with CONFIG_BPF_SYSCALL: without it there is no bpf() to refuse.
    optional(hook(kernel::c_str!("security_bpf"), Check::Bpf))
}
