//! A container's capability set as people write it: Docker's `--cap-add` and `--cap-drop`
//! (names with or without `CAP_`, any case, and `ALL`), on top of the default set
//! (`CTN_CAPS_DEFAULT`: Docker's without MKNOD and NET_RAW).

use std::str::FromStr;

use caps::Capability;
use clap::Args;
use ctn_uapi as uapi;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The capability options, on the command line (`--cap-add NET_ADMIN`, repeatable) and as
/// a spec's top-level `cap_add` and `cap_drop` lists.
#[derive(Args, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapArgs {
    /// Give its processes a capability the default set lacks (NET_ADMIN, CAP_SYS_PTRACE,
    /// ALL; repeatable). The default: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID,
    /// SETUID, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, AUDIT_WRITE, SETFCAP.
    #[arg(long = "cap-add", value_name = "CAP")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    /// Take a capability away from its processes (ALL: keep only --cap-add's; repeatable).
    #[arg(long = "cap-drop", value_name = "CAP")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
}

impl CapArgs {
    pub fn is_empty(&self) -> bool {
        self.cap_add.is_empty() && self.cap_drop.is_empty()
    }

    /// The set these options make from `base` (see `resolve`).
    pub fn resolve(&self, base: u64) -> Result<u64, Error> {
        resolve(base, &self.cap_add, &self.cap_drop)
    }
}

/// One name: `Some(capability)`, or `None` for `ALL`.
fn parse(name: &str) -> Result<Option<Capability>, Error> {
    let upper = name.trim().to_ascii_uppercase();
    if upper == "ALL" {
        return Ok(None);
    }
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    Capability::from_str(&full).map(Some).map_err(|_| {
        Error::Usage(format!(
            "'{name}' is not a capability: give a name from capabilities(7), such as NET_ADMIN or CAP_SYS_PTRACE, or ALL"
        ))
    })
}

fn bit(c: Capability) -> u64 {
    1 << c.index()
}

/// Every capability the module knows.
fn all() -> u64 {
    (1u64 << (uapi::CTN_CAP_LAST + 1)) - 1
}

/// The set `add` and `drop` make from `base`, as Docker makes it from its default set:
/// dropping ALL keeps only what is added; adding ALL keeps all but what is dropped; otherwise
/// `base`, plus, minus.
pub fn resolve(base: u64, add: &[String], drop: &[String]) -> Result<u64, Error> {
    let names = |list: &[String]| -> Result<(bool, u64), Error> {
        let mut any_all = false;
        let mut set = 0;
        for n in list {
            match parse(n)? {
                None => any_all = true,
                Some(c) => set |= bit(c),
            }
        }
        Ok((any_all, set & all()))
    };
    let (add_all, added) = names(add)?;
    let (drop_all, dropped) = names(drop)?;
    Ok(match (drop_all, add_all) {
        (true, _) => added,
        (false, true) => all() & !dropped,
        (false, false) => (base | added) & !dropped,
    })
}

/// The names in `set`, in capability order (`CAP_CHOWN`, ...).
pub fn names(set: u64) -> Vec<String> {
    let mut all: Vec<Capability> = caps::all().into_iter().collect();
    all.sort_by_key(|c| c.index());
    all.into_iter()
        .filter(|&c| set & bit(c) != 0)
        .map(|c| c.to_string())
        .collect()
}

/// The options that make `set` from the default set (for a spec).
pub fn against_default(set: u64) -> CapArgs {
    CapArgs {
        cap_add: names(set & !uapi::CTN_CAPS_DEFAULT),
        cap_drop: names(uapi::CTN_CAPS_DEFAULT & !set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn docker_rules() {
        let d = uapi::CTN_CAPS_DEFAULT;
        assert_eq!(resolve(d, &[], &[]).unwrap(), d);
        let set = resolve(d, &v(&["net_admin"]), &v(&["CAP_CHOWN"])).unwrap();
        assert!(names(set).contains(&"CAP_NET_ADMIN".to_string()));
        assert!(!names(set).contains(&"CAP_CHOWN".to_string()));
        assert_eq!(
            names(resolve(d, &v(&["KILL"]), &v(&["ALL"])).unwrap()),
            ["CAP_KILL"]
        );
        assert_eq!(resolve(d, &v(&["ALL"]), &[]).unwrap(), all());
        assert!(resolve(d, &v(&["NOPE"]), &[]).is_err());
        let args = against_default(set);
        assert_eq!(
            (args.cap_add, args.cap_drop),
            (v(&["CAP_NET_ADMIN"]), v(&["CAP_CHOWN"]))
        );
        assert_eq!(against_default(set).resolve(d).unwrap(), set);
    }

    #[test]
    fn default_set_is_dockers_without_mknod_and_net_raw() {
        let n = names(uapi::CTN_CAPS_DEFAULT);
        assert_eq!(n.len(), 12);
        assert!(!n.contains(&"CAP_MKNOD".to_string()) && !n.contains(&"CAP_NET_RAW".to_string()));
        assert!(n.contains(&"CAP_NET_BIND_SERVICE".to_string()));
    }
}
