// SPDX-License-Identifier: GPL-2.0

//! A container's history: a bounded ring of events, preallocated at creation, in which the
//! newest event overwrites the oldest. Recording never allocates or sleeps, so hooks can do it.

use core::pin::Pin;

use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;

use crate::sys::clock;
use crate::sys::task::COMM_LEN;
use crate::uapi::CtnEvent;

struct Ring {
    /// `events[seq % len]` holds event `seq` for the last `len` sequence numbers.
    events: KVVec<CtnEvent>,
    /// Sequence number of the next event.
    next: u64,
}

pub(crate) struct History {
    ring: Pin<KBox<SpinLock<Ring>>>,
    capacity: u32,
}

/// A read of a history (see [`History::read`]).
pub(crate) struct Batch {
    pub(crate) events: KVec<CtnEvent>,
    /// The sequence number to ask for next.
    pub(crate) next: u64,
    /// Events wanted (from `since` on) that were already overwritten.
    pub(crate) lost: u64,
    /// Events from `since` on that the history holds (more than `events` when `out` was
    /// too small).
    pub(crate) available: u64,
}

impl History {
    /// A history of `capacity` events (at least 1).
    pub(crate) fn new(capacity: u32) -> Result<Self> {
        let capacity = capacity.max(1);
        let mut events = KVVec::with_capacity(capacity as usize, GFP_KERNEL)?;
        for _ in 0..capacity {
            events.push(CtnEvent::default(), GFP_KERNEL)?;
        }
        let ring = KBox::pin_init(
            new_spinlock!(Ring { events, next: 0 }, "ctn_history"),
            GFP_KERNEL,
        )?;
        Ok(Self { ring, capacity })
    }

    pub(crate) fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Appends an event about task `pid` (of process `tgid`; 0 when none).
    pub(crate) fn record(&self, kind: u32, pid: i32, tgid: i32, arg: i32, comm: [u8; COMM_LEN]) {
        let time_ns = clock::now_real_ns();
        let mut ring = self.ring.lock();
        let seq = ring.next;
        // Never 0 (`new` makes at least one); `max` lets the compiler see it: no panic path.
        let len = (ring.events.len() as u64).max(1);
        if let Some(slot) = ring.events.get_mut((seq % len) as usize) {
            *slot = CtnEvent {
                seq,
                time_ns,
                kind,
                pid,
                tgid,
                arg,
                comm,
            };
        }
        ring.next = seq.wrapping_add(1);
    }

    /// Events recorded so far, and how many of them were overwritten.
    pub(crate) fn counts(&self) -> (u64, u64) {
        let ring = self.ring.lock();
        let len = ring.events.len() as u64;
        (ring.next, ring.next.saturating_sub(len))
    }

    /// Fills `out` (up to its capacity, without allocating) with the events numbered `since`
    /// or later, oldest first. Returns the sequence number to ask for next, and how many
    /// wanted events (from `since` on) were already overwritten, and how many it holds from
    /// `since` on.
    pub(crate) fn read(&self, since: u64, out: &mut KVec<CtnEvent>) -> Result<(u64, u64, u64)> {
        let ring = self.ring.lock();
        let len = (ring.events.len() as u64).max(1);
        let oldest = ring.next.saturating_sub(len);
        let first = since.max(oldest).min(ring.next);
        let mut seq = first;
        while seq < ring.next && out.len() < out.capacity() {
            if let Some(e) = ring.events.get((seq % len) as usize) {
                // Within capacity: never allocates.
                out.push(*e, GFP_NOWAIT)?;
            }
            seq += 1;
        }
        Ok((
            seq,
            oldest.saturating_sub(since),
            ring.next.saturating_sub(first),
        ))
    }
}
