// SPDX-License-Identifier: GPL-2.0

//! Counts of the module's live objects, module-wide, reported when the module is gone:
//! every count must then be 0 (a leak otherwise; the storm test reads the report).

use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::prelude::*;

/// One kind of object.
pub(crate) struct Kind(AtomicUsize);

impl Kind {
    const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sub(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Containers allocated and not yet freed.
pub(crate) static CONTAINERS: Kind = Kind::new();
/// Function hook states (`ftrace::Hooked`).
pub(crate) static HOOKS: Kind = Kind::new();
/// ftrace registrations (`ftrace::HookSet`).
pub(crate) static HOOK_SETS: Kind = Kind::new();
/// Tracepoint probe sets (`tracepoint::SchedProbes`).
pub(crate) static PROBE_SETS: Kind = Kind::new();
/// Task references held by queued return works (`task_work::ReturnWork`).
pub(crate) static TASK_REFS: Kind = Kind::new();

/// Counts one object of `kind` for as long as it lives: a field of the object.
pub(crate) struct Live(&'static Kind);

impl Live {
    pub(crate) fn new(kind: &'static Kind) -> Self {
        kind.add();
        Self(kind)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.sub();
    }
}

/// Prints the counts when dropped: the module struct's last field, so that it runs after
/// everything else the module owns is gone.
pub(crate) struct Report;

impl Drop for Report {
    fn drop(&mut self) {
        pr_info!(
            "live objects at unload: {} containers, {} hooks, {} hook sets, {} probe sets, {} task refs\n",
            CONTAINERS.get(),
            HOOKS.get(),
            HOOK_SETS.get(),
            PROBE_SETS.get(),
            TASK_REFS.get()
        );
    }
}
