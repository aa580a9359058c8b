// SPDX-License-Identifier: GPL-2.0

//! The registry as hook callbacks and tracepoints reach it: in any context (atomic, under a
//! runqueue lock, in an RCU callback), so nothing here sleeps, allocates or takes a lock a
//! member could hold; a task outside every container pays one `members` load.

use super::*;

/// What `Registry::admit_clone` reserved for a creation: a task.
pub(crate) struct CloneTicket {
    task: bool,
}

impl Lockless {
    pub(super) fn member_slot(&self, pid: i32) -> Option<&AtomicU16> {
        usize::try_from(pid).ok().and_then(|i| self.members.get(i))
    }

    /// The slot of the container task `pid` belongs to (0: none). One load, no lock.
    pub(crate) fn slot_of(&self, pid: i32) -> u16 {
        self.member_slot(pid)
            .map_or(0, |m| m.load(Ordering::Relaxed) & SLOT_MASK)
    }

    /// Brings process `p`'s charges (pages, files) in `c`'s usage up to date.
    pub(super) fn recharge(&self, c: &Container, p: &TaskRef<'_>, guard: &ReadGuard) {
        let held = p.process_holdings(guard);
        self.pages.set(&c.limits.memory, p.tgid(), held.pages);
        self.files.set(&c.limits.files, p.tgid(), held.files);
    }

    /// Process `tgid` holds nothing any more (its last thread exited).
    pub(super) fn discharge(&self, c: &Container, tgid: i32) {
        self.pages.set(&c.limits.memory, tgid, 0);
        self.files.set(&c.limits.files, tgid, 0);
    }

    /// Brings the charges of every process of `c` up to date: before a refusal or a report.
    pub(super) fn recount(&self, c: &Container, guard: &ReadGuard) {
        let slot = c.slot;
        task::for_each_process(guard, |p| {
            if self.slot_of(p.pid()) == slot {
                self.recharge(c, &p, guard);
            }
        });
    }

    /// Whether the current task is in a container. One load, no lock.
    pub(crate) fn current_is_member(&self) -> bool {
        self.slot_of(task::current_pid()) != 0
    }

    pub(super) fn container<'g>(&self, slot: u16, guard: &'g ReadGuard) -> Option<&'g Container> {
        self.slots.get(slot as usize)?.get(guard)
    }

    /// The container of task `pid`, if any.
    pub(crate) fn container_of<'g>(&self, pid: i32, guard: &'g ReadGuard) -> Option<&'g Container> {
        match self.slot_of(pid) {
            0 => None,
            slot => self.container(slot, guard),
        }
    }

    /// `child` was created by `parent`: it joins `parent`'s container before it first runs.
    pub(crate) fn on_fork(&self, parent: TaskRef<'_>, child: TaskRef<'_>) {
        let slot = self.slot_of(parent.pid());
        if slot == 0 {
            return;
        }
        let guard = ReadGuard::new();
        let (Some(c), Some(entry)) = (self.container(slot, &guard), self.member_slot(child.pid()))
        else {
            return;
        };
        entry.store(slot, Ordering::SeqCst);
        // A creation that `admit_clone` reserved was counted then.
        let parent_entry = self.member_slot(parent.pid());
        let reserved =
            parent_entry.is_some_and(|p| p.fetch_and(!CLONING, Ordering::SeqCst) & CLONING != 0);
        if !reserved {
            c.task_added();
        }
        if child.pid() == child.tgid() {
            // A new process is charged what it holds: its own copy of the address space
            // (which `admit_copy` admitted and charged already: the same size) and of the
            // descriptors, or the ones it shares with its creator (vfork, CLONE_VM,
            // CLONE_FILES), counted twice then, until it execs or exits: shared ones outlive
            // the creator (a creator that exits after a CLONE_VM child is made left the
            // whole address space held and charged to no one).
            let held = child.process_holdings(&guard);
            self.pages.set(&c.limits.memory, child.tgid(), held.pages);
            self.files.set(&c.limits.files, child.tgid(), held.files);
        }
        c.forks.fetch_add(1, Ordering::Relaxed);
        c.record(uapi::CTN_EVENT_FORK, &child, parent.pid());
    }

    pub(crate) fn on_exec(&self, task: TaskRef<'_>) {
        let guard = ReadGuard::new();
        if let Some(c) = self.container_of(task.pid(), &guard) {
            // A new address space replaced the old one; close-on-exec descriptors are closed.
            self.recharge(c, &task, &guard);
            c.execs.fetch_add(1, Ordering::Relaxed);
            c.record(uapi::CTN_EVENT_EXEC, &task, 0);
        }
    }

    /// Thread `from` is about to become pid `to`, its process's, whose leader has exited
    /// (an exec from a thread that is not the leader: `sys::tids`). Its membership moves
    /// with it, before the exec's credentials are limited by it: without this, the exec'ing
    /// thread would leave its container with every capability of root.
    pub(crate) fn on_taking_pid(&self, from: i32, to: i32) {
        let (Some(old), Some(new)) = (self.member_slot(from), self.member_slot(to)) else {
            return;
        };
        let slot = old.swap(0, Ordering::SeqCst) & SLOT_MASK;
        if slot != 0 {
            new.store(slot, Ordering::SeqCst);
        }
    }

    /// `task` is exiting: it leaves its container. The swap pairs with `attach` (see there).
    pub(crate) fn on_exit(&self, task: TaskRef<'_>) {
        let Some(entry) = self.member_slot(task.pid()) else {
            return;
        };
        let slot = entry.swap(0, Ordering::SeqCst) & SLOT_MASK;
        if slot == 0 {
            return;
        }
        let guard = ReadGuard::new();
        if let Some(c) = self.container(slot, &guard) {
            c.record(uapi::CTN_EVENT_EXIT, &task, task.exit_code());
            c.exited_cpu_ns
                .fetch_add(task.cputime_ns(), Ordering::Relaxed);
            c.exits.fetch_add(1, Ordering::Relaxed);
            c.task_removed();
            if task.is_group_dead() {
                // The process's address space and descriptors are gone with its last thread.
                self.discharge(c, task.tgid());
            }
        }
    }

    /// Copies the host and domain names the current task sees into `host` and `domain`;
    /// false if it is in no container.
    pub(crate) fn uts_names_of_current(&self, host: &mut UtsName, domain: &mut UtsName) -> bool {
        let guard = ReadGuard::new();
        let Some(c) = self.container_of(task::current_pid(), &guard) else {
            return false;
        };
        match c.names.get(&guard) {
            Some(names) => {
                (*host, *domain) = *names;
                true
            }
            None => false,
        }
    }

    /// Runs `f` on the current task's container, if it is in one: one lookup, under an RCU
    /// read lock (`f` must not sleep). Hooks ask this on every call of a member.
    pub(super) fn on_current<R>(&self, f: impl FnOnce(&Container) -> R) -> Option<R> {
        let guard = ReadGuard::new();
        self.container_of(task::current_pid(), &guard).map(f)
    }

    /// The network identity of the current task's container, if it has one.
    pub(crate) fn addresses_of_current(&self) -> Option<Addresses> {
        self.on_current(|c| Addresses::unpack(c.net.load(Ordering::Relaxed)))?
    }

    /// The MAC address of the current task's container, if it has one.
    pub(crate) fn mac_of_current(&self) -> Option<u64> {
        self.on_current(|c| c.mac.load(Ordering::Relaxed))
            .filter(|&m| m != 0)
    }

    /// The memory allocation of the current task's container, if limited: (limit, usage)
    /// in bytes.
    pub(crate) fn memory_view_of_current(&self) -> Option<(u64, u64)> {
        let r = self.on_current(|c| c.limits.memory.report(crate::limits::PAGE_SIZE))?;
        (r.limit != 0).then_some((r.limit, r.usage))
    }

    /// The task count of the current task's container.
    pub(crate) fn tasks_of_current(&self) -> Option<u64> {
        self.on_current(|c| u64::from(c.task_count()))
    }

    /// The cap the container of process `pid` (0: the current one) puts on resource limit
    /// `resource`, if any: its task limit for RLIMIT_NPROC, memory limit for RLIMIT_AS.
    pub(crate) fn rlimit_cap(&self, pid: i32, resource: u32) -> Option<u64> {
        let pid = if pid == 0 { task::current_pid() } else { pid };
        let guard = ReadGuard::new();
        let c = self.container_of(pid, &guard)?;
        let cap = match resource {
            resource_view::RLIMIT_NPROC => c.limits.tasks.limit(),
            resource_view::RLIMIT_AS => c
                .limits
                .memory
                .limit()
                .saturating_mul(crate::limits::PAGE_SIZE),
            resource_view::RLIMIT_NOFILE => c.limits.files.limit(),
            _ => 0,
        };
        (cap != 0).then_some(cap)
    }

    /// Whether the current task may create a task now. A member's creation takes its task
    /// from the limit now (exactly: concurrent creations cannot overshoot) and marks the
    /// creator `CLONING`; the fork tracepoint then does not count the new task again, and
    /// `clone_done` gives the task back if none was created. (Its memory is `admit_copy`'s.)
    pub(crate) fn admit_clone(&self) -> Result<CloneTicket> {
        let none = CloneTicket { task: false };
        let pid = task::current_pid();
        let guard = ReadGuard::new();
        let (Some(c), Some(entry)) = (self.container_of(pid, &guard), self.member_slot(pid)) else {
            return Ok(none);
        };
        if c.is_sealed() {
            return Err(EAGAIN);
        }
        if !c.limits.tasks.try_add(1) {
            c.limits.tasks.refused();
            c.refused(EAGAIN);
            return Err(EAGAIN);
        }
        entry.fetch_or(CLONING, Ordering::SeqCst);
        Ok(CloneTicket { task: true })
    }

    /// Whether the current task's new process `tgid` may hold `pages` of its own, its copy
    /// of the creator's address space, complete by now: it must fit beside the container's
    /// other memory (`ENOMEM` otherwise, as a growth would get). It is charged to the new
    /// process until the fork tracepoint charges what it holds (the same, unless the copy
    /// failed) or `copy_dropped` gives it back.
    ///
    /// Runs in `copy_process`, in the creator's context, before the new process is visible.
    pub(crate) fn admit_copy(&self, tgid: i32, pages: u64) -> bool {
        self.admit(
            pages,
            (tgid, 0),
            ENOMEM,
            |c| &c.limits.memory,
            &self.pages,
            |_| (),
        )
    }

    /// The creation of process `tgid` failed after `admit_copy` charged its copy.
    pub(crate) fn copy_dropped(&self, tgid: i32) {
        let guard = ReadGuard::new();
        if let Some(c) = self.container_of(task::current_pid(), &guard) {
            self.pages.set(&c.limits.memory, tgid, 0);
        }
    }

    /// The creation `admit_clone` admitted (`ticket`) is over.
    pub(crate) fn clone_done(&self, ticket: CloneTicket) {
        if !ticket.task {
            return;
        }
        let pid = task::current_pid();
        let guard = ReadGuard::new();
        let c = self.container_of(pid, &guard);
        let Some(entry) = self.member_slot(pid) else {
            return;
        };
        if entry.fetch_and(!CLONING, Ordering::SeqCst) & CLONING == 0 {
            return; // the fork tracepoint took the reservation: a task was created
        }
        if let Some(c) = c {
            c.task_removed();
        }
    }

    /// Whether the current task's address space may grow by `pages` (mmap, brk, mremap,
    /// stack), taking them from the container's allowance if so. The process's charge is
    /// first brought up to date (its `total_vm`: what it unmapped since is given back), then
    /// the growth is charged ahead of the mapping (the process's next check corrects it if
    /// the mapping then fails). Before a refusal, every member process's charge is brought up
    /// to date (the slow path: others may have unmapped memory since they last grew).
    ///
    /// Runs in the ftrace callback of `may_expand_vm`: nothing here sleeps.
    pub(crate) fn admit_pages(&self, pages: u64, now: u64) -> bool {
        self.admit(
            pages,
            (task::current_tgid(), now),
            ENOMEM,
            |c| &c.limits.memory,
            &self.pages,
            |_| (),
        )
    }

    /// Whether the current process, which holds `now` descriptors, may open one more: as
    /// `admit_pages`, for open files (from the ftrace callback of `get_unused_fd_flags`).
    pub(crate) fn admit_file(&self, now: u64) -> bool {
        self.admit(
            1,
            (task::current_tgid(), now),
            EMFILE,
            |c| &c.limits.files,
            &self.files,
            |c| {
                c.limits.files_opened.fetch_add(1, Ordering::Relaxed);
            },
        )
    }

    /// The ftrace callback of a member's send of `bytes`: `rules` decides from the
    /// container's network identity whether the send must be diverted to apply it (the
    /// replacement then admits it); otherwise the network rate admits it here (counted) or
    /// has it diverted to wait. One lookup for both, on every member's send.
    pub(crate) fn send_gate(
        &self,
        bytes: u64,
        rules: impl FnOnce(Option<Addresses>) -> bool,
    ) -> bool {
        self.on_current(|c| {
            rules(Addresses::unpack(c.net.load(Ordering::Relaxed)))
                || Self::admit_send_in(c, bytes).is_err()
        })
        .unwrap_or(false)
    }

    pub(super) fn admit_send_in(c: &Container, bytes: u64) -> core::result::Result<(), u64> {
        c.limits.net_rate.admit(bytes, clock::now_mono_ns())?;
        c.limits.net_sent.fetch_add(bytes, Ordering::Relaxed);
        Ok(())
    }

    /// Admits a send of `bytes` by the current task (counted), or says how long it must wait
    /// before asking again (ns).
    pub(crate) fn admit_send(&self, bytes: u64) -> core::result::Result<(), u64> {
        self.on_current(|c| Self::admit_send_in(c, bytes))
            .unwrap_or(Ok(()))
    }

    /// How long a send by the current task would have to wait now (ns).
    pub(crate) fn send_wait_of_current(&self) -> u64 {
        self.on_current(|c| c.limits.net_rate.wait_ns(clock::now_mono_ns()))
            .unwrap_or(0)
    }

    /// A send of the current task was held back by the network rate for `ns` (`first`: the
    /// start of its wait; a refusal is a wait of 0).
    pub(crate) fn send_held_back(&self, ns: u64, first: bool) {
        self.on_current(|c| {
            c.limits.net_rate.held_back(ns, first);
            if first {
                c.refused(EAGAIN);
            }
        });
    }

    /// A call that would leave the container (chroot, mount, a namespace, ...) was refused
    /// to the current task: recorded in its container's history (rate-limited).
    pub(crate) fn confined_call_refused(&self) {
        self.on_current(|c| c.refused(EPERM));
    }

    /// Why the current task may not open the file `open` describes, if it may not: a host
    /// task opens anything; a member a device node that `privilege::device_allowed` lists
    /// or /dev/ctn, and any other file `privilege::file_refusal` does not refuse. A refusal
    /// is recorded.
    pub(crate) fn current_open_refusal(&self, open: &OpenFacts) -> Option<Error> {
        self.on_current(|c| {
            let refusal = if open.is_device() {
                let rdev = open.rdev;
                let (major, minor) = (rdev >> 20, rdev & 0xfffff);
                let allowed = rdev == self.own_device.load(Ordering::Relaxed)
                    || privilege::device_allowed(major, minor)
                    || privilege::pty_index(major, minor)
                        .is_some_and(|i| self.pty_is(i, open.sb_info, c.slot));
                (!allowed).then(|| hostconf::open_errno(open))
            } else {
                let own_queue = open.fs == FileSystem::MessageQueues && c.owns_queue(&open.name);
                privilege::file_refusal(open.fs, open.writes, open.private(), own_queue)
            };
            if let Some(errno) = refusal {
                c.refused(errno);
            }
            refusal
        })
        .flatten()
    }

    /// The current task made the pty `index` of devpts instance `fsi`: it is its
    /// container's (from the ftrace callback of devpts; nothing sleeps).
    pub(crate) fn pty_made(&self, fsi: usize, index: i32) {
        let entry = pty_entry(self.slot_of(task::current_pid()), fsi);
        if let Some(owner) = self.pty_at(i64::from(index)) {
            self.count_pty(owner.swap(entry, Ordering::Relaxed), -1);
            self.count_pty(entry, 1);
        }
    }

    /// Keeps `member_ptys` (an `entry` of a container's is added or taken away).
    pub(super) fn count_pty(&self, entry: u64, delta: isize) {
        if entry as u16 != 0 {
            self.member_ptys
                .fetch_add(delta as usize, Ordering::Relaxed);
        }
    }

    /// The pty `index` of instance `fsi` is gone (an entry of another instance stays).
    pub(crate) fn pty_gone(&self, fsi: usize, index: i32) {
        if let Some(owner) = self.pty_at(i64::from(index)) {
            let entry = owner.load(Ordering::Relaxed);
            if entry >> 16 == pty_entry(0, fsi) >> 16
                && owner
                    .compare_exchange(entry, 0, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                self.count_pty(entry, -1);
            }
        }
    }

    /// Whether the pty `index` of instance `fsi` is the container's in `slot`.
    pub(super) fn pty_is(&self, index: u32, fsi: usize, slot: u16) -> bool {
        self.pty_at(i64::from(index))
            .is_some_and(|o| o.load(Ordering::Relaxed) == pty_entry(slot, fsi))
    }

    /// The entry of pty `index`, if it is one devpts can give.
    pub(super) fn pty_at(&self, index: i64) -> Option<&AtomicU64> {
        usize::try_from(index).ok().and_then(|i| self.ptys.get(i))
    }

    /// The current task is a member whose change of the host's configuration was refused
    /// with `errno`.
    pub(crate) fn host_config_refused(&self, errno: Error) {
        self.on_current(|c| c.refused(errno));
    }

    /// Whether the current task's container grants capability `cap` (a host task: yes, the
    /// kernel decides alone). A refusal is recorded in its history (rate-limited) if
    /// `audit`: probes (`ns_capable_noaudit`) are not refusals. One load more, from hooks.
    pub(crate) fn current_grants(&self, cap: u32, audit: bool) -> bool {
        self.on_current(|c| {
            let granted = privilege::grants(c.caps.load(Ordering::Relaxed), cap);
            if !granted && audit {
                c.refused(EPERM);
            }
            granted
        })
        .unwrap_or(true)
    }

    /// The capability set of the current task's container (a host task: none). One load.
    pub(crate) fn current_caps(&self) -> Option<u64> {
        self.on_current(|c| c.caps.load(Ordering::Relaxed))
    }

    /// Whether the current task may reach task `pid` (signal, trace, read its /proc): a
    /// host task any, a member only those of its own container. A refusal is recorded in
    /// its history (rate-limited, as `EPERM`). Two loads, from hooks.
    pub(crate) fn current_may_reach(&self, pid: i32) -> bool {
        if self.current_sees(pid) {
            return true;
        }
        self.on_current(|c| c.refused(EPERM));
        false
    }

    /// Whether the current task sees task `pid`: it is on the host, or `pid` is in its
    /// container. Two loads, no lock.
    pub(crate) fn current_sees(&self, pid: i32) -> bool {
        let own = self.slot_of(task::current_pid());
        own == 0 || self.slot_of(pid) == own
    }

    /// The key the current task's SysV key `key` is filed under, if it is a member.
    pub(crate) fn ipc_key_of_current(&self, key: i32) -> Option<i32> {
        self.on_current(|c| c.ipc.file_key(key))
    }

    /// The current task made SysV object `object` at `index`: it is its container's. A
    /// full bucket of the owner table leaves it the host's (out of the member's reach), and
    /// is recorded as `ENOSPC`.
    pub(crate) fn ipc_made(&self, object: usize, index: i32) {
        self.on_current(|c| {
            if self.ipc_owners.adopt(object, index, c.slot) {
                c.ipc_objects.fetch_add(1, Ordering::AcqRel);
            } else {
                c.refused(ENOSPC);
            }
        });
    }

    /// Whether the current task may reach SysV object `object` (id `id`): a host task any,
    /// a member those its container made. A refusal is recorded (as `EINVAL`, the answer
    /// for an object that does not exist). A few loads, from hooks.
    pub(crate) fn current_reaches_ipc(&self, object: usize, id: i32) -> bool {
        let own = self.slot_of(task::current_pid());
        if own == 0 || self.ipc_owners.owner(object, id) == own {
            return true;
        }
        self.on_current(|c| c.refused(EINVAL));
        false
    }

    /// The kernel frees SysV object `object` (id `id`): any context, an RCU callback.
    pub(crate) fn ipc_freed(&self, object: usize, id: i32) {
        let slot = self.ipc_owners.owner(object, id);
        if slot == 0 {
            return;
        }
        self.ipc_owners.forget(object, id);
        let guard = ReadGuard::new();
        if let Some(c) = self.container(slot, &guard) {
            c.ipc_objects.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The prefix of the current task's abstract unix socket names, if it is a member.
    pub(crate) fn name_prefix_of_current(&self) -> Option<ipc::NamePrefix> {
        self.on_current(|c| c.ipc.name_prefix())
    }

    /// The prefix of the current task's POSIX message queue names, if it is a member.
    pub(crate) fn queue_prefix_of_current(&self) -> Option<ipc::NamePrefix> {
        self.on_current(|c| c.ipc.queue_prefix())
    }

    /// Whether the queue `name` (a file of the queues' file system) is the current task's
    /// container's (a host task: every queue is).
    pub(crate) fn current_owns_queue(&self, name: &FileName) -> bool {
        self.on_current(|c| c.owns_queue(name)).unwrap_or(true)
    }

    /// Whether some container records the files its processes open.
    pub(crate) fn is_recording(&self) -> bool {
        self.recording.load(Ordering::Relaxed) != 0
    }

    /// The current task opens `path` (absolute): recorded if its container records.
    pub(crate) fn record_open(&self, path: &[u8]) {
        self.on_current(|c| {
            if let Some(opened) = c.opened.as_deref() {
                opened.insert(path);
            }
        });
    }

    /// The current task received `bytes` from an IPv4/IPv6 socket.
    pub(crate) fn count_received(&self, bytes: u64) {
        self.on_current(|c| c.limits.net_received.fetch_add(bytes, Ordering::Relaxed));
    }

    /// `task` ran `ns` more: charged to its container's CPU share. Whether the container has
    /// used it up (the task should be held back). From the scheduler's runtime tracepoint,
    /// under the runqueue lock: atomics only.
    pub(crate) fn charge_cpu(&self, task: &TaskRef<'_>, ns: u64) -> bool {
        let slot = self.slot_of(task.pid());
        if slot == 0 {
            return false;
        }
        let guard = ReadGuard::new();
        self.container(slot, &guard)
            .is_some_and(|c| c.limits.cpu_share.charge(ns, clock::now_mono_ns()))
    }

    /// Whether the current task may write `bytes` more to a file (from the ftrace callback of
    /// `vfs_write`): they are counted if so.
    pub(crate) fn admit_write(&self, bytes: u64) -> bool {
        let guard = ReadGuard::new();
        let Some(c) = self.container_of(task::current_pid(), &guard) else {
            return true;
        };
        if c.limits.disk.try_add(bytes) {
            return true;
        }
        c.limits.disk.refused();
        c.refused(write::edquot());
        false
    }

    /// A request of the current task for `n` more of a resource for `process` (its tgid and
    /// what it holds now: the current process's, or the new one it is making); `admitted`
    /// runs on its container if it is granted.
    pub(super) fn admit(
        &self,
        n: u64,
        process: (i32, u64),
        errno: Error,
        counter: impl Fn(&Container) -> &Counter,
        charges: &Charges,
        admitted: impl FnOnce(&Container),
    ) -> bool {
        let guard = ReadGuard::new();
        let Some(c) = self.container_of(task::current_pid(), &guard) else {
            return true;
        };
        let (tgid, now) = process;
        let granted = charges.admit(counter(c), tgid, now, n)
            || (c.recount_due() && {
                self.recount(c, &guard);
                charges.try_add(counter(c), tgid, n)
            });
        if granted {
            admitted(c);
            return true;
        }
        counter(c).refused();
        c.refused(errno);
        false
    }

    /// Whether `a` is some container's private loopback address (a service that binds to
    /// 127.0.0.1 in a container is for that container only). A lock-free binary search.
    pub(crate) fn is_private_loopback(&self, a: u32) -> bool {
        if a >> 24 != 127 {
            return false; // the list holds loopback addresses only
        }
        let guard = ReadGuard::new();
        self.loopbacks
            .get(&guard)
            .is_some_and(|list| list.binary_search(&a).is_ok())
    }
}
