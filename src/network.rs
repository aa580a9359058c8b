// SPDX-License-Identifier: GPL-2.0

//! Container network identity: the IPv4 address its sockets use, its private loopback
//! address, its MAC address, and the rules that apply them (see README "Network identity").
//!
//! The rules, for a container with address `ip` and loopback address `lo` (which defaults to
//! `ip`), as FreeBSD jail and Linux-VServer do (`prison_local_ip4`, `v4_map_sock_addr`):
//! - bind to 0.0.0.0 binds to `ip`; bind to 127.0.0.1 binds to `lo`; `ip` and `lo` themselves
//!   are taken as they are; any other address fails with `EADDRNOTAVAIL`;
//! - connect/sendto to 127.0.0.1 (or 0.0.0.0, which Linux takes as "this host") goes to `lo`;
//!   another container's private loopback (a `lo` other than its `ip`) fails with `EPERM`:
//!   what a container serves on 127.0.0.1 is for its own processes (and the host's); other
//!   destinations are left alone;
//! - an unbound socket that connects, sends or listens is first bound to `ip` (to `lo` when
//!   the destination is `lo`), so peers see the container's address;
//! - IPv6 addresses count as the IPv4 address they stand for (`::`, `::1`, `::ffff:a.b.c.d`);
//!   any other IPv6 address fails with `EADDRNOTAVAIL` (ctn has no per-container IPv6 yet).
//!
//! A container without an address uses the host's network unchanged.

use kernel::prelude::*;

use crate::sys::net::{eaddrnotavail, AddressRules, Ipv4};

/// A container's addresses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addresses {
    pub(crate) ip: Ipv4,
    pub(crate) loopback: Ipv4,
}

/// Whether `a` is an address a container may own as its own (unicast, not 0.0.0.0/8, not the
/// host's 127.0.0.1, not the first or last of 127.0.0.0/8).
fn is_assignable(a: Ipv4) -> bool {
    let first = a.0 >> 24;
    first != 0
        && first < 224 // multicast 224/4, reserved 240/4, broadcast
        && a != Ipv4::LOOPBACK
        && a != Ipv4(0x7f00_0000)
        && a != Ipv4(0x7fff_ffff)
}

impl Addresses {
    /// Validates the addresses of the ABI (network byte order). All-zero `ip`: none (then
    /// `loopback` must be zero too); all-zero `loopback`: the same as `ip`.
    pub(crate) fn parse(ip: [u8; 4], loopback: [u8; 4]) -> Result<Option<Self>> {
        let (ip, loopback) = (Ipv4::from_octets(ip), Ipv4::from_octets(loopback));
        if ip == Ipv4::ANY {
            return if loopback == Ipv4::ANY {
                Ok(None)
            } else {
                Err(EINVAL)
            };
        }
        let loopback = if loopback == Ipv4::ANY { ip } else { loopback };
        if !is_assignable(ip) || !is_assignable(loopback) || !loopback.is_loopback_net() {
            return Err(EINVAL);
        }
        Ok(Some(Self { ip, loopback }))
    }

    /// The addresses as one word, so that hooks read them with one load (0: none).
    pub(crate) fn pack(this: Option<Self>) -> u64 {
        this.map_or(0, |a| (u64::from(a.ip.0) << 32) | u64::from(a.loopback.0))
    }

    pub(crate) fn unpack(word: u64) -> Option<Self> {
        (word != 0).then_some(Self {
            ip: Ipv4((word >> 32) as u32),
            loopback: Ipv4(word as u32),
        })
    }
}

impl AddressRules for Addresses {
    fn bind(&self, addr: Ipv4) -> Result<Ipv4> {
        match addr {
            Ipv4::ANY => Ok(self.ip),
            Ipv4::LOOPBACK => Ok(self.loopback),
            a if a == self.ip || a == self.loopback => Ok(a),
            _ => Err(eaddrnotavail()),
        }
    }

    fn connect(&self, dst: Ipv4) -> (Ipv4, Ipv4) {
        let dst = match dst {
            Ipv4::ANY | Ipv4::LOOPBACK => self.loopback,
            d => d,
        };
        let src = if dst == self.loopback {
            self.loopback
        } else {
            self.ip
        };
        (dst, src)
    }

    fn own(&self) -> Ipv4 {
        self.ip
    }
}

/// A MAC address as one word (the six bytes in its low 48 bits, first byte highest; 0: none).
pub(crate) fn parse_mac(raw: [u8; 6]) -> Result<u64> {
    // The group bit of the first byte marks multicast (and broadcast, ff:ff:ff:ff:ff:ff).
    if raw[0] & 1 != 0 {
        return Err(EINVAL);
    }
    Ok(raw.iter().fold(0u64, |w, &b| (w << 8) | u64::from(b)))
}

pub(crate) fn mac_bytes(word: u64) -> [u8; 6] {
    let b = word.to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// A container's private loopback address, if it has one (`net`: `Addresses::pack`).
pub(crate) fn private_loopback(net: u64) -> Option<u32> {
    Addresses::unpack(net)
        .filter(|a| a.loopback != a.ip)
        .map(|a| a.loopback.0)
}

/// The keys of the registry's address owners (`Control::owners`) a network identity takes: its address, its loopback address
/// (when different) and its MAC, in separate key spaces. 0 marks an unused entry.
pub(crate) fn owner_keys(net: u64, mac: u64) -> [u64; 3] {
    const ADDRESS: u64 = 1 << 56;
    const MAC: u64 = 2 << 56;
    let (ip, lo) = Addresses::unpack(net).map_or((0, 0), |a| {
        let lo = if a.loopback == a.ip {
            0
        } else {
            ADDRESS | u64::from(a.loopback.0)
        };
        (ADDRESS | u64::from(a.ip.0), lo)
    });
    [ip, lo, if mac == 0 { 0 } else { MAC | mac }]
}
