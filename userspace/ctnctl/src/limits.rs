//! The limit options of `create` and `set`, and the resources view of `stats`.

use clap::Args;
use ctn_uapi as uapi;
use serde::Serialize;

use crate::error::Error;

#[derive(Args, Clone, Default)]
pub struct LimitArgs {
    /// Most tasks (processes and threads) at once; one more fork or thread fails with EAGAIN
    /// ("none": no limit).
    #[arg(long, value_name = "N|none")]
    pub max_tasks: Option<String>,
    /// Most address space for all its processes together, e.g. 64M or 2G; a mapping beyond
    /// it fails with ENOMEM ("none": no limit).
    #[arg(long, value_name = "SIZE|none")]
    pub max_memory: Option<String>,
    /// Most open file descriptors of all its processes together; opening one more fails
    /// with EMFILE ("none": no limit).
    #[arg(long, value_name = "N|none")]
    pub max_files: Option<String>,
    /// Most bytes its processes may write to files, in all, e.g. 10G; a write beyond it
    /// fails with EDQUOT ("none": no limit).
    #[arg(long, value_name = "SIZE|none")]
    pub max_disk: Option<String>,
    /// Most CPU time for all its processes together, e.g. 90s or 2h; beyond it they get
    /// SIGXCPU, then SIGKILL a second later ("none": no limit).
    #[arg(long, value_name = "DURATION|none")]
    pub max_cpu_time: Option<String>,
}

/// A checked limit change: `flags` says which fields to set (0 in a field: no limit).
pub struct Limits {
    pub flags: u32,
    pub tasks: u64,
    pub memory: u64,
    pub files: u64,
    pub disk: u64,
    /// Nanoseconds.
    pub cpu_time: u64,
}

impl LimitArgs {
    pub fn check(&self) -> Result<Limits, Error> {
        let mut l = Limits {
            flags: 0,
            tasks: 0,
            memory: 0,
            files: 0,
            disk: 0,
            cpu_time: 0,
        };
        if let Some(t) = self.max_tasks.as_deref() {
            l.flags |= uapi::CTN_LIMIT_TASKS;
            l.tasks = count("--max-tasks", "tasks", t)?;
        }
        if let Some(f) = self.max_files.as_deref() {
            l.flags |= uapi::CTN_LIMIT_FILES;
            l.files = count("--max-files", "descriptors", f)?;
        }
        if let Some(m) = self.max_memory.as_deref() {
            l.flags |= uapi::CTN_LIMIT_MEMORY;
            l.memory = size("--max-memory", m)?;
        }
        if let Some(d) = self.max_disk.as_deref() {
            l.flags |= uapi::CTN_LIMIT_DISK;
            l.disk = size("--max-disk", d)?;
        }
        if let Some(t) = self.max_cpu_time.as_deref() {
            l.flags |= uapi::CTN_LIMIT_CPU_TIME;
            l.cpu_time = match t {
                "none" => 0,
                t => match humantime::parse_duration(t) {
                    Ok(d) if !d.is_zero() => u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
                    _ => {
                        return Err(Error::Usage(format!(
                            "--max-cpu-time '{t}': give a duration such as 90s or 2h, or none"
                        )))
                    }
                },
            };
        }
        Ok(l)
    }
}

/// A table row for a quantity that is only counted.
fn counted(name: &str, value: String) -> Vec<String> {
    vec![name.into(), value, "-".into(), "-".into(), "-".into()]
}

/// A size limit in bytes, or none (0). K, M, G are powers of 1024, as free(1) and docker
/// count.
fn size(option: &str, value: &str) -> Result<u64, Error> {
    match value {
        "none" => Ok(0),
        v => match parse_size::Config::new().with_binary().parse_size(v) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::Usage(format!(
                "{option} '{v}': give a size such as 512M or 2G, or none"
            ))),
        },
    }
}

/// A count limit: 1 to 2^32-1, or none (0).
fn count(option: &str, what: &str, value: &str) -> Result<u64, Error> {
    match value {
        "none" => Ok(0),
        v => match v.parse::<u32>() {
            Ok(n) if n > 0 => Ok(u64::from(n)),
            _ => Err(Error::Usage(format!(
                "{option} '{v}': give a number of {what} from 1 to {}, or none",
                u32::MAX
            ))),
        },
    }
}

/// One resource as `stats` shows it.
#[derive(Serialize)]
pub struct ResourceView {
    pub usage: u64,
    pub peak: u64,
    /// `None`: no limit.
    pub limit: Option<u64>,
    pub failcnt: u64,
}

impl From<&uapi::CtnResource> for ResourceView {
    fn from(r: &uapi::CtnResource) -> Self {
        Self {
            usage: r.usage,
            peak: r.peak,
            limit: (r.limit != 0).then_some(r.limit),
            failcnt: r.failcnt,
        }
    }
}

/// A container's resources.
#[derive(Serialize)]
pub struct ResourcesView {
    pub tasks: ResourceView,
    /// Bytes of address space.
    pub memory: ResourceView,
    /// Open file descriptors.
    pub files: ResourceView,
    /// Bytes written to files.
    pub disk: ResourceView,
    /// CPU time in ns (failcnt: signals sent for the limit).
    pub cpu_time: ResourceView,
    /// Bytes asked to be sent on IPv4/IPv6 sockets.
    pub net_sent: u64,
    /// Descriptors opened, in all.
    pub files_opened: u64,
}

impl From<&uapi::CtnUsage> for ResourcesView {
    fn from(u: &uapi::CtnUsage) -> Self {
        Self {
            tasks: (&u.tasks).into(),
            memory: (&u.memory).into(),
            files: (&u.files).into(),
            disk: (&u.disk).into(),
            cpu_time: (&u.cpu_time).into(),
            net_sent: u.net_sent,
            files_opened: u.files_opened,
        }
    }
}

impl ResourcesView {
    /// Rows for a table: resource, usage, peak, limit, refused.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mib = |b: u64| format!("{:.1}M", b as f64 / (1024.0 * 1024.0));
        let row = |name: &str, r: &ResourceView, show: &dyn Fn(u64) -> String| {
            vec![
                name.to_string(),
                show(r.usage),
                show(r.peak),
                r.limit.map_or_else(|| "-".to_string(), show),
                r.failcnt.to_string(),
            ]
        };
        vec![
            row("tasks", &self.tasks, &|n| n.to_string()),
            row("memory", &self.memory, &mib),
            row("files", &self.files, &|n| n.to_string()),
            row("disk", &self.disk, &mib),
            row("cpu-time", &self.cpu_time, &|ns| {
                format!("{:.2}s", ns as f64 / 1e9)
            }),
            // Accounting only: no peak, limit or refusals.
            counted("net-sent", mib(self.net_sent)),
            counted("files-opened", self.files_opened.to_string()),
        ]
    }
}

/// Why limits were not admitted (`ENOSPC`): what was asked, what the other containers hold,
/// what the host has.
pub fn explain_admission(dev: &crate::device::Device, name: Option<&str>, l: &Limits) -> Error {
    let total = nix::sys::sysinfo::sysinfo().map_or(0, |s| s.ram_total());
    let (mut reserved, mut others) = (0u64, 0usize);
    for info in dev.list().unwrap_or_default() {
        let other = crate::device::c_string(&info.name);
        if Some(other.as_str()) == name {
            continue;
        }
        if let Ok(u) = dev.usage(&other) {
            if u.memory.limit != 0 {
                reserved += u.memory.limit;
                others += 1;
            }
        }
    }
    let mib = |b: u64| format!("{} MiB", b >> 20);
    Error::Refused(format!(
        "memory does not fit: {} asked, {} already reserved by {others} other container(s), \
         {} of physical memory ({} left).\n  Ask for less, or lower another container's --max-memory.",
        mib(l.memory),
        mib(reserved),
        mib(total),
        mib(total.saturating_sub(reserved))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tasks: Option<&str>, memory: Option<&str>) -> LimitArgs {
        LimitArgs {
            max_tasks: tasks.map(String::from),
            max_memory: memory.map(String::from),
            max_files: None,
            max_disk: None,
            max_cpu_time: None,
        }
    }

    #[test]
    fn parses_limits() {
        let l = args(Some("10"), Some("64M")).check().unwrap();
        assert_eq!((l.flags, l.tasks, l.memory), (3, 10, 64 * 1024 * 1024));
        let l = args(Some("none"), None).check().unwrap();
        assert_eq!((l.flags, l.tasks), (1, 0));
        for bad in [
            args(Some("0"), None),
            args(Some("x"), None),
            args(None, Some("lots")),
        ] {
            assert!(bad.check().is_err());
        }
    }
}
