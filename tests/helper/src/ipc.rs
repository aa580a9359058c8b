//! SysV IPC objects and abstract unix sockets, as a container's processes and the host's use
//! them: by key, by id, by name. Each prints what it found (`id=N`, `text=T`, `reply=R`) or
//! `errno=NAME`.

use std::io::{Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram, UnixListener, UnixStream};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use nix::errno::Errno;
use nix::libc;

/// A SysV key: decimal or 0x...
fn parse_key(s: &str) -> Result<i32, String> {
    crate::parse_u32(s).map(|k| k as i32)
}

#[derive(Subcommand)]
pub enum Ipc {
    /// Make (or find) the shared memory segment of KEY, write TEXT at its start; `id=N`.
    ShmPut {
        #[arg(value_parser = parse_key)]
        key: i32,
        text: String,
    },
    /// Find the segment of KEY (not make it) and read its text; `id=N text=T`.
    ShmGet {
        #[arg(value_parser = parse_key)]
        key: i32,
    },
    /// Attach segment ID and read its text; `text=T`.
    ShmAt { id: i32 },
    /// shmctl of segment ID.
    ShmCtl {
        id: i32,
        #[arg(value_enum)]
        cmd: CtlCmd,
    },
    /// SHM_STAT of every index the kernel has in use (as ipcs walks them); `ids=A,B,...`.
    ShmList,
    /// Make (or find) the message queue of KEY and send TEXT; `id=N`.
    MsgPut {
        #[arg(value_parser = parse_key)]
        key: i32,
        text: String,
    },
    /// Find the queue of KEY and take a message without waiting; `id=N text=T`.
    MsgGet {
        #[arg(value_parser = parse_key)]
        key: i32,
    },
    /// Send TEXT to queue ID; `ok`.
    MsgSnd { id: i32, text: String },
    /// Make (or find) the semaphore set of KEY (one semaphore); `id=N`.
    SemPut {
        #[arg(value_parser = parse_key)]
        key: i32,
    },
    /// Add one to semaphore 0 of set ID (semop); `ok`.
    SemOp { id: i32 },
    /// Bind the abstract stream socket NAME, print `listening`, answer `count` connections
    /// with REPLY.
    AbstractServe {
        name: String,
        reply: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
    /// Connect to the abstract stream socket NAME and read its reply; `reply=R`.
    AbstractConnect { name: String },
    /// Send a datagram to the abstract datagram socket NAME; `ok`.
    AbstractSend { name: String },
    /// Make (or open) the POSIX message queue NAME (`/name`) and send TEXT; `ok`.
    MqPut { name: String, text: String },
    /// Open the queue NAME and take a message without waiting; `text=T`.
    MqGet { name: String },
    /// Remove the queue NAME; `ok`.
    MqUnlink { name: String },
    /// Add a `user` key DESC holding DATA to a keyring of the caller; `id=N`.
    KeyAdd {
        desc: String,
        data: String,
        #[arg(long, value_enum, default_value = "user")]
        keyring: Keyring,
    },
    /// Find the `user` key DESC in a keyring of the caller and read it; `id=N text=T`.
    KeyFind {
        desc: String,
        #[arg(long, value_enum, default_value = "user")]
        keyring: Keyring,
    },
    /// Bind the abstract datagram socket NAME and print the name the kernel gives back
    /// (`getsockname`), as `name=` and the bytes after the NUL.
    AbstractName { name: String },
}

/// The caller's keyrings (`KEY_SPEC_*`).
#[derive(Clone, Copy, ValueEnum)]
pub enum Keyring {
    /// Its user's (`@u`: per uid, so uid 0 inside a container has the host root's).
    User,
    /// Its session's (`@s`).
    Session,
}

impl Keyring {
    fn spec(self) -> i32 {
        match self {
            Keyring::User => -4,    // KEY_SPEC_USER_KEYRING
            Keyring::Session => -3, // KEY_SPEC_SESSION_KEYRING
        }
    }
}

/// `KEYCTL_READ`, `KEYCTL_SEARCH` (`linux/keyctl.h`).
const KEYCTL_READ: i32 = 11;
const KEYCTL_SEARCH: i32 = 10;

#[derive(Clone, Copy, ValueEnum)]
pub enum CtlCmd {
    /// IPC_STAT: `key=K`.
    Stat,
    /// IPC_RMID.
    Rmid,
}

/// `linux/shm.h`'s commands, which the libc crate lacks (the C library adds `IPC_64`).
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;

fn ret(r: libc::c_long) -> Result<libc::c_long, Errno> {
    Errno::result(r)
}

/// Reads the NUL-terminated text at the start of segment `id`.
fn shm_read(id: i32) -> Result<String, Errno> {
    // SAFETY: attaches a segment read-only at an address the kernel picks.
    let at = unsafe { libc::shmat(id, std::ptr::null(), libc::SHM_RDONLY) };
    if at as isize == -1 {
        return Err(Errno::last());
    }
    // SAFETY: the segment is at least one page, mapped at `at`; the text ends within it.
    let bytes = unsafe { std::slice::from_raw_parts(at as *const u8, 4096) };
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..end]).into_owned();
    // SAFETY: detaches what was attached above.
    unsafe { libc::shmdt(at) };
    Ok(text)
}

#[repr(C)]
struct Message {
    mtype: libc::c_long,
    mtext: [u8; 64],
}

fn message(text: &str) -> Message {
    let mut m = Message {
        mtype: 1,
        mtext: [0; 64],
    };
    let n = text.len().min(63);
    m.mtext[..n].copy_from_slice(&text.as_bytes()[..n]);
    m
}

fn msg_send(id: i32, text: &str) -> Result<(), Errno> {
    let m = message(text);
    // SAFETY: `m` is a message of 64 text bytes.
    ret(
        unsafe { libc::msgsnd(id, &m as *const Message as *const _, 64, libc::IPC_NOWAIT) }.into(),
    )?;
    Ok(())
}

fn cstr(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s).unwrap_or_default()
}

fn abstract_addr(name: &str) -> Result<SocketAddr, Errno> {
    SocketAddr::from_abstract_name(name.as_bytes()).map_err(io_err)
}

fn io_err(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

fn ipc(op: &Ipc) -> Result<String, Errno> {
    // SAFETY (every libc call below): SysV calls on plain integer arguments and buffers
    // owned by this function.
    unsafe {
        match op {
            Ipc::ShmPut { key, text } => {
                let id = ret(libc::shmget(*key, 4096, libc::IPC_CREAT | 0o600).into())? as i32;
                let at = libc::shmat(id, std::ptr::null(), 0);
                if at as isize == -1 {
                    return Err(Errno::last());
                }
                let n = text.len().min(4095);
                std::ptr::copy_nonoverlapping(text.as_ptr(), at as *mut u8, n);
                *(at as *mut u8).add(n) = 0;
                libc::shmdt(at);
                Ok(format!("id={id}"))
            }
            Ipc::ShmGet { key } => {
                let id = ret(libc::shmget(*key, 0, 0).into())? as i32;
                Ok(format!("id={id} text={}", shm_read(id)?))
            }
            Ipc::ShmAt { id } => Ok(format!("text={}", shm_read(*id)?)),
            Ipc::ShmCtl { id, cmd } => {
                let mut ds: libc::shmid_ds = std::mem::zeroed();
                match cmd {
                    CtlCmd::Stat => {
                        ret(libc::shmctl(*id, libc::IPC_STAT, &mut ds).into())?;
                        Ok(format!("key={:#x}", ds.shm_perm.__key))
                    }
                    CtlCmd::Rmid => {
                        ret(libc::shmctl(*id, libc::IPC_RMID, &mut ds).into())?;
                        Ok("ok".into())
                    }
                }
            }
            Ipc::ShmList => {
                let mut ds: libc::shmid_ds = std::mem::zeroed();
                // SHM_INFO returns the highest index in use.
                let max = ret(libc::shmctl(0, SHM_INFO, &mut ds).into())? as i32;
                let ids: Vec<String> = (0..=max)
                    .filter_map(|i| {
                        let id = libc::shmctl(i, SHM_STAT, &mut ds);
                        (id >= 0).then(|| id.to_string())
                    })
                    .collect();
                Ok(format!("ids={}", ids.join(",")))
            }
            Ipc::MsgPut { key, text } => {
                let id = ret(libc::msgget(*key, libc::IPC_CREAT | 0o600).into())? as i32;
                msg_send(id, text)?;
                Ok(format!("id={id}"))
            }
            Ipc::MsgGet { key } => {
                let id = ret(libc::msgget(*key, 0).into())? as i32;
                let mut m = message("");
                let n = ret(libc::msgrcv(
                    id,
                    &mut m as *mut Message as *mut _,
                    64,
                    0,
                    libc::IPC_NOWAIT,
                ) as libc::c_long)?;
                let text = &m.mtext[..n as usize];
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                Ok(format!(
                    "id={id} text={}",
                    String::from_utf8_lossy(&text[..end])
                ))
            }
            Ipc::MsgSnd { id, text } => msg_send(*id, text).map(|()| "ok".into()),
            Ipc::SemPut { key } => {
                let id = ret(libc::semget(*key, 1, libc::IPC_CREAT | 0o600).into())?;
                Ok(format!("id={id}"))
            }
            Ipc::SemOp { id } => {
                let mut op = libc::sembuf {
                    sem_num: 0,
                    sem_op: 1,
                    sem_flg: libc::IPC_NOWAIT as i16,
                };
                ret(libc::semop(*id, &mut op, 1).into())?;
                Ok("ok".into())
            }
            Ipc::AbstractServe { name, reply, count } => {
                let listener = UnixListener::bind_addr(&abstract_addr(name)?).map_err(io_err)?;
                println!("listening");
                std::io::stdout().flush().ok();
                for _ in 0..*count {
                    let (mut s, _) = listener.accept().map_err(io_err)?;
                    s.write_all(reply.as_bytes()).map_err(io_err)?;
                }
                Ok("served".into())
            }
            Ipc::AbstractConnect { name } => {
                let mut s = UnixStream::connect_addr(&abstract_addr(name)?).map_err(io_err)?;
                let mut reply = String::new();
                s.read_to_string(&mut reply).map_err(io_err)?;
                Ok(format!("reply={reply}"))
            }
            Ipc::AbstractSend { name } => {
                let s = UnixDatagram::unbound().map_err(io_err)?;
                s.send_to_addr(b"x", &abstract_addr(name)?)
                    .map_err(io_err)?;
                Ok("ok".into())
            }
            Ipc::MqPut { name, text } => {
                let n = cstr(name);
                let mut attr: libc::mq_attr = std::mem::zeroed();
                attr.mq_maxmsg = 4;
                attr.mq_msgsize = 64;
                let q = ret(libc::mq_open(
                    n.as_ptr(),
                    libc::O_CREAT | libc::O_WRONLY,
                    0o600 as libc::mode_t,
                    &attr as *const libc::mq_attr,
                ) as libc::c_long)?;
                let sent = libc::mq_send(q as i32, text.as_ptr().cast(), text.len(), 0);
                libc::mq_close(q as i32);
                ret(sent.into())?;
                Ok("ok".into())
            }
            Ipc::MqGet { name } => {
                let n = cstr(name);
                let q =
                    ret(libc::mq_open(n.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK)
                        as libc::c_long)?;
                let mut buf = [0u8; 8192];
                let got = libc::mq_receive(
                    q as i32,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    std::ptr::null_mut(),
                );
                libc::mq_close(q as i32);
                let got = ret(got as libc::c_long)? as usize;
                Ok(format!("text={}", String::from_utf8_lossy(&buf[..got])))
            }
            Ipc::MqUnlink { name } => {
                ret(libc::mq_unlink(cstr(name).as_ptr()).into())?;
                Ok("ok".into())
            }
            Ipc::KeyAdd {
                desc,
                data,
                keyring,
            } => {
                let id = ret(libc::syscall(
                    libc::SYS_add_key,
                    c"user".as_ptr(),
                    cstr(desc).as_ptr(),
                    data.as_ptr(),
                    data.len(),
                    keyring.spec(),
                ))?;
                Ok(format!("id={id}"))
            }
            Ipc::KeyFind { desc, keyring } => {
                let id = ret(libc::syscall(
                    libc::SYS_keyctl,
                    KEYCTL_SEARCH,
                    keyring.spec(),
                    c"user".as_ptr(),
                    cstr(desc).as_ptr(),
                    0,
                ))?;
                let mut buf = [0u8; 256];
                let n = ret(libc::syscall(
                    libc::SYS_keyctl,
                    KEYCTL_READ,
                    id,
                    buf.as_mut_ptr(),
                    buf.len(),
                ))? as usize;
                let text = String::from_utf8_lossy(&buf[..n.min(buf.len())]).into_owned();
                Ok(format!("id={id} text={text}"))
            }
            Ipc::AbstractName { name } => {
                let s = UnixDatagram::bind_addr(&abstract_addr(name)?).map_err(io_err)?;
                let addr = s.local_addr().map_err(io_err)?;
                let bound = addr.as_abstract_name().unwrap_or(b"");
                Ok(format!("name={}", String::from_utf8_lossy(bound)))
            }
        }
    }
}

pub fn run(op: &Ipc) -> ExitCode {
    crate::print_outcome(ipc(op))
}
