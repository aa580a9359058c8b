// SPDX-License-Identifier: GPL-2.0

//! IPC belongs to a container (as VServer tags it with the context): a member's SysV keys and
//! abstract unix socket names are filed under its container, and the SysV objects it makes
//! are recorded as its container's, so that a member reaches only those, two containers use
//! the same key or name without meeting, and the host keeps its own.
//!
//! - **Keys**: a member's key `k` (not `IPC_PRIVATE`) is filed as `file_key(secret, k)`, a
//!   permutation of the 32-bit keys under the container's random secret (a Feistel network
//!   over SipHash): distinct keys of one container stay distinct, and no one who does not know
//!   the secret can tell which key a container's `k` becomes (a container cannot take another's
//!   keys in advance). A collision with a key of the host or of another container finds an
//!   object the member does not own: refused as missing.
//! - **Owners**: [`Owners`] maps an object (its `kern_ipc_perm`) to the slot of the container
//!   that made it; an object it does not list is the host's. Filled when the kernel gives the
//!   object its id, emptied when the kernel frees it or the container is destroyed (its
//!   objects then belong to no container: the host removes them with `ipcrm`).
//! - **Names**: a member's abstract unix name `n` is `prefix ++ n`, the prefix made of the
//!   container's random tag (see [`name_prefix`]); no member can name anything without its
//!   own prefix, so none reaches another's socket or the host's. POSIX message queues the
//!   same way (see [`queue_prefix`], [`file_queue_name`]), and a member opens, makes and
//!   removes in the queues' file system only names with its prefix, whatever the path.

use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::prelude::*;

use crate::sys::random;

/// Buckets of [`Owners`], indexed by the low bits of an object's id (its index: the kernel
/// hands them out in turn, so a container's objects spread over the buckets).
const BUCKETS: usize = 1 << 13;
/// Objects per bucket.
const WAYS: usize = 8;

/// One recorded object: its address (0: free) and its container's slot.
struct Entry {
    object: AtomicUsize,
    slot: AtomicUsize,
}

/// Which container made which SysV IPC object: a fixed table (no allocation in the hooks
/// that fill and read it), lock-free. A way is claimed by setting its `object` from 0
/// (compare-exchange) and then its `slot`; it is freed by clearing `slot`, then `object`. A
/// reader that finds an object reads its slot after it, so it sees the owner or 0 (no
/// owner), never the slot of the way's previous object.
pub(crate) struct Owners(KVVec<Entry>);

impl Owners {
    pub(crate) fn new() -> Result<Self> {
        let mut entries = KVVec::with_capacity(BUCKETS * WAYS, GFP_KERNEL)?;
        for _ in 0..BUCKETS * WAYS {
            entries.push(
                Entry {
                    object: AtomicUsize::new(0),
                    slot: AtomicUsize::new(0),
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self(entries))
    }

    fn bucket(&self, id: i32) -> &[Entry] {
        let start = (id as u32 as usize % BUCKETS) * WAYS;
        self.0.get(start..start + WAYS).unwrap_or(&[])
    }

    /// Records `object`, whose id is `id` (or index: the low bits are the same), as made by
    /// the container in `slot`. False if its bucket is full (the object is then the host's).
    pub(crate) fn adopt(&self, object: usize, id: i32, slot: u16) -> bool {
        for e in self.bucket(id) {
            if e.object
                .compare_exchange(0, object, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                e.slot.store(slot.into(), Ordering::Release);
                return true;
            }
        }
        false
    }

    /// The slot of the container that made `object` (id `id`); 0: the host's.
    pub(crate) fn owner(&self, object: usize, id: i32) -> u16 {
        self.bucket(id)
            .iter()
            .find(|e| e.object.load(Ordering::Acquire) == object)
            .map_or(0, |e| e.slot.load(Ordering::Acquire) as u16)
    }

    /// Forgets `object` (id `id`), which the kernel frees. Any context.
    pub(crate) fn forget(&self, object: usize, id: i32) {
        if let Some(e) = self
            .bucket(id)
            .iter()
            .find(|e| e.object.load(Ordering::Acquire) == object)
        {
            e.slot.store(0, Ordering::Release);
            e.object.store(0, Ordering::Release);
        }
    }

    /// Forgets every object of the container in `slot` (being destroyed: a later container
    /// in the same slot must not inherit them). Control path: a scan of the table.
    pub(crate) fn forget_all(&self, slot: u16) {
        for e in self.0.iter() {
            if e.slot.load(Ordering::Acquire) == usize::from(slot) {
                e.slot.store(0, Ordering::Release);
                e.object.store(0, Ordering::Release);
            }
        }
    }
}

/// A container's IPC secrets, random at its creation.
pub(crate) struct Secrets {
    /// The key of the permutation of its SysV keys.
    key: [u64; 2],
    /// The tag in its abstract socket names (apart from `key`: names are visible to every
    /// container in /proc/net/unix, keys must not be guessable).
    tag: u64,
}

impl Secrets {
    pub(crate) fn new() -> Self {
        Self {
            key: [random::u64(), random::u64()],
            tag: random::u64(),
        }
    }

    /// The key a member's SysV key `key` is filed under (`key` is not `IPC_PRIVATE`, 0; nor
    /// is the answer).
    pub(crate) fn file_key(&self, key: i32) -> i32 {
        let filed = self.permute(key as u32);
        // The one key that the permutation takes to 0 goes where 0 would have gone: still
        // one-to-one over the keys that are not 0.
        let filed = if filed == 0 { self.permute(0) } else { filed };
        filed as i32
    }

    /// A four-round Feistel network over the two halves of `x`.
    fn permute(&self, x: u32) -> u32 {
        let (mut left, mut right) = (x >> 16, x & 0xffff);
        for round in 0..4u64 {
            let f = random::siphash(round, u64::from(right), &self.key) as u32 & 0xffff;
            (left, right) = (right, left ^ f);
        }
        (left << 16) | right
    }

    /// The prefix of its abstract socket names (see [`name_prefix`]).
    pub(crate) fn name_prefix(&self) -> NamePrefix {
        name_prefix(self.tag)
    }

    /// The prefix of its POSIX message queues' names (see [`queue_prefix`]).
    pub(crate) fn queue_prefix(&self) -> NamePrefix {
        queue_prefix(self.tag)
    }
}

/// The bytes a container's abstract unix names begin with, after the leading NUL.
pub(crate) type NamePrefix = [u8; NAME_PREFIX_LEN];
pub(crate) const NAME_PREFIX_LEN: usize = 21;

/// `ctn.` then `tag` in 16 hex digits then `/`: readable in the host's `ss -x`, the same
/// length for every container, so that no container's prefix begins another's.
pub(crate) fn name_prefix(tag: u64) -> NamePrefix {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut p = *b"ctn.0000000000000000/";
    for (i, b) in p[4..20].iter_mut().enumerate() {
        *b = HEX[(tag >> (60 - 4 * i)) as usize & 0xf];
    }
    p
}

/// `ctn.` then `tag` in 16 hex digits then `.`: the name prefix for message queues, whose
/// names are one file name (no `/`), listed as files in the host's `/dev/mqueue`.
pub(crate) fn queue_prefix(tag: u64) -> NamePrefix {
    let mut p = name_prefix(tag);
    p[NAME_PREFIX_LEN - 1] = b'.';
    p
}

/// The longest name of a file (`NAME_MAX`): of a queue too.
pub(crate) const QUEUE_NAME_MAX: usize = 255;

/// What becomes of a member's queue name (see [`file_queue_name`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum QueueName {
    /// A name the kernel refuses whatever its prefix (empty, `.`, `..`, with a `/` or a
    /// NUL): left as it is, for the kernel to refuse.
    AsGiven,
    /// Filed under the prefix: this many bytes of the buffer.
    Filed(usize),
    /// Too long to take the prefix: `ENAMETOOLONG`, the kernel's answer for a name longer
    /// than `NAME_MAX`.
    TooLong,
}

/// A member's queue name `name` (the kernel's copy, without the `/` that the C library
/// takes off) filed under `prefix`, into `filed`. Every name gets the prefix: a queue's name
/// is never given back to a member, so it never comes back prefixed.
pub(crate) fn file_queue_name(
    name: &[u8],
    prefix: &NamePrefix,
    filed: &mut [u8; QUEUE_NAME_MAX],
) -> QueueName {
    let refused = name.is_empty() || name == b"." || name == b"..";
    if refused || name.iter().any(|&b| b == b'/' || b == 0) {
        return QueueName::AsGiven;
    }
    let len = prefix.len() + name.len();
    let Some(out) = filed.get_mut(..len) else {
        return QueueName::TooLong;
    };
    let (head, tail) = out.split_at_mut(prefix.len());
    head.copy_from_slice(prefix);
    tail.copy_from_slice(name);
    QueueName::Filed(len)
}

/// A member's unix socket address, the `len` bytes at the start of `addr` (a `sockaddr_un`:
/// the family in two bytes, then the path), filed under `prefix`: an abstract name (a path
/// that begins with NUL) gets the prefix after its NUL, unless it has it already (a name
/// the member was given back, by `getsockname` or `recvfrom`, or a second lookup of the same
/// address). Returns the address's new length. Names in the file system, autobind (no name)
/// and malformed addresses are left for the kernel to judge; `EINVAL` if the name is too
/// long to take the prefix (the kernel's answer for a name longer than `sun_path`).
pub(crate) fn file_name(
    addr: &mut [u8; SOCKADDR_UN_LEN],
    len: usize,
    prefix: &NamePrefix,
) -> Result<usize> {
    const NAME: usize = 3; // family (2), NUL (1)
    if len <= NAME - 1 || len > addr.len() || addr[..2] != AF_UNIX.to_ne_bytes() || addr[2] != 0 {
        return Ok(len);
    }
    if addr[NAME..len].starts_with(prefix) {
        return Ok(len);
    }
    let filed = len + prefix.len();
    if filed > addr.len() {
        return Err(EINVAL);
    }
    addr.copy_within(NAME..len, NAME + prefix.len());
    addr[NAME..NAME + prefix.len()].copy_from_slice(prefix);
    Ok(filed)
}

/// `sizeof(struct sockaddr_un)`.
pub(crate) const SOCKADDR_UN_LEN: usize = 110;
/// `AF_UNIX`.
pub(crate) const AF_UNIX: u16 = 1;
