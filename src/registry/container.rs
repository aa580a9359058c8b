// SPDX-License-Identifier: GPL-2.0

//! One container: its identity, limits, counters and history.

use super::*;

/// One container.
pub(crate) struct Container {
    pub(crate) id: u32,
    pub(super) slot: u16,
    pub(crate) name: Name,
    pub(super) created_ns: u64,
    /// Refuses new tasks (being stopped).
    pub(super) sealed: AtomicBool,
    /// Its limits and usage; `limits.tasks` counts its `members` entries (and creations
    /// reserved by `admit_clone`).
    pub(crate) limits: Limits,
    pub(super) forks: AtomicU64,
    pub(super) execs: AtomicU64,
    pub(super) exits: AtomicU64,
    pub(super) joins: AtomicU64,
    /// CPU time of the tasks that exited in it.
    pub(super) exited_cpu_ns: AtomicU64,
    pub(crate) history: History,
    /// Host and domain name its processes see, defaults resolved when set
    /// (`identity::effective_host`, `effective_domain`), so that uname only copies them.
    /// Read without a lock; replaced as a whole under `names_writer`.
    pub(super) names: RcuBox<(UtsName, UtsName)>,
    pub(super) names_writer: Pin<KBox<SpinLock<()>>>,
    /// `Addresses::pack` of its network identity (0: none), one word for one load in hooks.
    /// Written under the control mutex, with `Control::owners`.
    pub(super) net: AtomicU64,
    /// Its MAC address (`network::parse_mac`; 0: none). Written like `net`.
    pub(super) mac: AtomicU64,
    /// Its capability set (`privilege`): one word, read by the capability hook.
    pub(super) caps: AtomicU64,
    /// The files its processes opened, if it records them (created with
    /// `CTN_CREATE_RECORD_FILES`).
    pub(super) opened: Option<KBox<OpenedFiles>>,
    /// What its SysV keys and abstract socket names are filed under.
    pub(super) ipc: ipc::Secrets,
    /// How many SysV objects `Registry::ipc_owners` records as its.
    pub(super) ipc_objects: AtomicU32,
    /// When a refusal last recounted its processes (monotonic ns; see `recount_due`).
    pub(super) last_recount_ns: AtomicU64,
    pub(super) _live: Live,
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
    pub(super) fn recount_due(&self) -> bool {
        crate::limits::once_per(
            &self.last_recount_ns,
            clock::now_mono_ns(),
            RECOUNT_INTERVAL_NS,
        )
    }

    /// Whether the message queue `name` is its own (filed under its prefix).
    pub(super) fn owns_queue(&self, name: &FileName) -> bool {
        name.begins_with(&self.ipc.queue_prefix())
    }

    pub(crate) fn is_sealed(&self) -> bool {
        self.sealed.load(Ordering::Relaxed)
    }

    pub(super) fn task_added(&self) {
        self.limits.tasks.add(1);
    }

    pub(super) fn task_removed(&self) {
        self.limits.tasks.add(-1);
    }

    pub(crate) fn task_count(&self) -> u32 {
        self.limits.tasks.usage.load(Ordering::Relaxed) as u32
    }

    /// Counts a refused request; records it in the history unless one was recorded just now.
    pub(super) fn refused(&self, errno: Error) {
        if self.limits.refusal_event_due() {
            task::with_current(|t| self.record(uapi::CTN_EVENT_REFUSED, &t, -errno.to_errno()));
        }
    }

    /// Replaces the names with `new`, after `change` has written over the current ones in it.
    /// The old names are returned, for the caller to drop outside its RCU read section.
    pub(super) fn update_names(
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

    pub(super) fn record(&self, kind: u32, task: &TaskRef<'_>, arg: i32) {
        self.history
            .record(kind, task.pid(), task.tgid(), arg, task.comm());
    }
}
