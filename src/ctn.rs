// SPDX-License-Identifier: GPL-2.0

//! ctn: application containers on one shared kernel.
//!
//! The module owns every registration it makes; dropping the module struct at unload undoes
//! them: first the device (no more requests) and with it the hooks it installed while
//! containers existed (no more events), then the registry (containers are freed; their tasks
//! go on as host tasks).

use kernel::c_str;
use kernel::prelude::*;

mod abi;
mod device;
mod events;
mod hooks;
mod identity;
mod ipc;
mod limits;
mod live;
mod network;
mod opened;
mod policies;
mod privilege;
mod process;
mod registry;
mod sys;

// The shared ABI file, also compiled into ctnctl: its items are `pub` for userspace and not
// all of them are used on this side.
#[allow(dead_code, unreachable_pub)]
#[path = "../uapi/ctn.rs"]
mod uapi;

use registry::Registry;
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
    _registry: kernel::sync::Arc<Registry>,
    /// Last: reports the live-object counts once everything above is gone.
    _report: live::Report,
}

impl kernel::Module for Ctn {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let registry = Registry::new()?;
        let handler = device::Control::new(registry.clone())?;
        // Registered last: /dev/ctn can be opened as soon as it exists.
        let control = MiscDevice::register(c_str!("ctn"), 0o600, module, handler)?;
        // Before any container exists (they are made through the device): members may open it.
        registry.set_own_device(control.rdev());
        pr_info!("loaded (ABI {})\n", uapi::CTN_ABI_VERSION);
        Ok(Self {
            _control: control,
            _registry: registry,
            _report: live::Report,
        })
    }
}

impl Drop for Ctn {
    fn drop(&mut self) {
        pr_info!("unloading\n");
    }
}
