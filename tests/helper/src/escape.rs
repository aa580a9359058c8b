//! Escape attempts for the confinement tests: each makes one call through which a process
//! could leave its container or change the host, in a form that does no harm if it is let
//! through (a path that does not exist, a bad magic number, the time it already is), and
//! prints `ok` or `errno=NAME`. Inside a container every one must print `errno=EPERM`.

use std::ffi::CString;
use std::process::ExitCode;

use clap::ValueEnum;
use nix::errno::Errno;
use nix::libc;

#[derive(Clone, Copy, ValueEnum)]
pub enum Call {
    Chroot,
    /// chroot into a subdirectory, climb out with chdir(".."), chroot("."): the classic way
    /// out of a chroot for a process that may call chroot; then read --target.
    DoubleChroot,
    PivotRoot,
    Mount,
    Umount,
    Fsopen,
    OpenTree,
    Setns,
    UnshareNet,
    /// unshare(CLONE_NEWUSER): a user namespace, with every capability in it.
    UnshareUser,
    /// io_uring_setup(1 entry): a ring, whose work runs in kernel threads.
    IoUringSetup,
    /// unshare(CLONE_FILES): no namespace, allowed.
    UnshareFiles,
    CloneNewns,
    InitModule,
    FinitModule,
    DeleteModule,
    KexecLoad,
    Reboot,
    Settimeofday,
    ClockSettime,
    Adjtimex,
    Swapon,
    /// vfork(2), the child exiting at once: refused only past a task limit.
    Vfork,
    /// clone3(2) with no flags, the child exiting at once: refused only past a task limit.
    Clone3,
    /// clone3(2) with CLONE_NEWUTS: a new UTS namespace, to set another host name.
    Clone3Newuts,
    /// An nf_tables batch over netlink deleting the table `inet ctn_escape` (which does not
    /// exist: ENOENT where it is allowed): the host's firewall, CAP_NET_ADMIN.
    NftDelTable,
}

/// clone3(2) with `flags` (and SIGCHLD as the exit signal); the child exits at once.
///
/// # Safety
///
/// The child runs nothing but `_exit`.
unsafe fn clone3(flags: u64) -> libc::c_long {
    let mut args = [0u64; 11]; // struct clone_args (CLONE_ARGS_SIZE_VER2)
    args[0] = flags;
    args[4] = libc::SIGCHLD as u64; // exit_signal
                                    // SAFETY: `args` is a valid clone_args of the size given.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            args.as_mut_ptr(),
            std::mem::size_of_val(&args),
        )
    };
    if pid == 0 {
        // SAFETY: the child ends at once.
        unsafe { libc::_exit(0) };
    }
    if pid > 0 {
        // SAFETY: waits for our own child.
        unsafe { libc::waitpid(pid as i32, std::ptr::null_mut(), 0) };
    }
    pid
}

fn result(ret: libc::c_long) -> Result<String, Errno> {
    Errno::result(ret).map(|_| "ok".to_string())
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

fn call(which: Call, target: &str) -> Result<String, Errno> {
    let none = c("/nonexistent-ctn-escape");
    // SAFETY (every call below): raw system calls with valid pointers to live C strings or
    // structures, or null where the call takes null; none of them touches Rust memory.
    unsafe {
        match which {
            Call::Chroot => result(libc::chroot(c("/").as_ptr()).into()),
            Call::DoubleChroot => {
                let _ = std::fs::create_dir_all("/tmp/ctn-escape");
                result(libc::chroot(c("/tmp/ctn-escape").as_ptr()).into())?;
                for _ in 0..32 {
                    libc::chdir(c("..").as_ptr());
                }
                result(libc::chroot(c(".").as_ptr()).into())?;
                std::fs::read(target)
                    .map(|b| format!("escaped: read {} bytes of {target}", b.len()))
                    .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))
            }
            Call::PivotRoot => result(libc::syscall(
                libc::SYS_pivot_root,
                none.as_ptr(),
                none.as_ptr(),
            )),
            Call::Mount => result(
                libc::mount(
                    c("none").as_ptr(),
                    none.as_ptr(),
                    c("tmpfs").as_ptr(),
                    0,
                    std::ptr::null(),
                )
                .into(),
            ),
            Call::Umount => result(libc::umount2(none.as_ptr(), 0).into()),
            Call::Fsopen => result(libc::syscall(libc::SYS_fsopen, c("tmpfs").as_ptr(), 0)),
            Call::OpenTree => result(libc::syscall(
                libc::SYS_open_tree,
                libc::AT_FDCWD,
                none.as_ptr(),
                0,
            )),
            Call::Setns => result(libc::setns(-1, 0).into()),
            Call::UnshareNet => result(libc::unshare(libc::CLONE_NEWNET).into()),
            Call::UnshareUser => result(libc::unshare(libc::CLONE_NEWUSER).into()),
            Call::IoUringSetup => {
                let mut params = [0u8; 120]; // struct io_uring_params
                let fd = libc::syscall(libc::SYS_io_uring_setup, 1u32, params.as_mut_ptr());
                if fd >= 0 {
                    libc::close(fd as i32);
                }
                result(fd)
            }
            Call::UnshareFiles => result(libc::unshare(libc::CLONE_FILES).into()),
            Call::CloneNewns => {
                let pid = libc::syscall(
                    libc::SYS_clone,
                    (libc::CLONE_NEWNS | libc::SIGCHLD) as libc::c_ulong,
                    0usize,
                    0usize,
                    0usize,
                    0usize,
                );
                if pid == 0 {
                    libc::_exit(0);
                }
                if pid > 0 {
                    libc::waitpid(pid as i32, std::ptr::null_mut(), 0);
                }
                result(pid)
            }
            Call::InitModule => result(libc::syscall(
                libc::SYS_init_module,
                none.as_ptr(),
                0usize,
                c("").as_ptr(),
            )),
            Call::FinitModule => {
                result(libc::syscall(libc::SYS_finit_module, -1, c("").as_ptr(), 0))
            }
            Call::DeleteModule => result(libc::syscall(
                libc::SYS_delete_module,
                c("ctn_nonexistent").as_ptr(),
                libc::O_NONBLOCK,
            )),
            Call::KexecLoad => result(libc::syscall(
                libc::SYS_kexec_load,
                0usize,
                0usize,
                0usize,
                0x7fff_0000usize,
            )),
            // A bad second magic number: EINVAL where the call is let through.
            Call::Reboot => result(libc::syscall(
                libc::SYS_reboot,
                0xfee1_deadu32,
                0u32,
                0u32,
                0usize,
            )),
            Call::Settimeofday => result(libc::syscall(libc::SYS_settimeofday, 0usize, 0usize)),
            Call::ClockSettime => {
                let mut now = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                libc::clock_gettime(libc::CLOCK_REALTIME, &mut now);
                result(libc::clock_settime(libc::CLOCK_REALTIME, &now).into())
            }
            Call::Adjtimex => {
                let mut tx: libc::timex = std::mem::zeroed();
                result(libc::adjtimex(&mut tx).into())
            }
            Call::Swapon => result(libc::swapon(none.as_ptr(), 0).into()),
            Call::Vfork => {
                // Deprecated in the libc crate because a vfork child that returns or touches
                // memory corrupts the parent's; this child only calls _exit.
                #[allow(deprecated)]
                let pid = libc::vfork();
                if pid == 0 {
                    libc::_exit(0);
                }
                if pid > 0 {
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
                result(pid.into())
            }
            Call::Clone3 => result(clone3(0)),
            Call::Clone3Newuts => result(clone3(libc::CLONE_NEWUTS as u64)),
            Call::NftDelTable => nft_del_table(),
        }
    }
}

/// One netlink message: header, `struct nfgenmsg`, attributes (already padded).
fn nfnl_message(kind: u16, flags: u16, seq: u32, family: u8, res_id: u16, attrs: &[u8]) -> Vec<u8> {
    let len = 16 + 4 + attrs.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&kind.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(&[family, 0]); // NFNETLINK_V0
    m.extend_from_slice(&res_id.to_be_bytes());
    m.extend_from_slice(attrs);
    m
}

fn nft_del_table() -> Result<String, Errno> {
    const NETLINK_NETFILTER: i32 = 12;
    const NFNL_SUBSYS_NFTABLES: u16 = 10;
    const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
    const NFNL_MSG_BATCH_END: u16 = 0x11;
    const NFT_MSG_DELTABLE: u16 = 2;
    const NFTA_TABLE_NAME: u16 = 1;
    const NFPROTO_INET: u8 = 1;
    let request = libc::NLM_F_REQUEST as u16;
    let ack = libc::NLM_F_ACK as u16;
    let name = b"ctn_escape\0";
    let mut attr = Vec::new();
    attr.extend_from_slice(&((4 + name.len()) as u16).to_ne_bytes());
    attr.extend_from_slice(&NFTA_TABLE_NAME.to_ne_bytes());
    attr.extend_from_slice(name);
    attr.resize(attr.len().next_multiple_of(4), 0);
    let mut batch = nfnl_message(
        NFNL_MSG_BATCH_BEGIN,
        request,
        1,
        0,
        NFNL_SUBSYS_NFTABLES,
        &[],
    );
    batch.extend(nfnl_message(
        (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE,
        request | ack,
        2,
        NFPROTO_INET,
        0,
        &attr,
    ));
    batch.extend(nfnl_message(
        NFNL_MSG_BATCH_END,
        request,
        3,
        0,
        NFNL_SUBSYS_NFTABLES,
        &[],
    ));
    // SAFETY: a socket, a send of a buffer that lives, a receive into one, a close.
    unsafe {
        let fd = libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            NETLINK_NETFILTER,
        );
        if fd < 0 {
            return Err(Errno::last());
        }
        let sent = libc::send(fd, batch.as_ptr().cast(), batch.len(), 0);
        let mut reply = [0u8; 4096];
        let got = if sent < 0 {
            -1
        } else {
            libc::recv(fd, reply.as_mut_ptr().cast(), reply.len(), 0)
        };
        let error = Errno::last();
        libc::close(fd);
        if got < 0 {
            return Err(error);
        }
        // The first answer: NLMSG_ERROR with the errno (negative), after the 16-byte header.
        let kind = u16::from_ne_bytes([reply[4], reply[5]]);
        let code = i32::from_ne_bytes([reply[16], reply[17], reply[18], reply[19]]);
        match (kind as i32, code) {
            (libc::NLMSG_ERROR, 0) => Ok("ok".to_string()),
            (libc::NLMSG_ERROR, e) => Err(Errno::from_raw(-e)),
            _ => Ok(format!("ok kind={kind}")),
        }
    }
}

pub fn run(which: Call, target: &str) -> ExitCode {
    crate::print_outcome(call(which, target))
}
