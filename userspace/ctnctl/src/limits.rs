//! The limit options of `create` and `set`, and the resources view of `stats`.

use clap::Args;
use ctn_uapi as uapi;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;

/// The limit options, on the command line (`--max-tasks`) and as a spec's `[limits]` table
/// (`max_tasks`), where a value may be a number or text (`max_tasks = 64`,
/// `max_memory = "64M"`).
#[derive(Args, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitArgs {
    /// Most tasks (processes and threads) at once; one more fork or thread fails with EAGAIN
    /// ("none": no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "N|none")]
    pub max_tasks: Option<String>,
    /// Most address space for all its processes together, e.g. 64M or 2G; a mapping beyond
    /// it fails with ENOMEM ("none": no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "SIZE|none")]
    pub max_memory: Option<String>,
    /// Most open file descriptors of all its processes together; opening one more fails
    /// with EMFILE ("none": no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "N|none")]
    pub max_files: Option<String>,
    /// Most bytes its processes may write to files, in all, e.g. 10G; a write beyond it
    /// fails with EDQUOT ("none": no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "SIZE|none")]
    pub max_disk: Option<String>,
    /// Most CPU time for all its processes together, e.g. 90s or 2h; beyond it they get
    /// SIGXCPU, then SIGKILL a second later ("none": no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "DURATION|none")]
    pub max_cpu_time: Option<String>,
    /// CPU bandwidth of all its processes together, as a percentage of one CPU, e.g. 25% or
    /// 150% (one and a half CPUs), enforced every 100 ms: beyond it they wait for the next
    /// period. It is also a reservation: see `ctnctl host` ("none": no cap).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "PERCENT|none")]
    pub cpu_share: Option<String>,
    /// Most bytes per second its processes may send on IPv4/IPv6 sockets together, e.g. 1M
    /// (or 1M/s): a blocking send waits for its turn, a non-blocking one fails with EAGAIN;
    /// no data is dropped ("none": no limit).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_text"
    )]
    #[arg(long, value_name = "RATE|none")]
    pub max_net_rate: Option<String>,
}

/// A spec value that TOML may give as a number or as text.
fn number_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Number(u64),
        Text(String),
    }
    Ok(Some(match Value::deserialize(d)? {
        Value::Number(n) => n.to_string(),
        Value::Text(t) => t,
    }))
}

impl LimitArgs {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
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
    /// Percent of one CPU.
    pub cpu_share: u64,
    /// Bytes per second.
    pub net_rate: u64,
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
            cpu_share: 0,
            net_rate: 0,
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
        if let Some(c) = self.cpu_share.as_deref() {
            l.flags |= uapi::CTN_LIMIT_CPU_SHARE;
            l.cpu_share = percent("--cpu-share", c, host_cpus() * 100)?;
        }
        if let Some(r) = self.max_net_rate.as_deref() {
            l.flags |= uapi::CTN_LIMIT_NET_RATE;
            l.net_rate = size("--max-net-rate", r.strip_suffix("/s").unwrap_or(r))?;
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

/// CPUs of this host (what a CPU share may be at most, in hundreds of percent).
fn host_cpus() -> u64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

/// A percentage of one CPU, 1 to `max`, with or without `%`, or none (0).
fn percent(option: &str, value: &str, max: u64) -> Result<u64, Error> {
    match value {
        "none" => Ok(0),
        v => match v.strip_suffix('%').unwrap_or(v).parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Error::Usage(format!(
                "{option} '{v}': give a percentage of one CPU from 1% to {max}% (this host has {} CPUs), or none",
                max / 100
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
    /// Percent of one CPU over the last second (failcnt: times a process was held back).
    pub cpu_share: ResourceView,
    /// Bytes per second sent over the last second (failcnt: sends held back or refused).
    pub net_rate: ResourceView,
    /// Bytes asked to be sent on IPv4/IPv6 sockets, and received from them.
    pub net_sent: u64,
    pub net_received: u64,
    /// Descriptors opened, in all.
    pub files_opened: u64,
    /// Time processes were held back by the CPU share and sends by the network rate (ns).
    pub cpu_throttled_ns: u64,
    pub net_delayed_ns: u64,
}

impl From<&uapi::CtnUsage> for ResourcesView {
    fn from(u: &uapi::CtnUsage) -> Self {
        Self {
            tasks: (&u.tasks).into(),
            memory: (&u.memory).into(),
            files: (&u.files).into(),
            disk: (&u.disk).into(),
            cpu_time: (&u.cpu_time).into(),
            cpu_share: (&u.cpu_share).into(),
            net_rate: (&u.net_rate).into(),
            net_sent: u.net_sent,
            net_received: u.net_received,
            files_opened: u.files_opened,
            cpu_throttled_ns: u.cpu_throttled_ns,
            net_delayed_ns: u.net_delayed_ns,
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
            row("cpu-share", &self.cpu_share, &|p| format!("{p}%")),
            row("net-rate", &self.net_rate, &|b| format!("{}/s", mib(b))),
            // Accounting only: no peak, limit or refusals.
            counted("net-sent", mib(self.net_sent)),
            counted("net-received", mib(self.net_received)),
            counted("files-opened", self.files_opened.to_string()),
            counted(
                "cpu-held",
                format!("{:.2}s", self.cpu_throttled_ns as f64 / 1e9),
            ),
            counted(
                "net-held",
                format!("{:.2}s", self.net_delayed_ns as f64 / 1e9),
            ),
        ]
    }
}

/// Why limits were not admitted (`ENOSPC`): what was asked, what the other containers hold,
/// what the host has (memory, or CPU).
pub fn explain_admission(dev: &crate::device::Device, name: Option<&str>, l: &Limits) -> Error {
    let Ok(host) = dev.host(None) else {
        return Error::Refused(
            "the host cannot take these limits beside the other containers (ENOSPC)".into(),
        );
    };
    // What the named container holds now counts as its own, not as the others'.
    let own = name.and_then(|n| dev.usage(n).ok());
    let own_memory = own.map_or(0, |u| u.memory.limit);
    let own_cpu = own.map_or(0, |u| u.cpu_share.limit);
    let others = host.containers.saturating_sub(u32::from(own.is_some()));
    let memory_reserved = host.memory_reserved.saturating_sub(own_memory);
    let mib = |b: u64| format!("{} MiB", b >> 20);
    if l.flags & uapi::CTN_LIMIT_MEMORY != 0
        && l.memory != 0
        && memory_reserved.saturating_add(l.memory) > host.memory_total
    {
        return Error::Refused(format!(
            "memory does not fit: {} asked, {} already reserved by {others} other container(s), \
             {} of physical memory ({} left).\n  Ask for less, or lower another container's --max-memory.",
            mib(l.memory),
            mib(memory_reserved),
            mib(host.memory_total),
            mib(host.memory_total.saturating_sub(memory_reserved))
        ));
    }
    let capacity = u64::from(host.cpus) * u64::from(host.cpu_reserve_pct);
    let cpu_reserved = host.cpu_reserved.saturating_sub(own_cpu);
    Error::Refused(format!(
        "CPU does not fit: {}% of one CPU asked, {cpu_reserved}% already reserved by {others} other \
         container(s); shares may take {capacity}% in all ({}% of {} CPUs), so {}% is left.\n  \
         Ask for less, lower another container's --cpu-share, or raise the reserve with \
         `ctnctl host --cpu-reserve PERCENT`.",
        l.cpu_share,
        host.cpu_reserve_pct,
        host.cpus,
        capacity.saturating_sub(cpu_reserved)
    ))
}

/// The host's resources as `ctnctl host` shows them.
#[derive(Serialize)]
pub struct HostView {
    pub cpus: u32,
    /// Percent of all CPUs that CPU shares may reserve together.
    pub cpu_reserve_pct: u32,
    /// Percent of one CPU reserved by the containers' shares, and what may be.
    pub cpu_reserved: u64,
    pub cpu_capacity: u64,
    pub memory_total: u64,
    pub memory_reserved: u64,
    pub containers: u32,
}

impl From<&uapi::CtnHost> for HostView {
    fn from(h: &uapi::CtnHost) -> Self {
        Self {
            cpus: h.cpus,
            cpu_reserve_pct: h.cpu_reserve_pct,
            cpu_reserved: h.cpu_reserved,
            cpu_capacity: u64::from(h.cpus) * u64::from(h.cpu_reserve_pct),
            memory_total: h.memory_total,
            memory_reserved: h.memory_reserved,
            containers: h.containers,
        }
    }
}

impl HostView {
    pub fn text(&self) -> String {
        format!(
            "cpus:            {}\ncpu reserve:     {}% (CPU shares may take {}% of one CPU in all)\n\
             cpu reserved:    {}%\nmemory:          {} MiB\nmemory reserved: {} MiB\ncontainers:      {}",
            self.cpus,
            self.cpu_reserve_pct,
            self.cpu_capacity,
            self.cpu_reserved,
            self.memory_total >> 20,
            self.memory_reserved >> 20,
            self.containers
        )
    }
}

/// The `--cpu-reserve` of `ctnctl host`: 1% to 100%.
pub fn cpu_reserve(value: &str) -> Result<u32, Error> {
    match value.strip_suffix('%').unwrap_or(value).parse::<u32>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n),
        _ => Err(Error::Usage(format!(
            "--cpu-reserve '{value}': give the share of the host's CPUs that containers may reserve, from 1% to 100%"
        ))),
    }
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
            cpu_share: None,
            max_net_rate: None,
        }
    }

    #[test]
    fn parses_limits() {
        let l = args(Some("10"), Some("64M")).check().unwrap();
        assert_eq!((l.flags, l.tasks, l.memory), (3, 10, 64 * 1024 * 1024));
        let l = args(Some("none"), None).check().unwrap();
        assert_eq!((l.flags, l.tasks), (1, 0));
        let mut a = args(None, None);
        a.cpu_share = Some("25%".into());
        a.max_net_rate = Some("1M/s".into());
        let l = a.check().unwrap();
        assert_eq!((l.cpu_share, l.net_rate), (25, 1 << 20));
        for share in ["0", "0%", "-5", "x", "100000%"] {
            let mut a = args(None, None);
            a.cpu_share = Some(share.into());
            assert!(a.check().is_err(), "{share}");
        }
        assert!(
            cpu_reserve("90%").is_ok() && cpu_reserve("0").is_err() && cpu_reserve("101").is_err()
        );
        for bad in [
            args(Some("0"), None),
            args(Some("x"), None),
            args(None, Some("lots")),
        ] {
            assert!(bad.check().is_err());
        }
    }
}
