// SPDX-License-Identifier: GPL-2.0

//! Periodic work: a delayed work item on the system workqueue that runs a callback every
//! period, in process context (it may sleep and take mutexes), until it is dropped.

use core::pin::Pin;

use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;

/// What runs every period.
pub(crate) trait Periodic: Send + Sync {
    fn run(&self);
}

#[repr(C)]
struct Inner<T> {
    /// First field: the workqueue hands its address to `run`, which casts it back.
    dwork: Opaque<bindings::delayed_work>,
    period_ms: u32,
    task: T,
}

/// A callback run every `period_ms` milliseconds; dropping it cancels the work and waits
/// for a run in progress.
///
/// # Invariants
///
/// `inner.dwork` is initialised with `run::<T>` and is pending or running (or re-arming
/// itself) for the life of `self`; `inner` does not move and is freed only after the work is
/// cancelled.
pub(crate) struct PeriodicWork<T: Periodic> {
    inner: Pin<KBox<Inner<T>>>,
}

// SAFETY: the work item is only touched through the workqueue API, which serialises its
// use; `task` is `Send + Sync`.
unsafe impl<T: Periodic> Send for PeriodicWork<T> {}
// SAFETY: as above; `&PeriodicWork` gives no access to the work item.
unsafe impl<T: Periodic> Sync for PeriodicWork<T> {}

impl<T: Periodic> PeriodicWork<T> {
    pub(crate) fn start(task: T, period_ms: u32) -> Result<Self> {
        let inner = KBox::pin(
            Inner {
                dwork: Opaque::uninit(),
                period_ms,
                task,
            },
            GFP_KERNEL,
        )?;
        // SAFETY: `dwork` is pinned memory this object owns; it is initialised here, once,
        // before it is scheduled.
        unsafe {
            bindings::ctn_init_delayed_work(inner.dwork.get(), Some(run::<T>));
            bindings::ctn_schedule_delayed_work_ms(inner.dwork.get(), period_ms);
        }
        Ok(Self { inner })
    }
}

impl<T: Periodic> Drop for PeriodicWork<T> {
    fn drop(&mut self) {
        // SAFETY: the work was initialised in `start` (type invariant); this cancels it, also
        // when it re-arms itself, and waits until no run is in progress.
        unsafe { bindings::cancel_delayed_work_sync(self.inner.dwork.get()) };
    }
}

/// The work function of every `PeriodicWork<T>`.
///
/// # Safety
///
/// Called by the workqueue only, with the `work` of a live `Inner<T>`.
unsafe extern "C" fn run<T: Periodic>(work: *mut bindings::work_struct) {
    // SAFETY: `work` is the first field of the `delayed_work` that is the first field of a
    // `repr(C)` `Inner<T>`, live until the work is cancelled (type invariant).
    let inner = unsafe { &*work.cast::<Inner<T>>() };
    inner.task.run();
    // SAFETY: as above; re-arming from the work function is what makes it periodic, and
    // `cancel_delayed_work_sync` copes with it.
    unsafe { bindings::ctn_schedule_delayed_work_ms(inner.dwork.get(), inner.period_ms) };
}
