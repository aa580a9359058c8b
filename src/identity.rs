// SPDX-License-Identifier: GPL-2.0

//! Container identity: the host and domain names its processes see through uname(2), and
//! change with sethostname(2)/setdomainname(2) (their container's only). Tasks outside every
//! container see the UTS namespace as before and pay one table load per call.

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::registry::Registry;
use crate::sys::task;
use crate::sys::uts::{UtsField, UtsName, UtsPolicy};

/// What a container shows as its domain name until one is set (the kernel's own default).
const DEFAULT_DOMAIN: &[u8] = b"(none)";

/// A host or domain name from the ABI, validated: at most 64 bytes of visible ASCII,
/// NUL-terminated, zeros after the NUL. Empty means "the default".
pub(crate) fn parse_name(raw: &UtsName) -> Result<UtsName> {
    let len = raw.iter().position(|&b| b == 0).ok_or(EINVAL)?;
    if !raw[..len].iter().all(|b| b.is_ascii_graphic()) || raw[len..].iter().any(|&b| b != 0) {
        return Err(EINVAL);
    }
    Ok(*raw)
}

/// `name` as a NUL-filled field (`name` is at most 64 bytes: callers check).
pub(crate) fn field(name: &[u8]) -> UtsName {
    let mut out = [0u8; crate::sys::uts::UTS_LEN];
    let len = name.len().min(out.len() - 1);
    out[..len].copy_from_slice(&name[..len]);
    out
}

/// The names a container shows: its own if set, else its name and "(none)".
pub(crate) fn effective(
    host: &UtsName,
    domain: &UtsName,
    container_name: &[u8],
) -> (UtsName, UtsName) {
    let host = if host[0] == 0 {
        field(container_name)
    } else {
        *host
    };
    let domain = if domain[0] == 0 {
        field(DEFAULT_DOMAIN)
    } else {
        *domain
    };
    (host, domain)
}

/// The registry as seen by the UTS hooks.
#[derive(Clone)]
pub(crate) struct Identity(pub(crate) Arc<Registry>);

impl UtsPolicy for Identity {
    fn gated(&self) -> bool {
        self.0.slot_of(task::current_pid()) != 0
    }

    fn names(&self) -> Option<(UtsName, UtsName)> {
        self.0.uts_names_of_current()
    }

    fn set(&self, which: UtsField, name: &[u8]) -> Result {
        self.0.set_uts_name_of_current(which, field(name))
    }
}
