//! The identity options of `create` and `set`: host and domain name, IPv4 address, private
//! loopback address, MAC address. Checked here first, so that a bad value gets a message that
//! says which option and why, before the module refuses it with a bare EINVAL.

use std::net::Ipv4Addr;

use clap::Args;
use macaddr::MacAddr6;

use crate::error::Error;
use crate::names::check_uts;

#[derive(Args, Clone, Default)]
pub struct IdentityArgs {
    /// Host name its processes see ("": the container's name).
    #[arg(long)]
    pub hostname: Option<String>,
    /// Domain name its processes see ("": "(none)").
    #[arg(long)]
    pub domainname: Option<String>,
    /// IPv4 address its sockets use: binds to 0.0.0.0 land on it, other addresses are refused,
    /// peers see it as the source ("none": the host's network, unchanged).
    #[arg(long, value_name = "ADDR|none")]
    pub ip: Option<String>,
    /// What 127.0.0.1 means inside: a 127.x.y.z address of its own (default: the --ip address).
    #[arg(long, value_name = "ADDR", requires = "ip")]
    pub loopback: Option<String>,
    /// MAC address its processes see on Ethernet interfaces ("none": the host's).
    #[arg(long, value_name = "MAC|none")]
    pub mac: Option<String>,
    /// Also add the --ip address to this host interface (label IFACE:ctn), and remove it when
    /// the container is destroyed or changes its address.
    #[arg(long, value_name = "IFACE", requires = "ip")]
    pub alias_on: Option<String>,
}

/// A checked identity change: `None` leaves a field as it is.
#[derive(Default)]
pub struct Identity<'a> {
    pub hostname: Option<&'a str>,
    pub domainname: Option<&'a str>,
    /// `Some(None)`: no address.
    pub ip: Option<Option<(Ipv4Addr, Option<Ipv4Addr>)>>,
    /// `Some(None)`: no MAC.
    pub mac: Option<Option<MacAddr6>>,
    /// The host interface to add the address to.
    pub alias_on: Option<&'a str>,
}

impl Identity<'_> {
    pub fn is_empty(&self) -> bool {
        self.hostname.is_none()
            && self.domainname.is_none()
            && self.ip.is_none()
            && self.mac.is_none()
    }
}

impl IdentityArgs {
    pub fn check(&self) -> Result<Identity<'_>, Error> {
        let hostname = self
            .hostname
            .as_deref()
            .map(|h| check_uts("hostname", h))
            .transpose()?;
        let domainname = self
            .domainname
            .as_deref()
            .map(|d| check_uts("domainname", d))
            .transpose()?;
        let ip = match self.ip.as_deref() {
            None => None,
            Some("none") => {
                if self.loopback.is_some() {
                    return Err(Error::Usage(
                        "--loopback needs an --ip address, not none".into(),
                    ));
                }
                Some(None)
            }
            Some(ip) => {
                let ip = check_ip("--ip", ip)?;
                let lo = self.loopback.as_deref().map(check_loopback).transpose()?;
                Some(Some((ip, lo)))
            }
        };
        let mac = self.mac.as_deref().map(check_mac).transpose()?;
        let alias_on = self
            .alias_on
            .as_deref()
            .map(crate::alias::check_dev)
            .transpose()?;
        if alias_on.is_some() && ip == Some(None) {
            return Err(usage("--alias-on needs an --ip address, not none".into()));
        }
        Ok(Identity {
            hostname,
            domainname,
            ip,
            mac,
            alias_on,
        })
    }
}

fn usage(msg: String) -> Error {
    Error::Usage(msg)
}

/// An address a container may own: unicast, not 0.0.0.0/8, not 127.0.0.1, not the first or
/// last address of 127.0.0.0/8 (the module checks the same).
fn check_ip(option: &str, s: &str) -> Result<Ipv4Addr, Error> {
    let ip: Ipv4Addr = s.parse().map_err(|_| {
        usage(format!(
            "{option} '{s}' is not an IPv4 address (write it as a.b.c.d)"
        ))
    })?;
    let why = if ip.is_unspecified() || ip.octets()[0] == 0 {
        Some("is not an address a host can have (0.0.0.0/8)")
    } else if ip.is_broadcast() {
        Some("is the broadcast address")
    } else if ip.is_multicast() {
        Some("is a multicast address")
    } else if ip.octets()[0] >= 240 {
        Some("is in the reserved range 240.0.0.0/4")
    } else if ip == Ipv4Addr::LOCALHOST {
        Some("is the host's own loopback address (pick another 127.x.y.z, e.g. 127.0.10.1)")
    } else if ip == Ipv4Addr::new(127, 0, 0, 0) || ip == Ipv4Addr::new(127, 255, 255, 255) {
        Some("is the network or broadcast address of 127.0.0.0/8")
    } else {
        None
    };
    match why {
        Some(why) => Err(usage(format!("{option} {ip} {why}"))),
        None => Ok(ip),
    }
}

fn check_loopback(s: &str) -> Result<Ipv4Addr, Error> {
    let lo = check_ip("--loopback", s)?;
    if !lo.is_loopback() {
        return Err(usage(format!(
            "--loopback {lo} is not a loopback address: use one in 127.0.0.0/8, e.g. 127.0.10.2"
        )));
    }
    Ok(lo)
}

fn check_mac(s: &str) -> Result<Option<MacAddr6>, Error> {
    if s == "none" {
        return Ok(None);
    }
    let mac: MacAddr6 = s.parse().map_err(|_| {
        usage(format!(
            "--mac '{s}' is not a MAC address (write it as 02:00:00:00:0a:01)"
        ))
    })?;
    if mac.is_nil() {
        return Err(usage(
            "--mac 00:00:00:00:00:00 is not a valid address (use none to clear it)".into(),
        ));
    }
    if mac.is_multicast() {
        return Err(usage(format!(
            "--mac {mac} is a multicast or broadcast address (the first byte must be even, e.g. 02:...)"
        )));
    }
    Ok(Some(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(check_ip("--ip", "127.0.10.1").is_ok());
        for bad in [
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "127.0.0.1",
            "250.1.1.1",
            "x",
            "127.0.0.0",
        ] {
            assert!(check_ip("--ip", bad).is_err(), "{bad}");
        }
        assert!(check_loopback("127.0.10.2").is_ok());
        assert!(check_loopback("224.0.0.1").is_err());
    }

    #[test]
    fn macs() {
        assert!(check_mac("02:00:00:00:0a:01").unwrap().is_some());
        assert!(check_mac("none").unwrap().is_none());
        for bad in [
            "00:00:00:00:00:00",
            "ff:ff:ff:ff:ff:ff",
            "01:00:5e:00:00:01",
            "zz",
        ] {
            assert!(check_mac(bad).is_err(), "{bad}");
        }
    }
}
