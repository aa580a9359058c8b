//! ctntest: the calls ctn's VM tests need that a shell cannot make (raw ioctls with bad sizes,
//! bad pointers and reserved bits). Prints one line: the result, or `errno=NAME`.
//! Exit status: 0 the call succeeded, 1 it failed with an errno, 2 bad usage.

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
#[derive(Clone, Copy, ValueEnum)]
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
    /// Run a command as an unprivileged user: no supplementary groups, gid = uid, no capabilities.
    AsUser {
        uid: u32,
        #[arg(trailing_var_arg = true, required = true)]
        cmd: Vec<String>,
    },
    /// Any ioctl number with an integer argument.
    Ioctl {
        /// The request number (decimal or 0x...).
        #[arg(value_parser = parse_u32)]
        cmd: u32,
        #[arg(long, default_value = "0", value_parser = parse_u64)]
        arg: u64,
    },
}

fn parse_u64(s: &str) -> Result<u64, String> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .map_err(|e| e.to_string())
}

fn parse_u32(s: &str) -> Result<u32, String> {
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
    if let Command::AsUser { uid, cmd } = &cli.command {
        return as_user(*uid, cmd);
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
        Command::AsUser { .. } => unreachable!("handled before opening the device"),
        Command::Ioctl { cmd, arg } => {
            // SAFETY: an arbitrary request on our own device; the kernel validates everything.
            let ret = Errno::result(unsafe { nix::libc::ioctl(fd, cmd as _, arg) });
            report(ret, |v| format!("ret={v}"))
        }
    }
}
