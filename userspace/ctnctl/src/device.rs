//! `/dev/ctn`: opening it and issuing the ioctls of the shared ABI (`ctn-uapi`).

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::Path;

use ctn_uapi as uapi;
use nix::errno::Errno;

use std::net::Ipv4Addr;

use macaddr::MacAddr6;

use crate::error::Error;
use crate::identity::Identity;
use crate::limits::Limits;
use crate::view::IdentityView;

nix::ioctl_readwrite_bad!(ioc_version, uapi::CTN_IOC_VERSION, uapi::CtnVersion);
nix::ioctl_readwrite_bad!(ioc_create, uapi::CTN_IOC_CREATE, uapi::CtnCreate);
nix::ioctl_readwrite_bad!(ioc_destroy, uapi::CTN_IOC_DESTROY, uapi::CtnDestroy);
nix::ioctl_readwrite_bad!(ioc_attach, uapi::CTN_IOC_ATTACH, uapi::CtnAttach);
nix::ioctl_readwrite_bad!(ioc_list, uapi::CTN_IOC_LIST, uapi::CtnList);
nix::ioctl_readwrite_bad!(ioc_info, uapi::CTN_IOC_INFO, uapi::CtnInfoReq);
nix::ioctl_readwrite_bad!(ioc_ps, uapi::CTN_IOC_PS, uapi::CtnPs);
nix::ioctl_readwrite_bad!(ioc_events, uapi::CTN_IOC_EVENTS, uapi::CtnEvents);
nix::ioctl_readwrite_bad!(ioc_kill, uapi::CTN_IOC_KILL, uapi::CtnKill);
nix::ioctl_readwrite_bad!(
    ioc_set_identity,
    uapi::CTN_IOC_SET_IDENTITY,
    uapi::CtnIdentity
);
nix::ioctl_readwrite_bad!(ioc_set_limits, uapi::CTN_IOC_SET_LIMITS, uapi::CtnLimits);
nix::ioctl_readwrite_bad!(ioc_get_usage, uapi::CTN_IOC_GET_USAGE, uapi::CtnUsage);
nix::ioctl_readwrite_bad!(ioc_host, uapi::CTN_IOC_HOST, uapi::CtnHost);
nix::ioctl_readwrite_bad!(ioc_record, uapi::CTN_IOC_RECORD, uapi::CtnRecord);
nix::ioctl_readwrite_bad!(ioc_files, uapi::CTN_IOC_FILES, uapi::CtnFiles);
nix::ioctl_readwrite_bad!(ioc_caps, uapi::CTN_IOC_CAPS, uapi::CtnCaps);
nix::ioctl_readwrite_bad!(
    ioc_get_identity,
    uapi::CTN_IOC_GET_IDENTITY,
    uapi::CtnIdentity
);

/// Sets `size` to the structure's own size: the first thing every request needs.
macro_rules! request {
    ($ty:ty { $($field:ident: $value:expr),* $(,)? }) => {{
        let mut r = <$ty>::default();
        r.size = size_of::<$ty>() as u32;
        $( r.$field = $value; )*
        r
    }};
}

/// An open handle on the ctn control device.
pub struct Device {
    file: File,
}

/// What `CTN_IOC_VERSION` reports.
pub struct ModuleVersion {
    pub abi: u32,
    pub module: String,
}

/// A container name as the ABI carries it (validated by `crate::names`).
pub fn target(name: &str) -> uapi::CtnTarget {
    uapi::CtnTarget {
        name: fixed(name),
        ..Default::default()
    }
}

fn fixed<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let n = s.len().min(N - 1);
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out
}

/// Runs one ioctl, turning its errno into an `Error` that names the operation.
fn call(op: &'static str, ret: nix::Result<i32>) -> Result<(), Error> {
    ret.map(|_| ()).map_err(|e| Error::Ioctl(op, e))
}

/// The one way a variable-length answer is fetched: `ask` fills the array it is given and says
/// how many entries there are in all (`total`); the array grows until everything fits, or
/// until the kernel gives fewer than there is room for (what it keeps is bounded).
fn fetch_all<E: Default + Clone>(
    mut ask: impl FnMut(&mut uapi::CtnBuffer) -> Result<(), Error>,
) -> Result<Vec<E>, Error> {
    const MOST: usize = 1 << 16;
    let mut cap = 64usize;
    loop {
        let mut entries = vec![E::default(); cap];
        let mut out = uapi::CtnBuffer {
            buf: entries.as_mut_ptr() as u64,
            capacity: cap as u32,
            entry_size: size_of::<E>() as u32,
            ..Default::default()
        };
        ask(&mut out)?;
        if out.total <= out.count || out.count < out.capacity || cap >= MOST {
            entries.truncate(out.count as usize);
            return Ok(entries);
        }
        cap = (out.total as usize + 16).min(MOST);
    }
}

impl Device {
    /// Opens the device at `path` (normally `/dev/ctn`), explaining the usual failures.
    pub fn open(path: &Path) -> Result<Self, Error> {
        match OpenOptions::new().read(true).write(true).open(path) {
            Ok(file) => Ok(Self { file }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotLoaded(format!(
                "{} does not exist",
                path.display()
            ))),
            Err(e) if matches!(e.raw_os_error(), Some(nix::libc::ENODEV | nix::libc::ENXIO)) => {
                Err(Error::NotLoaded(format!(
                    "{} has no device behind it",
                    path.display()
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(Error::NoPermission(path.display().to_string()))
            }
            Err(e) => Err(Error::Io(format!("cannot open {}", path.display()), e)),
        }
    }

    fn fd(&self) -> i32 {
        self.file.as_raw_fd()
    }

    pub fn version(&self) -> Result<ModuleVersion, Error> {
        let mut v = request!(uapi::CtnVersion {});
        // SAFETY: `v` is a valid, writable `CtnVersion`, the type CTN_IOC_VERSION encodes.
        call("CTN_IOC_VERSION", unsafe { ioc_version(self.fd(), &mut v) })?;
        Ok(ModuleVersion {
            abi: v.abi_version,
            module: c_string(&v.module_version),
        })
    }

    /// Creates a container; `record_files`: it records the files its processes open.
    pub fn create(&self, name: &str, history_len: u32, record_files: bool) -> Result<u32, Error> {
        let mut r = request!(uapi::CtnCreate {
            flags: if record_files {
                uapi::CTN_CREATE_RECORD_FILES
            } else {
                0
            },
            name: fixed(name),
            history_len: history_len
        });
        // SAFETY: `r` is a valid, writable `CtnCreate` (likewise for every call below).
        call("create", unsafe { ioc_create(self.fd(), &mut r) })?;
        Ok(r.id)
    }

    pub fn destroy(&self, name: &str) -> Result<(), Error> {
        let mut r = request!(uapi::CtnDestroy {
            target: target(name)
        });
        // SAFETY: see `create`.
        call("destroy", unsafe { ioc_destroy(self.fd(), &mut r) })
    }

    /// Moves process `pid` (0: this process) into the container; returns the threads moved.
    pub fn attach(&self, name: &str, pid: u32) -> Result<u32, Error> {
        let mut r = request!(uapi::CtnAttach {
            target: target(name),
            pid: pid
        });
        // SAFETY: see `create`.
        call("attach", unsafe { ioc_attach(self.fd(), &mut r) })?;
        Ok(r.threads)
    }

    /// Sends `signal` to every process in the container; returns how many.
    pub fn kill(&self, name: &str, signal: i32, seal: bool) -> Result<u32, Error> {
        let flags = if seal { uapi::CTN_KILL_SEAL } else { 0 };
        let mut r = request!(uapi::CtnKill {
            target: target(name),
            signal: signal as u32,
            flags: flags
        });
        // SAFETY: see `create`.
        call("kill", unsafe { ioc_kill(self.fd(), &mut r) })?;
        Ok(r.signalled)
    }

    /// Changes the parts of a container's identity that `id` gives.
    pub fn set_identity(&self, name: &str, id: &Identity<'_>) -> Result<(), Error> {
        let mut flags = 0;
        let mut r = request!(uapi::CtnIdentity {
            target: target(name)
        });
        if let Some(h) = id.hostname {
            flags |= uapi::CTN_IDENTITY_HOSTNAME;
            r.hostname = fixed(h);
        }
        if let Some(d) = id.domainname {
            flags |= uapi::CTN_IDENTITY_DOMAINNAME;
            r.domainname = fixed(d);
        }
        if let Some(ip) = id.ip {
            flags |= uapi::CTN_IDENTITY_IPV4;
            if let Some((ip, lo)) = ip {
                r.ipv4 = ip.octets();
                r.loopback = lo.map_or([0; 4], |l| l.octets());
            }
        }
        if let Some(mac) = id.mac {
            flags |= uapi::CTN_IDENTITY_MAC;
            r.mac = mac.map_or([0; 6], |m| m.into_array());
        }
        r.flags = flags;
        // SAFETY: see `create`.
        call("set", unsafe { ioc_set_identity(self.fd(), &mut r) })
    }

    /// Sets the limits `l.flags` names.
    pub fn set_limits(&self, name: &str, l: &Limits) -> Result<(), Error> {
        self.limits_request(Some(name), l.flags, l)
    }

    /// Whether the limits would be admitted for container `name` (`None`: a new one);
    /// changes nothing.
    pub fn check_limits(&self, name: Option<&str>, l: &Limits) -> Result<(), Error> {
        self.limits_request(name, l.flags | uapi::CTN_LIMIT_DRY_RUN, l)
    }

    fn limits_request(&self, name: Option<&str>, flags: u32, l: &Limits) -> Result<(), Error> {
        let mut r = request!(uapi::CtnLimits {
            flags: flags,
            target: name.map_or_else(uapi::CtnTarget::default, target),
            tasks: l.tasks,
            memory: l.memory,
            files: l.files,
            disk: l.disk,
            cpu_time: l.cpu_time,
            cpu_share: l.cpu_share,
            net_rate: l.net_rate
        });
        // SAFETY: see `create`.
        call("set limits", unsafe { ioc_set_limits(self.fd(), &mut r) })
    }

    /// The container's resources: usage, peak, limit, refusals.
    pub fn usage(&self, name: &str) -> Result<uapi::CtnUsage, Error> {
        let mut r = request!(uapi::CtnUsage {
            target: target(name)
        });
        // SAFETY: see `create`.
        call("stats", unsafe { ioc_get_usage(self.fd(), &mut r) })?;
        Ok(r)
    }

    /// The files a recording container's processes opened, and how many were dropped.
    pub fn files(&self, name: &str) -> Result<(Vec<String>, u64), Error> {
        let mut dropped = 0;
        let entries: Vec<uapi::CtnPath> = fetch_all(|out| {
            let mut r = request!(uapi::CtnFiles {
                target: target(name),
                out: *out
            });
            // SAFETY: see `list`; `out.buf` points to `out.capacity` entries.
            call("files", unsafe { ioc_files(self.fd(), &mut r) })?;
            *out = r.out;
            dropped = r.dropped;
            Ok(())
        })?;
        let paths = entries.iter().map(|p| c_string(&p.path)).collect();
        Ok((paths, dropped))
    }

    /// A second handle on the same open device (for a child process).
    pub fn try_clone(&self) -> Result<Device, Error> {
        Ok(Device {
            file: self
                .file
                .try_clone()
                .map_err(|e| Error::Io("/dev/ctn".into(), e))?,
        })
    }

    /// Records a lifecycle event (`CTN_EVENT_STARTED`, `CTN_EVENT_STOPPED`) in the history.
    /// Sets the capability set of container `name` (one bit per capability number).
    pub fn set_caps(&self, name: &str, caps: u64) -> Result<(), Error> {
        let mut r = request!(uapi::CtnCaps {
            flags: uapi::CTN_CAPS_SET,
            target: target(name),
            caps: caps
        });
        // SAFETY: see `create`.
        call("set capabilities", unsafe { ioc_caps(self.fd(), &mut r) })
    }

    /// The capability set of container `name`.
    pub fn caps(&self, name: &str) -> Result<u64, Error> {
        let mut r = request!(uapi::CtnCaps {
            target: target(name)
        });
        // SAFETY: see `create`.
        call("capabilities", unsafe { ioc_caps(self.fd(), &mut r) })?;
        Ok(r.caps)
    }

    pub fn record(&self, name: &str, kind: u32, pid: i32, arg: i32) -> Result<(), Error> {
        let mut r = request!(uapi::CtnRecord {
            target: target(name),
            kind: kind,
            pid: pid,
            arg: arg
        });
        // SAFETY: see `create`.
        call("record", unsafe { ioc_record(self.fd(), &mut r) })
    }

    /// The host's resources and what the containers reserve of them; with `cpu_reserve`,
    /// sets the CPU reserve (percent) first.
    pub fn host(&self, cpu_reserve: Option<u32>) -> Result<uapi::CtnHost, Error> {
        let mut r = request!(uapi::CtnHost {});
        if let Some(pct) = cpu_reserve {
            r.flags = uapi::CTN_HOST_SET_CPU_RESERVE;
            r.cpu_reserve_pct = pct;
        }
        // SAFETY: see `create`.
        call("host", unsafe { ioc_host(self.fd(), &mut r) })?;
        Ok(r)
    }

    /// The identity the container's processes see.
    pub fn identity(&self, name: &str) -> Result<IdentityView, Error> {
        let mut r = request!(uapi::CtnIdentity {
            target: target(name)
        });
        // SAFETY: see `create`.
        call("identity", unsafe { ioc_get_identity(self.fd(), &mut r) })?;
        let addr = |o: [u8; 4]| (o != [0; 4]).then(|| Ipv4Addr::from(o).to_string());
        Ok(IdentityView {
            hostname: c_string(&r.hostname),
            domainname: c_string(&r.domainname),
            ip: addr(r.ipv4),
            loopback: addr(r.loopback),
            mac: (r.mac != [0; 6]).then(|| MacAddr6::from(r.mac).to_string().to_lowercase()),
        })
    }

    pub fn info(&self, name: &str) -> Result<uapi::CtnInfo, Error> {
        let mut r = request!(uapi::CtnInfoReq {
            target: target(name)
        });
        // SAFETY: see `create`.
        call("info", unsafe { ioc_info(self.fd(), &mut r) })?;
        Ok(r.info)
    }

    pub fn list(&self) -> Result<Vec<uapi::CtnInfo>, Error> {
        fetch_all(|out| {
            let mut r = request!(uapi::CtnList { out: *out });
            // SAFETY: see `create`; `out.buf` points to `out.capacity` entries.
            call("list", unsafe { ioc_list(self.fd(), &mut r) })?;
            *out = r.out;
            Ok(())
        })
    }

    pub fn ps(&self, name: &str) -> Result<Vec<uapi::CtnTask>, Error> {
        fetch_all(|out| {
            let mut r = request!(uapi::CtnPs {
                target: target(name),
                out: *out
            });
            // SAFETY: see `list`.
            call("ps", unsafe { ioc_ps(self.fd(), &mut r) })?;
            *out = r.out;
            Ok(())
        })
    }

    /// Events numbered `since` and later; returns them, the next number to ask for, and how
    /// many wanted events the history no longer held.
    pub fn events(&self, name: &str, since: u64) -> Result<(Vec<uapi::CtnEvent>, u64, u64), Error> {
        let (mut next, mut lost) = (since, 0);
        let events = fetch_all(|out| {
            let mut r = request!(uapi::CtnEvents {
                target: target(name),
                since: since,
                out: *out
            });
            // SAFETY: see `list`.
            call("events", unsafe { ioc_events(self.fd(), &mut r) })?;
            *out = r.out;
            (next, lost) = (r.next, r.lost);
            Ok(())
        })?;
        Ok((events, next, lost))
    }
}

/// The text of a NUL-terminated, NUL-filled byte array from the ABI.
pub fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Errno of an error, if it came from the kernel.
pub fn errno(e: &Error) -> Option<Errno> {
    match e {
        Error::Ioctl(_, errno) => Some(*errno),
        _ => None,
    }
}
