//! Host aliases of container addresses (`--alias-on IFACE`): a container's IPv4 address is
//! added to a host interface, labelled `IFACE:ctn`, so that bind(2) can take it (an address
//! must be local) and peers can reach it. ctnctl removes addresses with that label when the
//! container is destroyed or changes its address; addresses added by hand are left alone.
//! Runs `ip` (iproute2 or busybox).

use std::net::Ipv4Addr;
use std::process::Command;

use crate::error::Error;

const LABEL: &str = ":ctn";

/// Checks an interface name for `--alias-on`: the label `NAME:ctn` must fit in 15 bytes.
pub fn check_dev(dev: &str) -> Result<&str, Error> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if dev.is_empty() || dev.len() > 15 - LABEL.len() || !dev.chars().all(ok) {
        return Err(Error::Usage(format!(
            "--alias-on '{dev}': give a host interface name of at most {} characters",
            15 - LABEL.len()
        )));
    }
    Ok(dev)
}

fn ip(args: &[&str]) -> Result<String, Error> {
    let out = Command::new("ip").args(args).output().map_err(|e| {
        Error::Refused(format!(
            "cannot run `ip` for --alias-on: {e}\n  Install iproute2, or add the address yourself."
        ))
    })?;
    if !out.status.success() {
        return Err(Error::Refused(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Adds `addr`/32 to `dev` with ctn's label.
pub fn add(dev: &str, addr: Ipv4Addr) -> Result<(), Error> {
    let label = format!("{dev}{LABEL}");
    ip(&[
        "addr",
        "add",
        &format!("{addr}/32"),
        "dev",
        dev,
        "label",
        &label,
    ])
    .map(drop)
}

/// The interface that holds `addr` under ctn's label, if any. `ip -o -4 addr show` prints one
/// line per address: `N: DEV inet ADDR/LEN ... LABEL\ ...`.
pub fn find(addr: Ipv4Addr) -> Result<Option<String>, Error> {
    let want = format!("{addr}/32");
    // Without `ip` there can be no alias ctnctl made.
    let Ok(listing) = ip(&["-o", "-4", "addr", "show"]) else {
        return Ok(None);
    };
    Ok(listing.lines().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "inet")?;
        (words.get(at + 1) == Some(&want.as_str()))
            .then(|| {
                words
                    .iter()
                    .find_map(|w| w.trim_end_matches('\\').strip_suffix(LABEL))
            })
            .flatten()
            .map(str::to_string)
    }))
}

/// Moves ctn's alias from address `old` to `new` after a container's address changed: onto
/// `dev` if given, else onto the interface `old` was on (if it had an alias).
pub fn moved(old: Option<Ipv4Addr>, new: Option<Ipv4Addr>, dev: Option<&str>) -> Result<(), Error> {
    let was_on = match old {
        Some(old) if Some(old) != new => remove(old)?,
        _ => None,
    };
    match (new, dev.map(str::to_string).or(was_on)) {
        (Some(new), Some(dev)) if find(new)?.is_none() => add(&dev, new),
        _ => Ok(()),
    }
}

/// Removes ctn's alias of `addr`, if there is one; returns the interface it was on.
pub fn remove(addr: Ipv4Addr) -> Result<Option<String>, Error> {
    let Some(dev) = find(addr)? else {
        return Ok(None);
    };
    ip(&["addr", "del", &format!("{addr}/32"), "dev", &dev])?;
    Ok(Some(dev))
}
