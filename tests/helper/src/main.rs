//! ctntest: the calls ctn's VM tests need that a shell cannot make (raw ioctls with bad sizes,
//! bad pointers and reserved bits). Prints one line: the result, or `errno=NAME`.
//! Exit status: 0 the call succeeded, 1 it failed with an errno, 2 bad usage.

mod compat;
mod escape;
mod fill;
mod host;
mod ipc;
mod net;
mod reach;
mod resources;
mod terminal;

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ctn_uapi as uapi;
use nix::errno::Errno;

#[derive(Parser)]
#[command(name = "ctntest", about = "ctn test helper")]
struct Cli {
    /// The ctn device.
    #[arg(long, default_value = uapi::CTN_DEVICE_PATH)]
    device: String,
    #[command(subcommand)]
    command: Command,
}

/// Where the argument pointer of an ioctl points.
#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Ptr {
    /// A valid buffer.
    Valid,
    /// NULL.
    Null,
    /// An unmapped user address.
    Wild,
    /// A kernel address.
    Kernel,
    /// A buffer whose end runs into an unmapped page.
    PageEdge,
}

#[derive(Subcommand)]
enum Command {
    /// CTN_IOC_VERSION, optionally malformed.
    Version {
        /// Value of the `size` field (default: the right size).
        #[arg(long)]
        size: Option<u32>,
        /// Set reserved word N to a non-zero value.
        #[arg(long)]
        reserved: Option<usize>,
        #[arg(long, value_enum, default_value = "valid")]
        ptr: Ptr,
    },
    /// Issue one ctn request, well-formed unless options say otherwise. Prints `ok` and the
    /// fields the module filled in, or `errno=NAME`.
    Call {
        #[arg(value_enum)]
        op: Op,
        #[command(flatten)]
        req: ReqOpts,
    },
    /// Create `children` processes and `threads` threads that wait, write their ids to
    /// `--out`, then end in two phases: SIGUSR1 makes the first half of the children exit,
    /// SIGUSR2 the rest and the threads. Child i exits with status i % 100.
    Family {
        #[arg(long)]
        children: u32,
        #[arg(long)]
        threads: u32,
        #[arg(long)]
        out: String,
    },
    /// Time an operation in `batches` batches of `iterations`; prints `OPERATION NS`, the
    /// lowest batch's ns per iteration (CLOCK_MONOTONIC: under QEMU -icount, guest
    /// instructions). The minimum leaves out batches that background kernel work (RCU
    /// callbacks, kworkers) happened to land in.
    Bench {
        #[arg(value_enum)]
        op: BenchOp,
        #[arg(long, default_value_t = 100)]
        iterations: u32,
        #[arg(long, default_value_t = 20)]
        batches: u32,
        /// The echo server (`ctntest net echo`) of `rr` and `stream64k`, ADDR:PORT.
        #[arg(long)]
        peer: Option<std::net::SocketAddr>,
    },
    /// Create containers PREFIX<from>..PREFIX<to - 1> (or destroy them, with --destroy) with
    /// one ioctl each; prints `ns N`, the time the calls took in all (CLOCK_MONOTONIC).
    Populate {
        #[arg(long, default_value = "s")]
        prefix: String,
        #[arg(long, default_value_t = 0)]
        from: u32,
        #[arg(long)]
        to: u32,
        #[arg(long)]
        destroy: bool,
    },
    /// Run a command in a session of its own on a new pseudo-terminal (its controlling
    /// terminal); prints what it wrote there, then `queued=N`, the bytes of lines left in
    /// the terminal's input.
    OnTerminal {
        #[arg(trailing_var_arg = true, required = true)]
        cmd: Vec<String>,
    },
    /// Run a command from a thread that is not the main thread (execve from a secondary
    /// thread: the kernel kills the others and gives the thread the process's pid).
    ThreadExec {
        #[arg(trailing_var_arg = true, required = true)]
        cmd: Vec<String>,
    },
    /// Run a command as an unprivileged user: no supplementary groups, gid = uid, no capabilities.
    AsUser {
        uid: u32,
        #[arg(trailing_var_arg = true, required = true)]
        cmd: Vec<String>,
    },
    /// uname(2): prints `nodename=N domainname=D clean=BOOL`, where clean says whether every
    /// byte after the NUL of both fields is zero (LTP uname04).
    Uname,
    /// sethostname(2) with `name` (and `len`, default its length); prints `ok` or `errno=E`.
    Sethostname {
        name: String,
        #[arg(long)]
        len: Option<i32>,
    },
    /// setdomainname(2), as sethostname.
    Setdomainname {
        name: String,
        #[arg(long)]
        len: Option<i32>,
    },
    /// Sockets and interface queries (see `net.rs`).
    #[command(subcommand)]
    Net(net::Net),
    /// One call that would leave a container or change the host, made so that it is harmless
    /// where it is let through (a missing path, a bad magic number); prints `ok` or `errno=E`.
    Escape {
        #[arg(value_enum)]
        call: escape::Call,
        /// For `double-chroot`: a host file to try to read once out.
        #[arg(long, default_value = "/tests/lib.sh")]
        target: String,
    },
    /// One escape attempt through the 32-bit system call entry, `int $0x80` (see
    /// `compat.rs`); prints `ok` (or what it read) or `errno=E`.
    Int80 {
        #[arg(value_enum)]
        call: compat::Call,
        /// The process acted on (ptrace-seize, pidfd-open, prlimit-set).
        #[arg(long, default_value_t = 0)]
        pid: i32,
        /// For `double-chroot`: a host file to try to read once out.
        #[arg(long, default_value = "/tests/lib.sh")]
        target: String,
        /// For `sethostname`.
        #[arg(long, default_value = "escaped")]
        name: String,
    },
    /// Reaching another process: signal, ptrace, /proc (see `reach.rs`).
    #[command(subcommand)]
    Reach(reach::Reach),
    /// Attempts on the host's configuration, devices and processes (see `host.rs`).
    #[command(subcommand)]
    Host(host::Host),
    /// SysV IPC objects and abstract unix sockets (see `ipc.rs`).
    #[command(subcommand)]
    Ipc(ipc::Ipc),
    /// Task creation and address-space growth (see `resources.rs`).
    #[command(subcommand)]
    Res(resources::Resources),
    /// Any ioctl number with an integer argument.
    Ioctl {
        /// The request number (decimal or 0x...).
        #[arg(value_parser = parse_u32)]
        cmd: u32,
        #[arg(long, default_value = "0", value_parser = parse_u64)]
        arg: u64,
    },
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum BenchOp {
    /// getpid(2): not hooked, the control.
    Getpid,
    /// uname(2).
    Uname,
    /// fork + _exit + waitpid.
    ForkExitWait,
    /// socket(AF_INET, SOCK_STREAM) + bind(0.0.0.0, any port) + close.
    BindClose,
    /// The same with 127.0.10.1 (a container's address in the benchmark): the kernel's own
    /// cost of binding a specific address, which a container's wildcard bind becomes.
    BindCloseAddr,
    /// mmap of 64 KiB of anonymous memory + munmap.
    MmapMunmap,
    /// open("/dev/null") + close.
    OpenClose,
    /// write(2) of 4 KiB to a regular file (rewound every 256 writes).
    Write4k,
    /// socket + connect to a listener on 127.0.0.1 (in this process) + accept + close both.
    Connect,
    /// fork + execve of a tiny static binary (/bench/tiny, which only exits) + waitpid.
    ExecTiny,
    /// send 64 KiB over a loopback TCP connection and read it on the other end.
    Send64k,
    /// A container's life with ctn: create it, fork a process that joins it and exits, wait,
    /// destroy it (with the module loaded, from the host).
    CtnLifecycle,
    /// The same with namespaces: fork a process that enters new UTS and network namespaces,
    /// names itself, brings its loopback up and exits; wait.
    NsLifecycle,
    /// Request/response: 1 byte to the echo server at --peer and 1 byte back, on one TCP
    /// connection (made once).
    Rr,
    /// 64 KiB to the echo server at --peer and the 64 KiB back, on one TCP connection.
    Stream64k,
}

/// The echo server `rr` and `stream64k` talk to (`--peer`).
static PEER: std::sync::OnceLock<std::net::SocketAddr> = std::sync::OnceLock::new();

/// The connection to `PEER`, made once per process.
fn peer_stream<R>(f: impl FnOnce(&mut std::net::TcpStream) -> R) -> R {
    thread_local! {
        static STREAM: std::cell::RefCell<Option<std::net::TcpStream>> =
            const { std::cell::RefCell::new(None) };
    }
    STREAM.with(|s| {
        let mut s = s.borrow_mut();
        let stream = s.get_or_insert_with(|| {
            let peer = PEER.get().expect("--peer ADDR:PORT is needed");
            let stream = std::net::TcpStream::connect(peer).expect("connect to --peer");
            stream.set_nodelay(true).expect("nodelay");
            stream
        });
        f(stream)
    })
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Op {
    SetIdentity,
    GetIdentity,
    Create,
    Destroy,
    Attach,
    List,
    Info,
    Ps,
    Events,
    Kill,
    SetLimits,
    GetUsage,
    Host,
    Record,
    Files,
    Caps,
}

#[derive(clap::Args)]
struct ReqOpts {
    /// Container name (target).
    #[arg(long, default_value = "")]
    name: String,
    /// Container id (target).
    #[arg(long, default_value_t = 0)]
    id: u32,
    #[arg(long, default_value_t = 0)]
    pid: u32,
    #[arg(long, default_value_t = 0)]
    history: u32,
    #[arg(long, default_value_t = 0)]
    signal: u32,
    #[arg(long, default_value_t = 0, value_parser = parse_u32)]
    flags: u32,
    /// Value of the `size` field (default: the right size).
    #[arg(long)]
    size: Option<u32>,
    /// Set the first `reserved` word to 1.
    #[arg(long)]
    reserved: bool,
    /// Set the target's `reserved0` to 1.
    #[arg(long)]
    target_reserved: bool,
    /// Raw name bytes: a valid name followed by garbage after the NUL.
    #[arg(long)]
    junk_after_nul: bool,
    #[arg(long, value_enum, default_value = "valid")]
    ptr: Ptr,
    /// Host name for set-identity (raw bytes, truncated to the field).
    #[arg(long, default_value = "")]
    hostname: String,
    /// Domain name for set-identity.
    #[arg(long, default_value = "")]
    domainname: String,
    /// IPv4 address for set-identity (any value, also invalid ones).
    #[arg(long, default_value = "0.0.0.0")]
    ipv4: std::net::Ipv4Addr,
    /// Loopback address for set-identity.
    #[arg(long, default_value = "0.0.0.0")]
    loopback: std::net::Ipv4Addr,
    /// Task limit for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    tasks: u64,
    /// Memory limit (bytes) for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    memory: u64,
    /// Open-files limit for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    files: u64,
    /// Disk (bytes written) limit for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    disk: u64,
    /// CPU-time limit (ns) for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    cpu_time: u64,
    /// CPU share (percent of one CPU) for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    cpu_share: u64,
    /// Network rate (bytes per second) for set-limits.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    net_rate: u64,
    /// Capability set (bit N: capability N) for caps.
    #[arg(long, default_value_t = 0, value_parser = parse_u64)]
    caps: u64,
    /// CPU reserve (percent) for host.
    #[arg(long, default_value_t = 0)]
    reserve_pct: u32,
    /// MAC for set-identity, six hex bytes separated by colons.
    #[arg(long, default_value = "00:00:00:00:00:00", value_parser = parse_mac)]
    mac: [u8; 6],
    /// Array capacity (entries) for list/ps/events.
    #[arg(long, default_value_t = 64)]
    capacity: u32,
    /// `entry_size` for list/ps/events (default: the right size).
    #[arg(long)]
    entry_size: Option<u32>,
    /// Where the array pointer points.
    #[arg(long, value_enum, default_value = "valid")]
    buf: Ptr,
    /// After opening the device, become this uid (no capabilities) before the call.
    #[arg(long)]
    as_uid: Option<u32>,
}

fn parse_u64(s: &str) -> Result<u64, String> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .map_err(|e| e.to_string())
}

/// Prints the result line (`errno=NAME` for an error); exit status 0 or 1.
pub(crate) fn print_outcome(out: Result<String, Errno>) -> ExitCode {
    match out {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("errno={e:?}");
            ExitCode::from(1)
        }
    }
}

fn parse_mac(s: &str) -> Result<[u8; 6], String> {
    let bytes: Vec<u8> = s
        .split(':')
        .map(|b| u8::from_str_radix(b, 16).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    bytes.try_into().map_err(|_| "six bytes".to_string())
}

pub(crate) fn parse_u32(s: &str) -> Result<u32, String> {
    parse_u64(s).and_then(|v| u32::try_from(v).map_err(|e| e.to_string()))
}

/// Places `value` where `ptr` says and returns the address to pass to the kernel. The page
/// mapping for `PageEdge` is leaked on purpose: the process exits right after the call.
fn place<T: Copy>(value: &mut T, ptr: Ptr) -> usize {
    match ptr {
        Ptr::Valid => value as *mut T as usize,
        Ptr::Null => 0,
        Ptr::Wild => 0x0000_dead_0000,
        Ptr::Kernel => 0xffff_ffff_8100_0000,
        Ptr::PageEdge => {
            use nix::sys::mman::{mmap_anonymous, munmap, MapFlags, ProtFlags};
            let page = 4096;
            let len = std::num::NonZeroUsize::new(2 * page).unwrap();
            // SAFETY: a fresh anonymous mapping, not aliased by anything in this program.
            let base = unsafe {
                mmap_anonymous(
                    None,
                    len,
                    ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                    MapFlags::MAP_PRIVATE,
                )
            }
            .expect("mmap");
            let second = unsafe { base.byte_add(page) };
            // SAFETY: the second page belongs to the mapping made above and is not used.
            unsafe { munmap(second, page) }.expect("munmap");
            // The value's first half sits at the end of the first page, the rest is unmapped.
            let at = base.as_ptr() as usize + page - size_of::<T>() / 2;
            // SAFETY: the first half of the value lies in the mapped page; copy only that much.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    value as *const T as *const u8,
                    at as *mut u8,
                    size_of::<T>() / 2,
                )
            };
            at
        }
    }
}

fn thread_exec(cmd: &[String]) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let cmd = cmd.to_vec();
    let t = std::thread::spawn(move || std::process::Command::new(&cmd[0]).args(&cmd[1..]).exec());
    // Only returns if the exec failed.
    let err = t.join().map(|e| e.to_string()).unwrap_or_default();
    eprintln!("ctntest: thread-exec: {err}");
    ExitCode::from(127)
}

fn drop_to(uid: u32) -> nix::Result<()> {
    use nix::unistd::{setgid, setgroups, setuid, Gid, Uid};
    setgroups(&[])?;
    setgid(Gid::from_raw(uid))?;
    setuid(Uid::from_raw(uid))
}

fn name_bytes(o: &ReqOpts) -> [u8; uapi::CTN_NAME_LEN] {
    let mut out = [0u8; uapi::CTN_NAME_LEN];
    let n = o.name.len().min(uapi::CTN_NAME_LEN);
    out[..n].copy_from_slice(&o.name.as_bytes()[..n]);
    if o.junk_after_nul && n + 2 < uapi::CTN_NAME_LEN {
        out[n + 1] = b'x';
    }
    out
}

fn target(o: &ReqOpts) -> uapi::CtnTarget {
    uapi::CtnTarget {
        id: o.id,
        reserved0: u32::from(o.target_reserved),
        name: name_bytes(o),
    }
}

/// Issues request `op` built from `o` on `fd`; returns the result line.
fn call(fd: i32, op: Op, o: &ReqOpts) -> Result<String, Errno> {
    // The module writes array entries here, behind Rust's back: hand it a raw pointer.
    let mut entries = vec![0u8; 256 * 1024];
    let (base, room) = (entries.as_mut_ptr() as u64, entries.len());
    let buffer = |entry: usize| uapi::CtnBuffer {
        buf: match o.buf {
            Ptr::Valid => base,
            other => place(&mut 0u64, other) as u64,
        },
        // A valid array never claims more room than it has.
        capacity: match o.buf {
            Ptr::Valid => o.capacity.min((room / entry) as u32),
            _ => o.capacity,
        },
        entry_size: o.entry_size.unwrap_or(entry as u32),
        ..Default::default()
    };
    macro_rules! issue {
        ($ty:ty, $ioc:expr, $req:expr, |$r:ident| $ok:expr) => {{
            let mut $r: $ty = $req;
            $r.size = o.size.unwrap_or(size_of::<$ty>() as u32);
            if o.reserved {
                $r.reserved[0] = 1;
            }
            let addr = place(&mut $r, o.ptr);
            // SAFETY: the kernel validates `addr`; when valid it points at the live request,
            // whose arrays (if any) point into `entries`, which outlives the call.
            Errno::result(unsafe { nix::libc::ioctl(fd, $ioc as _, addr) })?;
            Ok($ok)
        }};
    }
    let uts = |s: &str| {
        let mut out = [0u8; uapi::CTN_UTS_LEN];
        let n = s.len().min(out.len());
        out[..n].copy_from_slice(&s.as_bytes()[..n]);
        out
    };
    match op {
        Op::SetIdentity => issue!(
            uapi::CtnIdentity,
            uapi::CTN_IOC_SET_IDENTITY,
            uapi::CtnIdentity {
                flags: o.flags,
                target: target(o),
                hostname: uts(&o.hostname),
                domainname: uts(&o.domainname),
                ipv4: o.ipv4.octets(),
                loopback: o.loopback.octets(),
                mac: o.mac,
                ..Default::default()
            },
            |_r| "ok".to_string()
        ),
        Op::GetIdentity => issue!(
            uapi::CtnIdentity,
            uapi::CTN_IOC_GET_IDENTITY,
            uapi::CtnIdentity {
                flags: o.flags,
                target: target(o),
                ..Default::default()
            },
            |r| format!(
                "ok hostname={} domainname={} ipv4={} loopback={} mac={}",
                cstr(&r.hostname),
                cstr(&r.domainname),
                std::net::Ipv4Addr::from(r.ipv4),
                std::net::Ipv4Addr::from(r.loopback),
                r.mac.map(|b| format!("{b:02x}")).join(":")
            )
        ),
        Op::SetLimits => issue!(
            uapi::CtnLimits,
            uapi::CTN_IOC_SET_LIMITS,
            uapi::CtnLimits {
                flags: o.flags,
                target: target(o),
                tasks: o.tasks,
                memory: o.memory,
                files: o.files,
                disk: o.disk,
                cpu_time: o.cpu_time,
                cpu_share: o.cpu_share,
                net_rate: o.net_rate,
                ..Default::default()
            },
            |_r| "ok".to_string()
        ),
        Op::Record => issue!(
            uapi::CtnRecord,
            uapi::CTN_IOC_RECORD,
            uapi::CtnRecord {
                flags: o.flags,
                target: target(o),
                kind: o.signal,
                pid: o.pid as i32,
                ..Default::default()
            },
            |_r| "ok".to_string()
        ),
        Op::Files => issue!(
            uapi::CtnFiles,
            uapi::CTN_IOC_FILES,
            uapi::CtnFiles {
                flags: o.flags,
                target: target(o),
                out: buffer(size_of::<uapi::CtnPath>()),
                ..Default::default()
            },
            |r| format!(
                "ok count={} recorded={} dropped={}",
                r.out.count, r.recorded, r.dropped
            )
        ),
        Op::Caps => issue!(
            uapi::CtnCaps,
            uapi::CTN_IOC_CAPS,
            uapi::CtnCaps {
                flags: o.flags,
                target: target(o),
                caps: o.caps,
                ..Default::default()
            },
            |r| format!("ok caps={:#x}", r.caps)
        ),
        Op::Host => issue!(
            uapi::CtnHost,
            uapi::CTN_IOC_HOST,
            uapi::CtnHost {
                flags: o.flags,
                cpu_reserve_pct: o.reserve_pct,
                reserved0: u32::from(o.target_reserved),
                ..Default::default()
            },
            |r| format!(
                "ok cpus={} reserve={} cpu_reserved={} containers={}",
                r.cpus, r.cpu_reserve_pct, r.cpu_reserved, r.containers
            )
        ),
        Op::GetUsage => issue!(
            uapi::CtnUsage,
            uapi::CTN_IOC_GET_USAGE,
            uapi::CtnUsage {
                flags: o.flags,
                target: target(o),
                ..Default::default()
            },
            |r| {
                format!(
                "ok tasks={}/{}/{}/{} memory={}/{}/{}/{} files={}/{}/{}/{} disk={}/{}/{}/{} cpu_time={}/{}/{}/{} cpu_share={}/{}/{}/{} net_rate={}/{}/{}/{} net_received={}",
                r.tasks.usage,
                r.tasks.peak,
                r.tasks.limit,
                r.tasks.failcnt,
                r.memory.usage,
                r.memory.peak,
                r.memory.limit,
                r.memory.failcnt,
                r.files.usage,
                r.files.peak,
                r.files.limit,
                r.files.failcnt,
                r.disk.usage,
                r.disk.peak,
                r.disk.limit,
                r.disk.failcnt,
                r.cpu_time.usage,
                r.cpu_time.peak,
                r.cpu_time.limit,
                r.cpu_time.failcnt,
                r.cpu_share.usage,
                r.cpu_share.peak,
                r.cpu_share.limit,
                r.cpu_share.failcnt,
                r.net_rate.usage,
                r.net_rate.peak,
                r.net_rate.limit,
                r.net_rate.failcnt,
                r.net_received
            )
            }
        ),
        Op::Create => issue!(
            uapi::CtnCreate,
            uapi::CTN_IOC_CREATE,
            uapi::CtnCreate {
                flags: o.flags,
                name: name_bytes(o),
                history_len: o.history,
                ..Default::default()
            },
            |r| format!("ok id={}", r.id)
        ),
        Op::Destroy => issue!(
            uapi::CtnDestroy,
            uapi::CTN_IOC_DESTROY,
            uapi::CtnDestroy {
                flags: o.flags,
                target: target(o),
                ..Default::default()
            },
            |_r| "ok".to_string()
        ),
        Op::Attach => issue!(
            uapi::CtnAttach,
            uapi::CTN_IOC_ATTACH,
            uapi::CtnAttach {
                pid: o.pid,
                target: target(o),
                reserved0: o.flags,
                ..Default::default()
            },
            |r| format!("ok threads={}", r.threads)
        ),
        Op::Kill => issue!(
            uapi::CtnKill,
            uapi::CTN_IOC_KILL,
            uapi::CtnKill {
                flags: o.flags,
                target: target(o),
                signal: o.signal,
                ..Default::default()
            },
            |r| format!("ok signalled={}", r.signalled)
        ),
        Op::Info => issue!(
            uapi::CtnInfoReq,
            uapi::CTN_IOC_INFO,
            uapi::CtnInfoReq {
                flags: o.flags,
                target: target(o),
                ..Default::default()
            },
            |r| format!("ok id={} tasks={}", r.info.id, r.info.tasks)
        ),
        Op::List => issue!(
            uapi::CtnList,
            uapi::CTN_IOC_LIST,
            uapi::CtnList {
                flags: o.flags,
                out: buffer(size_of::<uapi::CtnInfo>()),
                ..Default::default()
            },
            |r| format!("ok count={} total={}", r.out.count, r.out.total)
        ),
        Op::Ps => issue!(
            uapi::CtnPs,
            uapi::CTN_IOC_PS,
            uapi::CtnPs {
                flags: o.flags,
                target: target(o),
                out: buffer(size_of::<uapi::CtnTask>()),
                ..Default::default()
            },
            |r| format!("ok count={} total={}", r.out.count, r.out.total)
        ),
        Op::Events => issue!(
            uapi::CtnEvents,
            uapi::CTN_IOC_EVENTS,
            uapi::CtnEvents {
                flags: o.flags,
                target: target(o),
                out: buffer(size_of::<uapi::CtnEvent>()),
                ..Default::default()
            },
            |r| format!("ok count={} next={} lost={}", r.out.count, r.next, r.lost)
        ),
    }
}

/// See `Command::Family`.
fn family(children: u32, threads: u32, out: &str) -> ExitCode {
    use nix::sys::signal::{SigSet, Signal};
    use nix::unistd::{fork, pipe, read, ForkResult};
    use std::io::Write;
    // Block the release signals: they are taken synchronously below.
    let mut set = SigSet::empty();
    set.add(Signal::SIGUSR1);
    set.add(Signal::SIGUSR2);
    set.thread_block().expect("sigprocmask");
    let (r1, w1) = pipe().expect("pipe");
    let (r2, w2) = pipe().expect("pipe");
    let mut lines = String::new();
    let mut pids = Vec::new();
    for i in 0..children {
        let phase = if i < children / 2 { &r1 } else { &r2 };
        // SAFETY: the child only reads a pipe and exits; no locks are held across fork.
        match unsafe { fork() }.expect("fork") {
            ForkResult::Child => {
                // Only the parent may hold the write ends, or closing them releases no one.
                let _ = nix::unistd::close(w1.as_raw_fd());
                let _ = nix::unistd::close(w2.as_raw_fd());
                let mut b = [0u8; 1];
                let _ = read(phase.as_raw_fd(), &mut b);
                // SAFETY: ends the child without running the parent's destructors.
                unsafe { nix::libc::_exit((i % 100) as i32) };
            }
            ForkResult::Parent { child } => {
                pids.push((child, i % 100));
                lines.push_str(&format!("child {} {}\n", child, i % 100));
            }
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let mut handles = Vec::new();
    for _ in 0..threads {
        let tx = tx.clone();
        let fd = r2.as_raw_fd();
        handles.push(std::thread::spawn(move || {
            tx.send(nix::unistd::gettid().as_raw()).expect("send");
            let mut b = [0u8; 1];
            let _ = read(fd, &mut b);
        }));
    }
    for _ in 0..threads {
        lines.push_str(&format!("thread {}\n", rx.recv().expect("recv")));
    }
    lines.push_str(&format!("self {}\n", std::process::id()));
    let tmp = format!("{out}.tmp");
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(lines.as_bytes()))
        .expect("write ids");
    std::fs::rename(&tmp, out).expect("rename");
    let wait_for = |sig: Signal| while set.wait().expect("sigwait") != sig {};
    let reap = |range: &[(nix::unistd::Pid, u32)]| {
        for (pid, _) in range {
            let _ = nix::sys::wait::waitpid(*pid, None);
        }
    };
    wait_for(Signal::SIGUSR1);
    drop(w1);
    reap(&pids[..pids.len() / 2]);
    std::fs::write(format!("{out}.phase1"), "done\n").expect("write phase1");
    wait_for(Signal::SIGUSR2);
    drop(w2);
    for h in handles {
        let _ = h.join();
    }
    reap(&pids[pids.len() / 2..]);
    ExitCode::SUCCESS
}

/// One iteration of a benchmark operation.
fn bench_once(op: BenchOp) {
    use nix::unistd::{fork, ForkResult};
    match op {
        BenchOp::Getpid => {
            // SAFETY: a raw syscall without arguments (libc may cache getpid).
            std::hint::black_box(unsafe { nix::libc::syscall(nix::libc::SYS_getpid) });
        }
        BenchOp::Uname => {
            // SAFETY: utsname is plain bytes; `u` is valid and writable.
            let mut u: nix::libc::utsname = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            std::hint::black_box(unsafe { nix::libc::uname(&mut u) });
        }
        // SAFETY: the child exits at once.
        BenchOp::ForkExitWait => match unsafe { fork() }.expect("fork") {
            // SAFETY: ends the child immediately.
            ForkResult::Child => unsafe { nix::libc::_exit(0) },
            ForkResult::Parent { child } => {
                let _ = nix::sys::wait::waitpid(child, None);
            }
        },
        BenchOp::Write4k => {
            use std::io::{Seek, Write};
            thread_local! {
                static FILE: std::cell::RefCell<(std::fs::File, u32)> = std::cell::RefCell::new((
                    tempfile(),
                    0,
                ));
            }
            FILE.with(|f| {
                let (file, n) = &mut *f.borrow_mut();
                file.write_all(&[0u8; 4096]).expect("write");
                *n += 1;
                if *n % 256 == 0 {
                    file.rewind().expect("rewind");
                }
            });
        }
        BenchOp::OpenClose => {
            use nix::libc;
            // SAFETY: opens and closes a descriptor this function alone uses.
            unsafe {
                let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
                assert!(fd >= 0, "open failed");
                libc::close(fd);
            }
        }
        BenchOp::MmapMunmap => {
            use nix::libc;
            let len = 64 << 10;
            // SAFETY: maps and unmaps memory this function alone uses; nothing is dereferenced.
            unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                assert_ne!(p, libc::MAP_FAILED, "mmap failed");
                libc::munmap(p, len);
            }
        }
        BenchOp::Connect => {
            use nix::libc;
            let (listener, sin) = local_listener();
            // SAFETY: as in `local_listener`; the descriptors are this iteration's own.
            unsafe {
                let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                let len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
                assert_eq!(
                    libc::connect(fd, std::ptr::from_ref(&sin).cast(), len),
                    0,
                    "connect"
                );
                let peer = libc::accept(listener, std::ptr::null_mut(), std::ptr::null_mut());
                libc::close(peer);
                libc::close(fd);
            }
        }
        BenchOp::ExecTiny => {
            use nix::libc;
            // SAFETY: the child only calls execve and _exit on memory prepared before the fork.
            unsafe {
                let path = c"/bench/tiny";
                let argv = [path.as_ptr(), std::ptr::null()];
                let envp = [std::ptr::null()];
                let pid = libc::fork();
                if pid == 0 {
                    libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr());
                    libc::_exit(127);
                }
                let mut status = 0;
                libc::waitpid(pid, &mut status, 0);
                assert_eq!(status, 0, "/bench/tiny failed");
            }
        }
        BenchOp::Send64k => {
            use nix::libc;
            let (tx, rx) = loopback_pair();
            let mut buf = [0u8; 64 << 10];
            // SAFETY: the pair's descriptors; `buf` is valid for its length.
            unsafe {
                let sent = libc::send(tx, buf.as_ptr().cast(), buf.len(), 0);
                assert_eq!(sent, buf.len() as isize, "send");
                let mut got = 0;
                while got < buf.len() {
                    let n = libc::recv(rx, buf.as_mut_ptr().add(got).cast(), buf.len() - got, 0);
                    assert!(n > 0, "recv");
                    got += n as usize;
                }
            }
        }
        BenchOp::CtnLifecycle => {
            use nix::libc;
            thread_local! {
                static DEV: i32 = {
                    // SAFETY: opens the ctn device, kept for the process.
                    unsafe { libc::open(c"/dev/ctn".as_ptr(), libc::O_RDWR) }
                };
            }
            let fd = DEV.with(|d| *d);
            let mut create = uapi::CtnCreate {
                size: size_of::<uapi::CtnCreate>() as u32,
                ..Default::default()
            };
            create.name[..5].copy_from_slice(b"cycle");
            let mut attach = uapi::CtnAttach {
                size: size_of::<uapi::CtnAttach>() as u32,
                target: create_target(&create.name),
                ..Default::default()
            };
            let mut destroy = uapi::CtnDestroy {
                size: size_of::<uapi::CtnDestroy>() as u32,
                target: create_target(&create.name),
                ..Default::default()
            };
            // SAFETY: well-formed requests on live structures; the child only makes an ioctl
            // and exits.
            unsafe {
                assert_eq!(
                    libc::ioctl(fd, uapi::CTN_IOC_CREATE as _, &mut create),
                    0,
                    "create"
                );
                let pid = libc::fork();
                if pid == 0 {
                    libc::ioctl(fd, uapi::CTN_IOC_ATTACH as _, &mut attach);
                    libc::_exit(0);
                }
                libc::waitpid(pid, std::ptr::null_mut(), 0);
                assert_eq!(
                    libc::ioctl(fd, uapi::CTN_IOC_DESTROY as _, &mut destroy),
                    0,
                    "destroy"
                );
            }
        }
        BenchOp::NsLifecycle => {
            use nix::libc;
            // SAFETY: the child makes raw calls on its own memory and exits.
            unsafe {
                let pid = libc::fork();
                if pid == 0 {
                    if libc::unshare(libc::CLONE_NEWUTS | libc::CLONE_NEWNET) != 0 {
                        libc::_exit(1);
                    }
                    libc::sethostname(c"peer".as_ptr(), 4);
                    let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
                    let mut ifr: libc::ifreq = std::mem::zeroed();
                    ifr.ifr_name[..2]
                        .copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
                    ifr.ifr_ifru.ifru_flags =
                        (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as i16;
                    let up = libc::ioctl(fd, libc::SIOCSIFFLAGS, &mut ifr);
                    libc::_exit(if up == 0 { 0 } else { 2 });
                }
                let mut status = 0;
                libc::waitpid(pid, &mut status, 0);
                assert_eq!(status, 0, "namespace child failed");
            }
        }
        BenchOp::Rr | BenchOp::Stream64k => {
            use std::io::{Read, Write};
            let len = if op == BenchOp::Rr { 1 } else { 64 << 10 };
            let mut buf = vec![0u8; len];
            peer_stream(|s| {
                s.write_all(&buf).expect("send to --peer");
                s.read_exact(&mut buf).expect("echo from --peer");
            });
        }
        BenchOp::BindClose | BenchOp::BindCloseAddr => {
            use nix::libc;
            let addr = match op {
                BenchOp::BindCloseAddr => u32::from_be_bytes([127, 0, 10, 1]).to_be(),
                _ => 0,
            };
            // SAFETY: plain socket calls on a descriptor this function owns; `sin` is a
            // complete sockaddr_in.
            unsafe {
                let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                let mut sin: libc::sockaddr_in = std::mem::zeroed();
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_addr.s_addr = addr;
                let len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
                let bound = libc::bind(fd, std::ptr::from_ref(&sin).cast(), len);
                assert_eq!(bound, 0, "bind failed");
                libc::close(fd);
            }
        }
    }
}

/// A target naming the container called `name`.
fn create_target(name: &[u8; uapi::CTN_NAME_LEN]) -> uapi::CtnTarget {
    uapi::CtnTarget {
        name: *name,
        ..Default::default()
    }
}

/// A listener on 127.0.0.1 (any port) and its address, made once per process.
fn local_listener() -> (i32, nix::libc::sockaddr_in) {
    use nix::libc;
    thread_local! {
        static LISTENER: (i32, libc::sockaddr_in) = {
            // SAFETY: plain socket calls on a descriptor this process keeps; `sin` is a
            // complete sockaddr_in.
            unsafe {
                let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                let mut sin: libc::sockaddr_in = std::mem::zeroed();
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
                let mut len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
                assert_eq!(libc::bind(fd, std::ptr::from_ref(&sin).cast(), len), 0, "bind");
                assert_eq!(libc::listen(fd, 64), 0, "listen");
                libc::getsockname(fd, std::ptr::from_mut(&mut sin).cast(), &mut len);
                (fd, sin)
            }
        };
    }
    LISTENER.with(|l| *l)
}

/// A connected loopback TCP pair with buffers that hold 64 KiB, made once per process.
fn loopback_pair() -> (i32, i32) {
    use nix::libc;
    thread_local! {
        static PAIR: (i32, i32) = {
            let (listener, sin) = local_listener();
            // SAFETY: as in `local_listener`.
            unsafe {
                let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                let size: libc::c_int = 1 << 20;
                for opt in [libc::SO_SNDBUF, libc::SO_RCVBUF] {
                    libc::setsockopt(fd, libc::SOL_SOCKET, opt, std::ptr::from_ref(&size).cast(), 4);
                }
                let len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
                assert_eq!(libc::connect(fd, std::ptr::from_ref(&sin).cast(), len), 0, "connect");
                let peer = libc::accept(listener, std::ptr::null_mut(), std::ptr::null_mut());
                libc::setsockopt(peer, libc::SOL_SOCKET, libc::SO_RCVBUF, std::ptr::from_ref(&size).cast(), 4);
                (fd, peer)
            }
        };
    }
    PAIR.with(|p| *p)
}

/// See `Command::Populate`.
fn populate(fd: i32, prefix: &str, range: std::ops::Range<u32>, destroy: bool) -> ExitCode {
    let name_of = |i: u32| {
        let mut name = [0u8; uapi::CTN_NAME_LEN];
        let n = format!("{prefix}{i}");
        let len = n.len().min(uapi::CTN_NAME_LEN - 1);
        name[..len].copy_from_slice(&n.as_bytes()[..len]);
        name
    };
    let start = std::time::Instant::now();
    for i in range {
        // SAFETY (both): well-formed requests on the ctn device, pointing at live structures.
        let ret = if destroy {
            let mut d = uapi::CtnDestroy {
                size: size_of::<uapi::CtnDestroy>() as u32,
                ..Default::default()
            };
            d.target.name = name_of(i);
            unsafe { nix::libc::ioctl(fd, uapi::CTN_IOC_DESTROY as _, &mut d) }
        } else {
            let mut c = uapi::CtnCreate {
                size: size_of::<uapi::CtnCreate>() as u32,
                name: name_of(i),
                ..Default::default()
            };
            unsafe { nix::libc::ioctl(fd, uapi::CTN_IOC_CREATE as _, &mut c) }
        };
        if let Err(e) = Errno::result(ret) {
            println!("errno={e:?} at {i}");
            return ExitCode::from(1);
        }
    }
    println!("ns {}", start.elapsed().as_nanos());
    ExitCode::SUCCESS
}

/// A scratch file for the write benchmark.
fn tempfile() -> std::fs::File {
    let path = format!("/tmp/ctntest-bench.{}", std::process::id());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(true)
        .open(&path)
        .expect("scratch file");
    let _ = std::fs::remove_file(&path);
    file
}

/// See `Command::Bench`.
fn bench(op: BenchOp, iterations: u32, batches: u32) -> ExitCode {
    let mut best = u128::MAX;
    for _ in 0..batches.max(1) {
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            bench_once(op);
        }
        best = best.min(start.elapsed().as_nanos() / u128::from(iterations.max(1)));
    }
    let name = op
        .to_possible_value()
        .map(|v| v.get_name().replace('-', "_"))
        .unwrap_or_default();
    println!("{name} {best}");
    ExitCode::SUCCESS
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// See `Command::Uname`.
fn uname() -> ExitCode {
    // Filled with 0xff first, so that bytes uname leaves alone are not taken for zeros.
    // SAFETY: utsname is plain bytes; any pattern is valid.
    let mut u: nix::libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as above, writing bytes into the struct.
    unsafe {
        std::ptr::write_bytes(
            &mut u as *mut nix::libc::utsname as *mut u8,
            0xff,
            size_of::<nix::libc::utsname>(),
        )
    };
    // SAFETY: `u` is a valid, writable utsname.
    if let Err(e) = Errno::result(unsafe { nix::libc::uname(&mut u) }) {
        println!("errno={e:?}");
        return ExitCode::from(1);
    }
    let bytes = |f: &[nix::libc::c_char]| f.iter().map(|&c| c as u8).collect::<Vec<u8>>();
    let (node, domain) = (bytes(&u.nodename), bytes(&u.domainname));
    let clean = |f: &[u8]| {
        f.iter()
            .position(|&c| c == 0)
            .is_some_and(|n| f[n..].iter().all(|&c| c == 0))
    };
    println!(
        "nodename={} domainname={} clean={}",
        cstr(&node),
        cstr(&domain),
        clean(&node) && clean(&domain)
    );
    ExitCode::SUCCESS
}

/// See `Command::Sethostname`.
fn set_uts(domain: bool, name: &str, len: Option<i32>) -> ExitCode {
    let len = len.unwrap_or(name.len() as i32);
    // SAFETY: `name` is valid for `name.len()` bytes; the kernel checks `len` against it only
    // through copy_from_user, which faults cleanly past a mapping.
    let ret = unsafe {
        if domain {
            nix::libc::setdomainname(name.as_ptr().cast(), len as _)
        } else {
            nix::libc::sethostname(name.as_ptr().cast(), len as _)
        }
    };
    report(Errno::result(ret), |_| "ok".to_string())
}

fn report(ret: Result<i32, Errno>, ok: impl FnOnce(i32) -> String) -> ExitCode {
    match ret {
        Ok(v) => {
            println!("{}", ok(v));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("errno={e:?}");
            ExitCode::from(1)
        }
    }
}

/// Drops to `uid` (and the same gid) and execs `cmd`; returns only on failure.
fn as_user(uid: u32, cmd: &[String]) -> ExitCode {
    use nix::unistd::{setgid, setgroups, setuid, Gid, Uid};
    use std::os::unix::process::CommandExt;
    let dropped = setgroups(&[])
        .and_then(|_| setgid(Gid::from_raw(uid)))
        .and_then(|_| setuid(Uid::from_raw(uid)));
    if let Err(e) = dropped {
        eprintln!("ctntest: cannot become uid {uid}: {e}");
        return ExitCode::from(1);
    }
    let err = std::process::Command::new(&cmd[0]).args(&cmd[1..]).exec();
    eprintln!("ctntest: cannot run {}: {err}", cmd[0]);
    ExitCode::from(127)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::AsUser { uid, cmd } => return as_user(*uid, cmd),
        Command::OnTerminal { cmd } => return terminal::run(cmd),
        Command::ThreadExec { cmd } => return thread_exec(cmd),
        Command::Family {
            children,
            threads,
            out,
        } => return family(*children, *threads, out),
        Command::Bench {
            op,
            iterations,
            batches,
            peer,
        } => {
            if let Some(p) = peer {
                let _ = PEER.set(*p);
            }
            return bench(*op, *iterations, *batches);
        }
        Command::Uname => return uname(),
        Command::Net(n) => return net::run(n),
        Command::Res(r) => return resources::run(r),
        Command::Escape { call, target } => return escape::run(*call, target),
        Command::Int80 {
            call,
            pid,
            target,
            name,
        } => return compat::run(*call, *pid, target, name),
        Command::Reach(r) => return reach::run(r),
        Command::Host(h) => return host::run(h),
        Command::Ipc(i) => return ipc::run(i),
        Command::Sethostname { name, len } => return set_uts(false, name, *len),
        Command::Setdomainname { name, len } => return set_uts(true, name, *len),
        _ => {}
    }
    let dev = match OpenOptions::new().read(true).write(true).open(&cli.device) {
        Ok(f) => f,
        Err(e) => {
            println!("errno={:?}", Errno::from_raw(e.raw_os_error().unwrap_or(0)));
            return ExitCode::from(1);
        }
    };
    let fd = dev.as_raw_fd();
    match cli.command {
        Command::Version {
            size,
            reserved,
            ptr,
        } => {
            let mut v = uapi::CtnVersion {
                size: size.unwrap_or(size_of::<uapi::CtnVersion>() as u32),
                ..Default::default()
            };
            if let Some(i) = reserved {
                if i >= v.reserved.len() {
                    eprintln!("ctntest: there are {} reserved words", v.reserved.len());
                    return ExitCode::from(2);
                }
                v.reserved[i] = 1;
            }
            let addr = place(&mut v, ptr);
            // SAFETY: the kernel validates `addr`; when valid it points at `v`, which is live.
            let ret =
                Errno::result(unsafe { nix::libc::ioctl(fd, uapi::CTN_IOC_VERSION as _, addr) });
            report(ret, |_| {
                let end = v.module_version.iter().position(|&b| b == 0).unwrap_or(0);
                let reserved_clear = v.reserved.iter().all(|&r| r == 0);
                format!(
                    "abi={} module={} reserved_clear={}",
                    v.abi_version,
                    String::from_utf8_lossy(&v.module_version[..end]),
                    reserved_clear
                )
            })
        }
        Command::Populate {
            prefix,
            from,
            to,
            destroy,
        } => populate(fd, &prefix, from..to, destroy),
        Command::AsUser { .. }
        | Command::ThreadExec { .. }
        | Command::OnTerminal { .. }
        | Command::Family { .. }
        | Command::Bench { .. }
        | Command::Uname
        | Command::Net(_)
        | Command::Res(_)
        | Command::Escape { .. }
        | Command::Int80 { .. }
        | Command::Reach(_)
        | Command::Host(_)
        | Command::Ipc(_)
        | Command::Sethostname { .. }
        | Command::Setdomainname { .. } => {
            unreachable!("handled before opening the device")
        }
        Command::Call { op, req } => {
            if let Some(uid) = req.as_uid {
                if let Err(e) = drop_to(uid) {
                    eprintln!("ctntest: cannot become uid {uid}: {e}");
                    return ExitCode::from(2);
                }
            }
            print_outcome(call(fd, op, &req))
        }
        Command::Ioctl { cmd, arg } => {
            // SAFETY: an arbitrary request on our own device; the kernel validates everything.
            let ret = Errno::result(unsafe { nix::libc::ioctl(fd, cmd as _, arg) });
            report(ret, |v| format!("ret={v}"))
        }
    }
}
