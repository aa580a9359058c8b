// SPDX-License-Identifier: GPL-2.0

//! Probes on the scheduler's process tracepoints (fork, exec, exit) and its runtime
//! accounting (`sched_stat_runtime`), which modules cannot reach by symbol: they are found by
//! name with `for_each_kernel_tracepoint`.

use core::ffi::c_void;

use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

use super::bindings;
use super::task::TaskRef;
use crate::live::{self, Live};

/// What ctn does at each process event. Called with preemption disabled, in the context of
/// the task concerned: no sleeping, no allocation.
pub(crate) trait SchedObserver: Send + Sync {
    /// `child` was created by `parent` (`current`) and has not run yet.
    fn on_fork(&self, parent: TaskRef<'_>, child: TaskRef<'_>);
    /// `task` (`current`) executed a new program.
    fn on_exec(&self, task: TaskRef<'_>);
    /// `task` (`current`) is exiting; its exit code is set.
    fn on_exit(&self, task: TaskRef<'_>);
    /// `task` ran for `ns` more on a CPU (the scheduler's accounting, at every tick and
    /// switch). Called with the runqueue lock held: besides not sleeping, it must not wake
    /// a task or take any lock.
    fn on_runtime(&self, task: TaskRef<'_>, ns: u64);
}

/// Probes on `sched_process_{fork,exec,exit}` and `sched_stat_runtime`: registered, or parked
/// (unregistered without waiting, [`SchedProbes::park`]) and armed again; dropping them
/// unregisters them and waits until no probe is running.
///
/// # Invariants
///
/// While `armed`, each `(tracepoint, probe)` in `probes` is registered with `observer`'s
/// address as data; `observer` stays alive until they are unregistered and synchronised (in
/// `drop`: a parked probe may still be running on another CPU).
pub(crate) struct SchedProbes<T: SchedObserver> {
    observer: Arc<T>,
    probes: KVec<(*mut bindings::tracepoint, *mut c_void)>,
    armed: bool,
    _live: Live,
}

// SAFETY: the raw pointers name kernel tracepoints (global, immutable identity) and probe
// functions; the observer is `Send + Sync`.
unsafe impl<T: SchedObserver> Send for SchedProbes<T> {}
// SAFETY: as above; `&SchedProbes` exposes nothing.
unsafe impl<T: SchedObserver> Sync for SchedProbes<T> {}

impl<T: SchedObserver> SchedProbes<T> {
    pub(crate) fn register(observer: Arc<T>) -> Result<Self> {
        let named: [(&CStr, *mut c_void); 4] = [
            (
                kernel::c_str!("sched_process_fork"),
                fork_probe::<T> as *mut c_void,
            ),
            (
                kernel::c_str!("sched_process_exec"),
                exec_probe::<T> as *mut c_void,
            ),
            (
                kernel::c_str!("sched_process_exit"),
                exit_probe::<T> as *mut c_void,
            ),
            (
                kernel::c_str!("sched_stat_runtime"),
                runtime_probe::<T> as *mut c_void,
            ),
        ];
        let mut probes = KVec::with_capacity(named.len(), GFP_KERNEL)?;
        for (name, probe) in named {
            probes.push((find(name).ok_or(ENOENT)?, probe), GFP_KERNEL)?;
        }
        let mut this = Self {
            observer,
            probes,
            armed: false,
            _live: Live::new(&live::PROBE_SETS),
        };
        this.arm()?;
        Ok(this)
    }

    /// Registers every probe (after [`SchedProbes::park`]); none if one fails.
    pub(crate) fn arm(&mut self) -> Result {
        if self.armed {
            return Ok(());
        }
        let data = observer_data(&self.observer);
        for (n, &(tp, probe)) in self.probes.iter().enumerate() {
            // SAFETY: `tp` is a kernel tracepoint; `probe` has the signature of its prototype
            // (checked against include/trace/events/sched.h: see the probe functions) and
            // `data` stays valid until the probe is unregistered and synchronised (type
            // invariant).
            let ret = unsafe { bindings::tracepoint_probe_register(tp, probe, data) };
            if ret != 0 {
                self.unregister(n);
                return Err(Error::from_errno(ret));
            }
        }
        self.armed = true;
        Ok(())
    }

    /// Unregisters every probe without waiting for those still running (`drop` does).
    pub(crate) fn park(&mut self) {
        if self.armed {
            self.unregister(self.probes.len());
            self.armed = false;
        }
    }

    /// Unregisters the first `n` probes.
    fn unregister(&self, n: usize) {
        let data = observer_data(&self.observer);
        for &(tp, probe) in self.probes.iter().take(n) {
            // SAFETY: registered with this data (by `arm`, which calls this for the `n` it
            // registered, or `armed`). Unregistering only fails for a probe that is not
            // registered.
            unsafe { bindings::tracepoint_probe_unregister(tp, probe, data) };
        }
    }
}

impl<T: SchedObserver> Drop for SchedProbes<T> {
    fn drop(&mut self) {
        self.park();
        // SAFETY: waits for probes still running on other CPUs; sleepable context (unload).
        unsafe { bindings::ctn_tracepoint_synchronize_unregister() };
        // `observer` is released after this, when the fields are dropped.
    }
}

/// The probe data: the observer's address.
fn observer_data<T>(observer: &Arc<T>) -> *mut c_void {
    (&**observer as *const T).cast_mut().cast()
}

/// The kernel tracepoint called `name`.
fn find(name: &CStr) -> Option<*mut bindings::tracepoint> {
    struct Search<'a> {
        name: &'a CStr,
        found: *mut bindings::tracepoint,
    }
    unsafe extern "C" fn visit(tp: *mut bindings::tracepoint, data: *mut c_void) {
        // SAFETY: `data` is the `Search` below, alive for the whole walk; `tp` is a valid
        // tracepoint whose `name` is a C string.
        unsafe {
            let search = &mut *data.cast::<Search<'_>>();
            if search.found.is_null()
                && CStr::from_char_ptr((*tp).name).as_bytes() == search.name.as_bytes()
            {
                search.found = tp;
            }
        }
    }
    let mut search = Search {
        name,
        found: core::ptr::null_mut(),
    };
    // SAFETY: `visit` matches the callback type and `search` outlives the call.
    unsafe {
        bindings::for_each_kernel_tracepoint(Some(visit), (&mut search as *mut Search<'_>).cast())
    };
    (!search.found.is_null()).then_some(search.found)
}

/// # Safety
///
/// Called by the tracepoint only: `data` is the observer registered with it.
unsafe fn observer<'a, T>(data: *mut c_void) -> &'a T {
    // SAFETY: the observer outlives the registration (`SchedProbes` invariant).
    unsafe { &*data.cast::<T>() }
}

/// `TP_PROTO(struct task_struct *parent, struct task_struct *child)`
unsafe extern "C" fn fork_probe<T: SchedObserver>(
    data: *mut c_void,
    parent: *mut bindings::task_struct,
    child: *mut bindings::task_struct,
) {
    // SAFETY: the tracepoint passes live tasks that outlive the call, and our data.
    unsafe {
        if let (Some(p), Some(c)) = (TaskRef::from_raw(parent), TaskRef::from_raw(child)) {
            observer::<T>(data).on_fork(p, c);
        }
    }
}

/// `TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)`
unsafe extern "C" fn exec_probe<T: SchedObserver>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
    _old_pid: i32,
    _bprm: *mut bindings::linux_binprm,
) {
    // SAFETY: as `fork_probe`.
    unsafe {
        if let Some(t) = TaskRef::from_raw(task) {
            observer::<T>(data).on_exec(t);
        }
    }
}

/// `TP_PROTO(struct task_struct *p)`
unsafe extern "C" fn exit_probe<T: SchedObserver>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
) {
    // SAFETY: as `fork_probe`.
    unsafe {
        if let Some(t) = TaskRef::from_raw(task) {
            observer::<T>(data).on_exit(t);
        }
    }
}

/// `TP_PROTO(struct task_struct *tsk, u64 runtime)`
unsafe extern "C" fn runtime_probe<T: SchedObserver>(
    data: *mut c_void,
    task: *mut bindings::task_struct,
    runtime: u64,
) {
    // SAFETY: as `fork_probe`: `task` is the runqueue's current task, alive under its lock.
    unsafe {
        if let Some(t) = TaskRef::from_raw(task) {
            observer::<T>(data).on_runtime(t, runtime);
        }
    }
}
