// SPDX-License-Identifier: GPL-2.0

//! The unsafe edge of ctn: small safe wrappers over raw kernel interfaces, written once in the
//! style of the `kernel` crate's abstractions. Nothing outside this directory uses `bindings`.

mod bindings;
pub(crate) mod capable;
pub(crate) mod clock;
pub(crate) mod clone;
pub(crate) mod confine;
pub(crate) mod cred;
pub(crate) mod files;
pub(crate) mod ftrace;
pub(crate) mod hostconf;
pub(crate) mod ipc;
pub(crate) mod isolate;
pub(crate) mod miscdev;
pub(crate) mod mm;
pub(crate) mod mqueue;
pub(crate) mod net;
pub(crate) mod open;
pub(crate) mod pty;
pub(crate) mod random;
pub(crate) mod rcu;
pub(crate) mod resource_view;
pub(crate) mod syscall;
pub(crate) mod table;
pub(crate) mod task;
pub(crate) mod task_work;
pub(crate) mod tids;
pub(crate) mod tracepoint;
pub(crate) mod unix;
pub(crate) mod uts;
pub(crate) mod work;
pub(crate) mod write;
