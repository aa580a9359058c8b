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
//! - CPU share: the CPU bandwidth of all members together, a percentage of one CPU enforced
//!   within every period (`CpuShare`): the scheduler's runtime tracepoint charges it, and a
//!   member that has used it up waits on its way back to user mode for the next period.
//! - Network rate: bytes per second sent on IPv4/IPv6 sockets (`NetRate`): a send beyond
//!   it waits (blocking sockets) or fails with `EAGAIN` (non-blocking ones).

use core::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};

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
    /// CPU bandwidth (percent of one CPU).
    pub(crate) cpu_share: CpuShare,
    /// Bytes sent per second.
    pub(crate) net_rate: NetRate,
    /// Bytes asked to be sent on IPv4/IPv6 sockets and received from them, descriptors
    /// opened: accounting only.
    pub(crate) net_sent: AtomicU64,
    pub(crate) net_received: AtomicU64,
    pub(crate) files_opened: AtomicU64,
    /// SIGXCPU was sent for the current limit (the next watch beyond it sends SIGKILL).
    pub(crate) cpu_warned: core::sync::atomic::AtomicBool,
    last_refusal_event: AtomicU64,
}

/// Page size, for limits given in bytes.
pub(crate) const PAGE_SIZE: u64 = kernel::page::PAGE_SIZE as u64;

impl Limits {
    /// Sets the limits `flags` names (`CTN_LIMIT_*`), from a request in bytes and tasks.
    pub(crate) fn set(&self, flags: u32, req: &uapi::CtnLimits) {
        let now = clock::now_mono_ns();
        if flags & uapi::CTN_LIMIT_CPU_SHARE != 0 {
            self.cpu_share.set(req.cpu_share, now);
        }
        if flags & uapi::CTN_LIMIT_NET_RATE != 0 {
            self.net_rate.set(req.net_rate);
        }
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
        once_per(
            &self.last_refusal_event,
            clock::now_real_ns(),
            REFUSAL_EVENT_INTERVAL_NS,
        )
    }
}

/// Whether `interval` ns have passed since `last` (then set to `now`): true for one caller
/// only, whoever asks at once. Lock-free, for hooks.
pub(crate) fn once_per(last: &AtomicU64, now: u64, interval: u64) -> bool {
    let before = last.load(Ordering::Relaxed);
    now.wrapping_sub(before) >= interval
        && last
            .compare_exchange(before, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
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
    ///
    /// The usage always moves by exactly what the charge moved: the charge is swapped from
    /// the value the change was computed from, and a change whose charge another thread of
    /// the process (or a recount) swapped first is undone and computed again. (A load, a
    /// change and a store let two threads opening at once both add the same difference,
    /// once each, for one charge: the usage drifted up until every open was refused.)
    pub(crate) fn admit(&self, counter: &Counter, tgid: i32, held: u64, n: u64) -> bool {
        let Some(entry) = self.entry(tgid) else {
            return true;
        };
        let charge = held.saturating_add(n).min(u64::from(u32::MAX)) as u32;
        let mut before = entry.load(Ordering::Relaxed);
        loop {
            let delta = i64::from(charge) - i64::from(before);
            if !counter.try_change(delta) {
                return false;
            }
            match entry.compare_exchange(before, charge, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(now) => {
                    counter.add(-delta);
                    before = now;
                }
            }
        }
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

/// A rate measured over windows of one second: what `add` counted in the last full window,
/// per second (and its peak). Lock-free: the first `add` after a window ends closes it.
#[derive(Default)]
pub(crate) struct Window {
    start: AtomicU64,
    amount: AtomicU64,
    last: AtomicU64,
    peak: AtomicU64,
}

const SECOND_NS: u64 = 1_000_000_000;

/// `a * b / c`, saturating (`u64::MAX` for `c` = 0); approximate only where `a * b`
/// overflows. (128-bit division needs a compiler helper the kernel does not have.)
fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    let quotient = match a.checked_mul(b) {
        Some(p) => p.checked_div(c),
        None => a.checked_div(c).map(|q| q.saturating_mul(b)),
    };
    quotient.unwrap_or(u64::MAX)
}

/// `amount` per `elapsed_ns`, scaled to one second.
fn per_second(amount: u64, elapsed_ns: u64) -> u64 {
    mul_div(amount, SECOND_NS, elapsed_ns.max(1))
}

impl Window {
    /// Counts `n` at time `now` (monotonic ns).
    pub(crate) fn add(&self, now: u64, n: u64) {
        let start = self.start.load(Ordering::Relaxed);
        let elapsed = now.wrapping_sub(start);
        if elapsed < SECOND_NS
            || self
                .start
                .compare_exchange(start, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            self.amount.fetch_add(n, Ordering::Relaxed);
            return;
        }
        let amount = self.amount.swap(n, Ordering::Relaxed);
        if start != 0 {
            let rate = per_second(amount, elapsed);
            self.last.store(rate, Ordering::Relaxed);
            self.peak.fetch_max(rate, Ordering::Relaxed);
        }
    }

    /// The rate of the last full window; if the current one is overdue (nothing was counted
    /// since it should have ended), the rate of the current one so far.
    fn rate(&self, now: u64) -> u64 {
        let elapsed = now.wrapping_sub(self.start.load(Ordering::Relaxed));
        if elapsed >= SECOND_NS {
            per_second(self.amount.load(Ordering::Relaxed), elapsed)
        } else {
            self.last.load(Ordering::Relaxed)
        }
    }

    /// (rate, peak) at `now`, each divided by `unit`.
    fn report(&self, now: u64, unit: u64) -> (u64, u64) {
        let rate = self.rate(now);
        let peak = self.peak.load(Ordering::Relaxed).max(rate);
        (rate / unit, peak / unit)
    }
}

/// The period of a CPU share, in ns.
pub(crate) const CPU_PERIOD_NS: u64 = uapi::CTN_CPU_PERIOD_NS;

/// A cap on the CPU bandwidth of a container: `share` percent of one CPU, as a budget of CPU
/// time refilled every period (as CFS bandwidth control's quota and period). CPU time used
/// beyond the budget (the scheduler reports it a tick late) is paid back from the next
/// periods, so that over time the container gets its share and no more. Unused budget is
/// kept for at most one period.
#[derive(Default)]
pub(crate) struct CpuShare {
    /// Percent of one CPU (0: no cap).
    share: AtomicU64,
    /// CPU time left in the current period (ns); negative: owed to the next periods.
    budget: AtomicI64,
    /// The period the budget was last refilled for (monotonic time / period).
    period: AtomicU64,
    /// CPU time used per second, of all members (capped or not).
    used: Window,
    /// Times a member was held back, and for how long in all.
    held_back: AtomicU64,
    held_back_ns: AtomicU64,
}

impl CpuShare {
    fn quota(share: u64) -> i64 {
        i64::try_from(share.saturating_mul(CPU_PERIOD_NS / 100)).unwrap_or(i64::MAX)
    }

    /// A new share (0: none), with a full budget from `now` on.
    fn set(&self, share: u64, now: u64) {
        self.period.store(now / CPU_PERIOD_NS, Ordering::Relaxed);
        self.budget.store(Self::quota(share), Ordering::Relaxed);
        self.share.store(share, Ordering::Relaxed);
    }

    pub(crate) fn share(&self) -> u64 {
        self.share.load(Ordering::Relaxed)
    }

    /// Adds the budget of the periods begun since the last refill (the first caller in a new
    /// period does it), keeping at most one period's quota.
    fn refill(&self, share: u64, now: u64) {
        let period = now / CPU_PERIOD_NS;
        let last = self.period.load(Ordering::Relaxed);
        if period <= last
            || self
                .period
                .compare_exchange(last, period, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let quota = Self::quota(share);
        let periods = i64::try_from(period - last).unwrap_or(i64::MAX);
        let added = quota.saturating_mul(periods);
        let _ = self
            .budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_add(added).min(quota))
            });
    }

    /// Charges `ns` of CPU time a member used until `now`; whether the container has used
    /// up its share (the member should wait). Called from the scheduler: no sleeping, no
    /// locks.
    pub(crate) fn charge(&self, ns: u64, now: u64) -> bool {
        self.used.add(now, ns);
        let share = self.share();
        if share == 0 {
            return false;
        }
        self.refill(share, now);
        let ns = i64::try_from(ns).unwrap_or(i64::MAX);
        self.budget
            .fetch_sub(ns, Ordering::Relaxed)
            .saturating_sub(ns)
            <= 0
    }

    /// How long a member must wait at `now` before the container may run again (0: now).
    pub(crate) fn wait_ns(&self, now: u64) -> u64 {
        let share = self.share();
        if share == 0 {
            return 0;
        }
        self.refill(share, now);
        if self.budget.load(Ordering::Relaxed) > 0 {
            return 0;
        }
        CPU_PERIOD_NS - now % CPU_PERIOD_NS
    }

    /// A member was held back for `ns` (`first`: the start of its wait).
    pub(crate) fn held_back(&self, ns: u64, first: bool) {
        if first {
            self.held_back.fetch_add(1, Ordering::Relaxed);
        }
        self.held_back_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The report: usage and peak in percent of one CPU per second; time held back (ns).
    pub(crate) fn report(&self, now: u64) -> (uapi::CtnResource, u64) {
        let (usage, peak) = self.used.report(now, SECOND_NS / 100);
        let r = uapi::CtnResource {
            usage,
            peak,
            limit: self.share(),
            failcnt: self.held_back.load(Ordering::Relaxed),
        };
        (r, self.held_back_ns.load(Ordering::Relaxed))
    }
}

/// Most a container may send at once beyond its rate, as time at the rate: a burst of 100 ms.
const NET_BURST_NS: u64 = 100_000_000;

/// A cap on the bytes a container sends per second, as a virtual clock (the generic cell
/// rate algorithm): `next` is when everything admitted so far would have left at the rate. A
/// send may go while that is at most one burst ahead of now, and moves it on by its own
/// length at the rate; one compare-and-swap, exact under concurrency. A send larger than the
/// burst goes whole and the ones after it wait until the rate has caught up.
#[derive(Default)]
pub(crate) struct NetRate {
    /// Bytes per second (0: no cap).
    rate: AtomicU64,
    next: AtomicU64,
    sent: Window,
    held_back: AtomicU64,
    held_back_ns: AtomicU64,
}

impl NetRate {
    fn set(&self, rate: u64) {
        self.next.store(0, Ordering::Relaxed);
        self.rate.store(rate, Ordering::Relaxed);
    }

    /// Admits a send of `bytes` at `now` if the rate allows it (then it is counted), else
    /// says how long to wait before asking again.
    pub(crate) fn admit(&self, bytes: u64, now: u64) -> core::result::Result<(), u64> {
        let rate = self.rate.load(Ordering::Relaxed);
        if rate != 0 {
            let cost = mul_div(bytes, SECOND_NS, rate);
            let admitted = self
                .next
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |next| {
                    (next <= now.saturating_add(NET_BURST_NS))
                        .then(|| next.max(now).saturating_add(cost))
                });
            if let Err(next) = admitted {
                return Err(next - now - NET_BURST_NS);
            }
        }
        self.sent.add(now, bytes);
        Ok(())
    }

    /// How long a send must wait at `now` before it may go (0: now).
    pub(crate) fn wait_ns(&self, now: u64) -> u64 {
        if self.rate.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        let next = self.next.load(Ordering::Relaxed);
        next.saturating_sub(now.saturating_add(NET_BURST_NS))
    }

    /// A send was held back for `ns`, or refused (`EAGAIN`, with `ns` 0).
    pub(crate) fn held_back(&self, ns: u64, first: bool) {
        if first {
            self.held_back.fetch_add(1, Ordering::Relaxed);
        }
        self.held_back_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The report: usage and peak in bytes per second; time sends were held back (ns).
    pub(crate) fn report(&self, now: u64) -> (uapi::CtnResource, u64) {
        let (usage, peak) = self.sent.report(now, 1);
        let r = uapi::CtnResource {
            usage,
            peak,
            limit: self.rate.load(Ordering::Relaxed),
            failcnt: self.held_back.load(Ordering::Relaxed),
        };
        (r, self.held_back_ns.load(Ordering::Relaxed))
    }
}
