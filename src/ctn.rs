// SPDX-License-Identifier: GPL-2.0

//! ctn: application containers on one shared kernel.
//!
//! The module owns every registration it makes (the `/dev/ctn` device now, hooks later);
//! dropping the module struct at unload undoes them in reverse order.

use kernel::c_str;
use kernel::prelude::*;

mod abi;
mod device;
mod sys;

// The shared ABI file, also compiled into ctnctl: its items are `pub` for userspace and not
// all of them are used on this side.
#[allow(dead_code, unreachable_pub)]
#[path = "../uapi/ctn.rs"]
mod uapi;

use sys::miscdev::MiscDevice;

module! {
    type: Ctn,
    name: "ctn",
    author: "ctn developers",
    description: "Application containers on a shared kernel",
    license: "GPL",
}

struct Ctn {
    _control: MiscDevice<device::Control>,
}

impl kernel::Module for Ctn {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // Registered last: /dev/ctn can be opened as soon as it exists.
        let control = MiscDevice::register(c_str!("ctn"), 0o600, module, device::Control)?;
        pr_info!("loaded (ABI {})\n", uapi::CTN_ABI_VERSION);
        Ok(Self { _control: control })
    }
}

impl Drop for Ctn {
    fn drop(&mut self) {
        pr_info!("unloading\n");
    }
}
