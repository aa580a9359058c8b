//! Attempts on the host's configuration, devices and processes, for the escape suite: each
//! makes one call and prints `ok` (with what it got, where that matters) or `errno=NAME`. A
//! call let through does as little as it can (an address nobody uses, a MTU the loopback
//! already has, a marker line), so that a failing test leaves a host the next one can use.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use nix::errno::Errno;
use nix::libc;

#[derive(Subcommand)]
pub enum Host {
    /// mknod(PATH, S_IFCHR or S_IFBLK, MAJOR:MINOR).
    Mknod {
        path: String,
        #[arg(long)]
        block: bool,
        major: u32,
        minor: u32,
    },
    /// socket(2) of a kind that needs a capability.
    Socket {
        #[arg(value_enum)]
        kind: SocketKind,
    },
    /// A network-device ioctl on the loopback (SIOCSIFADDR on lo:9, SIOCSIFMTU, SIOCSIFFLAGS).
    Netdev {
        #[arg(value_enum)]
        op: NetdevOp,
    },
    /// An rtnetlink request that changes the host's network: prints the kernel's answer.
    Rtnetlink {
        #[arg(value_enum)]
        op: RtnlOp,
    },
    /// klogctl(TYPE) (5: clear the log, 8: console level, 2: read).
    Klogctl { kind: i32 },
    /// perf_event_open of a software counter: PID (-1: every process) on CPU (-1: any).
    Perf {
        #[arg(allow_hyphen_values = true)]
        pid: i32,
        #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
        cpu: i32,
    },
    /// bpf(BPF_MAP_CREATE) of a small array.
    Bpf,
    /// bpf(BPF_OBJ_GET) of PATH: a pinned map or program, which asks no capability.
    BpfObjGet { path: String },
    /// iopl(3), or ioperm(0x80, 1, 1) with --ioperm.
    Iopl {
        #[arg(long)]
        ioperm: bool,
    },
    /// open_by_handle_at(2) of the root directory's handle (the "shocker" escape).
    OpenByHandle,
    /// mmap(2) of one anonymous page at ADDR with MAP_FIXED_NOREPLACE (below
    /// vm.mmap_min_addr: CAP_SYS_RAWIO, a check the capability LSM makes inline).
    MmapLow {
        #[arg(default_value_t = 0)]
        addr: usize,
    },
    /// Pushes TEXT into the input of the terminal PATH (open O_RDWR), a byte at a time with
    /// TIOCSTI, as if typed there.
    Tiocsti { path: String, text: String },
    /// ioctl(PATH, CMD, a zeroed 64-byte buffer): CMD in decimal or 0x hex.
    Ioctl {
        path: String,
        #[arg(value_parser = crate::parse_u32)]
        cmd: u32,
    },
    /// capset(2) of every capability in the permitted and effective sets (allowed only if
    /// the process already holds them all: a probe of what its credentials hold).
    CapsetAll,
    /// Writes TEXT to PATH (open O_WRONLY, then write(2)).
    Write { path: String, text: String },
    /// Changes a name or an attribute of PATH (chmod MODE in octal, chown to UID:GID,
    /// create a file (O_CREAT|O_EXCL), truncate to 0, set its times to 0 (utime), mkdir,
    /// rmdir, unlink, rename to ARG, symlink ARG -> PATH).
    Change {
        #[arg(value_enum)]
        op: ChangeOp,
        path: String,
        #[arg(default_value = "")]
        arg: String,
    },
    /// Opens PATH with O_RDONLY|O_NONBLOCK and reads up to 64 bytes (a read that would
    /// block is `ok` too: the open is the check).
    Read { path: String },
    /// stat(2) of PATH: prints `ok mode=OCTAL size=N`.
    Stat { path: String },
    /// inotify_add_watch(PATH, every event): `ok`.
    Watch { path: String },
    /// Makes --count pseudo-terminals (open DIR/ptmx, unlockpt) of the devpts at --dir
    /// (default /dev/pts, through /dev/ptmx), opens each DIR/N, prints `ok DIR/N` for each,
    /// and keeps them open for --hold SECONDS.
    Pty {
        #[arg(long, default_value_t = 0)]
        hold: u64,
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[arg(long)]
        dir: Option<String>,
    },
    /// Opens PATH read-only and takes a read lease on it (F_SETLEASE F_RDLCK), then
    /// (--flock) an exclusive flock(2) instead; gives it up again.
    Lease {
        path: String,
        #[arg(long)]
        flock: bool,
    },
    /// prlimit64(PID, RLIMIT_NOFILE): --set CUR sets it (both soft and hard), else reads it.
    Prlimit {
        pid: i32,
        #[arg(long)]
        set: Option<u64>,
    },
    /// setpriority(WHICH, WHO, NICE).
    Setpriority {
        #[arg(value_enum)]
        which: Which,
        who: i32,
        nice: i32,
    },
    /// A scheduling call on PID.
    Sched {
        #[arg(value_enum)]
        op: SchedOp,
        pid: i32,
    },
    /// process_vm_readv (or --write: process_vm_writev) of one byte at ADDR of PID.
    ProcessVm {
        pid: i32,
        #[arg(long, default_value_t = 0x400000)]
        addr: usize,
        #[arg(long)]
        write: bool,
    },
    /// pidfd_open(PID).
    PidfdOpen { pid: i32 },
    /// Makes WHO the owner of a pipe's SIGIO with SIGNAL (F_SETSIG) and O_ASYNC, then writes
    /// to the pipe: F_SETOWN (WHO < 0: a process group), F_SETOWN_EX with --ex, FIOSETOWN on
    /// a socket pair with --ioctl. Prints the owner F_GETOWN then reports.
    Setown {
        #[arg(allow_hyphen_values = true)]
        who: i32,
        #[arg(long, default_value_t = 0)]
        signal: i32,
        #[arg(long)]
        ex: bool,
        #[arg(long)]
        ioctl: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SocketKind {
    /// AF_INET SOCK_RAW IPPROTO_ICMP.
    Raw,
    /// AF_INET6 SOCK_RAW.
    Raw6,
    /// AF_INET SOCK_DGRAM with SO_PRIORITY 7 (above 6: CAP_NET_ADMIN).
    Priority,
    /// AF_INET SOCK_DGRAM with SO_MARK (CAP_NET_ADMIN).
    Mark,
    /// An unassigned address family (45): the kernel asks for module net-pf-45.
    Autoload,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum NetdevOp {
    /// SIOCSIFADDR lo:9 192.0.2.9 (an alias address: `ifconfig lo:9`).
    Alias,
    /// SIOCSIFMTU lo 1280.
    Mtu,
    /// SIOCSIFFLAGS lo with the flags it has (a no-op if let through).
    Flags,
    /// SIOCADDRT: a route to 192.0.2.0/24 through lo.
    Route,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RtnlOp {
    /// RTM_NEWADDR 192.0.2.10/32 on lo.
    Addr,
    /// RTM_NEWLINK of a dummy device ctn-esc0.
    Link,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ChangeOp {
    Chmod,
    Chown,
    Create,
    Truncate,
    Utime,
    Mkdir,
    Rmdir,
    Unlink,
    Rename,
    Symlink,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Which {
    Process,
    Pgrp,
    User,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SchedOp {
    /// sched_setaffinity to CPU 0.
    Setaffinity,
    /// sched_getaffinity.
    Getaffinity,
    /// sched_setscheduler(SCHED_IDLE).
    Setscheduler,
    /// sched_getscheduler.
    Getscheduler,
    /// sched_setattr(SCHED_OTHER, nice 19).
    Setattr,
    /// sched_getparam.
    Getparam,
}

fn ret(r: libc::c_long) -> Result<libc::c_long, Errno> {
    Errno::result(r)
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

fn owned(fd: libc::c_long) -> Result<OwnedFd, Errno> {
    let fd = ret(fd)?;
    // SAFETY: a new descriptor the call just returned, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// An AF_INET datagram socket, for ioctls and socket options.
fn udp() -> Result<OwnedFd, Errno> {
    // SAFETY: socket(2) with constant arguments.
    owned(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) }.into())
}

/// An `ifreq` naming `name`.
fn ifreq(name: &str) -> libc::ifreq {
    // SAFETY: all-zero is a valid ifreq.
    let mut r: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in r.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as libc::c_char;
    }
    r
}

fn sockaddr_in(a: [u8; 4]) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as u16,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(a),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size; the bytes are copied.
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}

fn netdev(op: NetdevOp) -> Result<String, Errno> {
    let s = udp()?;
    let fd = s.as_raw_fd();
    // SAFETY (each ioctl): a valid request structure for the request number, on our socket.
    unsafe {
        match op {
            NetdevOp::Alias => {
                let mut r = ifreq("lo:9");
                r.ifr_ifru.ifru_addr = sockaddr_in([192, 0, 2, 9]);
                ret(libc::ioctl(fd, libc::SIOCSIFADDR, &r).into())?;
            }
            NetdevOp::Mtu => {
                let mut r = ifreq("lo");
                r.ifr_ifru.ifru_mtu = 1280;
                ret(libc::ioctl(fd, libc::SIOCSIFMTU, &r).into())?;
            }
            NetdevOp::Flags => {
                let mut r = ifreq("lo");
                ret(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut r).into())?;
                ret(libc::ioctl(fd, libc::SIOCSIFFLAGS, &r).into())?;
            }
            NetdevOp::Route => {
                let mut rt: libc::rtentry = std::mem::zeroed();
                rt.rt_dst = sockaddr_in([192, 0, 2, 0]);
                rt.rt_genmask = sockaddr_in([255, 255, 255, 0]);
                rt.rt_flags = libc::RTF_UP;
                let dev = c("lo");
                rt.rt_dev = dev.as_ptr() as *mut libc::c_char;
                ret(libc::ioctl(fd, libc::SIOCADDRT, &rt).into())?;
            }
        }
    }
    Ok("ok".into())
}

/// Sends one rtnetlink request and returns the kernel's answer (its error, 0 for an ack).
fn rtnetlink(op: RtnlOp) -> Result<String, Errno> {
    // SAFETY: socket(2) with constant arguments.
    let s = owned(
        unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE) }.into(),
    )?;
    let mut msg: Vec<u8> = Vec::new();
    let push16 = |m: &mut Vec<u8>, v: u16| m.extend_from_slice(&v.to_ne_bytes());
    let push32 = |m: &mut Vec<u8>, v: u32| m.extend_from_slice(&v.to_ne_bytes());
    // nlmsghdr: len (patched), type, flags, seq, pid
    push32(&mut msg, 0);
    let flags =
        (libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16;
    match op {
        RtnlOp::Addr => {
            push16(&mut msg, libc::RTM_NEWADDR);
            push16(&mut msg, flags);
            push32(&mut msg, 1);
            push32(&mut msg, 0);
            // ifaddrmsg: family, prefixlen, flags, scope, index (lo: 1)
            msg.extend_from_slice(&[libc::AF_INET as u8, 32, 0, 0]);
            push32(&mut msg, 1);
            // IFA_LOCAL 192.0.2.10
            push16(&mut msg, 8);
            push16(&mut msg, libc::IFA_LOCAL);
            msg.extend_from_slice(&[192, 0, 2, 10]);
        }
        RtnlOp::Link => {
            push16(&mut msg, libc::RTM_NEWLINK);
            push16(&mut msg, flags);
            push32(&mut msg, 1);
            push32(&mut msg, 0);
            // ifinfomsg: family, pad, type, index, flags, change
            msg.extend_from_slice(&[0, 0]);
            push16(&mut msg, 0);
            push32(&mut msg, 0);
            push32(&mut msg, 0);
            push32(&mut msg, 0);
            // IFLA_IFNAME "ctn-esc0"
            push16(&mut msg, 4 + 9);
            push16(&mut msg, libc::IFLA_IFNAME);
            msg.extend_from_slice(b"ctn-esc0\0");
            msg.extend_from_slice(&[0; 3]);
            // IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }
            push16(&mut msg, 4 + 4 + 6 + 2);
            push16(&mut msg, libc::IFLA_LINKINFO);
            push16(&mut msg, 4 + 6);
            push16(&mut msg, libc::IFLA_INFO_KIND);
            msg.extend_from_slice(b"dummy\0");
            msg.extend_from_slice(&[0; 2]);
        }
    }
    let len = msg.len() as u32;
    msg[..4].copy_from_slice(&len.to_ne_bytes());
    // SAFETY: sends our buffer on our socket (to the kernel: a zero netlink address).
    ret(unsafe { libc::send(s.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) } as libc::c_long)?;
    let mut buf = [0u8; 1024];
    // SAFETY: receives into our buffer.
    let n = ret(
        unsafe { libc::recv(s.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) } as libc::c_long,
    )?;
    // nlmsgerr after the 16-byte header: a negative errno, 0 for an ack.
    if n >= 20 {
        let e = i32::from_ne_bytes([buf[16], buf[17], buf[18], buf[19]]);
        if e < 0 {
            return Err(Errno::from_raw(-e));
        }
    }
    Ok("ok".into())
}

/// Sets the SOL_SOCKET option `opt` to `value` on a new datagram socket.
fn udp_option(opt: i32, value: i32) -> Result<(), Errno> {
    let s = udp()?;
    // SAFETY: setsockopt(2) with an int of its size, on our socket.
    let r = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    ret(r.into()).map(drop)
}

fn socket(kind: SocketKind) -> Result<String, Errno> {
    // SAFETY (each call): socket(2) and setsockopt(2) with valid arguments on our socket.
    unsafe {
        match kind {
            SocketKind::Raw => {
                owned(libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP).into())
                    .map(drop)?
            }
            SocketKind::Raw6 => {
                owned(libc::socket(libc::AF_INET6, libc::SOCK_RAW, libc::IPPROTO_ICMPV6).into())
                    .map(drop)?
            }
            // Above 6 needs CAP_NET_ADMIN; any mark does.
            SocketKind::Priority => udp_option(libc::SO_PRIORITY, 7)?,
            SocketKind::Mark => udp_option(libc::SO_MARK, 7)?,
            SocketKind::Autoload => {
                owned(libc::socket(45, libc::SOCK_STREAM, 0).into()).map(drop)?
            }
        }
    }
    Ok("ok".into())
}

/// `struct perf_event_attr` (PERF_ATTR_SIZE_VER0: 64 bytes) for a software CPU clock.
fn perf(pid: i32, cpu: i32) -> Result<String, Errno> {
    let mut attr = [0u8; 64];
    attr[0..4].copy_from_slice(&1u32.to_ne_bytes()); // type: PERF_TYPE_SOFTWARE
    attr[4..8].copy_from_slice(&64u32.to_ne_bytes()); // size
                                                      // config 0: PERF_COUNT_SW_CPU_CLOCK; flags (offset 40): disabled
    attr[40] = 1;
    // SAFETY: a valid perf_event_attr of the size it says.
    let fd =
        owned(unsafe { libc::syscall(libc::SYS_perf_event_open, attr.as_ptr(), pid, cpu, -1, 0) })?;
    drop(fd);
    Ok("ok".into())
}

fn bpf() -> Result<String, Errno> {
    // union bpf_attr for BPF_MAP_CREATE: map_type, key_size, value_size, max_entries.
    let mut attr = [0u32; 30];
    attr[0] = 2; // BPF_MAP_TYPE_ARRAY
    attr[1] = 4;
    attr[2] = 4;
    attr[3] = 1;
    // SAFETY: a valid bpf_attr of the size given.
    owned(unsafe {
        libc::syscall(
            libc::SYS_bpf,
            0,
            attr.as_ptr(),
            std::mem::size_of_val(&attr),
        )
    })
    .map(drop)?;
    Ok("ok".into())
}

fn bpf_obj_get(path: &str) -> Result<String, Errno> {
    const BPF_OBJ_GET: i32 = 7;
    let path = c(path);
    // union bpf_attr for BPF_OBJ_GET: pathname (a pointer), bpf_fd, file_flags.
    let mut attr = [0u64; 2];
    attr[0] = path.as_ptr() as u64;
    // SAFETY: a valid bpf_attr of the size given; `path` outlives the call.
    owned(unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_OBJ_GET,
            attr.as_ptr(),
            std::mem::size_of_val(&attr),
        )
    })
    .map(drop)?;
    Ok("ok".into())
}

fn open_by_handle() -> Result<String, Errno> {
    // struct file_handle with room for 128 bytes of handle.
    let mut h = [0u8; 8 + 128];
    h[0..4].copy_from_slice(&128u32.to_ne_bytes());
    let mut mount_id: i32 = 0;
    let root = c("/");
    // SAFETY: a file_handle with handle_bytes of room, and an int for the mount id.
    ret(unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            libc::AT_FDCWD,
            root.as_ptr(),
            h.as_mut_ptr(),
            &mut mount_id,
            0,
        )
    })?;
    // SAFETY: the handle just filled in.
    owned(unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            libc::AT_FDCWD,
            h.as_ptr(),
            libc::O_RDONLY,
        )
    })
    .map(drop)?;
    Ok("ok".into())
}

fn open_rw(path: &str) -> Result<OwnedFd, Errno> {
    // SAFETY: open(2) of a path we own as a C string.
    owned(
        unsafe {
            libc::open(
                c(path).as_ptr(),
                libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
            )
        }
        .into(),
    )
}

fn capset_all() -> Result<String, Errno> {
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    // struct __user_cap_header_struct { version, pid } and two __user_cap_data_struct
    // { effective, permitted, inheritable } (capabilities 0-31, 32-63).
    let header = [LINUX_CAPABILITY_VERSION_3, 0];
    let data = [[u32::MAX, u32::MAX, 0], [u32::MAX, u32::MAX, 0]];
    // SAFETY: a version-3 header and its two data structs.
    ret(unsafe { libc::syscall(libc::SYS_capset, header.as_ptr(), data.as_ptr()) })?;
    Ok("ok".into())
}

fn io_err(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(0))
}

fn sched(op: SchedOp, pid: i32) -> Result<String, Errno> {
    // SAFETY (each call): valid structures of the sizes given, for the calls' ABI.
    unsafe {
        match op {
            SchedOp::Setaffinity | SchedOp::Getaffinity => {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(0, &mut set);
                let size = std::mem::size_of::<libc::cpu_set_t>();
                match op {
                    SchedOp::Setaffinity => ret(libc::sched_setaffinity(pid, size, &set).into())?,
                    _ => ret(libc::sched_getaffinity(pid, size, &mut set).into())?,
                };
            }
            SchedOp::Setscheduler => {
                let p = libc::sched_param { sched_priority: 0 };
                ret(libc::sched_setscheduler(pid, libc::SCHED_IDLE, &p).into())?;
            }
            SchedOp::Getscheduler => {
                ret(libc::sched_getscheduler(pid).into())?;
            }
            SchedOp::Setattr => {
                // struct sched_attr (SCHED_ATTR_SIZE_VER0: 48 bytes): size, policy, flags,
                // nice, priority, runtime, deadline, period.
                let mut a = [0u8; 48];
                a[0..4].copy_from_slice(&48u32.to_ne_bytes());
                a[16..20].copy_from_slice(&19i32.to_ne_bytes());
                ret(libc::syscall(libc::SYS_sched_setattr, pid, a.as_ptr(), 0))?;
            }
            SchedOp::Getparam => {
                let mut p = libc::sched_param { sched_priority: 0 };
                ret(libc::sched_getparam(pid, &mut p).into())?;
            }
        }
    }
    Ok("ok".into())
}

/// asm-generic/fcntl.h and asm-generic/sockios.h (not in the libc crate).
const F_SETSIG: i32 = 10;
const F_SETOWN_EX: i32 = 15;
const FIOSETOWN: libc::c_ulong = 0x8901;

fn setown(who: i32, signal: i32, ex: bool, by_ioctl: bool) -> Result<String, Errno> {
    let mut fds = [0i32; 2];
    // SAFETY (each call): pipe/socketpair into our array, fcntl and ioctl on our descriptors
    // with arguments of the types the requests take.
    unsafe {
        if by_ioctl {
            ret(libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr()).into())?;
        } else {
            ret(libc::pipe(fds.as_mut_ptr()).into())?;
        }
        let (r, w) = (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]));
        let fd = r.as_raw_fd();
        if by_ioctl {
            ret(libc::ioctl(fd, FIOSETOWN, &who).into())?;
        } else if ex {
            #[repr(C)]
            struct FOwnerEx {
                kind: i32,
                pid: i32,
            }
            let o = FOwnerEx { kind: 1, pid: who }; // F_OWNER_PID
            ret(libc::fcntl(fd, F_SETOWN_EX, &o).into())?;
        } else {
            ret(libc::fcntl(fd, libc::F_SETOWN, who).into())?;
        }
        if signal != 0 {
            ret(libc::fcntl(fd, F_SETSIG, signal).into())?;
        }
        let fl = libc::fcntl(fd, libc::F_GETFL);
        ret(libc::fcntl(fd, libc::F_SETFL, fl | libc::O_ASYNC).into())?;
        let owner = libc::fcntl(fd, libc::F_GETOWN);
        ret(libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1) as libc::c_long)?;
        Ok(format!("ok owner={owner}"))
    }
}

fn host(h: &Host) -> Result<String, Errno> {
    match h {
        Host::Mknod {
            path,
            block,
            major,
            minor,
        } => {
            let kind = if *block { libc::S_IFBLK } else { libc::S_IFCHR };
            // SAFETY: mknod(2) of a path we own as a C string.
            ret(unsafe {
                libc::mknod(
                    c(path).as_ptr(),
                    kind | 0o600,
                    libc::makedev(*major, *minor),
                )
            }
            .into())?;
            Ok("ok".into())
        }
        Host::Socket { kind } => socket(*kind),
        Host::Netdev { op } => netdev(*op),
        Host::Rtnetlink { op } => rtnetlink(*op),
        Host::Klogctl { kind } => {
            let mut buf = [0u8; 256];
            // SAFETY: klogctl with our buffer and its length.
            ret(unsafe { libc::klogctl(*kind, buf.as_mut_ptr().cast(), buf.len() as i32) }.into())?;
            Ok("ok".into())
        }
        Host::Perf { pid, cpu } => perf(*pid, *cpu),
        Host::Bpf => bpf(),
        Host::BpfObjGet { path } => bpf_obj_get(path),
        Host::Iopl { ioperm } => {
            // SAFETY: iopl/ioperm only change this process's I/O permissions.
            ret(unsafe {
                if *ioperm {
                    libc::syscall(libc::SYS_ioperm, 0x80, 1, 1)
                } else {
                    libc::syscall(libc::SYS_iopl, 3)
                }
            })?;
            Ok("ok".into())
        }
        Host::OpenByHandle => open_by_handle(),
        Host::MmapLow { addr } => {
            // SAFETY: a new anonymous mapping where nothing is mapped (NOREPLACE), unmapped
            // again below.
            let p = unsafe {
                libc::mmap(
                    *addr as *mut libc::c_void,
                    4096,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(Errno::last());
            }
            // SAFETY: the page mapped just above.
            unsafe { libc::munmap(p, 4096) };
            Ok("ok".into())
        }
        Host::CapsetAll => capset_all(),
        Host::Tiocsti { path, text } => {
            let tty = open_rw(path)?;
            for b in text.as_bytes() {
                // SAFETY: TIOCSTI reads one byte from the pointer given.
                ret(unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSTI, b as *const u8) }.into())?;
            }
            Ok("ok".into())
        }
        Host::Ioctl { path, cmd } => {
            let f = open_rw(path)?;
            let mut buf = [0u8; 64];
            // SAFETY: a 64-byte buffer, larger than any argument of the ioctls tried.
            ret(unsafe { libc::ioctl(f.as_raw_fd(), *cmd as _, buf.as_mut_ptr()) }.into())?;
            Ok("ok".into())
        }
        Host::Write { path, text } => {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io_err)?;
            f.write_all(text.as_bytes()).map_err(io_err)?;
            Ok("ok".into())
        }
        Host::Change { op, path, arg } => change(*op, path, arg).map(|()| "ok".into()),
        Host::Stat { path } => {
            let st = nix::sys::stat::stat(path.as_str())?;
            Ok(format!(
                "ok mode={:o} size={}",
                st.st_mode & 0o7777,
                st.st_size
            ))
        }
        Host::Watch { path } => {
            // SAFETY: plain system calls on a NUL-terminated path that lives across them.
            unsafe {
                let fd = ret(libc::inotify_init1(libc::IN_CLOEXEC).into())? as i32;
                let _fd = OwnedFd::from_raw_fd(fd);
                ret(libc::inotify_add_watch(fd, c(path).as_ptr(), libc::IN_ALL_EVENTS).into())?;
            }
            Ok("ok".into())
        }
        Host::Read { path } => {
            use std::io::Read;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(io_err)?;
            let mut buf = [0u8; 64];
            match f.read(&mut buf) {
                Ok(n) => Ok(format!("ok {n} bytes")),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok("ok 0 bytes".into()),
                Err(e) => Err(io_err(e)),
            }
        }
        Host::Pty { hold, count, dir } => {
            use std::io::Write;
            use std::os::fd::AsRawFd;
            let (ptmx, pts) = match dir {
                Some(d) => (format!("{d}/ptmx"), d.clone()),
                None => ("/dev/ptmx".to_string(), "/dev/pts".to_string()),
            };
            let open = |path: &str| {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(io_err)
            };
            let mut held = Vec::new();
            let mut last = String::new();
            for _ in 0..*count {
                let master = open(&ptmx)?;
                let mut n: libc::c_uint = 0;
                // SAFETY: TIOCGPTN and TIOCSPTLCK on the master this process holds.
                unsafe {
                    Errno::result(libc::ioctl(master.as_raw_fd(), libc::TIOCGPTN, &mut n))?;
                    let unlock: libc::c_int = 0;
                    Errno::result(libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock))?;
                }
                last = format!("{pts}/{n}");
                held.push((master, open(&last)?));
                println!("ok {last}");
            }
            let _ = std::io::stdout().flush();
            std::thread::sleep(std::time::Duration::from_secs(*hold));
            Ok(format!("ok {last}"))
        }
        Host::Lease { path, flock } => {
            use std::os::fd::AsRawFd;
            let f = std::fs::File::open(path).map_err(io_err)?;
            let fd = f.as_raw_fd();
            // SAFETY: lock calls on a descriptor this process holds.
            let ret = unsafe {
                if *flock {
                    libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB)
                } else {
                    libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK)
                }
            };
            Errno::result(ret)?;
            Ok("ok".into())
        }
        Host::Prlimit { pid, set } => {
            let new = set.map(|v| libc::rlimit64 {
                rlim_cur: v,
                rlim_max: v,
            });
            let mut old = libc::rlimit64 {
                rlim_cur: 0,
                rlim_max: 0,
            };
            let newp = new.as_ref().map_or(std::ptr::null(), |n| n as *const _);
            // SAFETY: prlimit64 with valid (or null) rlimit pointers.
            ret(unsafe { libc::prlimit64(*pid, libc::RLIMIT_NOFILE, newp, &mut old) }.into())?;
            Ok(format!("ok {}", old.rlim_cur))
        }
        Host::Setpriority { which, who, nice } => {
            let which = match which {
                Which::Process => libc::PRIO_PROCESS,
                Which::Pgrp => libc::PRIO_PGRP,
                Which::User => libc::PRIO_USER,
            };
            // SAFETY: setpriority(2) with plain integers.
            ret(unsafe { libc::setpriority(which, *who as libc::id_t, *nice) }.into())?;
            Ok("ok".into())
        }
        Host::Sched { op, pid } => sched(*op, *pid),
        Host::ProcessVm { pid, addr, write } => {
            let mut byte = [0u8; 1];
            let local = libc::iovec {
                iov_base: byte.as_mut_ptr().cast(),
                iov_len: 1,
            };
            let remote = libc::iovec {
                iov_base: *addr as *mut libc::c_void,
                iov_len: 1,
            };
            // SAFETY: one local iovec into our byte, one remote (the kernel checks it).
            ret(unsafe {
                if *write {
                    libc::process_vm_writev(*pid, &local, 1, &remote, 1, 0)
                } else {
                    libc::process_vm_readv(*pid, &local, 1, &remote, 1, 0)
                }
            } as libc::c_long)?;
            Ok("ok".into())
        }
        Host::PidfdOpen { pid } => {
            // SAFETY: pidfd_open(2) with plain integers.
            owned(unsafe { libc::syscall(libc::SYS_pidfd_open, *pid, 0) }).map(drop)?;
            Ok("ok".into())
        }
        Host::Setown {
            who,
            signal,
            ex,
            ioctl,
        } => setown(*who, *signal, *ex, *ioctl),
    }
}

/// One change of a name or an attribute of `path` (see [`Host::Change`]).
fn change(op: ChangeOp, path: &str, arg: &str) -> Result<(), Errno> {
    let (p, a) = (c(path), c(arg));
    // SAFETY: each call takes NUL-terminated strings that live across it.
    let r = unsafe {
        match op {
            ChangeOp::Chmod => {
                let mode = u32::from_str_radix(arg, 8).map_err(|_| Errno::EINVAL)?;
                libc::chmod(p.as_ptr(), mode)
            }
            ChangeOp::Chown => {
                let (uid, gid) = arg.split_once(':').ok_or(Errno::EINVAL)?;
                let uid = uid.parse().map_err(|_| Errno::EINVAL)?;
                let gid = gid.parse().map_err(|_| Errno::EINVAL)?;
                libc::chown(p.as_ptr(), uid, gid)
            }
            ChangeOp::Create => {
                let fd = libc::open(
                    p.as_ptr(),
                    libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY,
                    0o600,
                );
                if fd >= 0 {
                    libc::close(fd);
                }
                fd.min(0)
            }
            ChangeOp::Truncate => libc::truncate(p.as_ptr(), 0),
            ChangeOp::Utime => {
                let zero = [libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                }; 2];
                libc::utimensat(libc::AT_FDCWD, p.as_ptr(), zero.as_ptr(), 0)
            }
            ChangeOp::Mkdir => libc::mkdir(p.as_ptr(), 0o755),
            ChangeOp::Rmdir => libc::rmdir(p.as_ptr()),
            ChangeOp::Unlink => libc::unlink(p.as_ptr()),
            ChangeOp::Rename => libc::rename(p.as_ptr(), a.as_ptr()),
            ChangeOp::Symlink => libc::symlink(a.as_ptr(), p.as_ptr()),
        }
    };
    ret(r.into()).map(drop)
}

pub fn run(h: &Host) -> ExitCode {
    crate::print_outcome(host(h))
}
