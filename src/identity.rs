// SPDX-License-Identifier: GPL-2.0

//! Container identity: the host and domain names its processes see through uname(2), and
//! change with sethostname(2)/setdomainname(2) (their container's only). Tasks outside every
//! container see the UTS namespace as before and pay one table load per call.

use kernel::prelude::*;

use crate::abi::{fixed_str, Name};
use crate::sys::uts::UtsName;

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
