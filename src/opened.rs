// SPDX-License-Identifier: GPL-2.0

//! The set of files a container's processes opened, for `ctnctl capture` (the seed's
//! "determine which files the service uses, copy them"): absolute paths as the processes
//! named them (so symlinks on the way are kept), deduplicated, bounded, with a count of what
//! did not fit. Filled from the ftrace callback of `do_filp_open` (no sleeping, no
//! allocation, no lock: one hash, a few compare-and-swaps), read by `CTN_IOC_FILES`.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::prelude::*;

use crate::uapi;

/// Paths a set holds at most.
const CAPACITY: usize = 4096;
/// Entries an insertion looks at before it counts the path as dropped.
const PROBES: usize = 8;
/// Longest path recorded, with its NUL.
pub(crate) const PATH_LEN: usize = uapi::CTN_PATH_LEN;

/// One entry: `hash` claims it (0: free), `ready` says its name is written.
///
/// # Invariants
///
/// `name` is written only by the task that claimed the entry (moved `hash` from 0), before
/// it sets `ready`; it is read only after `ready` is seen set, and never written again.
struct Entry {
    hash: AtomicU64,
    ready: AtomicBool,
    name: UnsafeCell<[u8; PATH_LEN]>,
}

// SAFETY: `name` is accessed as the type invariant says: one writer before publication
// (Release on `ready`), readers after it (Acquire).
unsafe impl Sync for Entry {}
// SAFETY: as above; the entry holds plain bytes.
unsafe impl Send for Entry {}

pub(crate) struct OpenedFiles {
    entries: KVVec<Entry>,
    recorded: AtomicU64,
    dropped: AtomicU64,
}

/// FNV-1a of `bytes`, never 0 (0 marks a free entry).
fn hash(bytes: &[u8]) -> u64 {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    h | 1
}

impl OpenedFiles {
    pub(crate) fn new() -> Result<Self> {
        let mut entries = KVVec::with_capacity(CAPACITY, GFP_KERNEL)?;
        for _ in 0..CAPACITY {
            entries.push(
                Entry {
                    hash: AtomicU64::new(0),
                    ready: AtomicBool::new(false),
                    name: UnsafeCell::new([0; PATH_LEN]),
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            entries,
            recorded: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        })
    }

    /// Records `path` (without its NUL) unless it is there already; a path too long or a set
    /// too full counts as dropped. Must not sleep: called from a hook.
    pub(crate) fn insert(&self, path: &[u8]) {
        if path.is_empty() || path.len() >= PATH_LEN {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let h = hash(path);
        for i in 0..PROBES {
            let Some(e) = self.entries.get((h as usize).wrapping_add(i) % CAPACITY) else {
                break;
            };
            match e
                .hash
                .compare_exchange(0, h, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    // SAFETY: this task claimed the entry just now (type invariant: it is the
                    // only writer, and nobody reads before `ready`).
                    let name = unsafe { &mut *e.name.get() };
                    name[..path.len()].copy_from_slice(path);
                    e.ready.store(true, Ordering::Release);
                    self.recorded.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                // The same hash: taken as the same path (64 bits; a collision loses one).
                Err(other) if other == h => return,
                Err(_) => {}
            }
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// (paths recorded, paths dropped).
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.recorded.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }

    /// Appends up to `out`'s spare capacity of the recorded paths (never allocates).
    pub(crate) fn read(&self, out: &mut KVVec<uapi::CtnPath>) {
        for e in self.entries.iter() {
            if out.len() == out.capacity() {
                return;
            }
            if e.ready.load(Ordering::Acquire) {
                // SAFETY: `ready` is set: the name is written and never changes again.
                let path = unsafe { *e.name.get() };
                // Within capacity: never allocates.
                let _ = out.push(uapi::CtnPath { path }, GFP_NOWAIT);
            }
        }
    }
}
