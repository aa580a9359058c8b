//! Socket and interface calls for the network tests. Each prints what the calling process
//! sees: its socket's local address, the peer's reply, or the errno name.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::ExitCode;

use clap::Subcommand;
use nix::errno::Errno;
use nix::sys::socket::{
    self, sockopt, AddressFamily, Backlog, MsgFlags, SockFlag, SockType, SockaddrLike,
    SockaddrStorage,
};
use nix::sys::time::TimeVal;

#[derive(Subcommand)]
pub enum Net {
    /// bind(2) a new socket to ADDR:PORT (IPv4 or IPv6 literal); prints `ok local=A` (what
    /// getsockname says) or `errno=E`.
    Bind {
        addr: IpAddr,
        port: u16,
        #[arg(long)]
        udp: bool,
    },
    /// Serve COUNT requests on PORT: TCP accepts and answers `REPLY peer=ADDR` (the address
    /// the connection came from) then closes; UDP answers each datagram the same way. Binds to
    /// --addr, or (without it) listens on an unbound socket. Prints `listening local=A` first.
    Serve {
        port: u16,
        #[arg(long)]
        addr: Option<IpAddr>,
        #[arg(long)]
        reply: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[arg(long)]
        udp: bool,
    },
    /// Connect to ADDR:PORT from an unbound socket (UDP: send one datagram with sendto) and
    /// read the answer; prints `ok local=A reply=R` or `errno=E`.
    Connect {
        addr: IpAddr,
        port: u16,
        #[arg(long)]
        udp: bool,
    },
    /// SIOCGIFCONF: one line `NAME ADDR` per IPv4 interface address listed.
    Ifconf,
    /// Connect to ADDR:PORT over TCP and send BYTES of a fixed pseudo-random stream in writes
    /// of --chunk bytes; prints `sent=N sum=S` (S: FNV-1a of the bytes sent).
    Source {
        addr: IpAddr,
        port: u16,
        bytes: u64,
        #[arg(long, default_value_t = 65536)]
        chunk: usize,
    },
    /// Accept one TCP connection on ADDR:PORT and read until it closes; prints
    /// `received=N sum=S rate=R` (R: bytes per second from the first byte to the end).
    /// Prints `listening` first.
    Sink { addr: IpAddr, port: u16 },
    /// Echo every byte of every TCP connection on 0.0.0.0:PORT back to its sender, until
    /// killed (for `ctntest bench rr` and `stream64k`). Prints `listening` first.
    Echo { port: u16 },
    /// Send COUNT datagrams of SIZE bytes to ADDR:PORT on a non-blocking UDP socket; prints
    /// `sent=N errno=E` (E: the first failure, or none).
    Burst {
        addr: IpAddr,
        port: u16,
        #[arg(long)]
        count: u32,
        #[arg(long)]
        size: usize,
    },
}

pub fn run(cmd: &Net) -> ExitCode {
    let out = match cmd {
        Net::Bind { addr, port, udp } => bind(SocketAddr::new(*addr, *port), *udp),
        Net::Serve {
            port,
            addr,
            reply,
            count,
            udp,
        } => serve(*port, *addr, reply, *count, *udp),
        Net::Connect { addr, port, udp } => connect(SocketAddr::new(*addr, *port), *udp),
        Net::Ifconf => ifconf(),
        Net::Source {
            addr,
            port,
            bytes,
            chunk,
        } => source(SocketAddr::new(*addr, *port), *bytes, *chunk),
        Net::Sink { addr, port } => sink(SocketAddr::new(*addr, *port)),
        Net::Echo { port } => echo(*port),
        Net::Burst {
            addr,
            port,
            count,
            size,
        } => burst(SocketAddr::new(*addr, *port), *count, *size),
    };
    crate::print_outcome(out)
}

fn new_socket(ip: IpAddr, udp: bool) -> nix::Result<OwnedFd> {
    let family = match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    };
    let kind = if udp {
        SockType::Datagram
    } else {
        SockType::Stream
    };
    let fd = socket::socket(family, kind, SockFlag::SOCK_CLOEXEC, None)?;
    socket::setsockopt(&fd, sockopt::ReuseAddr, &true)?;
    socket::setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::new(10, 0))?;
    Ok(fd)
}

/// A socket address as std prints it ("127.0.10.1:80", "[::ffff:127.0.10.1]:80").
fn show(a: &SockaddrStorage) -> String {
    if let Some(v4) = a.as_sockaddr_in() {
        SocketAddr::from(std::net::SocketAddrV4::from(*v4)).to_string()
    } else if let Some(v6) = a.as_sockaddr_in6() {
        SocketAddr::from(std::net::SocketAddrV6::from(*v6)).to_string()
    } else {
        format!("family{:?}", a.family())
    }
}

fn local(fd: &OwnedFd) -> nix::Result<String> {
    Ok(show(&socket::getsockname::<SockaddrStorage>(
        fd.as_raw_fd(),
    )?))
}

fn bind(addr: SocketAddr, udp: bool) -> nix::Result<String> {
    let fd = new_socket(addr.ip(), udp)?;
    socket::bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    Ok(format!("ok local={}", local(&fd)?))
}

fn serve(
    port: u16,
    addr: Option<IpAddr>,
    reply: &str,
    count: u32,
    udp: bool,
) -> nix::Result<String> {
    let ip = addr.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let fd = new_socket(ip, udp)?;
    socket::setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::new(60, 0))?;
    if addr.is_some() || udp || port != 0 {
        socket::bind(
            fd.as_raw_fd(),
            &SockaddrStorage::from(SocketAddr::new(ip, port)),
        )?;
    }
    if !udp {
        socket::listen(&fd, Backlog::new(16)?)?;
    }
    println!("listening local={}", local(&fd)?);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    for _ in 0..count {
        if udp {
            let mut buf = [0u8; 512];
            let (_, peer) = socket::recvfrom::<SockaddrStorage>(fd.as_raw_fd(), &mut buf)?;
            let Some(peer) = peer else { continue };
            let text = format!("{reply} peer={}\n", show(&peer));
            socket::sendto(fd.as_raw_fd(), text.as_bytes(), &peer, MsgFlags::empty())?;
        } else {
            let conn = socket::accept(fd.as_raw_fd())?;
            let peer = socket::getpeername::<SockaddrStorage>(conn)?;
            let text = format!("{reply} peer={}\n", show(&peer));
            let sent = socket::send(conn, text.as_bytes(), MsgFlags::empty());
            let _ = nix::unistd::close(conn);
            sent?;
        }
    }
    Ok("served".into())
}

fn connect(addr: SocketAddr, udp: bool) -> nix::Result<String> {
    let fd = new_socket(addr.ip(), udp)?;
    let to = SockaddrStorage::from(addr);
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    if udp {
        socket::sendto(fd.as_raw_fd(), b"ping", &to, MsgFlags::empty())?;
        let n = socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty())?;
        reply.extend_from_slice(&buf[..n]);
    } else {
        socket::connect(fd.as_raw_fd(), &to)?;
        loop {
            let n = socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty())?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
        }
    }
    let reply = String::from_utf8_lossy(&reply).trim_end().to_string();
    Ok(format!("ok local={} reply={reply}", local(&fd)?))
}

fn ifconf() -> nix::Result<String> {
    use nix::libc;
    let fd = socket::socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    // SAFETY: `ifreq` is plain data; all-zero is a valid value.
    let mut reqs: [libc::ifreq; 16] = unsafe { std::mem::zeroed() };
    let mut ifc = libc::ifconf {
        ifc_len: std::mem::size_of_val(&reqs) as i32,
        ifc_ifcu: libc::__c_anonymous_ifc_ifcu {
            ifcu_req: reqs.as_mut_ptr(),
        },
    };
    // SAFETY: `ifc` describes `reqs`, which outlives the call.
    Errno::result(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFCONF, &mut ifc) })?;
    let n = usize::try_from(ifc.ifc_len).unwrap_or(0) / std::mem::size_of::<libc::ifreq>();
    let lines: Vec<String> = reqs[..n.min(reqs.len())]
        .iter()
        .map(|r| {
            let name: Vec<u8> = r
                .ifr_name
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect();
            // SAFETY: SIOCGIFCONF fills `ifru_addr` with a `sockaddr_in`.
            let sin = unsafe {
                *(&r.ifr_ifru.ifru_addr as *const libc::sockaddr).cast::<libc::sockaddr_in>()
            };
            let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            format!("{} {ip}", String::from_utf8_lossy(&name))
        })
        .collect();
    Ok(lines.join("\n"))
}

/// FNV-1a, 64 bits, continued over `bytes`.
fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn source(addr: SocketAddr, bytes: u64, chunk: usize) -> nix::Result<String> {
    let fd = new_socket(addr.ip(), false)?;
    socket::connect(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    let (mut sent, mut sum, mut state) = (0u64, FNV_START, 0x9e37_79b9_7f4a_7c15u64);
    let mut buf = vec![0u8; chunk.max(1)];
    while sent < bytes {
        let n = buf.len().min((bytes - sent) as usize);
        for b in &mut buf[..n] {
            // xorshift64: the same stream every run.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        let mut off = 0;
        while off < n {
            off += socket::send(fd.as_raw_fd(), &buf[off..n], MsgFlags::empty())?;
        }
        sum = fnv1a(sum, &buf[..n]);
        sent += n as u64;
    }
    Ok(format!("sent={sent} sum={sum:016x}"))
}

fn sink(addr: SocketAddr) -> nix::Result<String> {
    let fd = new_socket(addr.ip(), false)?;
    socket::bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    socket::listen(&fd, Backlog::new(1)?)?;
    println!("listening");
    let conn = socket::accept(fd.as_raw_fd())?;
    let conn = unsafe_owned(conn);
    socket::setsockopt(&conn, sockopt::ReceiveTimeout, &TimeVal::new(30, 0))?;
    let (mut received, mut sum, mut first) = (0u64, FNV_START, None);
    let mut buf = vec![0u8; 65536];
    loop {
        let n = socket::recv(conn.as_raw_fd(), &mut buf, MsgFlags::empty())?;
        if n == 0 {
            break;
        }
        first.get_or_insert_with(std::time::Instant::now);
        received += n as u64;
        sum = fnv1a(sum, &buf[..n]);
    }
    let secs = first.map_or(0.0, |t| t.elapsed().as_secs_f64());
    let rate = if secs > 0.0 {
        received as f64 / secs
    } else {
        0.0
    };
    Ok(format!("received={received} sum={sum:016x} rate={rate:.0}"))
}

/// Takes ownership of a descriptor a nix call returned as a number.
fn unsafe_owned(fd: i32) -> OwnedFd {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` was just returned by accept(2) and nothing else owns it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn burst(addr: SocketAddr, count: u32, size: usize) -> nix::Result<String> {
    let fd = new_socket(addr.ip(), true)?;
    let dst = SockaddrStorage::from(addr);
    let buf = vec![0x5au8; size];
    let mut sent = 0u32;
    for _ in 0..count {
        match socket::sendto(fd.as_raw_fd(), &buf, &dst, MsgFlags::MSG_DONTWAIT) {
            Ok(_) => sent += 1,
            Err(e) => return Ok(format!("sent={sent} errno={e:?}")),
        }
    }
    Ok(format!("sent={sent} errno=none"))
}

/// See `Net::Echo`.
fn echo(port: u16) -> Result<String, Errno> {
    use std::io::{Read, Write};
    let to_errno = |e: std::io::Error| Errno::from_raw(e.raw_os_error().unwrap_or(0));
    let listener = std::net::TcpListener::bind(("0.0.0.0", port)).map_err(to_errno)?;
    println!("listening");
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        let _ = conn.set_nodelay(true);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
    }
    Ok("done".into())
}
