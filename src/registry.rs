// SPDX-License-Identifier: GPL-2.0

//! Containers and the task -> container map.
//!
//! - `members[pid]` is the slot of the container task `pid` belongs to (0: none). Hooks read it
//!   with one atomic load, lock-free; it is written by the fork and exit tracepoints (for the
//!   task concerned) and by `attach` (under the control mutex).
//! - `slots[slot]` holds the container, RCU-protected: hooks reach it under an RCU read lock;
//!   destroy empties the slot and frees the container after a grace period.
//! - The control mutex serialises create, destroy, attach, name lookups and address
//!   ownership (the ioctl path only, never a hook).
//!
//! A container's `tasks` counts the `members` entries naming it, so a container with no tasks
//! has no entries and can be destroyed: no hook can reach it through a task any more.

use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use kernel::new_mutex;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::rbtree::RBTree;
use kernel::sync::{Arc, Mutex, SpinLock};

use crate::events::{Batch, History};
use crate::identity;
use crate::ipc;
use crate::limits::{Charges, Counter, Limits};
use crate::live::{self, Live};
use crate::network::Addresses;
use crate::opened::OpenedFiles;
use crate::privilege;
use crate::sys::clock;
use crate::sys::clone;
use crate::sys::hostconf::{self, FileName, FileSystem, OpenFacts};
use crate::sys::mm;
use crate::sys::net::eaddrinuse;
use crate::sys::rcu::{self, RcuBox, ReadGuard, Retired};
use crate::sys::resource_view;
use crate::sys::table;
use crate::sys::task::{self, TaskRef};
use crate::sys::uts::{self, UtsField, UtsName};
use crate::sys::write;
use crate::uapi;

/// Signals the CPU-time limit sends (x86 numbers, as the ABI's).
const SIGXCPU: i32 = 24;
const SIGKILL: i32 = 9;

/// A `members` entry: the container's slot, and `CLONING` while the task is inside a task
/// creation that reserved its new task (see `admit_clone`).
const SLOT_MASK: u16 = 0x7fff;
const CLONING: u16 = 0x8000;

/// Most containers that can exist at once (slot 0 means "none").
pub(crate) const MAX_CONTAINERS: usize = SLOT_MASK as usize;
/// Least time between two recounts of one container by refusals (`Container::recount_due`).
const RECOUNT_INTERVAL_NS: u64 = 10_000_000;

/// A valid container name: 1-63 bytes of `[A-Za-z0-9_.-]`, not `.` or `..` (a name becomes a
/// directory and a file name on the host), stored NUL-filled.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name([u8; uapi::CTN_NAME_LEN]);

impl Name {
    /// Validates a name from the ABI: NUL-terminated, allowed characters, zeros after the NUL.
    pub(crate) fn parse(raw: &[u8; uapi::CTN_NAME_LEN]) -> Result<Self> {
        let len = raw.iter().position(|&b| b == 0).ok_or(EINVAL)?;
        let ok_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
        let name = &raw[..len];
        if len == 0
            || !name.iter().all(ok_char)
            || name == b"."
            || name == b".."
            || raw[len..].iter().any(|&b| b != 0)
        {
            return Err(EINVAL);
        }
        Ok(Self(*raw))
    }

    pub(crate) fn is_empty_raw(raw: &[u8; uapi::CTN_NAME_LEN]) -> bool {
        raw.iter().all(|&b| b == 0)
    }

    pub(crate) fn bytes(&self) -> [u8; uapi::CTN_NAME_LEN] {
        self.0
    }

    /// The name without its NUL filling.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        &self.0[..len]
    }
}

/// Which container a request is about, validated.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    Id(u32),
    Name(Name),
}

impl Target {
    /// Whether `raw` names nothing (all zero).
    pub(crate) fn is_empty(raw: &uapi::CtnTarget) -> bool {
        raw.id == 0 && raw.reserved0 == 0 && Name::is_empty_raw(&raw.name)
    }

    pub(crate) fn parse(raw: &uapi::CtnTarget) -> Result<Self> {
        if raw.reserved0 != 0 {
            return Err(EINVAL);
        }
        match raw.id {
            0 => Ok(Self::Name(Name::parse(&raw.name)?)),
            id if Name::is_empty_raw(&raw.name) => Ok(Self::Id(id)),
            _ => Err(EINVAL),
        }
    }
}

/// One container.
/// A pty's entry in `Registry::ptys`: the slot in the low 16 bits, the devpts instance's
/// address (bits 4 to 51: objects are 16-byte aligned) above; 0 for the host's.
fn pty_entry(slot: u16, fsi: usize) -> u64 {
    (fsi as u64 >> 4 & 0xffff_ffff_ffff) << 16 | u64::from(slot)
}

/// What `Registry::admit_clone` reserved for a creation: a task, and the pages of the
/// address space a new process copies.
pub(crate) struct CloneTicket {
    task: bool,
    pages: u64,
}

pub(crate) struct Container {
    pub(crate) id: u32,
    slot: u16,
    pub(crate) name: Name,
    created_ns: u64,
    /// Refuses new tasks (being stopped).
    sealed: AtomicBool,
    /// Its limits and usage; `limits.tasks` counts its `members` entries (and creations
    /// reserved by `admit_clone`).
    pub(crate) limits: Limits,
    forks: AtomicU64,
    execs: AtomicU64,
    exits: AtomicU64,
    joins: AtomicU64,
    /// CPU time of the tasks that exited in it.
    exited_cpu_ns: AtomicU64,
    pub(crate) history: History,
    /// Host and domain name its processes see, defaults resolved when set
    /// (`identity::effective_host`, `effective_domain`), so that uname only copies them.
    /// Read without a lock; replaced as a whole under `names_writer`.
    names: RcuBox<(UtsName, UtsName)>,
    names_writer: Pin<KBox<SpinLock<()>>>,
    /// `Addresses::pack` of its network identity (0: none), one word for one load in hooks.
    /// Written under the control mutex, with `Control::owners`.
    net: AtomicU64,
    /// Its MAC address (`network::parse_mac`; 0: none). Written like `net`.
    mac: AtomicU64,
    /// Its capability set (`privilege`): one word, read by the capability hook.
    caps: AtomicU64,
    /// The files its processes opened, if it records them (created with
    /// `CTN_CREATE_RECORD_FILES`).
    opened: Option<KBox<OpenedFiles>>,
    /// What its SysV keys and abstract socket names are filed under.
    ipc: ipc::Secrets,
    /// How many SysV objects `Registry::ipc_owners` records as its.
    ipc_objects: AtomicU32,
    /// When a refusal last recounted its processes (monotonic ns; see `recount_due`).
    last_recount_ns: AtomicU64,
    _live: Live,
}

impl Drop for Container {
    fn drop(&mut self) {
        // SAFETY: a container is freed only after a grace period since it left its slot
        // (`Retired`, `Retired::defer`, `free_batch`, `RcuBox::drop`), or before it was ever
        // published: no reader can reach its names, so they need no grace period of their
        // own. (This may run in softirq context, from `defer`: nothing here sleeps.)
        unsafe { self.names.clear_unreachable() };
    }
}

impl Container {
    /// Whether a refusal may recount its processes now: at most once per
    /// `RECOUNT_INTERVAL_NS`, since a recount walks every process of the host inside the
    /// hook's callback (a member retrying at its limit would make each retry a walk).
    fn recount_due(&self) -> bool {
        crate::limits::once_per(
            &self.last_recount_ns,
            clock::now_mono_ns(),
            RECOUNT_INTERVAL_NS,
        )
    }

    pub(crate) fn is_sealed(&self) -> bool {
        self.sealed.load(Ordering::Relaxed)
    }

    fn task_added(&self) {
        self.limits.tasks.add(1);
    }

    fn task_removed(&self) {
        self.limits.tasks.add(-1);
    }

    pub(crate) fn task_count(&self) -> u32 {
        self.limits.tasks.usage.load(Ordering::Relaxed) as u32
    }

    /// Counts a refused request; records it in the history unless one was recorded just now.
    fn refused(&self, errno: Error) {
        if self.limits.refusal_event_due() {
            task::with_current(|t| self.record(uapi::CTN_EVENT_REFUSED, &t, -errno.to_errno()));
        }
    }

    /// Replaces the names with `new`, after `change` has written over the current ones in it.
    /// The old names are returned, for the caller to drop outside its RCU read section.
    fn update_names(
        &self,
        mut new: KBox<(UtsName, UtsName)>,
        change: impl FnOnce(&mut (UtsName, UtsName)),
    ) -> Option<Retired<(UtsName, UtsName)>> {
        let _writer = self.names_writer.lock();
        let guard = ReadGuard::new();
        if let Some(current) = self.names.get(&guard) {
            *new = *current;
        }
        drop(guard);
        change(&mut new);
        self.names.replace(new)
    }

    fn record(&self, kind: u32, task: &TaskRef<'_>, arg: i32) {
        self.history
            .record(kind, task.pid(), task.tgid(), arg, task.comm());
    }
}

/// Names to slots, and the next id generation (under the control mutex).
struct Control {
    by_name: RBTree<Name, u16>,
    generation: u16,
    /// Where the search for a free slot starts.
    next_slot: usize,
    /// Addresses and MACs to the slot that holds them (keys: `owner_keys`).
    owners: RBTree<u64, u16>,
    /// The share of the host's CPUs the containers' CPU shares may reserve (percent).
    cpu_reserve_pct: u32,
    /// The private loopback addresses (a loopback other than the container's address),
    /// sorted: what `Registry::loopbacks` publishes.
    loopbacks: KVec<u32>,
}

/// A container's private loopback address, if it has one (`net`: `Addresses::pack`).
fn private_loopback(net: u64) -> Option<u32> {
    Addresses::unpack(net)
        .filter(|a| a.loopback != a.ip)
        .map(|a| a.loopback.0)
}

/// What CPU shares may reserve together (percent of one CPU): the online CPUs times the
/// reserve.
fn cpu_capacity(reserve_pct: u32) -> u64 {
    u64::from(task::online_cpus()).saturating_mul(u64::from(reserve_pct))
}

/// The `Control::owners` keys a network identity takes: its address, its loopback address
/// (when different) and its MAC, in separate key spaces. 0 marks an unused entry.
fn owner_keys(net: u64, mac: u64) -> [u64; 3] {
    const ADDRESS: u64 = 1 << 56;
    const MAC: u64 = 2 << 56;
    let (ip, lo) = Addresses::unpack(net).map_or((0, 0), |a| {
        let lo = if a.loopback == a.ip {
            0
        } else {
            ADDRESS | u64::from(a.loopback.0)
        };
        (ADDRESS | u64::from(a.ip.0), lo)
    });
    [ip, lo, if mac == 0 { 0 } else { MAC | mac }]
}

/// All containers.
#[pin_data(PinnedDrop)]
pub(crate) struct Registry {
    members: VVec<AtomicU16>,
    /// The pages of each member process's address space counted in its container's memory
    /// usage (its `total_vm` when last looked at), and its open descriptors.
    pages: Charges,
    files: Charges,
    slots: KVVec<RcuBox<Container>>,
    /// Containers that record the files they open (changed under the control mutex).
    recording: AtomicUsize,
    /// `Control::loopbacks`, for the network hooks to read without a lock.
    loopbacks: RcuBox<KVec<u32>>,
    /// /dev/ctn's device number, which members may open (its ioctls decide what they may do).
    own_device: AtomicU32,
    /// Which container made which SysV IPC object.
    ipc_owners: ipc::Owners,
    /// Which container made each pty, by index: `pty_entry` of its slot and its devpts
    /// instance (0: the host, or none).
    ptys: VVec<AtomicU64>,
    /// How many `ptys` entries are a container's (a destroy looks for its own only then).
    member_ptys: AtomicUsize,
    #[pin]
    control: Mutex<Control>,
}

impl Registry {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let members = table::zeroed(task::pid_max_limit() as usize + 1)?;
        let pages = Charges::new(task::pid_max_limit() as usize + 1)?;
        let files = Charges::new(task::pid_max_limit() as usize + 1)?;
        let ipc_owners = ipc::Owners::new()?;
        let ptys = table::zeroed(privilege::PTY_INDICES)?;
        let mut slots = KVVec::with_capacity(MAX_CONTAINERS + 1, GFP_KERNEL)?;
        for _ in 0..=MAX_CONTAINERS {
            slots.push(RcuBox::empty(), GFP_KERNEL)?;
        }
        let control = Control {
            by_name: RBTree::new(),
            generation: 0,
            next_slot: 1,
            owners: RBTree::new(),
            cpu_reserve_pct: uapi::CTN_CPU_RESERVE_DEFAULT,
            loopbacks: KVec::new(),
        };
        Arc::pin_init(
            pin_init!(Self {
                members,
                pages,
                files,
                slots,
                recording: AtomicUsize::new(0),
                loopbacks: RcuBox::empty(),
                own_device: AtomicU32::new(0),
                ipc_owners,
                ptys,
                member_ptys: AtomicUsize::new(0),
                control <- new_mutex!(control, "ctn_registry"),
            }),
            GFP_KERNEL,
        )
    }

    fn member_slot(&self, pid: i32) -> Option<&AtomicU16> {
        usize::try_from(pid).ok().and_then(|i| self.members.get(i))
    }

    /// The slot of the container task `pid` belongs to (0: none). One load, no lock.
    pub(crate) fn slot_of(&self, pid: i32) -> u16 {
        self.member_slot(pid)
            .map_or(0, |m| m.load(Ordering::Relaxed) & SLOT_MASK)
    }

    /// Brings process `p`'s charges (pages, files) in `c`'s usage up to date.
    fn recharge(&self, c: &Container, p: &TaskRef<'_>, guard: &ReadGuard) {
        let held = p.process_holdings(guard);
        self.pages.set(&c.limits.memory, p.tgid(), held.pages);
        self.files.set(&c.limits.files, p.tgid(), held.files);
    }

    /// Process `tgid` holds nothing any more (its last thread exited).
    fn discharge(&self, c: &Container, tgid: i32) {
        self.pages.set(&c.limits.memory, tgid, 0);
        self.files.set(&c.limits.files, tgid, 0);
    }

    /// Brings the charges of every process of `c` up to date: before a refusal or a report.
    fn recount(&self, c: &Container, guard: &ReadGuard) {
        let slot = c.slot;
        task::for_each_process(guard, |p| {
            if self.slot_of(p.pid()) == slot {
                self.recharge(c, &p, guard);
            }
        });
    }

    /// Whether no container exists.
    pub(crate) fn is_empty(&self) -> bool {
        self.control.lock().by_name.iter().next().is_none()
    }

    /// Whether the current task is in a container. One load, no lock.
    pub(crate) fn current_is_member(&self) -> bool {
        self.slot_of(task::current_pid()) != 0
    }

    fn container<'g>(&self, slot: u16, guard: &'g ReadGuard) -> Option<&'g Container> {
        self.slots.get(slot as usize)?.get(guard)
    }

    /// The container of task `pid`, if any.
    pub(crate) fn container_of<'g>(&self, pid: i32, guard: &'g ReadGuard) -> Option<&'g Container> {
        match self.slot_of(pid) {
            0 => None,
            slot => self.container(slot, guard),
        }
    }

    // --- hooks -------------------------------------------------------------------------

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
            // A new process is charged what it holds: its own copy of the address space and
            // of the descriptors, or the ones it shares with its creator (vfork, CLONE_VM,
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

    /// sethostname/setdomainname from a member: changes its container's view only.
    pub(crate) fn set_uts_name_of_current(&self, which: UtsField, name: UtsName) -> Result {
        let new = KBox::new(([0; uts::UTS_LEN], [0; uts::UTS_LEN]), GFP_KERNEL)?;
        let retired = {
            let guard = ReadGuard::new();
            let c = self
                .container_of(task::current_pid(), &guard)
                .ok_or(ESRCH)?;
            c.update_names(new, |names| match which {
                UtsField::Host => names.0 = identity::effective_host(&name, &c.name),
                UtsField::Domain => names.1 = identity::effective_domain(&name),
            })
        };
        drop(retired); // a grace period, outside the read section
        Ok(())
    }

    /// Runs `f` on the current task's container, if it is in one: one lookup, under an RCU
    /// read lock (`f` must not sleep). Hooks ask this on every call of a member.
    fn on_current<R>(&self, f: impl FnOnce(&Container) -> R) -> Option<R> {
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

    /// Whether the current task may create a task now, with clone `flags`. A member's
    /// creation takes its task from the limit now (exactly: concurrent creations cannot
    /// overshoot) and marks the creator `CLONING`; the fork tracepoint then does not count
    /// the new task again, and `clone_done` gives the task back if none was created.
    ///
    /// A new process without `CLONE_VM` gets a copy of the creator's address space: it must
    /// fit beside the container's other memory (`ENOMEM` otherwise, as a growth would get),
    /// so the creation reserves the creator's size until `clone_done`, by when the fork
    /// tracepoint has charged the child with its own.
    pub(crate) fn admit_clone(&self, flags: u64) -> Result<CloneTicket> {
        let none = CloneTicket {
            task: false,
            pages: 0,
        };
        let pid = task::current_pid();
        let guard = ReadGuard::new();
        let (Some(c), Some(entry)) = (self.container_of(pid, &guard), self.member_slot(pid)) else {
            return Ok(none);
        };
        if c.is_sealed() {
            return Err(EAGAIN);
        }
        let pages = if flags & clone::CLONE_VM == 0 {
            mm::current_total_vm()
        } else {
            0
        };
        let memory = &c.limits.memory;
        if !memory.try_add(pages) && !(c.recount_due() && self.recounted(c, &guard, pages)) {
            memory.refused();
            c.refused(ENOMEM);
            return Err(ENOMEM);
        }
        if !c.limits.tasks.try_add(1) {
            memory.add(-(pages as i64));
            c.limits.tasks.refused();
            c.refused(EAGAIN);
            return Err(EAGAIN);
        }
        entry.fetch_or(CLONING, Ordering::SeqCst);
        Ok(CloneTicket { task: true, pages })
    }

    /// Recounts `c`'s processes, then takes `pages` of memory if they fit.
    fn recounted(&self, c: &Container, guard: &ReadGuard, pages: u64) -> bool {
        self.recount(c, guard);
        c.limits.memory.try_add(pages)
    }

    /// The creation `admit_clone` admitted (`ticket`) is over.
    pub(crate) fn clone_done(&self, ticket: CloneTicket) {
        if !ticket.task {
            return;
        }
        let pid = task::current_pid();
        let guard = ReadGuard::new();
        let c = self.container_of(pid, &guard);
        if let Some(c) = c {
            c.limits.memory.add(-(ticket.pages as i64));
        }
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
            now,
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
            now,
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

    fn admit_send_in(c: &Container, bytes: u64) -> core::result::Result<(), u64> {
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

    /// Records /dev/ctn's device number (see `own_device`).
    pub(crate) fn set_own_device(&self, rdev: u32) {
        self.own_device.store(rdev, Ordering::Relaxed);
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
                let own_queue = open.fs == FileSystem::MessageQueues
                    && open.name.begins_with(&c.ipc.queue_prefix());
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
    fn count_pty(&self, entry: u64, delta: isize) {
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
    fn pty_is(&self, index: u32, fsi: usize, slot: u16) -> bool {
        self.pty_at(i64::from(index))
            .is_some_and(|o| o.load(Ordering::Relaxed) == pty_entry(slot, fsi))
    }

    /// The entry of pty `index`, if it is one devpts can give.
    fn pty_at(&self, index: i64) -> Option<&AtomicU64> {
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
        self.on_current(|c| name.begins_with(&c.ipc.queue_prefix()))
            .unwrap_or(true)
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

    /// Holds the current task back (sleeping, on its way to user mode) until its container
    /// may use the CPU again, a signal is pending, or `stopping` is set.
    pub(crate) fn hold_back_for_cpu(&self, stopping: &AtomicBool) {
        let mut first = true;
        loop {
            let start = clock::now_mono_ns();
            // The sleep is outside the read section: each step looks the container up anew.
            let Some(wait) = self.on_current(|c| c.limits.cpu_share.wait_ns(start)) else {
                return;
            };
            if wait == 0 || stopping.load(Ordering::Relaxed) {
                return;
            }
            let awake = task::sleep_interruptible_ns(wait.min(crate::limits::CPU_PERIOD_NS));
            let held = clock::now_mono_ns().saturating_sub(start);
            self.on_current(|c| c.limits.cpu_share.held_back(held, first));
            first = false;
            if !awake {
                return; // a signal: handle it, be held back again at the next tick
            }
        }
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

    /// A request of the current process for `n` more of a resource it holds `now` of;
    /// `admitted` runs on its container if it is granted.
    fn admit(
        &self,
        n: u64,
        now: u64,
        errno: Error,
        counter: impl Fn(&Container) -> &Counter,
        charges: &Charges,
        admitted: impl FnOnce(&Container),
    ) -> bool {
        let guard = ReadGuard::new();
        let Some(c) = self.container_of(task::current_pid(), &guard) else {
            return true;
        };
        let tgid = task::current_tgid();
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

    // --- control (ioctls) --------------------------------------------------------------

    /// Finds the slot `target` names; `viewer` is the caller's own slot (0: host), which
    /// restricts what it can see to its own container.
    fn resolve(&self, ctl: &Control, target: Target, viewer: u16) -> Result<u16> {
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
    fn with_container<R>(
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

    fn free_slot(&self, ctl: &Control) -> Option<u16> {
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
    fn join_task(&self, c: &Container, slot: u16, t: &TaskRef<'_>) -> bool {
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
    fn move_loopback(
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

    /// The network identity of `target`: packed addresses and MAC (0: none).
    pub(crate) fn network(&self, target: Target) -> Result<(u64, u64)> {
        self.with_container(target, |c, _| {
            Ok((c.net.load(Ordering::Relaxed), c.mac.load(Ordering::Relaxed)))
        })
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
    fn live_cpu_of(&self, c: &Container, guard: &ReadGuard) -> u64 {
        let mut cpu = 0u64;
        task::for_each_thread(guard, |t| {
            if self.slot_of(t.pid()) == c.slot {
                cpu = cpu.saturating_add(t.cputime_ns());
            }
        });
        cpu
    }

    /// CPU time of `c` (ns): its exited tasks' and its live ones'.
    fn cpu_time_of(&self, c: &Container, guard: &ReadGuard) -> u64 {
        c.exited_cpu_ns
            .load(Ordering::Relaxed)
            .saturating_add(self.live_cpu_of(c, guard))
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
    fn describe(c: &Container, live_cpu: u64) -> uapi::CtnInfo {
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
    fn census(&self) -> (usize, u64) {
        let guard = ReadGuard::new();
        self.slots
            .iter()
            .filter_map(|s| s.get(&guard))
            .fold((0, 0), |(n, t), c| (n + 1, t + u64::from(c.task_count())))
    }
}

fn ctl_len(ctl: &Control) -> usize {
    ctl.by_name.iter().count()
}

#[pinned_drop]
impl PinnedDrop for Registry {
    fn drop(self: Pin<&mut Self>) {
        // Runs after every hook and the device are gone: nothing can reach a container.
        let (containers, tasks) = self.census();
        if containers > 0 {
            pr_info!(
                "released {containers} containers with {tasks} tasks (they go on as host tasks)\n"
            );
        }
        // Retire every container with one grace period for all of them.
        let mut retired = KVec::new();
        for slot in self.slots.iter() {
            if let Some(r) = slot.take() {
                // On allocation failure `r` is dropped here: one grace period for it alone.
                let _ = retired.push(r, GFP_KERNEL);
            }
        }
        rcu::free_batch(retired);
        // Containers destroyed earlier may still be in RCU's hands.
        rcu::barrier();
    }
}

/// `ENODATA` (the `kernel` crate of 6.12 has no constant for it).
fn enodata() -> Error {
    Error::from_errno(-61)
}
