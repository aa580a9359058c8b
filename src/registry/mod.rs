// SPDX-License-Identifier: GPL-2.0

//! Containers and the task -> container map, in files by the context their code runs in:
//! - `hooks.rs`: what hook callbacks and tracepoints call, in any context (atomic, under a
//!   runqueue lock): no sleeping, no allocation, no mutex;
//! - `member.rs`: a member's own paths that may sleep (a replacement, the way back to user
//!   mode), still without the control mutex;
//! - `control.rs`: the ioctls' changes, under the control mutex; `report.rs`: their answers.
//!
//! Both of the first two are implemented on [`Lockless`], which has no mutex to take.
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

use crate::abi::{Name, Target};
use crate::events::{Batch, History};
use crate::identity;
use crate::ipc;
use crate::limits::{Charges, Counter, Limits};
use crate::live::{self, Live};
use crate::network::{owner_keys, private_loopback, Addresses};
use crate::opened::OpenedFiles;
use crate::privilege;
use crate::sys::clock;
use crate::sys::hostconf::{self, FileName, FileSystem, OpenFacts};
use crate::sys::mm;
use crate::sys::net::eaddrinuse;
use crate::sys::rcu::{self, RcuBox, ReadGuard, Retired};
use crate::sys::resource_view;
use crate::sys::table;
use crate::sys::task::{self, TaskRef, SIGKILL, SIGXCPU};
use crate::sys::uts::{self, UtsField, UtsName};
use crate::sys::write;
use crate::uapi;

mod container;
mod control;
mod hooks;
mod member;
mod report;

pub(crate) use container::Container;
pub(crate) use hooks::CloneTicket;

/// A `members` entry: the container's slot, and `CLONING` while the task is inside a task
/// creation that reserved its new task (see `admit_clone`).
const SLOT_MASK: u16 = 0x7fff;
const CLONING: u16 = 0x8000;

/// Most containers that can exist at once (slot 0 means "none").
pub(crate) const MAX_CONTAINERS: usize = SLOT_MASK as usize;
/// Least time between two recounts of one container by refusals (`Container::recount_due`).
const RECOUNT_INTERVAL_NS: u64 = 10_000_000;

/// A pty's entry in `Registry::ptys`: the slot in the low 16 bits, the devpts instance's
/// address (bits 4 to 51: objects are 16-byte aligned) above; 0 for the host's.
fn pty_entry(slot: u16, fsi: usize) -> u64 {
    (fsi as u64 >> 4 & 0xffff_ffff_ffff) << 16 | u64::from(slot)
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

/// What CPU shares may reserve together (percent of one CPU): the online CPUs times the
/// reserve.
fn cpu_capacity(reserve_pct: u32) -> u64 {
    u64::from(task::online_cpus()).saturating_mul(u64::from(reserve_pct))
}

/// The registry's state that hooks reach: lock-free tables and the RCU-published
/// containers. It holds no mutex, so nothing implemented on it (`hooks.rs`, `member.rs`)
/// can take one; [`Registry`] adds the control mutex, for `control.rs` and `report.rs`.
pub(crate) struct Lockless {
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
}

/// All containers.
#[pin_data(PinnedDrop)]
pub(crate) struct Registry {
    lockless: Lockless,
    #[pin]
    control: Mutex<Control>,
}

impl core::ops::Deref for Registry {
    type Target = Lockless;

    fn deref(&self) -> &Lockless {
        &self.lockless
    }
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
                lockless: Lockless {
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
                },
                control <- new_mutex!(control, "ctn_registry"),
            }),
            GFP_KERNEL,
        )
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
