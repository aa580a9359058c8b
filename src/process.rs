// SPDX-License-Identifier: GPL-2.0

//! Process attribution: the scheduler's fork/exec/exit tracepoints keep every task in its
//! creator's container, and the `kernel_clone` gate decides whether a container task may
//! create one at all. The runtime tracepoint charges the CPU share, and holds back a member
//! whose container has used it up. Tasks outside every container pay one table load in each.

use core::sync::atomic::AtomicBool;

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::registry::Registry;
use crate::sys::task::{self, TaskRef};
use crate::sys::task_work::{OnReturn, ReturnWork};
use crate::sys::tracepoint::SchedObserver;

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
