// SPDX-License-Identifier: GPL-2.0

//! Container identity: the host and domain names its processes see through uname(2), and
//! change with sethostname(2)/setdomainname(2) (their container's only). Tasks outside every
//! container see the UTS namespace as before and pay one table load per call.

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::abi::fixed_str;
use crate::registry::{Name, Registry};
use crate::sys::ftrace::Divert;
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

/// The host name a container shows: `host`, or its name when `host` is empty.
pub(crate) fn effective_host(host: &UtsName, container: &Name) -> UtsName {
    if host[0] == 0 {
        fixed_str(container.as_bytes())
    } else {
        *host
    }
}

/// The domain name a container shows: `domain`, or "(none)" when `domain` is empty.
pub(crate) fn effective_domain(domain: &UtsName) -> UtsName {
    if domain[0] == 0 {
        fixed_str(DEFAULT_DOMAIN)
    } else {
        *domain
    }
}

/// The registry as seen by the UTS hooks.
#[derive(Clone)]
pub(crate) struct Identity(pub(crate) Arc<Registry>);

impl Divert for Identity {
    fn divert(&self) -> bool {
        self.0.current_is_member()
    }
}

impl UtsPolicy for Identity {
    fn copy_names(&self, host: &mut UtsName, domain: &mut UtsName) -> bool {
        self.0.uts_names_of_current(host, domain)
    }

    fn set(&self, which: UtsField, name: UtsName) -> Result {
        self.0.set_uts_name_of_current(which, name)
    }
}
