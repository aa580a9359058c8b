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
pub const CTN_ABI_VERSION: u32 = 14;

/// The character device the module registers.
pub const CTN_DEVICE_PATH: &str = "/dev/ctn";

/// ioctl "type" byte for ctn (unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst).
pub const CTN_IOC_MAGIC: u32 = 0xC7;

/// Length of the module version string, including its terminating NUL.
pub const CTN_VERSION_LEN: usize = 32;

/// Argument of `CTN_IOC_VERSION`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Longest container name, including the terminating NUL: names are 1-63 bytes of
/// `[A-Za-z0-9_.-]`.
pub const CTN_NAME_LEN: usize = 64;
/// Length of a command name (the kernel's `TASK_COMM_LEN`), including the NUL.
pub const CTN_COMM_LEN: usize = 16;
/// Event history length of a container created with `history_len` 0.
pub const CTN_HISTORY_DEFAULT: u32 = 256;
/// Largest event history a container may have.
pub const CTN_HISTORY_MAX: u32 = 65536;

/// Names a container: by `id` when it is non-zero (then `name` must be empty), else by `name`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtnTarget {
    pub id: u32,
    /// Must be zero.
    pub reserved0: u32,
    pub name: [u8; CTN_NAME_LEN],
}

/// `CtnCreate::flags`: record the files its processes open (`CTN_IOC_FILES`, for capture).
pub const CTN_CREATE_RECORD_FILES: u32 = 1 << 0;

/// Argument of `CTN_IOC_CREATE`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnCreate {
    /// In: `size_of::<CtnCreate>()`.
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    /// In: the new container's name.
    pub name: [u8; CTN_NAME_LEN],
    /// In: how many events the history keeps (0: `CTN_HISTORY_DEFAULT`).
    pub history_len: u32,
    /// Out: the new container's id.
    pub id: u32,
    /// Must be zero.
    pub reserved: [u64; 8],
}

/// Argument of `CTN_IOC_DESTROY`: fails with `EBUSY` while the container has tasks.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnDestroy {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// Argument of `CTN_IOC_ATTACH`: moves a process, with all its threads, into a container.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnAttach {
    pub size: u32,
    /// In: the process to move; 0 means the calling process.
    pub pid: u32,
    pub target: CtnTarget,
    /// Out: how many threads were moved.
    pub threads: u32,
    /// Must be zero.
    pub reserved0: u32,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// `CtnInfo::flags`: the container refuses new tasks (it is being stopped).
pub const CTN_INFO_SEALED: u32 = 1 << 0;

/// What `CTN_IOC_INFO` and `CTN_IOC_LIST` report about a container.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnInfo {
    pub id: u32,
    /// `CTN_INFO_*`.
    pub flags: u32,
    pub name: [u8; CTN_NAME_LEN],
    /// Tasks (threads) in the container now.
    pub tasks: u32,
    /// Most tasks it ever had at once.
    pub peak_tasks: u32,
    /// Capacity of its event history.
    pub history_len: u32,
    pub reserved0: u32,
    /// Creation time, ns since the epoch (CLOCK_REALTIME).
    pub created_ns: u64,
    /// Tasks created by its members (processes and threads).
    pub forks: u64,
    pub execs: u64,
    /// Tasks that exited while in it.
    pub exits: u64,
    /// Processes that joined it from outside (`CTN_IOC_ATTACH`).
    pub joins: u64,
    /// CPU time (user + system) of its exited and live tasks, ns.
    pub cpu_ns: u64,
    /// Events recorded since creation, and how many of them the history no longer holds.
    pub events_recorded: u64,
    pub events_dropped: u64,
}

/// Argument of `CTN_IOC_INFO`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnInfoReq {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    /// Out.
    pub info: CtnInfo,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// A caller-supplied array the module fills: `buf` points to `capacity` entries of
/// `entry_size` bytes (which must be the size of the entry type of this ABI).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnBuffer {
    /// In: user address of the array.
    pub buf: u64,
    /// In: number of entries the array holds.
    pub capacity: u32,
    /// In: size of one entry.
    pub entry_size: u32,
    /// Out: entries written.
    pub count: u32,
    /// Out: entries there were to write (more than `count` when the array was too small).
    pub total: u32,
}

/// Argument of `CTN_IOC_LIST`: fills `out` with `CtnInfo` entries (a process inside a
/// container sees only its own).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnList {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub out: CtnBuffer,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// One task, as `CTN_IOC_PS` reports it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnTask {
    pub pid: i32,
    /// Its process (thread group) id: equal to `pid` for a process's main thread.
    pub tgid: i32,
    pub ppid: i32,
    /// State letter as in ps(1): R, S, D, T, Z, ...
    pub state: u32,
    pub comm: [u8; CTN_COMM_LEN],
    /// CPU time (user + system) so far, ns.
    pub cpu_ns: u64,
}

/// Argument of `CTN_IOC_PS`: fills `out` with `CtnTask` entries, one per thread.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnPs {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    pub out: CtnBuffer,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// `CtnEvent::kind` values.
pub const CTN_EVENT_CREATED: u32 = 1;
/// A process joined from outside; `arg` is the number of threads.
pub const CTN_EVENT_JOINED: u32 = 2;
/// The task was created by a member; `arg` is the creating thread's pid.
pub const CTN_EVENT_FORK: u32 = 3;
/// The task executed a new program (`comm` is the new one).
pub const CTN_EVENT_EXEC: u32 = 4;
/// The task exited; `arg` is its exit code in wait(2) status encoding.
pub const CTN_EVENT_EXIT: u32 = 5;
/// The container was sealed: it refuses new tasks from now on.
pub const CTN_EVENT_SEALED: u32 = 6;
/// The container's processes were sent signal `arg`; `pid` is how many processes.
pub const CTN_EVENT_SIGNALLED: u32 = 7;
/// A request was refused by a limit or the container's confinement; `arg` is the errno.
pub const CTN_EVENT_REFUSED: u32 = 8;
/// The container was started (`CTN_IOC_RECORD`): `pid` is its first process.
pub const CTN_EVENT_STARTED: u32 = 9;
/// The container was stopped (`CTN_IOC_RECORD`): `arg` says what it took (`CTN_STOP_*`),
/// `pid` how many processes were left to kill.
pub const CTN_EVENT_STOPPED: u32 = 10;
/// `CTN_EVENT_STOPPED` `arg`: the processes had ended by the stop command.
pub const CTN_STOP_BY_COMMAND: i32 = 0;
/// ... they ended after SIGTERM.
pub const CTN_STOP_BY_TERM: i32 = 1;
/// ... some were killed after the grace period.
pub const CTN_STOP_BY_KILL: i32 = 2;

/// One entry of a container's history.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnEvent {
    /// Sequence number: 0 for the container's first event, then consecutive.
    pub seq: u64,
    /// ns since the epoch (CLOCK_REALTIME).
    pub time_ns: u64,
    /// `CTN_EVENT_*`.
    pub kind: u32,
    /// The task the event is about (0 when none).
    pub pid: i32,
    pub tgid: i32,
    /// Depends on `kind`.
    pub arg: i32,
    pub comm: [u8; CTN_COMM_LEN],
}

/// Argument of `CTN_IOC_EVENTS`: fills `out` with the events numbered `since` and later that
/// the history still holds, oldest first.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnEvents {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    /// In: the first sequence number wanted.
    pub since: u64,
    /// Out: the sequence number to ask for next time.
    pub next: u64,
    /// Out: events from `since` on that the history no longer holds.
    pub lost: u64,
    pub out: CtnBuffer,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// `CtnKill::flags`: also seal the container, so that its tasks can create no new ones.
pub const CTN_KILL_SEAL: u32 = 1 << 0;

/// Argument of `CTN_IOC_KILL`: sends a signal to every process of a container.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnKill {
    pub size: u32,
    /// `CTN_KILL_*`.
    pub flags: u32,
    pub target: CtnTarget,
    /// In: the signal (0 only seals, with `CTN_KILL_SEAL`).
    pub signal: u32,
    /// Out: how many processes were signalled.
    pub signalled: u32,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// `CtnCaps::flags`: set the container's capability set to `caps` (without it: report it).
pub const CTN_CAPS_SET: u32 = 1 << 0;
/// The highest capability number (`CAP_LAST_CAP` of Linux 6.12: `CAP_CHECKPOINT_RESTORE`).
pub const CTN_CAP_LAST: u32 = 40;
/// The capability set a new container has: Docker's default set without `CAP_MKNOD` and
/// `CAP_NET_RAW` (refused by jail and VServer too): CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
/// KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, AUDIT_WRITE, SETFCAP.
pub const CTN_CAPS_DEFAULT: u64 = (1 << 0)
    | (1 << 1)
    | (1 << 3)
    | (1 << 4)
    | (1 << 5)
    | (1 << 6)
    | (1 << 7)
    | (1 << 8)
    | (1 << 10)
    | (1 << 18)
    | (1 << 29)
    | (1 << 31);

/// Argument of `CTN_IOC_CAPS`: a container's capability set, one bit per capability number
/// (bits above `CTN_CAP_LAST`: `EINVAL`). A capability check made for a member on its own
/// credentials passes only if the set has the capability, whatever the member's own sets say
/// (`EPERM` where the kernel says so for a missing capability). Setting needs
/// `CAP_SYS_ADMIN` outside every container; reporting, only the open device (a member sees
/// its own container's).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnCaps {
    pub size: u32,
    /// `CTN_CAPS_SET` or zero.
    pub flags: u32,
    pub target: CtnTarget,
    /// In with `CTN_CAPS_SET`, out without.
    pub caps: u64,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// Longest path `CTN_IOC_FILES` reports, with its NUL.
pub const CTN_PATH_LEN: usize = 256;

/// One file a container's processes opened: the absolute path they named, NUL-filled.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnPath {
    pub path: [u8; CTN_PATH_LEN],
}

/// Argument of `CTN_IOC_FILES`: fills `out` with `CtnPath` entries, the files the processes
/// of a container created with `CTN_CREATE_RECORD_FILES` opened by absolute path (each once;
/// at most 4096; paths of 256 bytes or more, and what does not fit, are counted in
/// `dropped`). `ENODATA` for a container that does not record.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnFiles {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    /// Out: paths recorded, and paths not recorded (too long, or no room).
    pub recorded: u64,
    pub dropped: u64,
    pub out: CtnBuffer,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// Argument of `CTN_IOC_RECORD`: records a lifecycle event (`CTN_EVENT_STARTED` or
/// `CTN_EVENT_STOPPED`) in a container's history, for the tool that starts and stops it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnRecord {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    pub kind: u32,
    pub pid: i32,
    pub arg: i32,
    /// Must be zero.
    pub reserved0: u32,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// Length of a host or domain name field, including the NUL (the kernel's `__NEW_UTS_LEN + 1`).
pub const CTN_UTS_LEN: usize = 65;

/// `CtnIdentity::flags` for `CTN_IOC_SET_IDENTITY`: set `hostname`.
pub const CTN_IDENTITY_HOSTNAME: u32 = 1 << 0;
/// `CtnIdentity::flags` for `CTN_IOC_SET_IDENTITY`: set `domainname`.
pub const CTN_IDENTITY_DOMAINNAME: u32 = 1 << 1;
/// `CtnIdentity::flags` for `CTN_IOC_SET_IDENTITY`: set `ipv4` and `loopback` (together).
pub const CTN_IDENTITY_IPV4: u32 = 1 << 2;
/// `CtnIdentity::flags` for `CTN_IOC_SET_IDENTITY`: set `mac`.
pub const CTN_IDENTITY_MAC: u32 = 1 << 3;

/// Argument of `CTN_IOC_SET_IDENTITY` (the fields `flags` names) and `CTN_IOC_GET_IDENTITY`
/// (all fields, out). What processes in the container see through uname(2): an empty
/// `hostname` means the container's name, an empty `domainname` means "(none)". Its network
/// identity: `ipv4` (all-zero: none, the container uses the host's network as is),
/// `loopback` (what 127.0.0.1 means inside; all-zero: the same as `ipv4`), `mac` (all-zero:
/// none). Addresses are in network byte order. An address or MAC another container holds is
/// refused with `EADDRINUSE`; multicast, broadcast and (for `loopback`) addresses outside
/// 127.0.0.0/8 with `EINVAL`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnIdentity {
    pub size: u32,
    /// `CTN_IDENTITY_*` (set only; must be zero for get).
    pub flags: u32,
    pub target: CtnTarget,
    /// At most 64 bytes, NUL-terminated and NUL-filled.
    pub hostname: [u8; CTN_UTS_LEN],
    pub domainname: [u8; CTN_UTS_LEN],
    pub mac: [u8; 6],
    pub ipv4: [u8; 4],
    pub loopback: [u8; 4],
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `tasks`.
pub const CTN_LIMIT_TASKS: u32 = 1 << 0;
/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `memory`.
pub const CTN_LIMIT_MEMORY: u32 = 1 << 1;
/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `files`.
pub const CTN_LIMIT_FILES: u32 = 1 << 2;
/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `disk`.
pub const CTN_LIMIT_DISK: u32 = 1 << 3;
/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `cpu_time`.
pub const CTN_LIMIT_CPU_TIME: u32 = 1 << 4;
/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `cpu_share`.
pub const CTN_LIMIT_CPU_SHARE: u32 = 1 << 5;
/// `CtnLimits::flags` for `CTN_IOC_SET_LIMITS`: set `net_rate`.
pub const CTN_LIMIT_NET_RATE: u32 = 1 << 6;
/// `CtnLimits::flags`: only check whether the limits would be admitted (`ENOSPC` if not);
/// change nothing. With an empty `target`, checks a new container with these limits.
pub const CTN_LIMIT_DRY_RUN: u32 = 1 << 31;

/// Argument of `CTN_IOC_SET_LIMITS` (the fields `flags` names). 0 means no limit. Lowering a
/// limit below the current usage refuses new requests; it never takes anything away.
/// Admission: the memory limits of all containers together may not exceed the host's
/// physical memory, and their CPU shares together the host's CPUs times its CPU reserve
/// (`CtnHost::cpu_reserve_pct`): `ENOSPC`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnLimits {
    pub size: u32,
    /// `CTN_LIMIT_*`.
    pub flags: u32,
    pub target: CtnTarget,
    /// Most tasks (threads) at once: creating one more fails with `EAGAIN`.
    pub tasks: u64,
    /// Most address space in bytes (rounded up to pages), all members' mappings together:
    /// a mapping beyond it fails with `ENOMEM`.
    pub memory: u64,
    /// Most open file descriptors of all members together: opening one more fails with
    /// `EMFILE`.
    pub files: u64,
    /// Most bytes the members may write to files (write(2), pwrite(2)), in all: a write
    /// beyond it fails with `EDQUOT`.
    pub disk: u64,
    /// Most CPU time (user + system, ns) of all members, exited ones included: beyond it
    /// every member process gets SIGXCPU, and SIGKILL a second later if still beyond.
    pub cpu_time: u64,
    /// CPU bandwidth of all members together, in percent of one CPU (1 to 100 times the
    /// host's CPUs): enforced within every period of `CTN_CPU_PERIOD_NS`, a member that has
    /// used the container's share waits for the next period on its way back to user mode.
    pub cpu_share: u64,
    /// Bytes per second the members may send on IPv4/IPv6 sockets together: a send beyond it
    /// waits (blocking sockets) or fails with `EAGAIN` (non-blocking); no data is dropped.
    pub net_rate: u64,
    /// Must be zero.
    pub reserved: [u64; 1],
}

/// The period within which a CPU share is enforced.
pub const CTN_CPU_PERIOD_NS: u64 = 100_000_000;

/// One resource of a container: in its unit (tasks, bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnResource {
    pub usage: u64,
    pub peak: u64,
    /// 0: no limit.
    pub limit: u64,
    /// Requests refused by the limit.
    pub failcnt: u64,
}

/// Argument of `CTN_IOC_GET_USAGE`: a container's resources (out).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnUsage {
    pub size: u32,
    /// Must be zero.
    pub flags: u32,
    pub target: CtnTarget,
    pub tasks: CtnResource,
    pub memory: CtnResource,
    pub files: CtnResource,
    /// Bytes written to files (usage and peak are the same: it only grows).
    pub disk: CtnResource,
    /// CPU time in ns (failcnt: signals sent for the limit).
    pub cpu_time: CtnResource,
    /// Bytes the members asked IPv4/IPv6 sockets to send (send, sendto, sendmsg, write).
    pub net_sent: u64,
    /// Descriptors the members opened, in all.
    pub files_opened: u64,
    /// CPU bandwidth in percent of one CPU, measured over the last second (failcnt: times a
    /// member was held back for the share).
    pub cpu_share: CtnResource,
    /// Bytes per second sent, measured over the last second (failcnt: sends held back or
    /// refused with `EAGAIN` for the rate).
    pub net_rate: CtnResource,
    /// Bytes the members received on IPv4/IPv6 sockets.
    pub net_received: u64,
    /// Time members spent held back by the CPU share, and by the network rate (ns, summed
    /// over tasks).
    pub cpu_throttled_ns: u64,
    pub net_delayed_ns: u64,
    /// Must be zero.
    pub reserved: [u64; 2],
}

/// `CtnHost::flags`: set `cpu_reserve_pct`.
pub const CTN_HOST_SET_CPU_RESERVE: u32 = 1 << 0;
/// The CPU reserve of a freshly loaded module, in percent.
pub const CTN_CPU_RESERVE_DEFAULT: u32 = 90;

/// Argument of `CTN_IOC_HOST`: the host's resources and what containers reserve of them
/// (out), and the admission policy (in, with `flags`: needs `CAP_SYS_ADMIN`; lowering it
/// below what is reserved refuses new reservations only). Not available inside a container.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CtnHost {
    pub size: u32,
    /// `CTN_HOST_*`.
    pub flags: u32,
    /// The share of the host's CPUs that the containers' CPU shares may reserve together,
    /// in percent (1-100).
    pub cpu_reserve_pct: u32,
    /// Out: CPUs online.
    pub cpus: u32,
    /// Out: the containers' CPU shares together, in percent of one CPU.
    pub cpu_reserved: u64,
    /// Out: physical memory in bytes, and the containers' memory limits together.
    pub memory_total: u64,
    pub memory_reserved: u64,
    /// Out: containers.
    pub containers: u32,
    /// Must be zero.
    pub reserved0: u32,
    /// Must be zero.
    pub reserved: [u64; 4],
}

/// Every ABI structure is plain integers, so all-zero is a valid value: the starting point of
/// every request (sizes and fields are then filled in).
macro_rules! zeroed_default {
    ($($t:ty),* $(,)?) => {$(
        impl Default for $t {
            fn default() -> Self {
                // SAFETY: the type is `repr(C)` with integer and integer-array fields only, for
                // which the all-zero bit pattern is a valid value.
                unsafe { core::mem::zeroed() }
            }
        }
    )*};
}

zeroed_default!(
    CtnVersion,
    CtnTarget,
    CtnCreate,
    CtnDestroy,
    CtnAttach,
    CtnInfo,
    CtnInfoReq,
    CtnBuffer,
    CtnList,
    CtnTask,
    CtnPs,
    CtnEvent,
    CtnEvents,
    CtnKill,
    CtnIdentity,
    CtnLimits,
    CtnResource,
    CtnUsage,
    CtnHost,
    CtnRecord,
    CtnPath,
    CtnFiles,
    CtnCaps,
);

pub const CTN_IOC_CREATE: u32 = ioc_rw::<CtnCreate>(0x01);
pub const CTN_IOC_DESTROY: u32 = ioc_rw::<CtnDestroy>(0x02);
pub const CTN_IOC_ATTACH: u32 = ioc_rw::<CtnAttach>(0x03);
pub const CTN_IOC_LIST: u32 = ioc_rw::<CtnList>(0x04);
pub const CTN_IOC_INFO: u32 = ioc_rw::<CtnInfoReq>(0x05);
pub const CTN_IOC_PS: u32 = ioc_rw::<CtnPs>(0x06);
pub const CTN_IOC_EVENTS: u32 = ioc_rw::<CtnEvents>(0x07);
pub const CTN_IOC_KILL: u32 = ioc_rw::<CtnKill>(0x08);
pub const CTN_IOC_SET_IDENTITY: u32 = ioc_rw::<CtnIdentity>(0x09);
pub const CTN_IOC_GET_IDENTITY: u32 = ioc_rw::<CtnIdentity>(0x0a);
pub const CTN_IOC_SET_LIMITS: u32 = ioc_rw::<CtnLimits>(0x0b);
pub const CTN_IOC_GET_USAGE: u32 = ioc_rw::<CtnUsage>(0x0c);
pub const CTN_IOC_HOST: u32 = ioc_rw::<CtnHost>(0x0d);
pub const CTN_IOC_RECORD: u32 = ioc_rw::<CtnRecord>(0x0e);
pub const CTN_IOC_FILES: u32 = ioc_rw::<CtnFiles>(0x0f);
pub const CTN_IOC_CAPS: u32 = ioc_rw::<CtnCaps>(0x10);

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
