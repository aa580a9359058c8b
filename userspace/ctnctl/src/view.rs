//! What the read verbs print: serialisable views of the ABI structures, as tables for people
//! and as JSON (`--json`) for programs.

use std::time::{Duration, UNIX_EPOCH};

use ctn_uapi as uapi;
use serde::Serialize;

use crate::device::c_string;

/// What a container's processes see as their identity (`None`: the host's).
#[derive(Serialize, Clone)]
pub struct IdentityView {
    pub hostname: String,
    pub domainname: String,
    pub ip: Option<String>,
    pub loopback: Option<String>,
    pub mac: Option<String>,
}

#[derive(Serialize)]
pub struct ContainerView {
    pub id: u32,
    pub name: String,
    /// Only `show` fetches the identity.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityView>,
    /// Only `show` fetches the capability set (names, `CAP_CHOWN` ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// Only `stats` fetches the resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<crate::limits::ResourcesView>,
    pub sealed: bool,
    pub tasks: u32,
    pub peak_tasks: u32,
    pub history_len: u32,
    pub created: String,
    pub created_ns: u64,
    pub forks: u64,
    pub execs: u64,
    pub exits: u64,
    pub joins: u64,
    pub cpu_ns: u64,
    pub events_recorded: u64,
    pub events_dropped: u64,
}

impl From<&uapi::CtnInfo> for ContainerView {
    fn from(i: &uapi::CtnInfo) -> Self {
        Self {
            id: i.id,
            name: c_string(&i.name),
            identity: None,
            capabilities: None,
            resources: None,
            sealed: i.flags & uapi::CTN_INFO_SEALED != 0,
            tasks: i.tasks,
            peak_tasks: i.peak_tasks,
            history_len: i.history_len,
            created: time(i.created_ns),
            created_ns: i.created_ns,
            forks: i.forks,
            execs: i.execs,
            exits: i.exits,
            joins: i.joins,
            cpu_ns: i.cpu_ns,
            events_recorded: i.events_recorded,
            events_dropped: i.events_dropped,
        }
    }
}

#[derive(Serialize)]
pub struct TaskView {
    pub pid: i32,
    pub tgid: i32,
    pub ppid: i32,
    pub state: String,
    pub command: String,
    pub cpu_ns: u64,
}

impl From<&uapi::CtnTask> for TaskView {
    fn from(t: &uapi::CtnTask) -> Self {
        Self {
            pid: t.pid,
            tgid: t.tgid,
            ppid: t.ppid,
            state: char::from_u32(t.state).unwrap_or('?').to_string(),
            command: c_string(&t.comm),
            cpu_ns: t.cpu_ns,
        }
    }
}

#[derive(Serialize)]
pub struct EventView {
    pub seq: u64,
    pub time: String,
    pub time_ns: u64,
    pub kind: &'static str,
    pub pid: i32,
    pub tgid: i32,
    pub arg: i32,
    pub command: String,
    pub detail: String,
}

impl From<&uapi::CtnEvent> for EventView {
    fn from(e: &uapi::CtnEvent) -> Self {
        let kind = match e.kind {
            uapi::CTN_EVENT_CREATED => "created",
            uapi::CTN_EVENT_JOINED => "joined",
            uapi::CTN_EVENT_FORK => "fork",
            uapi::CTN_EVENT_EXEC => "exec",
            uapi::CTN_EVENT_EXIT => "exit",
            uapi::CTN_EVENT_SEALED => "sealed",
            uapi::CTN_EVENT_SIGNALLED => "signalled",
            uapi::CTN_EVENT_REFUSED => "refused",
            uapi::CTN_EVENT_STARTED => "started",
            uapi::CTN_EVENT_STOPPED => "stopped",
            _ => "unknown",
        };
        let detail = match e.kind {
            uapi::CTN_EVENT_JOINED => format!("{} threads", e.arg),
            uapi::CTN_EVENT_FORK if e.pid == e.tgid => format!("process created by {}", e.arg),
            uapi::CTN_EVENT_FORK => format!("thread of {} created by {}", e.tgid, e.arg),
            uapi::CTN_EVENT_EXIT => wait_status(e.arg),
            uapi::CTN_EVENT_SIGNALLED => format!("signal {} to {} processes", e.arg, e.pid),
            uapi::CTN_EVENT_REFUSED => format!("errno {}", e.arg),
            uapi::CTN_EVENT_STARTED => format!("first process {}", e.pid),
            uapi::CTN_EVENT_STOPPED => match e.arg {
                uapi::CTN_STOP_BY_COMMAND => "by its stop command".to_string(),
                uapi::CTN_STOP_BY_TERM => "after SIGTERM".to_string(),
                _ => format!("{} processes killed after the grace period", e.pid),
            },
            _ => String::new(),
        };
        Self {
            seq: e.seq,
            time: time(e.time_ns),
            time_ns: e.time_ns,
            kind,
            pid: e.pid,
            tgid: e.tgid,
            arg: e.arg,
            command: c_string(&e.comm),
            detail,
        }
    }
}

/// A wait(2) status in words.
pub fn wait_status(status: i32) -> String {
    let sig = status & 0x7f;
    if sig == 0 {
        format!("exited {}", (status >> 8) & 0xff)
    } else {
        let core = if status & 0x80 != 0 {
            " (core dumped)"
        } else {
            ""
        };
        format!("killed by signal {sig}{core}")
    }
}

/// CLOCK_REALTIME nanoseconds as RFC 3339 (UTC, seconds).
pub fn time(ns: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_nanos(ns)).to_string()
}

/// Seconds with two decimals.
pub fn secs(ns: u64) -> String {
    format!("{:.2}", ns as f64 / 1e9)
}

/// A table: a header and rows, left-aligned columns separated by two spaces.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

pub fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_status_words() {
        assert_eq!(wait_status(0), "exited 0");
        assert_eq!(wait_status(3 << 8), "exited 3");
        assert_eq!(wait_status(9), "killed by signal 9");
        assert_eq!(wait_status(11 | 0x80), "killed by signal 11 (core dumped)");
    }

    #[test]
    fn table_aligns_columns() {
        let t = table(&["A", "LONG"], &[vec!["xyz".into(), "1".into()]]);
        assert_eq!(t, "A    LONG\nxyz  1");
    }
}
