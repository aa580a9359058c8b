// SPDX-License-Identifier: GPL-2.0

//! A container's resource allocation: its limits, what it uses, its peaks and how often a
//! request was refused. Hooks check a request against the limit when the system call
//! arrives and refuse it with the resource's errno; nothing is ever killed or taken back.
//!
//! - Tasks (threads and processes, as cgroup `pids.max` counts them): a fork, clone or
//!   pthread_create beyond the limit fails with `EAGAIN`. Exact: a creation reserves its task
//!   before it happens (see `Registry::admit_clone`).
//! - Memory: the container's committed address space, the sum of every member process's
//!   `total_vm` (all its mappings: private and shared, anonymous and file-backed, stacks),
//!   as RLIMIT_AS counts one process and VServer's `as` limit a context. A mapping (mmap,
//!   brk, mremap, stack growth) that would take it beyond the limit fails with `ENOMEM`.
//! - Open files: the descriptors all member processes hold; opening one more (open, socket,
//!   accept, pipe, dup, ...) fails with `EMFILE`.
//! - Disk: bytes written to regular files by write(2) and pwrite(2), in all (a quota on
//!   writing, as the container's share of the disk's bandwidth and wear); a write that would
//!   go beyond it fails with `EDQUOT`, whole. Counted as requested, before the write.
//! - CPU time: user + system time of all members, exited ones included. Checked every
//!   second by a periodic work (`CpuWatch`): beyond the limit every member process gets
//!   `SIGXCPU`, and `SIGKILL` at the next check if it is still beyond (as RLIMIT_CPU does
//!   for one process).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use kernel::prelude::*;

use crate::sys::clock;
use crate::sys::table;
use crate::uapi;

/// Least time between two refusal events of one container in its history, so that a program
/// retrying in a loop cannot flood it (refusals are all counted in `failcnt`).
const REFUSAL_EVENT_INTERVAL_NS: u64 = 100_000_000;

/// One resource: usage and its peak, the limit (0: none), refusals.
#[derive(Default)]
pub(crate) struct Counter {
    pub(crate) usage: AtomicU64,
    peak: AtomicU64,
    limit: AtomicU64,
    failcnt: AtomicU64,
}

impl Counter {
    pub(crate) fn limit(&self) -> u64 {
        self.limit.load(Ordering::Relaxed)
    }

    /// Adds `delta` (which may be negative) to the usage.
    pub(crate) fn add(&self, delta: i64) {
        let now = self
            .usage
            .fetch_add(delta as u64, Ordering::Relaxed)
            .wrapping_add(delta as u64);
        if delta > 0 {
            self.peak.fetch_max(now, Ordering::Relaxed);
        }
    }

    /// Adds `n` to the usage if that stays within the limit (exact under concurrency). `n`
    /// may be anything a caller asked for (a write's count): it is never taken as negative,
    /// and a sum that overflows does not fit.
    pub(crate) fn try_add(&self, n: u64) -> bool {
        let limit = self.limit();
        let taken = self
            .usage
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |u| {
                u.checked_add(n).filter(|&new| limit == 0 || new <= limit)
            });
        match taken {
            Ok(before) => {
                self.peak
                    .fetch_max(before.saturating_add(n), Ordering::Relaxed);
                true
            }
            Err(_) => false,
        }
    }

    /// Changes the usage by `delta` if that does not take it beyond the limit (a decrease
    /// always does not). Exact under concurrency. For charges (at most 32 bits each way).
    pub(crate) fn try_change(&self, delta: i64) -> bool {
        let limit = self.limit();
        let taken = self
            .usage
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |u| {
                let new = u.wrapping_add(delta as u64);
                (delta <= 0 || limit == 0 || new <= limit).then_some(new)
            });
        match taken {
            Ok(before) => {
                if delta > 0 {
                    self.peak
                        .fetch_max(before.wrapping_add(delta as u64), Ordering::Relaxed);
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `n` more fits, without taking it.
    pub(crate) fn fits(&self, n: u64) -> bool {
        let limit = self.limit();
        limit == 0 || self.usage.load(Ordering::Relaxed).saturating_add(n) <= limit
    }

    /// Sets the usage (for resources measured rather than counted).
    pub(crate) fn measured(&self, usage: u64) {
        self.usage.store(usage, Ordering::Relaxed);
        self.peak.fetch_max(usage, Ordering::Relaxed);
    }

    pub(crate) fn refused(&self) {
        self.failcnt.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn report(&self, unit: u64) -> uapi::CtnResource {
        uapi::CtnResource {
            usage: self.usage.load(Ordering::Relaxed).saturating_mul(unit),
            peak: self.peak.load(Ordering::Relaxed).saturating_mul(unit),
            limit: self.limit().saturating_mul(unit),
            failcnt: self.failcnt.load(Ordering::Relaxed),
        }
    }
}

/// Everything a container is allowed and uses.
#[derive(Default)]
pub(crate) struct Limits {
    /// Tasks (threads), reserved at creation.
    pub(crate) tasks: Counter,
    /// Address space, in pages.
    pub(crate) memory: Counter,
    /// Open file descriptors.
    pub(crate) files: Counter,
    /// Bytes written to files, in all.
    pub(crate) disk: Counter,
    /// CPU time in ns (usage refreshed by the CPU watch and by reports); failcnt counts the
    /// signals the limit sent.
    pub(crate) cpu_time: Counter,
    /// Bytes asked to be sent on IPv4/IPv6 sockets, descriptors opened: accounting only.
    pub(crate) net_sent: AtomicU64,
    pub(crate) files_opened: AtomicU64,
    /// SIGXCPU was sent for the current limit (the next watch beyond it sends SIGKILL).
    pub(crate) cpu_warned: core::sync::atomic::AtomicBool,
    last_refusal_event: AtomicU64,
}

/// Page size, for limits given in bytes.
pub(crate) const PAGE_SIZE: u64 = 4096;

impl Limits {
    /// Sets the limits `flags` names (`CTN_LIMIT_*`), from a request in bytes and tasks.
    pub(crate) fn set(&self, flags: u32, req: &uapi::CtnLimits) {
        if flags & uapi::CTN_LIMIT_TASKS != 0 {
            self.tasks.limit.store(req.tasks, Ordering::Relaxed);
        }
        if flags & uapi::CTN_LIMIT_FILES != 0 {
            self.files.limit.store(req.files, Ordering::Relaxed);
        }
        if flags & uapi::CTN_LIMIT_DISK != 0 {
            self.disk.limit.store(req.disk, Ordering::Relaxed);
        }
        if flags & uapi::CTN_LIMIT_CPU_TIME != 0 {
            self.cpu_time.limit.store(req.cpu_time, Ordering::Relaxed);
            self.cpu_warned.store(false, Ordering::Relaxed);
        }
        if flags & uapi::CTN_LIMIT_MEMORY != 0 {
            // Whole pages; a limit below one page still allows nothing beyond zero.
            let pages = req.memory.div_ceil(PAGE_SIZE);
            self.memory.limit.store(pages, Ordering::Relaxed);
        }
    }

    /// Whether a refusal should also be recorded as an event (rate-limited).
    pub(crate) fn refusal_event_due(&self) -> bool {
        let now = clock::now_real_ns();
        let last = self.last_refusal_event.load(Ordering::Relaxed);
        now.wrapping_sub(last) >= REFUSAL_EVENT_INTERVAL_NS
            && self
                .last_refusal_event
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// What each process holds of one resource, as counted in its container's usage, indexed by
/// process id (tgid): the usage of a container is the sum of its processes' charges. A
/// process's charge is brought up to date whenever its real holding is read (at fork, exec,
/// exit, join, at each of its requests, and for every member before a refusal or a report).
pub(crate) struct Charges(VVec<AtomicU32>);

impl Charges {
    pub(crate) fn new(processes: usize) -> Result<Self> {
        Ok(Self(table::zeroed(processes)?))
    }

    fn entry(&self, tgid: i32) -> Option<&AtomicU32> {
        usize::try_from(tgid).ok().and_then(|i| self.0.get(i))
    }

    /// Sets process `tgid`'s charge to `held`, changing `counter` by the difference.
    pub(crate) fn set(&self, counter: &Counter, tgid: i32, held: u64) {
        if let Some(entry) = self.entry(tgid) {
            let held = held.min(u64::from(u32::MAX)) as u32;
            let before = entry.swap(held, Ordering::Relaxed);
            counter.add(i64::from(held) - i64::from(before));
        }
    }

    /// The fast path of a request for `n` more by process `tgid`, which holds `held` now:
    /// one change of the usage from its old charge to `held + n`, if that fits.
    pub(crate) fn admit(&self, counter: &Counter, tgid: i32, held: u64, n: u64) -> bool {
        let Some(entry) = self.entry(tgid) else {
            return true;
        };
        let charge = held.saturating_add(n).min(u64::from(u32::MAX));
        let before = u64::from(entry.load(Ordering::Relaxed));
        if !counter.try_change(charge as i64 - before as i64) {
            return false;
        }
        entry.store(charge as u32, Ordering::Relaxed);
        true
    }

    /// Takes `n` more for process `tgid` if it fits (after its charge is up to date).
    pub(crate) fn try_add(&self, counter: &Counter, tgid: i32, n: u64) -> bool {
        if !counter.try_add(n) {
            return false;
        }
        if let Some(entry) = self.entry(tgid) {
            let n = n.min(u64::from(u32::MAX)) as u32;
            let _ = entry.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_add(n))
            });
        }
        true
    }
}
