// SPDX-License-Identifier: GPL-2.0

//! The ioctl interface of `/dev/ctn`: each request is validated, checked for privilege and
//! dispatched here. Unknown requests get `ENOTTY`.

use kernel::prelude::*;
use kernel::uaccess::UserPtr;

use crate::abi::{fixed_str, read_request};
use crate::sys::miscdev::IoctlHandler;
use crate::uapi;

/// The module's version, reported by `CTN_IOC_VERSION` (the ABI version is separate).
const MODULE_VERSION: &str = "0.1.0";

/// The handler behind `/dev/ctn`.
pub(crate) struct Control;

impl IoctlHandler for Control {
    fn ioctl(&self, cmd: u32, arg: UserPtr) -> Result<u32> {
        match cmd {
            uapi::CTN_IOC_VERSION => version(arg),
            _ => Err(ENOTTY),
        }
    }
}

/// `CTN_IOC_VERSION`: open to anyone who can open the device.
fn version(arg: UserPtr) -> Result<u32> {
    let (mut v, mut out) = read_request::<uapi::CtnVersion>(arg)?;
    v.abi_version = uapi::CTN_ABI_VERSION;
    v.module_version = fixed_str(MODULE_VERSION);
    out.write(&v)?;
    Ok(0)
}
