// SPDX-License-Identifier: GPL-2.0

//! Isolation between containers, and from the host: a task a policy picks reaches only the
//! tasks the policy lets it (for ctn: those of its own container), as FreeBSD jail and
//! Linux-VServer do. Hooks, each deciding in the ftrace callback and diverting only refusals:
//! - `check_kill_permission`, the kernel's own check of every signal a task sends (kill,
//!   kill(pid, 0), kill(-1), process groups, tgkill, tkill, rt_sigqueueinfo,
//!   pidfd_send_signal), and `do_send_sig_info` for those that skip it (F_SETOWN's SIGIO): a
//!   signal from user space to a task out of reach fails with `EPERM`, the check's own answer
//!   (not `ESRCH`: `kill_pid_info_type` takes that for a task that went away meanwhile and
//!   looks it up again, forever). Signals the kernel sends (SIGCHLD, SIGPIPE, the OOM
//!   killer's) pass. `check_kill_permission` is static: it is
//!   hooked where the compiler left it out of line (both its callers in 6.12.117 with
//!   clang-19; the isolation tests would show otherwise).
//! - `ptrace_may_access`, which /proc asks before showing a process's environ, mem, maps,
//!   root, cwd, exe and fd, and process_vm_readv/writev, kcmp and pidfd_getfd ask: no for a
//!   task out of reach (`EPERM` from the others; /proc would answer `EACCES`, but for a
//!   member the directory of a task out of reach is hidden first, see below).
//! - ptrace(2) itself, on both entries (`__x64_sys_ptrace`, `__ia32_compat_sys_ptrace`): any
//!   request naming a task out of reach fails with `ESRCH`; PTRACE_TRACEME names none. Its
//!   attach asks the kernel's internal check, not `ptrace_may_access`: that asks
//!   `security_ptrace_access_check`, hooked too (`EPERM`), whatever the entry.
//! - `has_pid_permissions`, /proc's own check for its `hidepid` mount option, asked by
//!   readdir of /proc (a process it says no to is not listed), stat of /proc/PID (`ENOENT`)
//!   and the permission check of /proc/PID/ (`EPERM`): no for a task the policy does not
//!   let the caller see, so a container's /proc shows its own processes only. It is static:
//!   hooked where the compiler left it out of line (it has four callers); where it was
//!   inlined, /proc lists every process, as before.
//! - The kernel's check points for changing or reading another task's scheduling and
//!   memory placement (`security_task_setnice`: setpriority for `PRIO_PROCESS`, `PRIO_PGRP`
//!   and `PRIO_USER` alike, one call per task; `security_task_setioprio`/`getioprio`;
//!   `security_task_setscheduler`/`getscheduler`: sched_setaffinity, setscheduler, setparam,
//!   setattr and their get counterparts; `security_task_movememory`: move_pages,
//!   migrate_pages): `EPERM` for a task out of reach. They exist with `CONFIG_SECURITY` (every
//!   distribution kernel); without it the calls are not isolated.
//! - The owner of a file's SIGIO/SIGURG: `f_setown` (F_SETOWN, FIOSETOWN, SIOCSPGRP)
//!   refuses a process or process group out of reach with `ESRCH`, as for one that does not
//!   exist; `__f_setown`, where every path ends (F_SETOWN_EX, inlined into the fcntl syscall,
//!   reads its target from user memory, which a check cannot read race-free), is skipped for
//!   such a target (void: the owner stays as it was, so no signal goes out of reach).
//! - pidfd_open(2) of a task out of reach, on both entries: `ESRCH`, as for a task that does
//!   not exist.

use kernel::prelude::*;

use super::bindings;
use super::ftrace::{optional, CallArgs, Divert, HookSetBuilder, Refuse};
use super::syscall::{entries, Abi};
use super::task::TaskRef;

/// Who reaches whom.
pub(crate) trait IsolationPolicy: Send + Sync + Clone {
    /// Whether the current task may reach task `pid` (signal it, trace it, read its /proc);
    /// a refusal counts as one. Must not sleep.
    fn may_reach(&self, pid: i32) -> bool;
    /// Whether the current task sees task `pid` in /proc (no refusal is counted: listing
    /// /proc asks for every process). Must not sleep.
    fn sees(&self, pid: i32) -> bool;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Call {
    Signal,
    MayAccess,
    /// ptrace(2) through one of its entries.
    Ptrace(Abi),
    Visible,
    /// A `security_task_*` check point: argument 0 is the task acted on.
    TaskOp,
    SetOwner,
    SetOwnerPid,
    PidfdOpen(Abi),
}

struct Gate<P> {
    policy: P,
    call: Call,
}

/// `PTRACE_TRACEME`: the caller asks its parent to trace it.
const PTRACE_TRACEME: u64 = bindings::PTRACE_TRACEME as u64;

impl<P: IsolationPolicy> Divert for Gate<P> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        let pid = match self.call {
            Call::Signal => {
                let info = args.word(1) as *const bindings::kernel_siginfo;
                // SAFETY: argument 1 of `check_kill_permission` and `do_send_sig_info` is the
                // siginfo, or one of the special values the helper recognises first;
                // argument 2 the target task.
                if !unsafe { bindings::ctn_siginfo_from_user(info) } {
                    return false;
                }
                // SAFETY: argument 2 is the target task, referenced by the caller.
                match unsafe { task_pid(args, 2) } {
                    Some(pid) => pid,
                    None => return false,
                }
            }
            // SAFETY: argument 0 of `ptrace_may_access` is the task asked about, referenced
            // by the caller.
            Call::MayAccess => match unsafe { task_pid(args, 0) } {
                Some(pid) => pid,
                None => return false,
            },
            // SAFETY: argument 1 of `has_pid_permissions` is the task asked about, referenced
            // by the caller.
            Call::Visible => {
                return unsafe { task_pid(args, 1) }.is_some_and(|p| !self.policy.sees(p))
            }
            Call::Ptrace(abi) => {
                let regs = args.word(0) as *const bindings::pt_regs;
                // SAFETY: argument 0 of a system call's entry is the caller's saved
                // registers, entered through `abi`: the request, then the pid.
                let (request, pid) = unsafe { (abi.arg(regs, 0), abi.arg(regs, 1) as i32) };
                if request == PTRACE_TRACEME {
                    return false;
                }
                pid
            }
            // SAFETY: argument 0 of the `security_task_*` check points is the task acted
            // on, referenced by the caller.
            Call::TaskOp => match unsafe { task_pid(args, 0) } {
                Some(pid) => pid,
                None => return false,
            },
            // `int f_setown(struct file *filp, int who, int force)`: a pid, or minus a
            // process group; 0 clears the owner.
            Call::SetOwner => match args.word(1) as i32 {
                0 => return false,
                who => who.unsigned_abs() as i32,
            },
            // `void __f_setown(struct file *, struct pid *, enum pid_type, int force)`.
            Call::SetOwnerPid => {
                let pid = args.word(1) as *mut bindings::pid;
                if pid.is_null() {
                    return false;
                }
                // SAFETY: argument 1 is a `struct pid` the caller holds (looked up under
                // RCU or referenced).
                unsafe { bindings::ctn_pid_nr(pid) }
            }
            Call::PidfdOpen(abi) => {
                let regs = args.word(0) as *const bindings::pt_regs;
                // SAFETY: argument 0 of a system call's entry is the caller's saved
                // registers, entered through `abi`: the pid first.
                unsafe { abi.arg(regs, 0) as i32 }
            }
        };
        !self.policy.may_reach(pid)
    }
}

/// The pid of the task in argument `n` of the traced call.
///
/// # Safety
///
/// Argument `n` of the traced function is a task (or null) its caller holds a reference to.
unsafe fn task_pid(args: &CallArgs<'_>, n: u32) -> Option<i32> {
    // SAFETY: the caller's promise.
    unsafe { TaskRef::from_raw(args.word(n) as *mut bindings::task_struct) }.map(|t| t.pid())
}

impl<P: IsolationPolicy> Refuse for Gate<P> {
    fn refusal(&self) -> i64 {
        match self.call {
            Call::MayAccess | Call::Visible => 0, // false
            Call::SetOwnerPid => 0,               // void
            Call::Signal | Call::TaskOp => EPERM.to_errno().into(),
            Call::Ptrace(_) | Call::SetOwner | Call::PidfdOpen(_) => ESRCH.to_errno().into(),
        }
    }
}

/// Adds the isolation hooks to `hooks`.
pub(crate) fn add<P: IsolationPolicy + 'static>(
    hooks: &mut HookSetBuilder<'_>,
    policy: P,
) -> Result {
    let mut hook = |symbol, call| {
        let gate = Gate {
            policy: policy.clone(),
            call,
        };
        hooks.refusing(symbol, gate)
    };
    hook(kernel::c_str!("check_kill_permission"), Call::Signal)?;
    hook(kernel::c_str!("do_send_sig_info"), Call::Signal)?;
    hook(kernel::c_str!("ptrace_may_access"), Call::MayAccess)?;
    hook(kernel::c_str!("__x64_sys_ptrace"), Call::Ptrace(Abi::X64))?;
    let [pidfd_open, pidfd_open_ia32] = entries!("pidfd_open");
    hook(pidfd_open, Call::PidfdOpen(Abi::X64))?;
    // The 32-bit entries, where the kernel has them (IA32_EMULATION).
    optional(hook(
        kernel::c_str!("__ia32_compat_sys_ptrace"),
        Call::Ptrace(Abi::Ia32),
    ))?;
    optional(hook(pidfd_open_ia32, Call::PidfdOpen(Abi::Ia32)))?;
    hook(kernel::c_str!("f_setown"), Call::SetOwner)?;
    hook(kernel::c_str!("__f_setown"), Call::SetOwnerPid)?;
    for check in [
        // Every attach and every access check, whatever the entry (ptrace's attach asks
        // `__ptrace_may_access`, which asks this, not `ptrace_may_access`).
        kernel::c_str!("security_ptrace_access_check"),
        kernel::c_str!("security_task_setnice"),
        kernel::c_str!("security_task_setioprio"),
        kernel::c_str!("security_task_getioprio"),
        kernel::c_str!("security_task_setscheduler"),
        kernel::c_str!("security_task_getscheduler"),
        kernel::c_str!("security_task_movememory"),
    ] {
        // Without CONFIG_SECURITY they are static inline stubs: these calls are not isolated.
        optional(hook(check, Call::TaskOp))?;
    }
    // Inlined in a kernel: /proc lists everyone there.
    optional(hook(kernel::c_str!("has_pid_permissions"), Call::Visible))
}
