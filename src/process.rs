// SPDX-License-Identifier: GPL-2.0

//! Process attribution: the scheduler's fork/exec/exit tracepoints keep every task in its
//! creator's container, and the `kernel_clone` gate decides whether a container task may
//! create one at all. The runtime tracepoint charges the CPU share, and holds back a member
//! whose container has used it up. Tasks outside every container pay one table load in each.

use core::sync::atomic::AtomicBool;

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::ipc::NamePrefix;
use crate::registry::{CloneTicket, Registry};
use crate::sys::capable::CapabilityPolicy;
use crate::sys::clone::ClonePolicy;
use crate::sys::confine::ConfinePolicy;
use crate::sys::files::FilesPolicy;
use crate::sys::ftrace::Divert;
use crate::sys::hostconf::{FileName, HostConfigPolicy, OpenFacts};
use crate::sys::ipc::IpcPolicy;
use crate::sys::isolate::IsolationPolicy;
use crate::sys::mm::MemoryPolicy;
use crate::sys::mqueue::QueueNamePolicy;
use crate::sys::open::OpenPolicy;
use crate::sys::pty::PtyPolicy;
use crate::sys::resource_view::ViewPolicy;
use crate::sys::task::{self, TaskRef};
use crate::sys::task_work::{OnReturn, ReturnWork};
use crate::sys::tids::TidPolicy;
use crate::sys::tracepoint::SchedObserver;
use crate::sys::unix::UnixNamePolicy;
use crate::sys::write::WritePolicy;

/// The registry as seen by the process hooks.
#[derive(Clone)]
pub(crate) struct ProcessHooks(pub(crate) Arc<Registry>);

/// The scheduler's side: attribution, and the CPU share's hold-backs.
pub(crate) struct SchedHooks {
    registry: Arc<Registry>,
    /// Members held back on their way to user mode.
    hold_back: ReturnWork<CpuHoldBack>,
}

impl SchedHooks {
    pub(crate) fn new(registry: Arc<Registry>) -> Result<Self> {
        Ok(Self {
            hold_back: ReturnWork::new(CpuHoldBack(registry.clone()))?,
            registry,
        })
    }
}

/// What a member that used up its container's CPU share runs on its way to user mode.
struct CpuHoldBack(Arc<Registry>);

impl OnReturn for CpuHoldBack {
    fn run(&self, stopping: &AtomicBool) {
        self.0.hold_back_for_cpu(stopping);
    }
}

impl SchedObserver for SchedHooks {
    fn on_fork(&self, parent: TaskRef<'_>, child: TaskRef<'_>) {
        self.registry.on_fork(parent, child);
    }

    fn on_exec(&self, task: TaskRef<'_>) {
        self.registry.on_exec(task);
    }

    fn on_exit(&self, task: TaskRef<'_>) {
        // A hold-back queued before runs later in `do_exit`: it finds no container.
        self.registry.on_exit(task);
    }

    fn on_runtime(&self, task: TaskRef<'_>, ns: u64) {
        // Only the task running here can be held back (the work is queued on itself); the
        // runtime of a task on another CPU is charged all the same.
        if self.registry.charge_cpu(&task, ns) && core::ptr::eq(task.as_ptr(), task::current_raw())
        {
            self.hold_back.queue_current();
        }
    }
}

impl Divert for ProcessHooks {
    fn divert(&self) -> bool {
        self.0.current_is_member()
    }
}

impl ClonePolicy for ProcessHooks {
    type Ticket = CloneTicket;

    fn admit(&self, flags: u64) -> Result<CloneTicket> {
        // Members make no namespaces (a way out of the container's view): `EPERM`, as the
        // confinement gate answers unshare(2).
        if flags & crate::sys::confine::CLONE_NEW_ANY != 0 {
            self.0.confined_call_refused();
            return Err(EPERM);
        }
        self.0.admit_clone(flags)
    }

    fn done(&self, ticket: CloneTicket, _created: bool) {
        // Whether a task was created is what the fork tracepoint saw (see `clone_done`).
        self.0.clone_done(ticket);
    }
}

impl ViewPolicy for ProcessHooks {
    fn memory(&self) -> Option<(u64, u64)> {
        self.0.memory_view_of_current()
    }

    fn tasks(&self) -> Option<u64> {
        self.0.tasks_of_current()
    }

    fn rlimit_cap(&self, pid: i32, resource: u32) -> Option<u64> {
        self.0.rlimit_cap(pid, resource)
    }

    fn reaches(&self, pid: i32) -> bool {
        self.0.current_may_reach(pid)
    }
}

impl IsolationPolicy for ProcessHooks {
    fn may_reach(&self, pid: i32) -> bool {
        self.0.current_may_reach(pid)
    }

    fn sees(&self, pid: i32) -> bool {
        self.0.current_sees(pid)
    }
}

impl CapabilityPolicy for ProcessHooks {
    fn grants(&self, cap: u32, audit: bool) -> bool {
        self.0.current_grants(cap, audit)
    }

    fn limit(&self) -> Option<u64> {
        self.0.current_caps()
    }
}

impl HostConfigPolicy for ProcessHooks {
    fn refused(&self, errno: Error) {
        self.0.host_config_refused(errno);
    }

    fn open_refusal(&self, open: &OpenFacts) -> Option<Error> {
        self.0.current_open_refusal(open)
    }

    fn owns_queue(&self, name: &FileName) -> bool {
        self.0.current_owns_queue(name)
    }
}

impl OpenPolicy for ProcessHooks {
    fn opened(&self, path: &[u8]) {
        self.0.record_open(path);
    }
}

impl ConfinePolicy for ProcessHooks {
    fn refused(&self) {
        self.0.confined_call_refused();
    }
}

impl FilesPolicy for ProcessHooks {
    fn admit_file(&self, now: u64) -> bool {
        self.0.admit_file(now)
    }
}

impl WritePolicy for ProcessHooks {
    fn admit_write(&self, bytes: u64) -> bool {
        self.0.admit_write(bytes)
    }
}

impl MemoryPolicy for ProcessHooks {
    fn admit_pages(&self, pages: u64, now: u64) -> bool {
        self.0.admit_pages(pages, now)
    }
}

impl IpcPolicy for ProcessHooks {
    fn file_key(&self, key: i32) -> Option<i32> {
        self.0.ipc_key_of_current(key)
    }

    fn made(&self, object: usize, index: i32) {
        self.0.ipc_made(object, index);
    }

    fn reaches(&self, object: usize, id: i32) -> bool {
        self.0.current_reaches_ipc(object, id)
    }

    fn freed(&self, object: usize, id: i32) {
        self.0.ipc_freed(object, id);
    }
}

impl UnixNamePolicy for ProcessHooks {
    fn name_prefix(&self) -> Option<NamePrefix> {
        self.0.name_prefix_of_current()
    }

    fn refused(&self, errno: Error) {
        self.0.host_config_refused(errno);
    }
}

impl QueueNamePolicy for ProcessHooks {
    fn queue_prefix(&self) -> Option<NamePrefix> {
        self.0.queue_prefix_of_current()
    }
}

impl PtyPolicy for ProcessHooks {
    fn made(&self, fsi: usize, index: i32) {
        self.0.pty_made(fsi, index);
    }

    fn gone(&self, fsi: usize, index: i32) {
        self.0.pty_gone(fsi, index);
    }
}

impl TidPolicy for ProcessHooks {
    fn taking_pid(&self, from: i32, to: i32) {
        self.0.on_taking_pid(from, to);
    }
}
