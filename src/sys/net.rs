// SPDX-License-Identifier: GPL-2.0

//! Sockets and interfaces as tasks see them: hooks on the IPv4/IPv6 socket operations that
//! choose addresses (bind, listen, connect, sendmsg) and on the interface queries
//! (`SIOCGIFHWADDR`, `SIOCGIFADDR` and its siblings, `SIOCGIFCONF`). For the tasks a policy
//! picks, the addresses are rewritten by the policy's rules before the kernel's own operation
//! runs (which then does everything else: ports, routing, errors), and the answers of the
//! queries show the policy's addresses. The socket operations receive the kernel's copy of the
//! caller's address (`move_addr_to_kernel`), so the rewrites touch no user memory.

use core::ffi::c_void;

use kernel::c_str;
use kernel::ffi::{c_int, c_uint};
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

use super::bindings;
use super::clock;
use super::ftrace::{
    self, optional, original, CallArgs, Divert, HookSetBuilder, Hooked, Observe, Original,
};
use super::task;

/// An IPv4 address, in host byte order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Ipv4(pub(crate) u32);

impl Ipv4 {
    pub(crate) const ANY: Self = Self(0);
    pub(crate) const LOOPBACK: Self = Self(0x7f00_0001);
    pub(crate) const BROADCAST: Self = Self(u32::MAX);

    pub(crate) fn from_octets(octets: [u8; 4]) -> Self {
        Self(u32::from_be_bytes(octets))
    }

    pub(crate) fn octets(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }

    /// In 127.0.0.0/8.
    pub(crate) fn is_loopback_net(self) -> bool {
        self.0 >> 24 == 127
    }
}

/// The address rules of a task the policy picked. IPv6 addresses reach them as IPv4: `::` as
/// 0.0.0.0, `::1` as 127.0.0.1, `::ffff:a.b.c.d` as a.b.c.d; any other IPv6 address is refused
/// (`EADDRNOTAVAIL`) before they are asked.
pub(crate) trait AddressRules {
    /// bind(2) to `addr`: the address to bind to instead, or why not.
    fn bind(&self, addr: Ipv4) -> Result<Ipv4>;
    /// connect(2) or sendto(2) to `dst`: the destination to use instead, and the source
    /// address an unbound socket is bound to first.
    fn connect(&self, dst: Ipv4) -> (Ipv4, Ipv4);
    /// The address a listen(2) on an unbound socket binds to, and that interface queries show
    /// for every interface but loopback.
    fn own(&self) -> Ipv4;
}

/// Who sees which network.
pub(crate) trait NetPolicy: Send + Sync + Clone {
    type Rules: AddressRules;
    /// The current task's rules; `None`: the host's network, unchanged.
    fn rules(&self) -> Option<Self::Rules>;
    /// The MAC address the current task sees on every Ethernet interface, if any.
    fn mac(&self) -> Option<[u8; 6]>;
    /// Whether the current task, with `rules`, may connect or send to `dst` (after the rules
    /// rewrote it); `EPERM` otherwise. Must not sleep.
    fn may_reach(&self, rules: &Self::Rules, dst: Ipv4) -> bool;
    /// The ftrace callback's decision on a send of `bytes` by a task `divert` picked:
    /// `for_rules` says from the task's rules (`None`: the host's network) whether the send
    /// must be diverted to apply them (the replacement then admits it with `admit_send`).
    /// Otherwise the policy admits the send here (and may count it) or says it must wait,
    /// which diverts it too. Must not sleep.
    fn send_gate(&self, bytes: u64, for_rules: impl FnOnce(Option<Self::Rules>) -> bool) -> bool;
    /// Admits a send of `bytes` by the current task now, or says how long it must wait
    /// before asking again (ns).
    fn admit_send(&self, bytes: u64) -> core::result::Result<(), u64>;
    /// How long a send by the current task would have to wait now (ns; 0: none).
    fn send_wait(&self) -> u64;
    /// A send was held back for `ns` (`first`: the start of its wait; a refusal waits 0).
    fn send_held_back(&self, ns: u64, first: bool);
    /// The current task received `bytes` from an IPv4/IPv6 socket (must not sleep).
    fn received(&self, bytes: u64);
}

/// `EADDRNOTAVAIL` (the `kernel` crate of 6.12 has no constant for it).
pub(crate) fn eaddrnotavail() -> Error {
    Error::from_errno(-(bindings::EADDRNOTAVAIL as i32))
}

/// `EADDRINUSE`.
pub(crate) fn eaddrinuse() -> Error {
    Error::from_errno(-(bindings::EADDRINUSE as i32))
}

const AF_INET: u16 = bindings::AF_INET as u16;
const AF_INET6: u16 = bindings::AF_INET6 as u16;
const AF_UNSPEC: u16 = bindings::AF_UNSPEC as u16;
const SIN_LEN: usize = core::mem::size_of::<bindings::sockaddr_in>();
/// The shortest IPv6 address the kernel accepts (`SIN6_LEN_RFC2133`: without `scope_id`).
const SIN6_MIN_LEN: usize = bindings::SIN6_LEN_RFC2133 as usize;
const SIN_ADDR: usize = core::mem::offset_of!(bindings::sockaddr_in, sin_addr);
const SIN6_ADDR: usize = core::mem::offset_of!(bindings::sockaddr_in6, sin6_addr);
const V4_MAPPED_PREFIX: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/// What a socket address says, for the rules.
enum Target {
    /// Not an IPv4 or IPv6 address (or too short to be one): left to the kernel.
    Other,
    /// An IPv4 address, or an IPv6 address that stands for one.
    V4(Ipv4),
    /// An IPv6 address with no IPv4 meaning.
    V6,
}

/// A socket address in kernel memory, as a socket operation received it.
///
/// # Invariants
///
/// `bytes` is the operation's address buffer, which nothing else accesses while `self` lives.
struct KernelSockaddr<'a> {
    bytes: &'a mut [u8],
}

impl KernelSockaddr<'_> {
    /// # Safety
    ///
    /// `addr` must be valid for reads and writes of `len` bytes (when `len` is not negative),
    /// unaliased, for the returned lifetime: true of the address a socket operation receives.
    unsafe fn new<'a>(addr: *mut c_void, len: c_int) -> Option<KernelSockaddr<'a>> {
        let len = usize::try_from(len).ok()?;
        if addr.is_null() {
            return None;
        }
        // SAFETY: the caller's guarantee.
        let bytes = unsafe { core::slice::from_raw_parts_mut(addr.cast::<u8>(), len) };
        Some(KernelSockaddr { bytes })
    }

    fn family(&self) -> Option<u16> {
        Some(u16::from_ne_bytes([
            *self.bytes.first()?,
            *self.bytes.get(1)?,
        ]))
    }

    fn target(&self) -> Target {
        match self.family() {
            Some(AF_INET) if self.bytes.len() >= SIN_LEN => Target::V4(self.v4_at(SIN_ADDR)),
            Some(AF_INET6) if self.bytes.len() >= SIN6_MIN_LEN => {
                let a = &self.bytes[SIN6_ADDR..SIN6_ADDR + 16];
                if a[..12] == V4_MAPPED_PREFIX {
                    Target::V4(self.v4_at(SIN6_ADDR + 12))
                } else if a.iter().all(|&b| b == 0) {
                    Target::V4(Ipv4::ANY)
                } else if a[..15].iter().all(|&b| b == 0) && a[15] == 1 {
                    Target::V4(Ipv4::LOOPBACK)
                } else {
                    Target::V6
                }
            }
            _ => Target::Other,
        }
    }

    fn v4_at(&self, at: usize) -> Ipv4 {
        let mut o = [0u8; 4];
        o.copy_from_slice(&self.bytes[at..at + 4]);
        Ipv4::from_octets(o)
    }

    /// Writes `addr` where [`Self::target`] found an IPv4 meaning (IPv6: as `::ffff:addr`).
    fn set_v4(&mut self, addr: Ipv4) {
        match self.family() {
            Some(AF_INET) => self.bytes[SIN_ADDR..SIN_ADDR + 4].copy_from_slice(&addr.octets()),
            Some(AF_INET6) => {
                self.bytes[SIN6_ADDR..SIN6_ADDR + 12].copy_from_slice(&V4_MAPPED_PREFIX);
                self.bytes[SIN6_ADDR + 12..SIN6_ADDR + 16].copy_from_slice(&addr.octets());
            }
            _ => {}
        }
    }
}

/// A socket the hooked operation was called on.
///
/// # Invariants
///
/// `0` is a live `struct socket` of family AF_INET or AF_INET6 (the hooked functions are
/// those families' operations) for the duration of the operation.
#[derive(Clone, Copy)]
struct InetSocket(*mut bindings::socket);

impl InetSocket {
    fn is_bound(self) -> bool {
        // SAFETY: type invariant.
        unsafe { bindings::ctn_sock_bound_port(self.0) != 0 }
    }

    /// Binds an unbound socket to `src` (any free port), as bind(2) would, so that the
    /// operation that follows uses `src` as its source address. A socket that is already
    /// bound, or that a racing bind(2) binds first (`EINVAL`), keeps its address.
    fn bind_source(self, src: Ipv4) -> Result {
        if self.is_bound() {
            return Ok(());
        }
        // SAFETY: type invariant.
        let ret = match unsafe { bindings::ctn_sock_family(self.0) } {
            AF_INET => {
                let mut sin = bindings::sockaddr_in {
                    sin_family: AF_INET,
                    ..Default::default()
                };
                sin.sin_addr.s_addr = u32::from_ne_bytes(src.octets());
                // SAFETY: `inet_bind` on an AF_INET socket with a complete `sockaddr_in` in
                // kernel memory. Called from this module, the bind hook lets it through.
                unsafe {
                    bindings::inet_bind(
                        self.0,
                        core::ptr::from_mut(&mut sin).cast(),
                        SIN_LEN as c_int,
                    )
                }
            }
            AF_INET6 => {
                let mut sin6 = bindings::sockaddr_in6 {
                    sin6_family: AF_INET6,
                    ..Default::default()
                };
                let mut a = [0u8; 16];
                a[..12].copy_from_slice(&V4_MAPPED_PREFIX);
                a[12..].copy_from_slice(&src.octets());
                sin6.sin6_addr.in6_u.u6_addr8 = a;
                // SAFETY: as above, for `inet6_bind` and a complete `sockaddr_in6`.
                unsafe {
                    bindings::inet6_bind(
                        self.0,
                        core::ptr::from_mut(&mut sin6).cast(),
                        core::mem::size_of::<bindings::sockaddr_in6>() as c_int,
                    )
                }
            }
            _ => 0,
        };
        match ret {
            0 => Ok(()),
            e if e == EINVAL.to_errno() && self.is_bound() => Ok(()),
            e => Err(Error::from_errno(e)),
        }
    }
}

/// bind(2): the address rewritten by the rules, or refused.
fn bind_rule<R: AddressRules>(rules: &R, addr: &mut KernelSockaddr<'_>) -> Result {
    // inet_bind takes AF_UNSPEC with INADDR_ANY as the wildcard (old programs): make it
    // AF_INET so that the rewritten address is taken too.
    if addr.family() == Some(AF_UNSPEC) && addr.bytes.len() >= SIN_LEN {
        if addr.v4_at(SIN_ADDR) != Ipv4::ANY {
            return Ok(()); // the kernel refuses it
        }
        addr.bytes[..2].copy_from_slice(&AF_INET.to_ne_bytes());
    }
    match addr.target() {
        Target::Other => Ok(()),
        Target::V6 => Err(eaddrnotavail()),
        Target::V4(a) => {
            addr.set_v4(rules.bind(a)?);
            Ok(())
        }
    }
}

/// connect(2), sendto(2): the destination rewritten by the rules, the socket bound to the
/// source address they pick if it is not bound yet.
fn connect_rule<P: NetPolicy>(
    policy: &P,
    rules: &P::Rules,
    sock: InetSocket,
    addr: &mut KernelSockaddr<'_>,
) -> Result {
    match addr.target() {
        Target::Other => Ok(()),
        Target::V6 => Err(eaddrnotavail()),
        Target::V4(dst) => {
            let (dst, src) = rules.connect(dst);
            if !policy.may_reach(rules, dst) {
                return Err(EPERM);
            }
            addr.set_v4(dst);
            sock.bind_source(src)
        }
    }
}

/// The result of a hooked operation as its C return value.
fn to_ret(r: Result) -> Result<(), c_int> {
    r.map_err(|e| e.to_errno())
}

/// Which operation a hook serves, for deciding in its ftrace callback.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Bind,
    Listen,
    Connect,
    Send,
    /// An interface query: every member's call is diverted.
    Query,
}

/// The policy as one hook sees it. Rewriting an address in kernel memory needs no sleep, so
/// the callback does it and lets the kernel's function run undiverted; it diverts only the
/// calls that must be refused and the unbound sockets that need binding to a source address
/// first (which sleeps). The replacements then apply the same rules again (they are
/// idempotent) and do the rest. A send on a connected socket is never diverted: it may block
/// for as long as its peer does not read, and unload would have to wait for it.
#[derive(Clone)]
struct Gate<P> {
    policy: P,
    op: Op,
}

impl<P: NetPolicy> Gate<P> {
    /// For an address the call carries: rewrites it by the rules, and says whether the call
    /// must be diverted (refused, or `sock` is unbound and needs its source address first).
    fn decide(&self, addr: Option<KernelSockaddr<'_>>, sock: InetSocket, rules: &P::Rules) -> bool {
        let Some(mut addr) = addr else {
            return false;
        };
        match self.op {
            Op::Bind => bind_rule(rules, &mut addr).is_err(),
            _ => match addr.target() {
                Target::Other => false,
                Target::V6 => true,
                Target::V4(dst) => {
                    let (dst, _) = rules.connect(dst);
                    if !self.policy.may_reach(rules, dst) {
                        return true; // refused by the replacement
                    }
                    addr.set_v4(dst);
                    !sock.is_bound()
                }
            },
        }
    }
}

impl<P: NetPolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        if self.op == Op::Query {
            return true;
        }
        // INVARIANT: argument 0 of the socket operations is their AF_INET/AF_INET6 socket.
        let sock = InetSocket(args.word(0) as *mut bindings::socket);
        if self.op == Op::Send {
            let msg = args.word(1) as *const bindings::msghdr;
            return self.policy.send_gate(args.word(2) as u64, |rules| {
                let Some(rules) = rules else {
                    return false; // no network identity: the host's network
                };
                // SAFETY: argument 1 of `inet_sendmsg`/`inet6_sendmsg` is the call's message
                // header in kernel memory; its `msg_name`, when set, is the kernel's copy of
                // the destination, `msg_namelen` bytes long.
                let addr = unsafe { KernelSockaddr::new((*msg).msg_name, (*msg).msg_namelen) };
                self.decide(addr, sock, &rules)
            });
        }
        let Some(rules) = self.policy.rules() else {
            return false; // no network identity: the host's network
        };
        match self.op {
            Op::Listen => !sock.is_bound(),
            _ => {
                // SAFETY: arguments 1 and 2 of bind and connect are the kernel's copy of the
                // caller's address and its length.
                let addr = unsafe {
                    KernelSockaddr::new(args.word(1) as *mut c_void, args.word(2) as c_int)
                };
                self.decide(addr, sock, &rules)
            }
        }
    }
}

/// Counts what the policy's tasks receive: the hook on `skb_copy_datagram_iter`, through
/// which TCP and UDP receives copy data to the reader (`len` bytes of one packet).
struct Received<P>(P);

impl<P: NetPolicy> Observe for Received<P> {
    fn observe(&self, args: &CallArgs<'_>) {
        let skb = args.word(0) as *const bindings::sk_buff;
        // SAFETY: argument 0 of `skb_copy_datagram_iter` is the packet being copied, which the
        // caller holds.
        let family = unsafe { bindings::ctn_skb_sock_family(skb) };
        // TCP packets are charged to their socket; UDP ones to none. Others (Unix, netlink)
        // are not network traffic.
        if matches!(family, 0 | AF_INET | AF_INET6) {
            if let Ok(len) = u64::try_from(args.word(3) as c_int) {
                self.0.received(len);
            }
        }
    }
}

/// Adds the network hooks to `hooks`.
pub(crate) fn add<P: NetPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    let mut hook = |symbol: Original, op: Op, nargs: u32, replacement: usize| {
        let gate = Gate {
            policy: policy.clone(),
            op,
        };
        // SAFETY: every call below pairs a kernel function with the replacement of the same
        // signature written for it in this file (plus `*const Hooked<Gate<P>>`), each of
        // which holds an `InFlight` guard throughout and calls the original through
        // `Hooked::call_original`.
        unsafe { hooks.hook(symbol, nargs, replacement, gate) }
    };
    hook(
        original!(c_str!("inet_bind")),
        Op::Bind,
        3,
        bind::<P> as usize,
    )?;
    optional(hook(
        original!(c_str!("inet6_bind")),
        Op::Bind,
        3,
        bind::<P> as usize,
    ))?;
    hook(
        original!(c_str!("inet_listen")),
        Op::Listen,
        2,
        listen::<P> as usize,
    )?;
    hook(
        original!(c_str!("inet_stream_connect")),
        Op::Connect,
        4,
        connect::<P> as usize,
    )?;
    hook(
        original!(c_str!("inet_dgram_connect")),
        Op::Connect,
        4,
        connect::<P> as usize,
    )?;
    hook(
        original!(c_str!("inet_sendmsg")),
        Op::Send,
        3,
        sendmsg::<P> as usize,
    )?;
    optional(hook(
        original!(c_str!("inet6_sendmsg")),
        Op::Send,
        3,
        sendmsg::<P> as usize,
    ))?;
    hook(
        original!(c_str!("dev_ioctl")),
        Op::Query,
        5,
        dev_ioctl::<P> as usize,
    )?;
    hook(
        original!(c_str!("devinet_ioctl")),
        Op::Query,
        3,
        devinet_ioctl::<P> as usize,
    )?;
    hook(
        original!(c_str!("dev_ifconf")),
        Op::Query,
        2,
        dev_ifconf::<P> as usize,
    )?;
    hooks.observing(c_str!("skb_copy_datagram_iter"), Received(policy))
}

/// `int inet_bind(struct socket *, struct sockaddr *, int)` and `inet6_bind` (same type).
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real call and the
/// live hook state (as every replacement in this file).
unsafe extern "C" fn bind<P: NetPolicy>(
    sock: *mut bindings::socket,
    uaddr: *mut c_void,
    len: c_int,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `uaddr` is the operation's address buffer of `len` bytes (see the module doc).
    let addr = unsafe { KernelSockaddr::new(uaddr, len) };
    let verdict = match (hooked.policy().policy.rules(), addr) {
        (Some(rules), Some(mut addr)) => to_ret(bind_rule(&rules, &mut addr)),
        _ => Ok(()),
    };
    let ret = match verdict {
        // SAFETY: `original` is the hooked function, of this type; the arguments are passed
        // through.
        Ok(()) => unsafe { hooked.call_original((sock, uaddr, len)) },
        Err(e) => e,
    };
    ret
}

/// `int inet_listen(struct socket *, int backlog)`: an unbound socket listens on the rules'
/// own address, not on every address.
///
/// # Safety
///
/// As [`bind`].
unsafe extern "C" fn listen<P: NetPolicy>(
    sock: *mut bindings::socket,
    backlog: c_int,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    let verdict = match hooked.policy().policy.rules() {
        // INVARIANT: `sock` is the AF_INET/AF_INET6 socket inet_listen was called on.
        Some(rules) => to_ret(InetSocket(sock).bind_source(rules.own())),
        None => Ok(()),
    };
    let ret = match verdict {
        // SAFETY: as in `bind`.
        Ok(()) => unsafe { hooked.call_original((sock, backlog)) },
        Err(e) => e,
    };
    ret
}

/// `int inet_stream_connect(struct socket *, struct sockaddr *, int, int flags)` and
/// `inet_dgram_connect` (same type; also IPv6's).
///
/// # Safety
///
/// As [`bind`].
unsafe extern "C" fn connect<P: NetPolicy>(
    sock: *mut bindings::socket,
    uaddr: *mut c_void,
    len: c_int,
    flags: c_int,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: as in `bind`.
    let addr = unsafe { KernelSockaddr::new(uaddr, len) };
    let verdict = match (hooked.policy().policy.rules(), addr) {
        // INVARIANT: `sock` is the socket the inet operation was called on.
        (Some(rules), Some(mut addr)) => {
            let policy = &hooked.policy().policy;
            to_ret(connect_rule(policy, &rules, InetSocket(sock), &mut addr))
        }
        _ => Ok(()),
    };
    let ret = match verdict {
        // SAFETY: as in `bind`.
        Ok(()) => unsafe { hooked.call_original((sock, uaddr, len, flags)) },
        Err(e) => e,
    };
    ret
}

/// `int inet_sendmsg(struct socket *, struct msghdr *, size_t)` and `inet6_sendmsg`: the
/// send waits for the policy's rate (see [`wait_to_send`]), then a destination in `msg_name`
/// (sendto) follows the connect rules.
///
/// # Safety
///
/// As [`bind`].
unsafe extern "C" fn sendmsg<P: NetPolicy>(
    sock: *mut bindings::socket,
    msg: *mut bindings::msghdr,
    size: usize,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    if let Err(wait) = hooked.policy().policy.admit_send(size as u64) {
        // SAFETY: `msg` is the operation's message header, in kernel memory.
        let nonblocking = unsafe { (*msg).msg_flags } & bindings::MSG_DONTWAIT != 0;
        return wait_to_send(hooked, nonblocking, wait);
    }
    let verdict = match hooked.policy().policy.rules() {
        Some(rules) => {
            // SAFETY: `msg` is the operation's message header, in kernel memory; its
            // `msg_name`, when set, is the kernel's copy of the destination, `msg_namelen`
            // bytes long.
            let addr = unsafe { KernelSockaddr::new((*msg).msg_name, (*msg).msg_namelen) };
            match addr {
                // INVARIANT: `sock` is the socket the inet operation was called on.
                Some(mut addr) => {
                    let policy = &hooked.policy().policy;
                    to_ret(connect_rule(policy, &rules, InetSocket(sock), &mut addr))
                }
                None => Ok(()),
            }
        }
        None => Ok(()),
    };
    let ret = match verdict {
        // SAFETY: as in `bind`.
        Ok(()) => unsafe { hooked.call_original((sock, msg, size)) },
        Err(e) => e,
    };
    ret
}

/// Longest single sleep of a send waiting for its rate, so that a signal or the hook's
/// removal is noticed soon.
const SEND_WAIT_SLICE_NS: u64 = 100_000_000;

/// A send the rate does not admit yet, which has sent nothing: a non-blocking one fails with
/// `EAGAIN`; a blocking one sleeps until the rate admits it, then returns so that the system
/// call starts again and goes through the hook anew (admitted then: the kernel's send runs
/// undiverted, so a send that blocks on a full socket buffer never blocks in this module). A
/// signal ends the wait with `-ERESTARTSYS` (restarted or `EINTR`, as for any wait).
/// io_uring workers cannot restart a call: they get `EAGAIN` too.
fn wait_to_send<P: NetPolicy>(hooked: &Hooked<Gate<P>>, nonblocking: bool, wait: u64) -> c_int {
    let policy = &hooked.policy().policy;
    if nonblocking || !task::current_is_user_task() {
        policy.send_held_back(0, true);
        return EAGAIN.to_errno();
    }
    let mut wait = wait;
    let mut first = true;
    while wait > 0 && !hooked.stopping() {
        let start = clock::now_mono_ns();
        let awake = task::sleep_interruptible_ns(wait.min(SEND_WAIT_SLICE_NS));
        policy.send_held_back(clock::now_mono_ns().saturating_sub(start), first);
        first = false;
        if !awake {
            return -(bindings::ERESTARTSYS as c_int);
        }
        wait = policy.send_wait();
    }
    task::restart_syscall()
}

/// `int dev_ioctl(struct net *, unsigned int cmd, struct ifreq *, void __user *data,
/// bool *need_copyout)`: `SIOCGIFHWADDR` of an Ethernet interface answers the policy's MAC.
/// `ifr` is the kernel's copy of the caller's request, copied out after this returns.
///
/// # Safety
///
/// As [`bind`].
unsafe extern "C" fn dev_ioctl<P: NetPolicy>(
    net: *mut bindings::net,
    cmd: c_uint,
    ifr: *mut bindings::ifreq,
    data: *mut c_void,
    need_copyout: *mut bool,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: as in `bind`.
    let ret: c_int = unsafe { hooked.call_original((net, cmd, ifr, data, need_copyout)) };
    if ret == 0 && cmd == bindings::SIOCGIFHWADDR {
        if let Some(mac) = hooked.policy().policy.mac() {
            // SAFETY: `ifr` is valid (see above); SIOCGIFHWADDR answers in `ifru_hwaddr`,
            // whose `sa_family` the kernel set to the device type.
            let hw = unsafe { (*ifr).ifr_ifru.ifru_hwaddr.as_mut() };
            if u32::from(hw.sa_family) == bindings::ARPHRD_ETHER {
                // SAFETY: `sa_data` is 14 bytes (`sa_data_min`), the address bytes.
                let data = unsafe { hw.__bindgen_anon_1.sa_data_min.as_mut() };
                for (d, s) in data.iter_mut().zip(mac) {
                    *d = s as _;
                }
            }
        }
    }
    ret
}

/// Whether the device `name` (NUL-terminated within `IFNAMSIZ`) exists and is not loopback.
fn is_other_device(net: *mut bindings::net, name: &[u8; bindings::IFNAMSIZ as usize]) -> bool {
    if !name.contains(&0) {
        return false;
    }
    // SAFETY: `net` is the namespace the hooked query runs in; `name` is NUL-terminated.
    unsafe { bindings::ctn_netdev_is_loopback(net, name.as_ptr().cast()) == 0 }
}

/// `int devinet_ioctl(struct net *, unsigned int cmd, struct ifreq *)`: the IPv4 address
/// queries of every interface but loopback answer the policy's own address (netmask /32), also
/// when the host has no address there. `ifr` is the kernel's copy, copied out afterwards.
///
/// # Safety
///
/// As [`bind`].
unsafe extern "C" fn devinet_ioctl<P: NetPolicy>(
    net: *mut bindings::net,
    cmd: c_uint,
    ifr: *mut bindings::ifreq,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: as in `bind`.
    let ret: c_int = unsafe { hooked.call_original((net, cmd, ifr)) };
    let query = matches!(
        cmd,
        bindings::SIOCGIFADDR
            | bindings::SIOCGIFBRDADDR
            | bindings::SIOCGIFDSTADDR
            | bindings::SIOCGIFNETMASK
    );
    if !query || (ret != 0 && ret != eaddrnotavail().to_errno()) {
        return ret;
    }
    let Some(rules) = hooked.policy().policy.rules() else {
        return ret;
    };
    // SAFETY: `ifr` is valid (see above); the name is a byte array.
    let name = unsafe { (*ifr).ifr_ifrn.ifrn_name.map(|c| c as u8) };
    if !is_other_device(net, &name) {
        return ret;
    }
    let value = match cmd {
        bindings::SIOCGIFNETMASK => Ipv4::BROADCAST,
        _ => rules.own(),
    };
    let mut sin = bindings::sockaddr_in {
        sin_family: AF_INET,
        ..Default::default()
    };
    sin.sin_addr.s_addr = u32::from_ne_bytes(value.octets());
    // SAFETY: `ifru_addr` is a `struct sockaddr`, as large as a `sockaddr_in`; the answers of
    // these queries are `sockaddr_in`s stored there.
    unsafe {
        core::ptr::write_unaligned(
            core::ptr::addr_of_mut!((*ifr).ifr_ifru.ifru_addr).cast::<bindings::sockaddr_in>(),
            sin,
        )
    };
    0
}

/// `int dev_ifconf(struct net *, struct ifconf __user *)`: the IPv4 addresses listed for
/// interfaces other than loopback become the policy's own address. The list is in the caller's
/// memory (`ifc_buf`, `ifc_len` bytes written by the kernel).
///
/// # Safety
///
/// As [`bind`].
unsafe extern "C" fn dev_ifconf<P: NetPolicy>(
    net: *mut bindings::net,
    uifc: *mut c_void,
    hooked: *const Hooked<Gate<P>>,
) -> c_int {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // The 32-bit layout (`compat_ifconf`, 32-byte entries) is not rewritten: refused to a
    // member, rather than the host's addresses shown.
    let rules = hooked.policy().policy.rules();
    // SAFETY: reads the current task's system call state.
    if rules.is_some() && unsafe { bindings::ctn_in_compat_syscall() } {
        return -(bindings::EOPNOTSUPP as c_int);
    }
    // SAFETY: as in `bind`.
    let ret: c_int = unsafe { hooked.call_original((net, uifc)) };
    if ret != 0 {
        return ret;
    }
    let Some(rules) = rules else {
        return ret;
    };
    match rewrite_ifconf(net, uifc as UserPtr, rules.own()) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The user's `struct ifconf` (x86-64 layout: `int ifc_len`, padding, `char *ifc_buf`).
fn rewrite_ifconf(net: *mut bindings::net, uifc: UserPtr, own: Ipv4) -> Result {
    const IFREQ: usize = core::mem::size_of::<bindings::ifreq>();
    const NAME: usize = bindings::IFNAMSIZ as usize;
    const ADDR: usize = core::mem::offset_of!(bindings::ifreq, ifr_ifru);
    let mut ifc = [0u8; core::mem::size_of::<bindings::ifconf>()];
    UserSlice::new(uifc, ifc.len())
        .reader()
        .read_slice(&mut ifc)?;
    let len = i32::from_ne_bytes([ifc[0], ifc[1], ifc[2], ifc[3]]);
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&ifc[8..16]);
    let buf = usize::from_ne_bytes(buf);
    let (Ok(len), true) = (usize::try_from(len), buf != 0) else {
        return Ok(()); // a size query
    };
    // `len` is read back from the caller's memory, which another of its threads may have
    // made huge: the loop yields and stops for a fatal signal (it runs in the caller's own
    // system call, on its time).
    for entry in (0..len / IFREQ).map(|i| buf.wrapping_add(i * IFREQ)) {
        // SAFETY: called in process context (the caller's ioctl), no lock held.
        if !unsafe { bindings::ctn_may_continue() } {
            return Err(EINTR);
        }
        let mut req = [0u8; SIN_LEN + NAME];
        UserSlice::new(entry, req.len())
            .reader()
            .read_slice(&mut req)?;
        let mut name = [0u8; NAME];
        name.copy_from_slice(&req[..NAME]);
        let family = u16::from_ne_bytes([req[ADDR], req[ADDR + 1]]);
        if family == AF_INET && is_other_device(net, &name) {
            UserSlice::new(entry.wrapping_add(ADDR + SIN_ADDR), 4)
                .writer()
                .write_slice(&own.octets())?;
        }
    }
    Ok(())
}
