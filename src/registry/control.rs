// SPDX-License-Identifier: GPL-2.0

//! The ioctls' changes (create, destroy, attach, identity, limits, ...) and the periodic CPU
//! watch: process context, under the control mutex, which serialises them.

use super::*;

impl Registry {
    /// Whether no container exists.
    pub(crate) fn is_empty(&self) -> bool {
        self.control.lock().by_name.iter().next().is_none()
    }

    /// Records /dev/ctn's device number (see `own_device`).
    pub(crate) fn set_own_device(&self, rdev: u32) {
        self.own_device.store(rdev, Ordering::Relaxed);
    }

    /// Finds the slot `target` names; `viewer` is the caller's own slot (0: host), which
    /// restricts what it can see to its own container.
    pub(super) fn resolve(&self, ctl: &Control, target: Target, viewer: u16) -> Result<u16> {
        let slot = match target {
            Target::Name(name) => *ctl.by_name.get(&name).ok_or(ENOENT)?,
            Target::Id(id) => {
                let slot = (id & 0xffff) as u16;
                let guard = ReadGuard::new();
                match self.container(slot, &guard) {
                    Some(c) if c.id == id => slot,
                    _ => return Err(ENOENT),
                }
            }
        };
        if viewer != 0 && viewer != slot {
            return Err(ENOENT);
        }
        Ok(slot)
    }

    /// Runs `f` on the container `target` names, which cannot be destroyed meanwhile. `f` runs
    /// in the RCU read-side critical section it is given (for task walks too): it must not
    /// sleep (allocate beforehand).
    pub(super) fn with_container<R>(
        &self,
        target: Target,
        f: impl FnOnce(&Container, &ReadGuard) -> Result<R>,
    ) -> Result<R> {
        let viewer = self.slot_of(task::current_pid());
        let ctl = self.control.lock();
        let slot = self.resolve(&ctl, target, viewer)?;
        let guard = ReadGuard::new();
        let c = self.container(slot, &guard).ok_or(ENOENT)?;
        f(c, &guard)
    }

    pub(crate) fn create(&self, name: Name, history_len: u32, record_files: bool) -> Result<u32> {
        let history = match history_len {
            0 => uapi::CTN_HISTORY_DEFAULT,
            n if n <= uapi::CTN_HISTORY_MAX => n,
            _ => return Err(EINVAL),
        };
        // Allocate before taking the lock.
        let history = History::new(history)?;
        let empty = [0; uts::UTS_LEN];
        let defaults = (
            identity::effective_host(&empty, &name),
            identity::effective_domain(&empty),
        );
        let names = RcuBox::empty();
        if names.fill(KBox::new(defaults, GFP_KERNEL)?).is_err() {
            return Err(EBUSY); // cannot happen: it is new
        }
        let names_writer = KBox::pin_init(new_spinlock!((), "ctn_names_writer"), GFP_KERNEL)?;
        let opened = match record_files {
            true => Some(KBox::new(OpenedFiles::new()?, GFP_KERNEL)?),
            false => None,
        };
        let node = kernel::rbtree::RBTreeNodeReservation::new(GFP_KERNEL)?;
        let mut ctl = self.control.lock();
        if ctl.by_name.get(&name).is_some() {
            return Err(EEXIST);
        }
        let slot = self.free_slot(&ctl).ok_or(ENOSPC)?;
        ctl.generation = ctl.generation.wrapping_add(1);
        let id = (u32::from(ctl.generation) << 16) | u32::from(slot);
        let container = KBox::new(
            Container {
                id,
                slot,
                name,
                created_ns: clock::now_real_ns(),
                sealed: AtomicBool::new(false),
                limits: Limits::default(),
                forks: AtomicU64::new(0),
                execs: AtomicU64::new(0),
                exits: AtomicU64::new(0),
                joins: AtomicU64::new(0),
                exited_cpu_ns: AtomicU64::new(0),
                history,
                names,
                names_writer,
                net: AtomicU64::new(0),
                mac: AtomicU64::new(0),
                caps: AtomicU64::new(uapi::CTN_CAPS_DEFAULT),
                opened,
                ipc: ipc::Secrets::new(),
                ipc_objects: AtomicU32::new(0),
                last_recount_ns: AtomicU64::new(0),
                _live: Live::new(&live::CONTAINERS),
            },
            GFP_KERNEL,
        )?;
        if record_files {
            self.recording.fetch_add(1, Ordering::Relaxed);
        }
        container
            .history
            .record(uapi::CTN_EVENT_CREATED, 0, 0, 0, [0; task::COMM_LEN]);
        if self.slots[slot as usize].fill(container).is_err() {
            return Err(EBUSY); // cannot happen: free_slot saw it empty under the mutex
        }
        ctl.by_name.insert(node.into_node(name, slot));
        ctl.next_slot = slot as usize + 1;
        Ok(id)
    }

    pub(super) fn free_slot(&self, ctl: &Control) -> Option<u16> {
        let start = ctl.next_slot.clamp(1, MAX_CONTAINERS);
        Iterator::chain(start..=MAX_CONTAINERS, 1..start)
            .find(|&s| !self.slots[s].is_occupied())
            .map(|s| s as u16)
    }

    /// Destroys an empty container (`EBUSY` while it has tasks).
    pub(crate) fn destroy(&self, target: Target) -> Result {
        let retired = {
            let mut ctl = self.control.lock();
            let slot = self.resolve(&ctl, target, 0)?;
            let guard = ReadGuard::new();
            let c = self.container(slot, &guard).ok_or(ENOENT)?;
            if c.task_count() != 0 {
                return Err(EBUSY);
            }
            let name = c.name;
            let net = c.net.load(Ordering::Relaxed);
            let keys = owner_keys(net, c.mac.load(Ordering::Relaxed));
            let loopback = private_loopback(net);
            if c.opened.is_some() {
                self.recording.fetch_sub(1, Ordering::Relaxed);
            }
            if c.ipc_objects.load(Ordering::Acquire) != 0 {
                self.ipc_owners.forget_all(slot);
            }
            // Its ptys that outlive it (a host process holds one) are no one's: the slot's
            // next container must not open them.
            if self.member_ptys.load(Ordering::Relaxed) != 0 {
                for owner in self.ptys.iter() {
                    let entry = owner.load(Ordering::Relaxed);
                    if entry as u16 == slot
                        && owner
                            .compare_exchange(entry, 0, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                    {
                        self.count_pty(entry, -1);
                    }
                }
            }
            drop(guard);
            ctl.by_name.remove(&name);
            for key in keys.into_iter().filter(|&k| k != 0) {
                ctl.owners.remove(&key);
            }
            let published = self.move_loopback(&mut ctl, loopback, None);
            (self.slots[slot as usize].take(), published)
        };
        // Freed after a grace period, without waiting for it: destroying many containers
        // does not wait a grace period each (`rcu::barrier` at unload).
        let (container, published) = retired;
        if let Some(container) = container {
            container.defer();
        }
        drop(published); // a grace period, only if a private loopback changed
        Ok(())
    }

    /// Moves process `pid` (0: the caller's) and all its threads into `target`.
    pub(crate) fn attach(&self, target: Target, pid: u32) -> Result<u32> {
        let ctl = self.control.lock();
        let slot = self.resolve(&ctl, target, 0)?;
        let guard = ReadGuard::new();
        let c = self.container(slot, &guard).ok_or(ENOENT)?;
        if c.is_sealed() {
            return Err(EAGAIN);
        }
        let tgid = match pid {
            0 => task::with_current(|t| t.tgid()),
            p => i32::try_from(p).map_err(|_| EINVAL)?,
        };
        let mut leader = None;
        task::for_each_process(&guard, |p| {
            if p.tgid() == tgid {
                leader = Some(p);
            }
        });
        let leader = leader.ok_or(ESRCH)?;
        if leader.is_kernel_thread() {
            return Err(EINVAL);
        }
        let (mut busy, mut threads) = (false, 0u64);
        leader.for_each_thread(&guard, |t| {
            busy |= self.slot_of(t.pid()) != 0;
            threads += 1;
        });
        if busy {
            return Err(EPERM);
        }
        // The process brings what it holds: it joins only if all of it fits.
        let holdings = leader.process_holdings(&guard);
        let held = [
            (&c.limits.tasks, threads, EAGAIN),
            (&c.limits.memory, holdings.pages, ENOMEM),
            (&c.limits.files, holdings.files, EMFILE),
        ];
        if let Some((counter, _, errno)) = held.iter().find(|(c, n, _)| !c.fits(*n)) {
            counter.refused();
            return Err(*errno);
        }
        // A thread created meanwhile by a thread not yet moved is caught by the next pass.
        let mut moved = 0u32;
        for _ in 0..8 {
            let mut added = 0;
            leader.for_each_thread(&guard, |t| {
                if self.join_task(c, slot, &t) {
                    added += 1;
                }
            });
            moved += added;
            if added == 0 {
                break;
            }
        }
        if moved == 0 {
            return Err(ESRCH); // every thread was exiting
        }
        self.recharge(c, &leader, &guard);
        c.joins.fetch_add(1, Ordering::Relaxed);
        c.record(uapi::CTN_EVENT_JOINED, &leader, moved as i32);
        drop(ctl);
        Ok(moved)
    }

    /// Makes `t` a member of `c` unless it is one already or is exiting.
    ///
    /// The exit hook swaps the entry to 0 after the task sets `PF_EXITING`; this stores the
    /// entry, then checks `PF_EXITING` (both with full ordering). Either the exit hook sees the
    /// entry (and counts the exit), or this sees `PF_EXITING` and takes the entry back unless
    /// the exit hook already did, so the count always matches the entries.
    pub(super) fn join_task(&self, c: &Container, slot: u16, t: &TaskRef<'_>) -> bool {
        let Some(entry) = self.member_slot(t.pid()) else {
            return false;
        };
        if t.is_exiting()
            || entry
                .compare_exchange(0, slot, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        {
            return false;
        }
        c.task_added();
        core::sync::atomic::fence(Ordering::SeqCst);
        if t.is_exiting()
            && entry
                .compare_exchange(slot, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            c.task_removed();
            return false;
        }
        true
    }

    /// Sends `signal` (if non-zero) to every process with a thread in `target`; with `seal`,
    /// first makes the container refuse new tasks. Returns how many processes were signalled.
    pub(crate) fn kill(&self, target: Target, signal: u32, seal: bool) -> Result<u32> {
        let signal = i32::try_from(signal)
            .ok()
            .filter(|s| (0..=64).contains(s))
            .ok_or(EINVAL)?;
        self.with_container(target, |c, guard| {
            if seal && !c.sealed.swap(true, Ordering::SeqCst) {
                c.history
                    .record(uapi::CTN_EVENT_SEALED, 0, 0, 0, [0; task::COMM_LEN]);
            }
            let mut signalled = 0u32;
            if signal != 0 {
                task::for_each_process(guard, |p| {
                    let mut member = false;
                    p.for_each_thread(guard, |t| member |= self.slot_of(t.pid()) == c.slot);
                    if member && p.signal_process(signal).is_ok() {
                        signalled += 1;
                    }
                });
                c.history.record(
                    uapi::CTN_EVENT_SIGNALLED,
                    signalled as i32,
                    0,
                    signal,
                    [0; task::COMM_LEN],
                );
            }
            Ok(signalled)
        })
    }

    /// Sets the names `target` shows (`None`: leave as is; empty: the default).
    pub(crate) fn set_identity(
        &self,
        target: Target,
        host: Option<UtsName>,
        domain: Option<UtsName>,
    ) -> Result {
        if host.is_none() && domain.is_none() {
            return Ok(());
        }
        let new = KBox::new(([0; uts::UTS_LEN], [0; uts::UTS_LEN]), GFP_KERNEL)?;
        let retired = self.with_container(target, |c, _| {
            Ok(c.update_names(new, |names| {
                if let Some(h) = host {
                    names.0 = identity::effective_host(&h, &c.name);
                }
                if let Some(d) = domain {
                    names.1 = identity::effective_domain(&d);
                }
            }))
        })?;
        drop(retired); // a grace period, outside the read section and the mutex
        Ok(())
    }

    /// Sets the network identity of `target` (`None`: leave as is; `Some(0)`: none): the
    /// packed addresses (`Addresses::pack`) and the MAC (`network::parse_mac`). An address or
    /// MAC another container holds: `EADDRINUSE`, and nothing changes.
    pub(crate) fn set_network(&self, target: Target, net: Option<u64>, mac: Option<u64>) -> Result {
        // Allocate before taking the lock: at most one node per key.
        let mut nodes = [None, None, None];
        for node in &mut nodes {
            *node = Some(kernel::rbtree::RBTreeNodeReservation::new(GFP_KERNEL)?);
        }
        let mut ctl = self.control.lock();
        let slot = self.resolve(&ctl, target, 0)?;
        let guard = ReadGuard::new();
        let c = self.container(slot, &guard).ok_or(ENOENT)?;
        let (old_net, old_mac) = (c.net.load(Ordering::Relaxed), c.mac.load(Ordering::Relaxed));
        let (net, mac) = (net.unwrap_or(old_net), mac.unwrap_or(old_mac));
        let (old, new) = (owner_keys(old_net, old_mac), owner_keys(net, mac));
        let taken = |k: &u64| ctl.owners.get(k).is_some_and(|&owner| owner != slot);
        if new.iter().any(|k| *k != 0 && taken(k)) {
            return Err(eaddrinuse());
        }
        // Removing and inserting do not sleep (the nodes are allocated): fine under `guard`.
        for key in old.iter().filter(|&&k| k != 0 && !new.contains(&k)) {
            ctl.owners.remove(key);
        }
        for key in new.into_iter().filter(|&k| k != 0 && !old.contains(&k)) {
            if let Some(node) = nodes.iter_mut().find_map(Option::take) {
                ctl.owners.insert(node.into_node(key, slot));
            }
        }
        c.net.store(net, Ordering::Relaxed);
        c.mac.store(mac, Ordering::Relaxed);
        drop(guard);
        let retired =
            self.move_loopback(&mut ctl, private_loopback(old_net), private_loopback(net));
        drop(ctl);
        drop(retired); // a grace period, outside the mutex
        Ok(())
    }

    /// Replaces private loopback `old` with `new` in the published list (under the control
    /// mutex); the list readers may still hold comes back, to be dropped outside the mutex.
    /// On allocation failure the list stays as it was: one address more or less is refused.
    pub(super) fn move_loopback(
        &self,
        ctl: &mut Control,
        old: Option<u32>,
        new: Option<u32>,
    ) -> Option<Retired<KVec<u32>>> {
        if old == new {
            return None;
        }
        // A merge that keeps the list sorted (`core`'s sorts bring a panic path with them).
        let mut next = KVec::with_capacity(ctl.loopbacks.len() + 1, GFP_KERNEL).ok()?;
        let mut new = new;
        for &a in ctl.loopbacks.iter().filter(|&&a| Some(a) != old) {
            if let Some(n) = new.filter(|&n| n <= a) {
                if n < a {
                    next.push(n, GFP_KERNEL).ok()?;
                }
                new = None;
            }
            next.push(a, GFP_KERNEL).ok()?;
        }
        if let Some(n) = new {
            next.push(n, GFP_KERNEL).ok()?;
        }
        let mut copy = KVec::with_capacity(next.len(), GFP_KERNEL).ok()?;
        copy.extend_from_slice(&next, GFP_KERNEL).ok()?;
        let copy = KBox::new(copy, GFP_KERNEL).ok()?;
        ctl.loopbacks = next;
        self.loopbacks.replace(copy)
    }

    /// Sets the limits of `target` that `flags` names.
    /// Sets the limits of `target` (`None`: a new container, for a dry run) that `flags`
    /// names, if the host can accommodate them beside the other containers (`ENOSPC`).
    pub(crate) fn set_limits(
        &self,
        target: Option<Target>,
        flags: u32,
        req: &uapi::CtnLimits,
        dry_run: bool,
    ) -> Result {
        let ctl = self.control.lock();
        let slot = match target {
            Some(t) => self.resolve(&ctl, t, 0)?,
            None => 0,
        };
        let guard = ReadGuard::new();
        // Admission: memory limits and CPU shares are reservations; together they fit in the
        // host's RAM, and in its CPUs times the CPU reserve.
        let others = |each: &dyn Fn(&Container) -> u64| -> u64 {
            ctl.by_name
                .iter()
                .filter(|(_, &s)| s != slot)
                .filter_map(|(_, &s)| self.container(s, &guard))
                .map(each)
                .fold(0, u64::saturating_add)
        };
        if flags & uapi::CTN_LIMIT_MEMORY != 0
            && req.memory != 0
            && others(&|c| {
                c.limits
                    .memory
                    .limit()
                    .saturating_mul(crate::limits::PAGE_SIZE)
            })
            .saturating_add(req.memory)
                > mm::total_ram_bytes()
        {
            return Err(ENOSPC);
        }
        if flags & uapi::CTN_LIMIT_CPU_SHARE != 0
            && req.cpu_share != 0
            && others(&|c| c.limits.cpu_share.share()).saturating_add(req.cpu_share)
                > cpu_capacity(ctl.cpu_reserve_pct)
        {
            return Err(ENOSPC);
        }
        if dry_run {
            return Ok(());
        }
        let c = self.container(slot, &guard).ok_or(ENOENT)?;
        c.limits.set(flags, req);
        Ok(())
    }

    /// The host's resources and what the containers reserve of them; with `reserve`, first
    /// sets the CPU reserve (1-100 percent).
    pub(crate) fn host(&self, reserve: Option<u32>, out: &mut uapi::CtnHost) -> Result {
        let mut ctl = self.control.lock();
        if let Some(pct) = reserve {
            if !(1..=100).contains(&pct) {
                return Err(EINVAL);
            }
            ctl.cpu_reserve_pct = pct;
        }
        let guard = ReadGuard::new();
        let (mut containers, mut cpu, mut memory) = (0u32, 0u64, 0u64);
        for c in ctl
            .by_name
            .iter()
            .filter_map(|(_, &s)| self.container(s, &guard))
        {
            containers += 1;
            cpu = cpu.saturating_add(c.limits.cpu_share.share());
            memory = memory.saturating_add(
                c.limits
                    .memory
                    .limit()
                    .saturating_mul(crate::limits::PAGE_SIZE),
            );
        }
        out.cpu_reserve_pct = ctl.cpu_reserve_pct;
        out.cpus = task::online_cpus();
        out.cpu_reserved = cpu;
        out.memory_total = mm::total_ram_bytes();
        out.memory_reserved = memory;
        out.containers = containers;
        Ok(())
    }

    /// The CPU watch (every second, in process context): a container beyond its CPU-time
    /// limit gets SIGXCPU in every process, then SIGKILL at the next watch if still beyond.
    pub(crate) fn watch_cpu(&self) {
        let ctl = self.control.lock();
        let guard = ReadGuard::new();
        for (_, &slot) in ctl.by_name.iter() {
            let Some(c) = self.container(slot, &guard) else {
                continue;
            };
            let limit = c.limits.cpu_time.limit();
            if limit == 0 {
                continue;
            }
            let used = self.cpu_time_of(c, &guard);
            c.limits.cpu_time.measured(used);
            if used < limit {
                continue;
            }
            let signal = if c.limits.cpu_warned.swap(true, Ordering::Relaxed) {
                SIGKILL
            } else {
                SIGXCPU
            };
            let mut signalled = 0u32;
            task::for_each_process(&guard, |p| {
                if self.slot_of(p.pid()) == slot && p.signal_process(signal).is_ok() {
                    signalled += 1;
                }
            });
            if signalled > 0 {
                c.limits.cpu_time.refused();
                c.history.record(
                    uapi::CTN_EVENT_SIGNALLED,
                    signalled as i32,
                    0,
                    signal,
                    [0; task::COMM_LEN],
                );
            }
        }
    }

    /// Records a lifecycle event in `target`'s history.
    pub(crate) fn record(&self, target: Target, kind: u32, pid: i32, arg: i32) -> Result {
        self.with_container(target, |c, _| {
            c.history.record(kind, pid, pid, arg, [0; task::COMM_LEN]);
            Ok(())
        })
    }

    /// Sets the capability set of `target` (`privilege::parse` checked it).
    pub(crate) fn set_caps(&self, target: Target, caps: u64) -> Result {
        self.with_container(target, |c, _| {
            c.caps.store(caps, Ordering::Relaxed);
            Ok(())
        })
    }
}
