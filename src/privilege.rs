// SPDX-License-Identifier: GPL-2.0

//! A container's capability set (VServer's bcaps, Docker's `--cap-add`/`--cap-drop`, jail's
//! `allow.*`): the capabilities its members may use, whatever their own credentials say. Root
//! inside a container keeps what it needs for itself (files it owns, its users, its own
//! ports below 1024) and lacks what reaches the host: network configuration (NET_ADMIN),
//! raw sockets (NET_RAW), device nodes (MKNOD), raw I/O (SYS_RAWIO), the kernel log
//! (SYSLOG), perf and BPF (PERFMON, BPF, SYS_ADMIN), resource and time knobs. And what
//! of the host's files a member may open: which device nodes, which file systems.

use kernel::prelude::*;

use crate::sys::hostconf::{majors, FileSystem, Ioctl};
use crate::uapi;

/// Every capability the kernel knows.
const ALL: u64 = (1 << (uapi::CTN_CAP_LAST + 1)) - 1;

/// A set a container may be given: `EINVAL` for bits past the last capability.
pub(crate) fn parse(caps: u64) -> Result<u64> {
    if caps & !ALL != 0 {
        return Err(EINVAL);
    }
    Ok(caps)
}

/// Whether `set` grants capability `cap` (an unknown number: no).
pub(crate) fn grants(set: u64, cap: u32) -> bool {
    cap <= uapi::CTN_CAP_LAST && set & (1 << cap) != 0
}

/// Whether a member may open the device node `major:minor`, wherever it is (a container's
/// root may hold any node, made before or imported): the ones a program needs and that reach
/// nothing of the host, as Docker's default device rules and jail's devfs ruleset: null,
/// zero, full, random, urandom, tty and ptmx. A pty's `/dev/pts/N` is its maker's (see
/// [`pty_index`]).
pub(crate) fn device_allowed(major: u32, minor: u32) -> bool {
    const MEM: u32 = majors::MEM; // 3 null, 5 zero, 7 full, 8 random, 9 urandom
    const TTYAUX: u32 = majors::TTYAUX; // 0 tty, 2 ptmx
    match major {
        MEM => matches!(minor, 3 | 5 | 7 | 8 | 9),
        TTYAUX => matches!(minor, 0 | 2),
        _ => false,
    }
}

/// How many pty indices devpts can give (`NR_UNIX98_PTY_MAX`).
pub(crate) const PTY_INDICES: usize = 1 << 20;

/// The pty index of the device node `major:minor`, if it is a pty's `/dev/pts/N`: devpts
/// numbers them `MKDEV(UNIX98_PTY_SLAVE_MAJOR, N)`, N below 2^20 (the minor's width).
pub(crate) fn pty_index(major: u32, minor: u32) -> Option<u32> {
    (major == majors::PTY_SLAVE && (minor as usize) < PTY_INDICES).then_some(minor)
}

/// Why a member may not open a file (not a device node) on a file system of kind `fs`, if
/// it may not: `EACCES` for a file of the kernel's internals, a message queue not its
/// container's (`own_queue`: see [`changes_refused`]), and for a kernel interface's file (sysfs, cgroupfs, securityfs,
/// configfs, binfmt_misc, efivarfs, a /proc entry the kernel registers, ...) opened for
/// writing or `private` (not readable by others): a member reads the host's kernel
/// interfaces as an unprivileged user does, whatever `DAC_OVERRIDE` says. The kernel keeps
/// to root the reads that reach hardware or its memory: a PCI device's registers
/// (`resourceN`, `rom`), firmware tables (ACPI, DMI), `/proc/kcore`, `/proc/slabinfo`.
/// Data file systems and proc's own files (`/proc/PID/`, whose rules are the process
/// reach's) pass.
pub(crate) fn file_refusal(
    fs: FileSystem,
    writes: bool,
    private: bool,
    own_queue: bool,
) -> Option<Error> {
    let refused = match fs {
        FileSystem::Internals => true,
        FileSystem::MessageQueues => !own_queue,
        FileSystem::Interface => writes || private,
        FileSystem::Data | FileSystem::Proc => false,
    };
    refused.then_some(EACCES)
}

/// Whether a member may not make, remove or move names in a directory of a file system of
/// kind `fs`, or change the mode, owner or extended attributes of a file there: on
/// every file system but those that keep data. A kernel interface's names and modes are
/// host-wide (a mode set on `/proc/sysrq-trigger` is everyone's, a directory made in
/// cgroupfs, configfs or tracefs makes a kernel object, an unlink in efivarfs, pstore or
/// bpffs removes one). POSIX message queues have one name space for the host and every
/// container: a member changes only its container's queues (`own_queue`: names with its
/// prefix), not the host's nor another container's.
pub(crate) fn changes_refused(fs: FileSystem, own_queue: bool) -> bool {
    match fs {
        FileSystem::Data => false,
        FileSystem::MessageQueues => !own_queue,
        _ => true,
    }
}

/// Whether a member may not make an ioctl of kind `kind`: those that act beyond the
/// caller's own terminal. Typing into a terminal's input (`TIOCSTI`: its controlling
/// terminal may be the admin's, whose shell reads what was typed after the member exits;
/// the kernel's `dev.tty.legacy_tiocsti=0` refuses it to everyone) and the console's
/// controls (a remapped key runs a string chosen here when the host's user types it, a
/// pasted selection, the system console, terminal switches). Other ioctls are the
/// driver's and the capability set's to decide.
pub(crate) fn ioctl_refused(kind: Ioctl) -> bool {
    match kind {
        Ioctl::TerminalInput | Ioctl::Console => true,
        Ioctl::Other => false,
    }
}
