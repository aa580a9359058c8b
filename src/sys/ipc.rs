// SPDX-License-Identifier: GPL-2.0

//! SysV IPC (shared memory, semaphores, message queues) by owner: a task the policy picks
//! finds by key and reaches by id only the objects the policy says it owns (for ctn: those
//! its container made, see `crate::ipc`). Hooks, each on every path to its decision (the
//! 64-bit calls, the 32-bit ones and the `ipc()` multiplexer all end there):
//! - `ipcget`, where every `shmget`, `msgget` and `semget` looks its key up (the `ksys_*get`
//!   functions are inlined into their system calls): the key is replaced in the callback by
//!   the one the policy files it under, so the kernel looks up and creates the object under
//!   that key. `IPC_PRIVATE` stays private.
//! - `ipc_addid`, where the kernel gives a new object its id: the object is recorded as the
//!   creating task's.
//! - `ipc_obtain_object_check`, the lookup by id of every call that names an object (shmat,
//!   shmctl, msgsnd, msgrcv, msgctl, semop, semtimedop, semctl): an object out of reach is
//!   `EINVAL`, the kernel's answer for an id that names nothing. A task that is exiting
//!   passes (its semaphore undo list ends there; it could not have made undo entries on an
//!   object out of reach).
//! - `security_{shm,msg_queue,sem}_associate`, asked when a `*get` finds an existing key:
//!   `ENOENT` for an object out of reach (only a collision of filed keys gets there).
//! - `security_shm_shmctl`, `security_msg_queue_msgctl`, `security_sem_semctl`, asked by the
//!   `*_STAT` commands that name an object by its index (what `ipcs` walks): `EINVAL`, as for
//!   an unused index.
//! - `security_{shm,msg_queue,sem}_free`, asked when the kernel frees an object (in an RCU
//!   callback): the policy forgets it.
//!
//! The `security_*` ones exist with `CONFIG_SECURITY` (every distribution kernel); without
//! `CONFIG_SYSVIPC` there is nothing to hook and nothing to isolate.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{self, original, CallArgs, Divert, HookSetBuilder, Hooked, Observe, Refuse};
use super::task;

/// Who owns which objects.
pub(crate) trait IpcPolicy: Divert + Clone {
    /// The key the current task's key `key` (not `IPC_PRIVATE`) is filed under, if the
    /// policy files its keys. Must not sleep.
    fn file_key(&self, key: i32) -> Option<i32>;
    /// The current task made `object` (a `struct kern_ipc_perm`), at index `index`. Must not
    /// sleep (the kernel holds the object's lock).
    fn made(&self, object: usize, index: i32);
    /// Whether the current task may reach `object`, of id `id`; a refusal counts. Must not
    /// sleep.
    fn reaches(&self, object: usize, id: i32) -> bool;
    /// The kernel frees `object`, of id `id`: any task, any context (an RCU callback).
    fn freed(&self, object: usize, id: i32);
}

/// The id of `object`, a live `struct kern_ipc_perm`.
///
/// # Safety
///
/// `object` is a `struct kern_ipc_perm` the kernel has not freed.
unsafe fn id_of(object: usize) -> i32 {
    // SAFETY: caller's contract.
    unsafe { bindings::ctn_ipc_id(object as *const bindings::kern_ipc_perm) }
}

/// `IPC_PRIVATE` (a cast in `linux/ipc.h`, which bindgen does not evaluate).
const IPC_PRIVATE: i32 = 0;

/// Files the keys of `*get` calls: `int ipcget(struct ipc_namespace *ns, struct ipc_ids *ids,
/// const struct ipc_ops *ops, struct ipc_params *params)`, whose `params` (`ipc/util.h`, not
/// a public header) begin with the `key_t key` (an int), as since Linux 2.6.24.
struct FileKeys<P>(P);

impl<P: IpcPolicy> Observe for FileKeys<P> {
    fn observe(&self, args: &CallArgs<'_>) {
        let key = args.word(3) as *mut i32;
        // SAFETY: argument 3 is the caller's `struct ipc_params`, on its stack for the call,
        // used by this task alone; its first member is the key.
        let k = unsafe { key.read() };
        if k == IPC_PRIVATE {
            return;
        }
        if let Some(filed) = self.0.file_key(k) {
            // SAFETY: as above; any int is a key a caller may pass.
            unsafe { key.write(filed) };
        }
    }
}

/// Forgets objects the kernel frees (`security_*_free(struct kern_ipc_perm *)`).
struct Forget<P>(P);

impl<P: IpcPolicy> Observe for Forget<P> {
    fn observe(&self, args: &CallArgs<'_>) {
        let object = args.word(0);
        if object == 0 {
            return;
        }
        // SAFETY: argument 0 is the object being freed, not freed yet.
        let id = unsafe { id_of(object) };
        self.0.freed(object, id);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `int security_*_associate(struct kern_ipc_perm *, int flg)`.
    Associate,
    /// `int security_*ctl(struct kern_ipc_perm *, int cmd)` (NULL for the `*_INFO` commands).
    Control,
}

struct Gate<P> {
    policy: P,
    check: Check,
}

impl<P: IpcPolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        let object = args.word(0);
        if object == 0 {
            return false; // *_INFO: counts of the whole system
        }
        // SAFETY: argument 0 is an object the caller holds (under RCU and its lock).
        let id = unsafe { id_of(object) };
        !self.policy.reaches(object, id)
    }
}

impl<P: IpcPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        match self.check {
            Check::Associate => ENOENT,
            Check::Control => EINVAL,
        }
        .to_errno()
        .into()
    }
}

/// `int ipc_addid(struct ipc_ids *ids, struct kern_ipc_perm *new, int limit)` (the index of
/// the new object, or a negative errno), for picked tasks: records the object once the
/// kernel has given it its id.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real `ipc_addid`
/// call and the live hook state.
unsafe extern "C" fn add_id<P: IpcPolicy>(
    ids: usize,
    new: usize,
    limit: i32,
    hooked: *const Hooked<P>,
) -> i32 {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `original` is the start of `ipc_addid`, whose type `AddId` is; the arguments
    // are the caller's, unchanged.
    let index: i32 = unsafe { hooked.call_original((ids, new, limit)) };
    if index >= 0 {
        hooked.policy().made(new, index);
    }
    index
}

/// The largest errno an `ERR_PTR` carries (`MAX_ERRNO`).
const MAX_ERRNO: usize = bindings::MAX_ERRNO as usize;

/// `struct kern_ipc_perm *ipc_obtain_object_check(struct ipc_ids *ids, int id)` (the object or
/// an `ERR_PTR`), for picked tasks: an object out of reach is not found.
///
/// # Safety
///
/// Reached only through the hook's redirection, with the arguments of a real
/// `ipc_obtain_object_check` call (made under `rcu_read_lock`) and the live hook state.
unsafe extern "C" fn obtain_check<P: IpcPolicy>(
    ids: usize,
    id: i32,
    hooked: *const Hooked<P>,
) -> usize {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };
    // SAFETY: `original` is the start of `ipc_obtain_object_check`, whose type `ObtainCheck`
    // is; the arguments are the caller's, unchanged.
    let object: usize = unsafe { hooked.call_original((ids, id)) };
    let found = object.wrapping_neg() > MAX_ERRNO; // not IS_ERR
    if found && !hooked.policy().reaches(object, id) {
        // ERR_PTR(-EINVAL)
        return EINVAL.to_errno() as isize as usize;
    }
    object
}

/// Reaches-or-not for a lookup by id, deciding whose lookups are diverted: a task that is
/// exiting is let through (see the module's comment).
#[derive(Clone)]
struct Lookup<P>(P);

impl<P: IpcPolicy> Divert for Lookup<P> {
    fn divert_call(&self, _args: &CallArgs<'_>) -> bool {
        !task::current_is_exiting()
    }
}

impl<P: IpcPolicy> IpcPolicy for Lookup<P> {
    fn file_key(&self, key: i32) -> Option<i32> {
        self.0.file_key(key)
    }
    fn made(&self, object: usize, index: i32) {
        self.0.made(object, index)
    }
    fn reaches(&self, object: usize, id: i32) -> bool {
        self.0.reaches(object, id)
    }
    fn freed(&self, object: usize, id: i32) {
        self.0.freed(object, id)
    }
}

/// The functions hooked, looked up together (one grace period).
const SYMBOLS: [&kernel::str::CStr; 12] = [
    kernel::c_str!("ipc_addid"),
    kernel::c_str!("ipc_obtain_object_check"),
    kernel::c_str!("ipcget"),
    kernel::c_str!("security_shm_associate"),
    kernel::c_str!("security_msg_queue_associate"),
    kernel::c_str!("security_sem_associate"),
    kernel::c_str!("security_shm_shmctl"),
    kernel::c_str!("security_msg_queue_msgctl"),
    kernel::c_str!("security_sem_semctl"),
    kernel::c_str!("security_shm_free"),
    kernel::c_str!("security_msg_queue_free"),
    kernel::c_str!("security_sem_free"),
];

/// Adds the SysV IPC hooks to `hooks`. Without `CONFIG_SYSVIPC` there are none; without
/// `CONFIG_SECURITY` they cannot be installed (and no container starts, see `hostconf`).
pub(crate) fn add<P: IpcPolicy + 'static>(hooks: &mut HookSetBuilder<'_>, policy: P) -> Result {
    let found = hooks.sites_of(&SYMBOLS)?;
    if found.first().is_some_and(|s| s.is_err()) {
        return Ok(()); // no SysV IPC in this kernel
    }
    let [_, _, get, shm_assoc, msg_assoc, sem_assoc, shmctl, msgctl, semctl, shm_free, msg_free, sem_free] =
        SYMBOLS;
    hooks.observing(get, FileKeys(policy.clone()))?;
    // SAFETY: `add_id::<P>` has `ipc_addid`'s three parameters followed by
    // `*const Hooked<P>`, returns its `int`, holds an `InFlight` guard throughout and calls
    // the original through `Hooked::call_original`.
    unsafe {
        hooks.hook(
            original!(SYMBOLS[0]),
            3,
            add_id::<P> as usize,
            policy.clone(),
        )?
    };
    // SAFETY: as above, for `ipc_obtain_object_check`'s two parameters and its pointer.
    unsafe {
        hooks.hook(
            original!(SYMBOLS[1]),
            2,
            obtain_check::<Lookup<P>> as usize,
            Lookup(policy.clone()),
        )?
    };
    for (symbol, check) in [
        (shm_assoc, Check::Associate),
        (msg_assoc, Check::Associate),
        (sem_assoc, Check::Associate),
        (shmctl, Check::Control),
        (msgctl, Check::Control),
        (semctl, Check::Control),
    ] {
        let gate = Gate {
            policy: policy.clone(),
            check,
        };
        hooks.refusing(symbol, gate)?;
    }
    for symbol in [shm_free, msg_free, sem_free] {
        hooks.observing_all(symbol, Forget(policy.clone()))?;
    }
    Ok(())
}
