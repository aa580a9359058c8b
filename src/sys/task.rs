// SPDX-License-Identifier: GPL-2.0

//! Tasks: reading the fields ctn needs, walking every thread, sending signals.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::prelude::*;

use super::bindings;
use super::rcu::ReadGuard;

/// Length of a task's command name (`TASK_COMM_LEN`), including the NUL.
pub(crate) const COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

/// Signals ctn sends (`signal_process`): the CPU-time limit's.
pub(crate) const SIGKILL: i32 = bindings::SIGKILL as i32;
pub(crate) const SIGXCPU: i32 = bindings::SIGXCPU as i32;

/// A task that stays alive (its `task_struct` is not freed) for at least `'a`.
///
/// # Invariants
///
/// `ptr` points to a valid `task_struct` for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct TaskRef<'a> {
    ptr: NonNull<bindings::task_struct>,
    _lifetime: PhantomData<&'a bindings::task_struct>,
}

impl<'a> TaskRef<'a> {
    /// # Safety
    ///
    /// `ptr` must point to a `task_struct` that stays valid for `'a`.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::task_struct) -> Option<Self> {
        Some(Self {
            ptr: NonNull::new(ptr)?,
            _lifetime: PhantomData,
        })
    }

    fn raw(&self) -> &bindings::task_struct {
        // SAFETY: valid for `'a` (type invariant). The fields ctn reads are either fixed for the
        // task's life (pid, tgid) or plain words the kernel also reads without locks (comm,
        // exit_code), as /proc does.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::task_struct {
        self.ptr.as_ptr()
    }

    /// The thread id (global pid namespace).
    pub(crate) fn pid(&self) -> i32 {
        self.raw().pid
    }

    /// The process id (thread group id).
    pub(crate) fn tgid(&self) -> i32 {
        self.raw().tgid
    }

    fn flags(&self) -> u32 {
        // SAFETY: `flags` is a word the kernel updates with plain stores; a racy read sees an
        // old or new value, as `ps` does.
        unsafe { core::ptr::read_volatile(&self.raw().flags) }
    }

    pub(crate) fn is_kernel_thread(&self) -> bool {
        self.flags() & bindings::PF_KTHREAD != 0
    }

    /// Whether the task has started exiting (it may or may not have passed the exit
    /// tracepoint yet).
    pub(crate) fn is_exiting(&self) -> bool {
        self.flags() & bindings::PF_EXITING != 0
    }

    /// The command name, NUL-filled.
    pub(crate) fn comm(&self) -> [u8; COMM_LEN] {
        let mut out = [0u8; COMM_LEN];
        for (o, c) in out.iter_mut().zip(self.raw().comm.iter()) {
            *o = *c;
        }
        out[COMM_LEN - 1] = 0;
        out
    }

    /// The exit code (`wait` status encoding), meaningful once the task is exiting.
    pub(crate) fn exit_code(&self) -> i32 {
        self.raw().exit_code
    }

    /// User plus system CPU time consumed so far, in nanoseconds.
    pub(crate) fn cputime_ns(&self) -> u64 {
        // SAFETY: the task is valid (type invariant); `task_cputime` only reads it.
        unsafe { bindings::ctn_task_cputime_ns(self.as_ptr()) }
    }

    /// The parent process's pid.
    pub(crate) fn ppid(&self, _guard: &ReadGuard) -> i32 {
        // SAFETY: the task is valid and `_guard` holds the RCU read lock `real_parent` needs.
        unsafe { bindings::ctn_task_ppid(self.as_ptr()) }
    }

    /// The state letter `ps` shows (R, S, D, T, Z, ...).
    pub(crate) fn state_char(&self) -> u8 {
        // SAFETY: the task is valid (type invariant).
        unsafe { bindings::ctn_task_state_char(self.as_ptr()) }
    }

    /// Whether every thread of the task's process has exited; for a task that is exiting.
    pub(crate) fn is_group_dead(&self) -> bool {
        // SAFETY: the task is valid (type invariant) and, exiting, still has its `signal`.
        unsafe { bindings::ctn_task_group_dead(self.as_ptr()) }
    }

    /// What the task's process holds: the pages of its address space (`total_vm`) and its
    /// open descriptors (0 once it has none).
    pub(crate) fn process_holdings(&self, _guard: &ReadGuard) -> Holdings {
        let (mut pages, mut files) = (0, 0);
        // SAFETY: the task is valid and `_guard` holds the RCU read lock the thread walk needs.
        unsafe { bindings::ctn_process_holdings(self.as_ptr(), &mut pages, &mut files) };
        Holdings {
            pages: pages as u64,
            files: u64::from(files),
        }
    }

    /// Sends `signal` to the task's whole process, as the kernel (no permission check).
    pub(crate) fn signal_process(&self, signal: i32) -> Result {
        // SAFETY: the task is valid (type invariant); `send_sig` takes its own locks.
        let ret = unsafe { bindings::send_sig(signal, self.as_ptr(), 1) };
        kernel::error::to_result(ret)
    }
}

/// What a process holds of the resources ctn limits by process.
#[derive(Clone, Copy)]
pub(crate) struct Holdings {
    pub(crate) pages: u64,
    pub(crate) files: u64,
}

/// The largest pid the kernel can hand out (`PID_MAX_LIMIT`), whatever `pid_max` is set to.
pub(crate) fn pid_max_limit() -> u32 {
    // SAFETY: returns a constant.
    unsafe { bindings::ctn_pid_max_limit() }
}

/// CPUs online now.
pub(crate) fn online_cpus() -> u32 {
    // SAFETY: reads the online CPU mask.
    unsafe { bindings::ctn_online_cpus() }
}

extern "C" {
    /// x86's per-CPU `struct pcpu_hot` (arch/x86/include/asm/current.h), whose first field
    /// is `current_task`: what the kernel's own `current` reads.
    static pcpu_hot: u8;
}

/// The pid of the current task, cheaply (no reference counting, no call: the ftrace
/// callback asks it first for every hooked call of every task).
#[inline(always)]
pub(crate) fn current_pid() -> i32 {
    let task: *const bindings::task_struct;
    // SAFETY: reads this CPU's `pcpu_hot.current_task` through %gs, as `get_current()` does
    // (`this_cpu_read_stable`); no memory is written, the stack is not touched.
    unsafe {
        core::arch::asm!(
            "mov {task}, qword ptr gs:[{hot}]",
            task = out(reg) task,
            hot = sym pcpu_hot,
            options(nostack, readonly, preserves_flags, pure),
        )
    };
    // SAFETY: `current` is always a live task in process context, where ctn's hooks and
    // ioctls run; `pid` is a plain field it does not change while it runs.
    unsafe { (*task).pid }
}

/// The current task, as the raw pointer the task_work API takes.
pub(crate) fn current_raw() -> *mut bindings::task_struct {
    // SAFETY: reads `current`, always valid in task context.
    unsafe { bindings::ctn_current() }
}

/// Whether the current task returns to user mode through a system call exit: a user task
/// (not a kernel thread, not an io_uring worker) that is not exiting.
pub(crate) fn current_is_user_task() -> bool {
    // SAFETY: reads the current task's flags, a word it alone changes.
    let flags = unsafe { (*bindings::ctn_current()).flags };
    flags & (bindings::PF_KTHREAD | bindings::PF_IO_WORKER | bindings::PF_EXITING) == 0
}

/// Whether the current task has started exiting.
pub(crate) fn current_is_exiting() -> bool {
    // SAFETY: reads the current task's flags, a word it alone changes.
    let flags = unsafe { (*bindings::ctn_current()).flags };
    flags & bindings::PF_EXITING != 0
}

/// Whether this runs in a timer interrupt that interrupted the current task in user mode.
pub(crate) fn tick_interrupted_user_mode() -> bool {
    // SAFETY: reads this CPU's interrupt state and saved registers.
    unsafe { bindings::ctn_irq_from_user_mode() }
}

/// Sleeps for up to `ns`, interruptibly: false if a signal is pending (the sleep may then end
/// early), true otherwise. For process context without locks held.
pub(crate) fn sleep_interruptible_ns(ns: u64) -> bool {
    // SAFETY: process context (the callers' contract); the helper sets the task state and
    // schedules with a timer.
    unsafe { bindings::ctn_sleep_interruptible_ns(ns) }
}

/// The return value that makes the current system call start again from the beginning once
/// it has returned (`-ERESTARTNOINTR`, with a notification that brings the task through the
/// signal path where the kernel restarts it). For a call that has done nothing yet.
pub(crate) fn restart_syscall() -> i32 {
    // SAFETY: only flags the current task.
    unsafe { bindings::ctn_restart_syscall() }
}

/// The process id of the current task.
pub(crate) fn current_tgid() -> i32 {
    // SAFETY: as `current_pid`; `tgid` is fixed for the task's life.
    unsafe { (*bindings::ctn_current()).tgid }
}

/// Runs `f` on the current task.
pub(crate) fn with_current<R>(f: impl FnOnce(TaskRef<'_>) -> R) -> R {
    // SAFETY: `current` is valid and cannot be freed while it runs this code.
    let task = unsafe { TaskRef::from_raw(bindings::ctn_current()) };
    match task {
        Some(t) => f(t),
        None => unreachable!("current is never NULL in process context"),
    }
}

/// Calls `f` on every process (thread group leader, not the idle task) for as long as `_guard`
/// holds the RCU read lock: tasks are freed only after a grace period, so each reference
/// stays valid that long.
pub(crate) fn for_each_process<'g>(_guard: &'g ReadGuard, mut f: impl FnMut(TaskRef<'g>)) {
    // SAFETY: the walk follows the RCU-protected process list under the read lock held by
    // `_guard`; every pointer it yields is a live task until the lock is dropped.
    unsafe {
        let mut p = bindings::ctn_first_process();
        while let Some(process) = TaskRef::from_raw(p) {
            f(process);
            p = bindings::ctn_next_process(p);
        }
    }
}

impl<'g> TaskRef<'g> {
    /// Calls `f` on every thread of this task's process, starting with this task (which
    /// should be the group leader to see them all), under `_guard`'s RCU read lock.
    pub(crate) fn for_each_thread(&self, _guard: &'g ReadGuard, mut f: impl FnMut(TaskRef<'g>)) {
        // SAFETY: as `for_each_process`, for the process's RCU-protected thread list.
        unsafe {
            let mut t = self.as_ptr();
            while let Some(thread) = TaskRef::from_raw(t) {
                f(thread);
                t = bindings::ctn_next_thread(t);
            }
        }
    }
}

/// Calls `f` on every thread of every process, under `guard`'s RCU read lock.
pub(crate) fn for_each_thread<'g>(guard: &'g ReadGuard, mut f: impl FnMut(TaskRef<'g>)) {
    for_each_process(guard, |p| p.for_each_thread(guard, &mut f));
}
