// SPDX-License-Identifier: GPL-2.0

//! The ioctls' answers (info, list, ps, usage, events, ...): process context; the control
//! mutex keeps the container they describe from being destroyed meanwhile.

use super::*;

impl Registry {
    /// Up to `max` of the files `target`'s processes opened, and (recorded, dropped);
    /// `ENODATA` if it does not record them.
    pub(crate) fn files(
        &self,
        target: Target,
        max: usize,
    ) -> Result<(KVVec<uapi::CtnPath>, u64, u64)> {
        let mut out = KVVec::with_capacity(max.min(4096), GFP_KERNEL)?;
        self.with_container(target, |c, _| {
            let opened = c.opened.as_deref().ok_or(enodata())?;
            opened.read(&mut out);
            Ok(opened.counts())
        })
        .map(|(recorded, dropped)| (out, recorded, dropped))
    }

    /// The network identity of `target`: packed addresses and MAC (0: none).
    pub(crate) fn network(&self, target: Target) -> Result<(u64, u64)> {
        self.with_container(target, |c, _| {
            Ok((c.net.load(Ordering::Relaxed), c.mac.load(Ordering::Relaxed)))
        })
    }

    /// The resources of `target`: usage, peak, limit, refusals.
    pub(crate) fn usage(&self, target: Target, out: &mut uapi::CtnUsage) -> Result {
        self.with_container(target, |c, guard| {
            self.recount(c, guard);
            out.tasks = c.limits.tasks.report(1);
            out.memory = c.limits.memory.report(crate::limits::PAGE_SIZE);
            out.files = c.limits.files.report(1);
            out.disk = c.limits.disk.report(1);
            c.limits.cpu_time.measured(self.cpu_time_of(c, guard));
            out.cpu_time = c.limits.cpu_time.report(1);
            out.net_sent = c.limits.net_sent.load(Ordering::Relaxed);
            out.files_opened = c.limits.files_opened.load(Ordering::Relaxed);
            let now = clock::now_mono_ns();
            (out.cpu_share, out.cpu_throttled_ns) = c.limits.cpu_share.report(now);
            (out.net_rate, out.net_delayed_ns) = c.limits.net_rate.report(now);
            out.net_received = c.limits.net_received.load(Ordering::Relaxed);
            Ok(())
        })
    }

    /// CPU time of `c`'s live tasks (ns).
    pub(super) fn live_cpu_of(&self, c: &Container, guard: &ReadGuard) -> u64 {
        let mut cpu = 0u64;
        task::for_each_thread(guard, |t| {
            if self.slot_of(t.pid()) == c.slot {
                cpu = cpu.saturating_add(t.cputime_ns());
            }
        });
        cpu
    }

    /// CPU time of `c` (ns): its exited tasks' and its live ones'.
    pub(super) fn cpu_time_of(&self, c: &Container, guard: &ReadGuard) -> u64 {
        c.exited_cpu_ns
            .load(Ordering::Relaxed)
            .saturating_add(self.live_cpu_of(c, guard))
    }

    pub(crate) fn caps(&self, target: Target) -> Result<u64> {
        self.with_container(target, |c, _| Ok(c.caps.load(Ordering::Relaxed)))
    }

    /// The names `target` shows its processes.
    pub(crate) fn identity(&self, target: Target) -> Result<(UtsName, UtsName)> {
        self.with_container(target, |c, guard| c.names.get(guard).copied().ok_or(ENOENT))
    }

    pub(crate) fn info(&self, target: Target) -> Result<uapi::CtnInfo> {
        self.with_container(target, |c, guard| {
            Ok(Self::describe(c, self.live_cpu_of(c, guard)))
        })
    }

    /// What `info` and `list` report; `live_cpu` is the CPU time of its live tasks.
    pub(super) fn describe(c: &Container, live_cpu: u64) -> uapi::CtnInfo {
        let (recorded, dropped) = c.history.counts();
        uapi::CtnInfo {
            id: c.id,
            flags: if c.is_sealed() {
                uapi::CTN_INFO_SEALED
            } else {
                0
            },
            name: c.name.bytes(),
            tasks: c.task_count(),
            peak_tasks: c.limits.tasks.report(1).peak as u32,
            history_len: c.history.capacity(),
            reserved0: 0,
            created_ns: c.created_ns,
            forks: c.forks.load(Ordering::Relaxed),
            execs: c.execs.load(Ordering::Relaxed),
            exits: c.exits.load(Ordering::Relaxed),
            joins: c.joins.load(Ordering::Relaxed),
            cpu_ns: c
                .exited_cpu_ns
                .load(Ordering::Relaxed)
                .saturating_add(live_cpu),
            events_recorded: recorded,
            events_dropped: dropped,
        }
    }

    /// Up to `max` containers (the caller's own only, from inside one), and how many there are.
    ///
    /// Live CPU time comes from one walk over all threads for all containers (not one walk
    /// per container), so the cost is O(threads + containers).
    pub(crate) fn list(&self, max: usize) -> Result<(KVec<uapi::CtnInfo>, u32)> {
        let viewer = self.slot_of(task::current_pid());
        let mut live_cpu = KVVec::with_capacity(self.slots.len(), GFP_KERNEL)?;
        live_cpu.extend_with(self.slots.len(), 0u64, GFP_KERNEL)?;
        let ctl = self.control.lock();
        let mut out = KVec::with_capacity(max.min(ctl_len(&ctl)), GFP_KERNEL)?;
        let guard = ReadGuard::new();
        task::for_each_thread(&guard, |t| {
            if let Some(cpu) = live_cpu.get_mut(self.slot_of(t.pid()) as usize) {
                *cpu = cpu.saturating_add(t.cputime_ns());
            }
        });
        let mut total = 0u32;
        for (_, &slot) in ctl.by_name.iter() {
            if viewer != 0 && slot != viewer {
                continue;
            }
            total += 1;
            if out.len() < out.capacity() {
                if let Some(c) = self.container(slot, &guard) {
                    let cpu = live_cpu.get(slot as usize).copied().unwrap_or(0);
                    // Within capacity: never allocates.
                    out.push(Self::describe(c, cpu), GFP_NOWAIT)?;
                }
            }
        }
        Ok((out, total))
    }

    /// Up to `max` tasks of `target`, one per thread, and how many it has.
    pub(crate) fn ps(&self, target: Target, max: usize) -> Result<(KVec<uapi::CtnTask>, u32)> {
        // Allocate outside the RCU read section the walk needs.
        let expected = self.with_container(target, |c, _| Ok(c.task_count() as usize))?;
        let mut out = KVec::with_capacity(max.min(expected + 16), GFP_KERNEL)?;
        self.with_container(target, |c, guard| {
            let mut total = 0u32;
            task::for_each_thread(guard, |t| {
                if self.slot_of(t.pid()) != c.slot {
                    return;
                }
                total += 1;
                if out.len() < out.capacity() {
                    let entry = uapi::CtnTask {
                        pid: t.pid(),
                        tgid: t.tgid(),
                        ppid: t.ppid(guard),
                        state: u32::from(t.state_char()),
                        comm: t.comm(),
                        cpu_ns: t.cputime_ns(),
                    };
                    // Within capacity: never allocates.
                    let _ = out.push(entry, GFP_NOWAIT);
                }
            });
            Ok(total)
        })
        .map(|total| (out, total))
    }

    pub(crate) fn events(&self, target: Target, since: u64, max: usize) -> Result<Batch> {
        let capacity = self.with_container(target, |c, _| Ok(c.history.capacity() as usize))?;
        let mut events = KVec::with_capacity(max.min(capacity), GFP_KERNEL)?;
        self.with_container(target, |c, _| c.history.read(since, &mut events))
            .map(|(next, lost, available)| Batch {
                events,
                next,
                lost,
                available,
            })
    }

    /// Containers alive and tasks in them (for the unload report).
    pub(super) fn census(&self) -> (usize, u64) {
        let guard = ReadGuard::new();
        self.slots
            .iter()
            .filter_map(|s| s.get(&guard))
            .fold((0, 0), |(n, t), c| (n + 1, t + u64::from(c.task_count())))
    }
}
