// SPDX-License-Identifier: GPL-2.0

//! The ioctl interface of `/dev/ctn`: each request is validated, checked for privilege and
//! dispatched to the registry here. Unknown requests get `ENOTTY`.
//!
//! Privilege: mutating requests need `CAP_SYS_ADMIN` (initial user namespace) and a caller
//! outside every container (`EPERM`). Queries need only the open device (root: it is 0600);
//! from inside a container they see that container only.

use core::pin::Pin;

use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};
use kernel::uaccess::UserPtr;

use crate::abi::{capacity, fixed_str, read_request, write_entries};
use crate::abi::{Name, Target};
use crate::hooks::Hooks;
use crate::identity;
use crate::network::{self, Addresses};
use crate::privilege;
use crate::registry::Registry;
use crate::sys::cred;
use crate::sys::ftrace::Sites;
use crate::sys::miscdev::IoctlHandler;
use crate::sys::task;
use crate::uapi;

/// The module's version, reported by `CTN_IOC_VERSION` (the ABI version is separate).
const MODULE_VERSION: &str = "0.14.0";

/// The handler behind `/dev/ctn`.
///
/// It also owns the hooks, which are armed only while at least one container exists: a
/// module with no container costs the rest of the system nothing. Installed with the first
/// container, they are parked with the last (see `hooks`) and removed at unload. Creating
/// and destroying a container holds the `hooks` mutex, so no container (and so no member)
/// exists without them armed.
pub(crate) struct Control {
    registry: Arc<Registry>,
    hooks: Pin<KBox<Mutex<HookState>>>,
}

/// The hooks, once a container was made, and where the hooked functions are (found once).
struct HookState {
    hooks: Option<Hooks>,
    sites: Sites,
}

impl Control {
    pub(crate) fn new(registry: Arc<Registry>) -> Result<Self> {
        Ok(Self {
            registry,
            hooks: KBox::pin_init(
                new_mutex!(
                    HookState {
                        hooks: None,
                        sites: Sites::new(),
                    },
                    "ctn_hooks"
                ),
                GFP_KERNEL,
            )?,
        })
    }

    fn require_admin(&self) -> Result {
        if !cred::has_sys_admin() || self.registry.current_is_member() {
            return Err(EPERM);
        }
        Ok(())
    }
}

impl IoctlHandler for Control {
    fn ioctl(&self, cmd: u32, arg: UserPtr) -> Result<u32> {
        match cmd {
            uapi::CTN_IOC_VERSION => version(arg),
            uapi::CTN_IOC_CREATE => self.create(arg),
            uapi::CTN_IOC_DESTROY => self.destroy(arg),
            uapi::CTN_IOC_ATTACH => self.attach(arg),
            uapi::CTN_IOC_LIST => self.list(arg),
            uapi::CTN_IOC_INFO => self.info(arg),
            uapi::CTN_IOC_PS => self.ps(arg),
            uapi::CTN_IOC_EVENTS => self.events(arg),
            uapi::CTN_IOC_KILL => self.kill(arg),
            uapi::CTN_IOC_SET_IDENTITY => self.set_identity(arg),
            uapi::CTN_IOC_GET_IDENTITY => self.get_identity(arg),
            uapi::CTN_IOC_SET_LIMITS => self.set_limits(arg),
            uapi::CTN_IOC_GET_USAGE => self.usage(arg),
            uapi::CTN_IOC_HOST => self.host(arg),
            uapi::CTN_IOC_RECORD => self.record(arg),
            uapi::CTN_IOC_FILES => self.files(arg),
            uapi::CTN_IOC_CAPS => self.caps(arg),
            _ => Err(ENOTTY),
        }
    }
}

/// Refuses unknown flag bits.
fn check_flags(flags: u32, known: u32) -> Result {
    if flags & !known != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// `CTN_IOC_VERSION`: open to anyone who can open the device.
fn version(arg: UserPtr) -> Result<u32> {
    let (mut v, mut out) = read_request::<uapi::CtnVersion>(arg)?;
    v.abi_version = uapi::CTN_ABI_VERSION;
    v.module_version = fixed_str(MODULE_VERSION);
    out.write(&v)?;
    Ok(0)
}

impl Control {
    fn create(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnCreate>(arg)?;
        check_flags(req.flags, uapi::CTN_CREATE_RECORD_FILES)?;
        let name = Name::parse(&req.name)?;
        let record = req.flags & uapi::CTN_CREATE_RECORD_FILES != 0;
        self.require_admin()?;
        let mut state = self.hooks.lock();
        let HookState { hooks, sites } = &mut *state;
        let h = match hooks {
            Some(h) => {
                h.arm()?;
                h
            }
            None => hooks.insert(Hooks::install(&self.registry, sites)?),
        };
        let mut created = self.registry.create(name, req.history_len, record);
        if let (Ok(_), true) = (&created, record) {
            // Before it can have a member: the recorder must see its first open.
            if let Err(e) = h.record_opens(sites, true) {
                let _ = self.registry.destroy(Target::Name(name));
                created = Err(e);
            }
        }
        if self.registry.is_empty() {
            // The first container could not be made: no reason to keep the hooks armed.
            let _ = h.park();
        }
        drop(state);
        req.id = created?;
        out.write(&req)?;
        Ok(0)
    }

    fn destroy(&self, arg: UserPtr) -> Result<u32> {
        let (req, _) = read_request::<uapi::CtnDestroy>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        self.require_admin()?;
        let mut state = self.hooks.lock();
        let HookState { hooks, sites } = &mut *state;
        self.registry.destroy(target)?;
        if let Some(h) = hooks.as_mut() {
            if self.registry.is_empty() {
                // The last container had no member: nothing needs the hooks any more. If the
                // kernel cannot park them they stay armed, which costs calls time, not rules.
                let _ = h.park();
            } else {
                h.record_opens(sites, self.registry.is_recording())?;
            }
        }
        Ok(0)
    }

    fn attach(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnAttach>(arg)?;
        if req.reserved0 != 0 {
            return Err(EINVAL);
        }
        let target = Target::parse(&req.target)?;
        self.require_admin()?;
        req.threads = self.registry.attach(target, req.pid)?;
        out.write(&req)?;
        Ok(0)
    }

    fn kill(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnKill>(arg)?;
        check_flags(req.flags, uapi::CTN_KILL_SEAL)?;
        let target = Target::parse(&req.target)?;
        self.require_admin()?;
        let seal = req.flags & uapi::CTN_KILL_SEAL != 0;
        req.signalled = self.registry.kill(target, req.signal, seal)?;
        out.write(&req)?;
        Ok(0)
    }

    fn info(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnInfoReq>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        req.info = self.registry.info(target)?;
        out.write(&req)?;
        Ok(0)
    }

    fn list(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnList>(arg)?;
        check_flags(req.flags, 0)?;
        let max = capacity::<uapi::CtnInfo>(&req.out)?;
        let (entries, total) = self.registry.list(max)?;
        write_entries(&mut req.out, &entries, total)?;
        out.write(&req)?;
        Ok(0)
    }

    fn ps(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnPs>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        let max = capacity::<uapi::CtnTask>(&req.out)?;
        let (entries, total) = self.registry.ps(target, max)?;
        write_entries(&mut req.out, &entries, total)?;
        out.write(&req)?;
        Ok(0)
    }

    fn events(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnEvents>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        let max = capacity::<uapi::CtnEvent>(&req.out)?;
        let batch = self.registry.events(target, req.since, max)?;
        let total = u32::try_from(batch.available).unwrap_or(u32::MAX);
        write_entries(&mut req.out, &batch.events, total)?;
        req.next = batch.next;
        req.lost = batch.lost;
        out.write(&req)?;
        Ok(0)
    }

    fn set_identity(&self, arg: UserPtr) -> Result<u32> {
        let (req, _) = read_request::<uapi::CtnIdentity>(arg)?;
        check_flags(
            req.flags,
            uapi::CTN_IDENTITY_HOSTNAME
                | uapi::CTN_IDENTITY_DOMAINNAME
                | uapi::CTN_IDENTITY_IPV4
                | uapi::CTN_IDENTITY_MAC,
        )?;
        let target = Target::parse(&req.target)?;
        let host = identity::parse_name(&req.hostname)?;
        let domain = identity::parse_name(&req.domainname)?;
        let net = Addresses::pack(Addresses::parse(req.ipv4, req.loopback)?);
        let mac = network::parse_mac(req.mac)?;
        self.require_admin()?;
        let given = |flag: u32| req.flags & flag != 0;
        let (net, mac) = (
            given(uapi::CTN_IDENTITY_IPV4).then_some(net),
            given(uapi::CTN_IDENTITY_MAC).then_some(mac),
        );
        // The network part first: it is the one that can be refused (EADDRINUSE).
        if net.is_some() || mac.is_some() {
            self.registry.set_network(target, net, mac)?;
        }
        let host = given(uapi::CTN_IDENTITY_HOSTNAME).then_some(host);
        let domain = given(uapi::CTN_IDENTITY_DOMAINNAME).then_some(domain);
        self.registry.set_identity(target, host, domain)?;
        Ok(0)
    }

    fn set_limits(&self, arg: UserPtr) -> Result<u32> {
        let (req, _) = read_request::<uapi::CtnLimits>(arg)?;
        check_flags(
            req.flags,
            uapi::CTN_LIMIT_TASKS
                | uapi::CTN_LIMIT_MEMORY
                | uapi::CTN_LIMIT_FILES
                | uapi::CTN_LIMIT_DISK
                | uapi::CTN_LIMIT_CPU_TIME
                | uapi::CTN_LIMIT_CPU_SHARE
                | uapi::CTN_LIMIT_NET_RATE
                | uapi::CTN_LIMIT_DRY_RUN,
        )?;
        let dry_run = req.flags & uapi::CTN_LIMIT_DRY_RUN != 0;
        // A dry run may name no container: it checks a new one.
        let target = match (dry_run, Target::is_empty(&req.target)) {
            (true, true) => None,
            _ => Some(Target::parse(&req.target)?),
        };
        // A CPU share beyond every CPU the host has is no share (admission then checks what
        // the reserve allows).
        let max_share = u64::from(task::online_cpus()) * 100;
        if req.tasks > u64::from(u32::MAX)
            || req.files > u64::from(u32::MAX)
            || req.cpu_share > max_share
        {
            return Err(EINVAL);
        }
        self.require_admin()?;
        self.registry.set_limits(target, req.flags, &req, dry_run)?;
        Ok(0)
    }

    fn usage(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnUsage>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        self.registry.usage(target, &mut req)?;
        out.write(&req)?;
        Ok(0)
    }

    /// `CTN_IOC_HOST`: the host's resources and reservations; setting the CPU reserve needs
    /// the privilege of the other changes. A container's processes see their own container
    /// only, not the host (`EPERM`).
    fn host(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnHost>(arg)?;
        check_flags(req.flags, uapi::CTN_HOST_SET_CPU_RESERVE)?;
        if req.reserved0 != 0 {
            return Err(EINVAL);
        }
        let reserve =
            (req.flags & uapi::CTN_HOST_SET_CPU_RESERVE != 0).then_some(req.cpu_reserve_pct);
        if reserve.is_some() {
            self.require_admin()?;
        } else if self.registry.current_is_member() {
            return Err(EPERM);
        }
        self.registry.host(reserve, &mut req)?;
        out.write(&req)?;
        Ok(0)
    }

    /// `CTN_IOC_FILES`: the files a recording container's processes opened.
    fn files(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnFiles>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        let max = capacity::<uapi::CtnPath>(&req.out)?;
        let (entries, recorded, dropped) = self.registry.files(target, max)?;
        let total = u32::try_from(recorded).unwrap_or(u32::MAX);
        write_entries(&mut req.out, &entries, total)?;
        req.recorded = recorded;
        req.dropped = dropped;
        out.write(&req)?;
        Ok(0)
    }

    /// `CTN_IOC_RECORD`: a lifecycle event, from the tool that starts and stops containers.
    fn record(&self, arg: UserPtr) -> Result<u32> {
        let (req, _) = read_request::<uapi::CtnRecord>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        let known = matches!(req.kind, uapi::CTN_EVENT_STARTED | uapi::CTN_EVENT_STOPPED);
        if req.reserved0 != 0 || !known || req.pid < 0 {
            return Err(EINVAL);
        }
        self.require_admin()?;
        self.registry.record(target, req.kind, req.pid, req.arg)?;
        Ok(0)
    }

    /// `CTN_IOC_CAPS`: sets (admin only) or reports a container's capability set.
    fn caps(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnCaps>(arg)?;
        check_flags(req.flags, uapi::CTN_CAPS_SET)?;
        let target = Target::parse(&req.target)?;
        if req.flags & uapi::CTN_CAPS_SET != 0 {
            let caps = privilege::parse(req.caps)?;
            self.require_admin()?;
            self.registry.set_caps(target, caps)?;
            return Ok(0);
        }
        if req.caps != 0 {
            return Err(EINVAL);
        }
        req.caps = self.registry.caps(target)?;
        out.write(&req)?;
        Ok(0)
    }

    fn get_identity(&self, arg: UserPtr) -> Result<u32> {
        let (mut req, mut out) = read_request::<uapi::CtnIdentity>(arg)?;
        check_flags(req.flags, 0)?;
        let target = Target::parse(&req.target)?;
        (req.hostname, req.domainname) = self.registry.identity(target)?;
        let (net, mac) = self.registry.network(target)?;
        let addresses = Addresses::unpack(net);
        req.ipv4 = addresses.map_or([0; 4], |a| a.ip.octets());
        req.loopback = addresses.map_or([0; 4], |a| a.loopback.octets());
        req.mac = network::mac_bytes(mac);
        out.write(&req)?;
        Ok(0)
    }
}
