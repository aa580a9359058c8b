// SPDX-License-Identifier: GPL-2.0

//! Work a task runs itself on its way back to user mode (`task_work_add` with `TWA_RESUME`),
//! queued from where the task cannot sleep (a scheduler tracepoint, with the runqueue lock
//! held) and run where it can: ctn holds a task back there once its container has used its
//! CPU share.
//!
//! Modules cannot dequeue a work (`task_work_cancel` is not exported), so a queued work must
//! run soon, wherever the task is: the pool queues only for a task that a timer tick
//! interrupted in user mode, which runs its work when that interrupt returns (after the
//! reschedule it may take there). A task that exits instead runs it in `do_exit`, where the
//! handler finds it in no container and returns. Dropping the pool waits for every queued
//! work to have run.
//!
//! A queued work needs a `callback_head` that lives until it runs. The pool has a fixed set
//! of them, picked by the task's pid (two candidates): queuing allocates nothing, takes no
//! lock and finds a task's own entry in O(1). A task whose two candidates are both taken by
//! other tasks is not queued this time; the caller asks again at its next charge.

use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;
use super::rcu;
use super::task;
use crate::live;

/// What a queued task runs.
pub(crate) trait OnReturn: Send + Sync {
    /// Runs in the context of the task it was queued for, on its way back to user mode; it
    /// may sleep. It must return soon once `stopping` is set (the pool is going away).
    fn run(&self, stopping: &AtomicBool);
}

/// Entries in a pool: at most this many tasks can have a work queued at once.
const SLOTS: usize = 256;

#[repr(C)]
struct Slot {
    /// First field: task_work hands its address to `run_slot`.
    head: Opaque<bindings::callback_head>,
    /// The task the work is queued for, with a reference held; null when free. Set by
    /// `queue_current` (claiming the entry), cleared by the task running it (`run_slot`).
    owner: AtomicPtr<bindings::task_struct>,
    /// The pool (`*const Inner<T>`), written once before the pool is shared.
    pool: AtomicUsize,
}

struct Inner<T> {
    slots: [Slot; SLOTS],
    /// Tasks inside `run_slot`: the drop waits for them.
    in_flight: AtomicUsize,
    stopping: AtomicBool,
    handler: T,
}

/// A pool of return-to-user works running `T`; dropping it waits until every queued work has
/// run.
///
/// # Invariants
///
/// `inner` does not move and outlives every work queued from it: the drop waits until they
/// have run. Every non-null `owner` holds a task reference taken when it was set, and its
/// `head` is queued on that task (or being run by it).
pub(crate) struct ReturnWork<T: OnReturn> {
    inner: Pin<KBox<Inner<T>>>,
}

// SAFETY: the slots are only touched through atomics and the task_work API; `handler` is
// `Send + Sync`.
unsafe impl<T: OnReturn> Send for ReturnWork<T> {}
// SAFETY: as above.
unsafe impl<T: OnReturn> Sync for ReturnWork<T> {}

impl<T: OnReturn> ReturnWork<T> {
    pub(crate) fn new(handler: T) -> Result<Self> {
        let inner = KBox::pin(
            Inner {
                slots: core::array::from_fn(|_| Slot {
                    head: Opaque::new(bindings::callback_head::default()),
                    owner: AtomicPtr::new(core::ptr::null_mut()),
                    pool: AtomicUsize::new(0),
                }),
                in_flight: AtomicUsize::new(0),
                stopping: AtomicBool::new(false),
                handler,
            },
            GFP_KERNEL,
        )?;
        let pool = &*inner as *const Inner<T> as usize;
        for slot in &inner.slots {
            slot.pool.store(pool, Ordering::Relaxed);
            // SAFETY: the head is not queued yet; `func` is what task_work calls.
            unsafe { (*slot.head.get()).func = Some(run_slot::<T>) };
        }
        Ok(Self { inner })
    }

    /// The two entries task `pid` may use.
    fn candidates(&self, pid: i32) -> [&Slot; 2] {
        let i = pid.unsigned_abs() as usize % SLOTS;
        [&self.inner.slots[i], &self.inner.slots[(i + 1) % SLOTS]]
    }

    /// Queues the work for the current task unless it is queued already, if a timer tick
    /// interrupted it in user mode (see the module doc). Neither sleeps, allocates nor takes
    /// a lock: callable from the scheduler's tracepoints.
    pub(crate) fn queue_current(&self) {
        if !task::tick_interrupted_user_mode() {
            return;
        }
        let current = task::current_raw();
        let slots = self.candidates(task::current_pid());
        if slots
            .iter()
            .any(|s| core::ptr::eq(s.owner.load(Ordering::Relaxed), current))
        {
            return;
        }
        for slot in slots {
            if slot
                .owner
                .compare_exchange(
                    core::ptr::null_mut(),
                    current,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_err()
            {
                continue;
            }
            // SAFETY: `current` is alive while it runs this; the reference is what the
            // `owner` invariant requires, dropped by whoever clears it. The head is free (we
            // just claimed it) and lives as long as the pool, which outlives the work (type
            // invariant).
            unsafe {
                bindings::ctn_get_task(current);
                live::TASK_REFS.add();
                if bindings::ctn_task_work_add_resume(current, slot.head.get()) != 0 {
                    // Exiting: it will not run the work.
                    slot.owner.store(core::ptr::null_mut(), Ordering::Release);
                    bindings::ctn_put_task(current);
                    live::TASK_REFS.sub();
                }
            }
            return;
        }
    }
}

impl<T: OnReturn> Drop for ReturnWork<T> {
    fn drop(&mut self) {
        // Nothing queues any more (the caller removed what queues before dropping the pool):
        // every queued work is on its task's way back to user mode or out of `do_exit`.
        self.inner.stopping.store(true, Ordering::SeqCst);
        // A queued work's owner is cleared by its run, after it counted itself in flight: so
        // the owners are read first, then the count. (The other order can read the count
        // before a run adds itself and the owner after it cleared it, and miss the run.)
        // Seeing an owner cleared acquires the run's count, which is then read as set, or
        // already dropped by a run that is over.
        while self
            .inner
            .slots
            .iter()
            .any(|s| !s.owner.load(Ordering::Acquire).is_null())
            || self.inner.in_flight.load(Ordering::Acquire) != 0
        {
            // SAFETY: sleeping is allowed here (process context, no locks held).
            unsafe { bindings::msleep(10) };
        }
        // A task that left `run_slot` may still be executing its last instructions; it
        // reaches a voluntary context switch or user mode only after returning.
        rcu::synchronize_tasks();
    }
}

/// The task_work function of every pool entry.
///
/// # Safety
///
/// Called by task_work only, in the context of the task the entry's work was queued for,
/// with the entry's `head`.
unsafe extern "C" fn run_slot<T: OnReturn>(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `repr(C)` `Slot` inside a live pool (type
    // invariant of `ReturnWork`: the pool outlives its queued works).
    let slot = unsafe { &*head.cast::<Slot>() };
    // SAFETY: written once at creation with the pool's address, of type `Inner<T>`.
    let pool = unsafe { &*(slot.pool.load(Ordering::Relaxed) as *const Inner<T>) };
    pool.in_flight.fetch_add(1, Ordering::AcqRel);
    let owner = slot.owner.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !owner.is_null() {
        // SAFETY: the reference taken when the work was queued; `owner` is the current
        // task, which holds its own.
        unsafe { bindings::ctn_put_task(owner) };
        live::TASK_REFS.sub();
    }
    pool.handler.run(&pool.stopping);
    pool.in_flight.fetch_sub(1, Ordering::AcqRel);
}
