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
