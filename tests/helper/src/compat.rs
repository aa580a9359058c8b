//! Calls through the 32-bit system call entry, `int $0x80`, which a 64-bit process reaches too
//! on a kernel with IA32_EMULATION (every distribution's): the escape suite's attempts in the
//! form a hook on the 64-bit entry alone would miss. The 32-bit call numbers are the i386
//! table's (arch/x86/entry/syscalls/syscall_32.tbl); pointers are to memory below 4 GiB
//! (MAP_32BIT), as the entry takes only the registers' low halves. Each prints `ok` (or what it
//! read) or `errno=NAME`; a kernel without the entry answers `errno=ENOSYS`.

use std::process::ExitCode;

use clap::ValueEnum;
use nix::errno::Errno;
use nix::libc;

#[derive(Clone, Copy, ValueEnum)]
pub enum Call {
    /// chroot into a subdirectory, climb out with chdir(".."), chroot("."), then read
    /// --target (both chroots through int $0x80).
    DoubleChroot,
    Mount,
    /// umount(2) without flags (the 32-bit table's oldumount).
    Umount,
    PivotRoot,
    /// unshare(CLONE_NEWUTS): a host name of its own.
    UnshareUts,
    /// unshare(CLONE_NEWUSER): a user namespace, with every capability in it.
    UnshareUser,
    Setns,
    InitModule,
    DeleteModule,
    Reboot,
    /// settimeofday(NULL, NULL) (the compat entry).
    Settimeofday,
    /// stime(now): the 32-bit table's own clock setter.
    Stime,
    /// adjtimex with no modes (the 32-bit time variant).
    Adjtimex,
    Swapon,
    /// io_uring_setup(1 entry): a ring, whose work runs in kernel threads.
    IoUringSetup,
    /// ptrace(PTRACE_SEIZE, --pid), then detach: attaching without stopping the target.
    PtraceSeize,
    /// pidfd_open(--pid).
    PidfdOpen,
    /// prlimit64(--pid, RLIMIT_NOFILE, {0, 0}).
    PrlimitSet,
    /// uname(2) (the 32-bit table's `struct new_utsname` one): prints `nodename=NAME`.
    Uname,
    /// The older uname (`struct old_utsname`): prints `nodename=NAME`.
    OldUname,
    /// The oldest uname (`struct oldold_utsname`, 9-byte fields): prints `nodename=NAME`.
    OldoldUname,
    /// sethostname(--name).
    Sethostname,
    /// ioctl(SIOCGIFCONF) on a UDP socket, 32-bit layout: prints `addr=A.B.C.D` per entry.
    Ifconf,
    /// getrlimit(RLIMIT_AS) (ugetrlimit, `struct compat_rlimit`): prints `cur=C max=M`
    /// (`inf` for 0xffffffff).
    GetrlimitAs,
    /// The older getrlimit(RLIMIT_AS) (values at most 0x7fffffff): prints `cur=C max=M`.
    OldGetrlimitAs,
    /// setrlimit(RLIMIT_AS, --target CUR:MAX) (`inf` for 0xffffffff).
    SetrlimitAs,
    /// sysinfo(2) (`struct compat_sysinfo`): prints `totalram=BYTES`.
    Sysinfo,
    /// mq_open(--name, O_RDONLY) (the compat entry; the name without the C library's `/`).
    MqOpen,
    /// mq_unlink(--name).
    MqUnlink,
}

/// i386 system call numbers.
mod nr {
    pub const UMOUNT: u32 = 22;
    pub const STIME: u32 = 25;
    pub const PTRACE: u32 = 26;
    pub const MOUNT: u32 = 21;
    pub const OLDOLDUNAME: u32 = 59;
    pub const CHROOT: u32 = 61;
    pub const SETHOSTNAME: u32 = 74;
    pub const SETTIMEOFDAY: u32 = 79;
    pub const SWAPON: u32 = 87;
    pub const REBOOT: u32 = 88;
    pub const OLDUNAME: u32 = 109;
    pub const UNAME: u32 = 122;
    pub const MQ_OPEN: u32 = 277;
    pub const MQ_UNLINK: u32 = 278;
    pub const ADJTIMEX: u32 = 124;
    pub const INIT_MODULE: u32 = 128;
    pub const DELETE_MODULE: u32 = 129;
    pub const PIVOT_ROOT: u32 = 217;
    pub const UNSHARE: u32 = 310;
    pub const PRLIMIT64: u32 = 340;
    pub const SETNS: u32 = 346;
    pub const IO_URING_SETUP: u32 = 425;
    pub const IOCTL: u32 = 54;
    pub const PIDFD_OPEN: u32 = 434;
    pub const SETRLIMIT: u32 = 75;
    pub const GETRLIMIT: u32 = 76;
    pub const SYSINFO: u32 = 116;
    pub const UGETRLIMIT: u32 = 191;
}

/// A `struct compat_rlimit` answer as `cur=C max=M`.
fn compat_rlimit(low: &Low, buf: u32) -> String {
    let b = low.read(buf, 8);
    let v = |i: usize| match u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) {
        u32::MAX => "inf".to_string(),
        v => v.to_string(),
    };
    format!("cur={} max={}", v(0), v(4))
}

/// System call `nr` through the 32-bit entry with up to five arguments: its return value
/// (a negative errno on failure).
///
/// # Safety
///
/// As for the call itself: pointer arguments point to memory below 4 GiB that the call may
/// read or write as it does.
unsafe fn int80(nr: u32, args: [u32; 5]) -> i32 {
    let ret: u32;
    // SAFETY: `int $0x80` enters the kernel, which returns to the next instruction with eax
    // set and every other register kept but r8-r11 (zeroed on return); rbx is LLVM's, so the
    // first argument is swapped into it and back.
    unsafe {
        core::arch::asm!(
            "xchg {b:r}, rbx",
            "int 0x80",
            "xchg {b:r}, rbx",
            b = inout(reg) u64::from(args[0]) => _,
            inlateout("eax") nr => ret,
            in("ecx") args[1],
            in("edx") args[2],
            in("esi") args[3],
            in("edi") args[4],
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
    ret as i32
}

/// Memory below 4 GiB for a call's arguments: strings and structures are laid out in it.
struct Low {
    base: *mut u8,
    used: usize,
}

const LOW_SIZE: usize = 4096;

impl Low {
    fn new() -> Result<Self, Errno> {
        // SAFETY: a fresh anonymous mapping; nothing else refers to it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                LOW_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        Ok(Self {
            base: base.cast(),
            used: 0,
        })
    }

    /// Copies `bytes` in (8-byte aligned) and returns their 32-bit address.
    fn put(&mut self, bytes: &[u8]) -> u32 {
        let at = self.used;
        let end = (at + bytes.len() + 7) & !7;
        assert!(end <= LOW_SIZE, "arguments too large");
        // SAFETY: `at..at + len` is inside the mapping and not handed out before.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(at), bytes.len()) };
        self.used = end;
        (self.base as usize + at) as u32
    }

    /// A NUL-terminated copy of `s`.
    fn str(&mut self, s: &str) -> u32 {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        self.put(&bytes)
    }

    /// `len` zero bytes.
    fn zeroed(&mut self, len: usize) -> u32 {
        self.put(&vec![0; len])
    }

    /// The bytes at `addr` (from `put`), `len` of them.
    fn read(&self, addr: u32, len: usize) -> Vec<u8> {
        let at = addr as usize - self.base as usize;
        assert!(at + len <= LOW_SIZE);
        // SAFETY: inside the mapping (checked).
        unsafe { std::slice::from_raw_parts(self.base.add(at), len).to_vec() }
    }
}

fn result(ret: i32) -> Result<i32, Errno> {
    if ret < 0 {
        Err(Errno::from_raw(-ret))
    } else {
        Ok(ret)
    }
}

fn ok(ret: i32) -> Result<String, Errno> {
    result(ret).map(|_| "ok".to_string())
}

/// The `nodename` field (the second, `field` bytes from the start) of a uname answer.
fn nodename(low: &Low, buf: u32, field: usize) -> String {
    let bytes = low.read(buf + field as u32, field);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(field);
    format!("nodename={}", String::from_utf8_lossy(&bytes[..end]))
}

fn call(which: Call, pid: i32, target: &str, name: &str) -> Result<String, Errno> {
    let mut low = Low::new()?;
    let none = low.str("/nonexistent-ctn-escape");
    // SAFETY (every call below): raw system calls whose pointer arguments are strings and
    // structures laid out in `low`, large enough for what the call writes.
    unsafe {
        match which {
            Call::DoubleChroot => {
                let _ = std::fs::create_dir_all("/tmp/ctn-escape");
                let dir = low.str("/tmp/ctn-escape");
                result(int80(nr::CHROOT, [dir, 0, 0, 0, 0]))?;
                let up = std::ffi::CString::new("..").unwrap_or_default();
                for _ in 0..32 {
                    libc::chdir(up.as_ptr());
                }
                let dot = low.str(".");
                result(int80(nr::CHROOT, [dot, 0, 0, 0, 0]))?;
                std::fs::read(target)
                    .map(|b| format!("escaped: read {} bytes of {target}", b.len()))
                    .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))
            }
            Call::Mount => {
                let (src, fstype) = (low.str("none"), low.str("tmpfs"));
                ok(int80(nr::MOUNT, [src, none, fstype, 0, 0]))
            }
            Call::Umount => ok(int80(nr::UMOUNT, [none, 0, 0, 0, 0])),
            Call::PivotRoot => ok(int80(nr::PIVOT_ROOT, [none, none, 0, 0, 0])),
            Call::UnshareUts => ok(int80(nr::UNSHARE, [libc::CLONE_NEWUTS as u32, 0, 0, 0, 0])),
            Call::UnshareUser => ok(int80(nr::UNSHARE, [libc::CLONE_NEWUSER as u32, 0, 0, 0, 0])),
            Call::Setns => ok(int80(nr::SETNS, [u32::MAX, 0, 0, 0, 0])),
            Call::InitModule => {
                let args = low.str("");
                ok(int80(nr::INIT_MODULE, [none, 0, args, 0, 0]))
            }
            Call::DeleteModule => {
                let module = low.str("ctn_nonexistent");
                ok(int80(
                    nr::DELETE_MODULE,
                    [module, libc::O_NONBLOCK as u32, 0, 0, 0],
                ))
            }
            // A bad second magic number: EINVAL where the call is let through.
            Call::Reboot => ok(int80(nr::REBOOT, [0xfee1_dead, 0, 0, 0, 0])),
            Call::Settimeofday => ok(int80(nr::SETTIMEOFDAY, [0, 0, 0, 0, 0])),
            Call::Stime => {
                let now = libc::time(std::ptr::null_mut()) as i32;
                let at = low.put(&now.to_ne_bytes());
                ok(int80(nr::STIME, [at, 0, 0, 0, 0]))
            }
            Call::Adjtimex => {
                let tx = low.zeroed(256); // struct old_timex32, modes 0
                ok(int80(nr::ADJTIMEX, [tx, 0, 0, 0, 0]))
            }
            Call::Swapon => ok(int80(nr::SWAPON, [none, 0, 0, 0, 0])),
            Call::IoUringSetup => {
                let params = low.zeroed(120); // struct io_uring_params
                let fd = result(int80(nr::IO_URING_SETUP, [1, params, 0, 0, 0]))?;
                libc::close(fd);
                Ok("ok".into())
            }
            Call::PtraceSeize => {
                const PTRACE_SEIZE: u32 = 0x4206;
                const PTRACE_DETACH: u32 = 17;
                result(int80(nr::PTRACE, [PTRACE_SEIZE, pid as u32, 0, 0, 0]))?;
                int80(nr::PTRACE, [PTRACE_DETACH, pid as u32, 0, 0, 0]);
                Ok("ok".into())
            }
            Call::PidfdOpen => {
                let fd = result(int80(nr::PIDFD_OPEN, [pid as u32, 0, 0, 0, 0]))?;
                libc::close(fd);
                Ok("ok".into())
            }
            Call::PrlimitSet => {
                let new = low.zeroed(16); // struct rlimit64 {0, 0}
                ok(int80(
                    nr::PRLIMIT64,
                    [pid as u32, libc::RLIMIT_NOFILE, new, 0, 0],
                ))
            }
            Call::GetrlimitAs | Call::OldGetrlimitAs => {
                let buf = low.zeroed(8);
                let number = match which {
                    Call::GetrlimitAs => nr::UGETRLIMIT,
                    _ => nr::GETRLIMIT,
                };
                result(int80(number, [libc::RLIMIT_AS, buf, 0, 0, 0]))?;
                Ok(compat_rlimit(&low, buf))
            }
            Call::SetrlimitAs => {
                let value = |v: &str| match v {
                    "inf" => Some(u32::MAX),
                    v => v.parse().ok(),
                };
                let Some((cur, max)) = target
                    .split_once(':')
                    .and_then(|(c, m)| Some((value(c)?, value(m)?)))
                else {
                    return Err(Errno::EINVAL);
                };
                let mut raw = cur.to_ne_bytes().to_vec();
                raw.extend_from_slice(&max.to_ne_bytes());
                let new = low.put(&raw);
                ok(int80(nr::SETRLIMIT, [libc::RLIMIT_AS, new, 0, 0, 0]))
            }
            Call::Sysinfo => {
                let buf = low.zeroed(64);
                result(int80(nr::SYSINFO, [buf, 0, 0, 0, 0]))?;
                let b = low.read(buf, 64);
                let word = |at: usize| {
                    u64::from(u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
                };
                Ok(format!("totalram={}", word(16) * word(52).max(1)))
            }
            Call::Uname => {
                let buf = low.zeroed(65 * 6);
                result(int80(nr::UNAME, [buf, 0, 0, 0, 0]))?;
                Ok(nodename(&low, buf, 65))
            }
            Call::OldUname => {
                let buf = low.zeroed(65 * 5);
                result(int80(nr::OLDUNAME, [buf, 0, 0, 0, 0]))?;
                Ok(nodename(&low, buf, 65))
            }
            Call::OldoldUname => {
                let buf = low.zeroed(9 * 5);
                result(int80(nr::OLDOLDUNAME, [buf, 0, 0, 0, 0]))?;
                Ok(nodename(&low, buf, 9))
            }
            Call::Ifconf => {
                const SIOCGIFCONF: u32 = 0x8912;
                const COMPAT_IFREQ: usize = 32; // name[16], then the sockaddr
                let sock = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
                if sock < 0 {
                    return Err(Errno::last());
                }
                let buf = low.zeroed(COMPAT_IFREQ * 8);
                // struct compat_ifconf { int ifc_len; compat_caddr_t ifc_buf; }
                let mut ifc = ((COMPAT_IFREQ * 8) as u32).to_ne_bytes().to_vec();
                ifc.extend_from_slice(&buf.to_ne_bytes());
                let at = low.put(&ifc);
                let ret = int80(nr::IOCTL, [sock as u32, SIOCGIFCONF, at, 0, 0]);
                libc::close(sock);
                result(ret)?;
                let len = u32::from_ne_bytes(low.read(at, 4).try_into().unwrap_or_default());
                let entries = low.read(buf, COMPAT_IFREQ * 8);
                let out: Vec<String> = entries
                    .chunks(COMPAT_IFREQ)
                    .take(len as usize / COMPAT_IFREQ)
                    .map(|e| format!("addr={}.{}.{}.{}", e[20], e[21], e[22], e[23]))
                    .collect();
                Ok(out.join(" "))
            }
            Call::Sethostname => {
                let at = low.str(name);
                ok(int80(nr::SETHOSTNAME, [at, name.len() as u32, 0, 0, 0]))
            }
            Call::MqOpen => {
                let at = low.str(name);
                let fd = result(int80(nr::MQ_OPEN, [at, libc::O_RDONLY as u32, 0, 0, 0]))?;
                libc::close(fd);
                Ok("ok".into())
            }
            Call::MqUnlink => ok(int80(nr::MQ_UNLINK, [low.str(name), 0, 0, 0, 0])),
        }
    }
}

pub fn run(which: Call, pid: i32, target: &str, name: &str) -> ExitCode {
    crate::print_outcome(call(which, pid, target, name))
}
