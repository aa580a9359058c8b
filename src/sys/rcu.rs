// SPDX-License-Identifier: GPL-2.0

//! RCU: read-side critical sections and an RCU-protected, optionally empty, owned pointer.

use core::marker::PhantomData;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;

/// An RCU read-side critical section; it ends when the guard is dropped.
pub(crate) struct ReadGuard {
    // Not `Send`: the critical section belongs to this task.
    _not_send: PhantomData<*mut ()>,
}

impl ReadGuard {
    pub(crate) fn new() -> Self {
        // SAFETY: `rcu_read_lock` may be called in any context; the matching unlock is in drop.
        unsafe { bindings::ctn_rcu_read_lock() };
        Self {
            _not_send: PhantomData,
        }
    }
}

impl Drop for ReadGuard {
    fn drop(&mut self) {
        // SAFETY: paired with the `rcu_read_lock` in `new`, on the same task.
        unsafe { bindings::ctn_rcu_read_unlock() };
    }
}

/// Waits until every RCU read-side critical section that started before the call has ended.
pub(crate) fn synchronize() {
    // SAFETY: callable from any sleepable context; ctn calls it only from ioctls and unload.
    unsafe { bindings::synchronize_rcu() };
}

/// Waits until every callback handed to RCU by [`Retired::defer`] has run: before the code
/// of those callbacks (this module's) goes away.
pub(crate) fn barrier() {
    // SAFETY: as `synchronize`.
    unsafe { bindings::rcu_barrier() };
}

/// Waits until every task has passed a voluntary context switch (RCU-tasks), so none is still
/// executing code it entered before the call without having slept since.
pub(crate) fn synchronize_tasks() {
    // SAFETY: as `synchronize`.
    unsafe { bindings::synchronize_rcu_tasks() };
}

/// A slot holding an optional `KBox<T>` that readers reach under a [`ReadGuard`] without locks.
///
/// # Invariants
///
/// `ptr` is null or comes from `KBox::into_raw`; a pointer removed from the slot is freed only
/// after an RCU grace period (see [`Retired`]), so a reader holding a guard never sees it freed.
pub(crate) struct RcuBox<T> {
    ptr: AtomicPtr<T>,
}

impl<T: Send + Sync> RcuBox<T> {
    pub(crate) const fn empty() -> Self {
        Self {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The current value, valid for as long as the read-side critical section lasts.
    pub(crate) fn get<'a>(&self, _guard: &'a ReadGuard) -> Option<&'a T> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: non-null pointers come from `KBox::into_raw` and are freed only after a grace
        // period that starts after they were removed (type invariant); `_guard` keeps the
        // current critical section open for `'a`, so the value outlives the reference.
        unsafe { p.as_ref() }
    }

    /// Whether the slot holds a value (no guard needed: the value is not touched).
    pub(crate) fn is_occupied(&self) -> bool {
        !self.ptr.load(Ordering::Relaxed).is_null()
    }

    /// Stores `value` if the slot is empty; gives it back otherwise.
    pub(crate) fn fill(&self, value: KBox<T>) -> core::result::Result<(), KBox<T>> {
        let raw = KBox::into_raw(value);
        match self
            .ptr
            .compare_exchange(ptr::null_mut(), raw, Ordering::AcqRel, Ordering::Relaxed)
        {
            Ok(_) => Ok(()),
            // SAFETY: `raw` came from `KBox::into_raw` above and was never published.
            Err(_) => Err(unsafe { KBox::from_raw(raw) }),
        }
    }

    /// Stores `value` in place of the current value, which readers may still hold: it is
    /// freed by the returned [`Retired`].
    pub(crate) fn replace(&self, value: KBox<T>) -> Option<Retired<T>> {
        let p = self.ptr.swap(KBox::into_raw(value), Ordering::AcqRel);
        // SAFETY: as in `take`: `p` came from `KBox::into_raw` and the slot no longer has it.
        (!p.is_null()).then(|| Retired(Some(unsafe { KBox::from_raw(p) })))
    }

    /// Frees the value at once, without waiting for readers.
    ///
    /// # Safety
    ///
    /// No reader can reach `self` any more: whatever holds it has itself been unreachable for
    /// a full grace period (or was never published).
    pub(crate) unsafe fn clear_unreachable(&mut self) {
        let p = core::mem::replace(self.ptr.get_mut(), ptr::null_mut());
        if !p.is_null() {
            // SAFETY: `p` came from `KBox::into_raw`; no reader can hold it (caller's promise).
            drop(unsafe { KBox::from_raw(p) });
        }
    }

    /// Empties the slot. Readers may still hold the old value: it is freed by [`Retired`].
    pub(crate) fn take(&self) -> Option<Retired<T>> {
        let p = self.ptr.swap(ptr::null_mut(), Ordering::AcqRel);
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from `KBox::into_raw` (type invariant) and is no longer reachable
        // from the slot, so this is its only owner.
        Some(Retired(Some(unsafe { KBox::from_raw(p) })))
    }
}

impl<T> Drop for RcuBox<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        if !p.is_null() {
            // Readers could still see it through a shared reference taken before the drop.
            synchronize();
            // SAFETY: `p` came from `KBox::into_raw`, and the grace period above ended every
            // reader that could have loaded it.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}

/// A value removed from an [`RcuBox`] that readers may still use; dropping it waits for a
/// grace period, then frees it. [`free_batch`] frees many after a single grace period.
pub(crate) struct Retired<T>(Option<KBox<T>>);

impl<T> Drop for Retired<T> {
    fn drop(&mut self) {
        if let Some(value) = self.0.take() {
            synchronize();
            drop(value);
        }
    }
}

/// A removed value in RCU's hands: freed by [`free_deferred`] after a grace period.
#[repr(C)]
struct Deferred<T> {
    head: Opaque<bindings::callback_head>,
    value: Option<KBox<T>>,
}

impl<T: Send> Retired<T> {
    /// Frees the value after a grace period without waiting for it (`call_rcu`), so that a
    /// caller removing many values one at a time does not wait a grace period for each. The
    /// value is dropped in softirq context: its drop must not sleep (kfree and vfree are
    /// fine). Without memory for the request, waits for a grace period as `drop` does. Code
    /// that defers must call [`barrier`] before the module goes away.
    pub(crate) fn defer(mut self) {
        let Some(value) = self.0.take() else {
            return;
        };
        let node = Deferred {
            head: Opaque::new(bindings::callback_head::default()),
            value: None,
        };
        let Ok(mut node) = KBox::new(node, GFP_KERNEL) else {
            self.0 = Some(value); // freed by `drop`, after a grace period
            return;
        };
        node.value = Some(value);
        let raw = KBox::into_raw(node);
        // SAFETY: `raw` is a live, exclusively owned `Deferred<T>` whose `head` (at offset 0,
        // `repr(C)`) RCU owns until it calls `free_deferred::<T>` with it, once, after a
        // grace period; readers that could see the value started before this call.
        unsafe { bindings::call_rcu((*raw).head.get(), Some(free_deferred::<T>)) };
    }
}

/// The RCU callback of [`Retired::defer`].
///
/// # Safety
///
/// Called by RCU only, once, with the head of a `Deferred<T>` made by `defer`.
unsafe extern "C" fn free_deferred<T>(head: *mut bindings::callback_head) {
    // SAFETY: `head` is at offset 0 of a `Deferred<T>` from `KBox::into_raw` (caller's
    // promise); this is its only owner now.
    drop(unsafe { KBox::from_raw(head.cast::<Deferred<T>>()) });
}

/// Frees removed values after one grace period for all of them.
pub(crate) fn free_batch<T>(mut batch: KVec<Retired<T>>) {
    synchronize();
    for retired in batch.iter_mut() {
        // The grace period above covers every reader of every value in the batch.
        drop(retired.0.take());
    }
}
