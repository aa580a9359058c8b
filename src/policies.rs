// SPDX-License-Identifier: GPL-2.0

//! The registry as the policy of every hook (`crate::hooks` installs them with it): each
//! `sys` hook family asks its questions through a trait, answered here by the registry's
//! function for it, so that `sys` knows nothing of containers and the registry nothing of
//! hooks.

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::ipc::NamePrefix;
use crate::network::{mac_bytes, Addresses};
use crate::registry::{CloneTicket, Registry};
use crate::sys::capable::CapabilityPolicy;
use crate::sys::clone::ClonePolicy;
use crate::sys::confine::ConfinePolicy;
use crate::sys::files::FilesPolicy;
use crate::sys::ftrace::{Divert, Gate};
use crate::sys::hostconf::{FileName, HostConfigPolicy, OpenFacts};
use crate::sys::ipc::IpcPolicy;
use crate::sys::isolate::IsolationPolicy;
use crate::sys::mm::MemoryPolicy;
use crate::sys::mqueue::QueueNamePolicy;
use crate::sys::net::{Ipv4, NetPolicy};
use crate::sys::open::OpenPolicy;
use crate::sys::pty::PtyPolicy;
use crate::sys::resource_view::ViewPolicy;
use crate::sys::tids::TidPolicy;
use crate::sys::unix::UnixNamePolicy;
use crate::sys::uts::{UtsField, UtsName, UtsPolicy};
use crate::sys::write::WritePolicy;

/// The registry as every hook's policy.
#[derive(Clone)]
pub(crate) struct Policy(pub(crate) Arc<Registry>);

/// Every hook's first question, before any policy runs: whether the current task is in a
/// container (one load; a host task is let through here).
impl Gate for Policy {
    fn admits(&self) -> bool {
        self.0.current_is_member()
    }
}

/// As a hook's own policy (its replacement decides): every call the gate admits is diverted.
impl Divert for Policy {}

impl ClonePolicy for Policy {
    type Ticket = CloneTicket;

    fn admit(&self, flags: u64) -> Result<CloneTicket> {
        // Members make no namespaces (a way out of the container's view): `EPERM`, as the
        // confinement gate answers unshare(2).
        if flags & crate::sys::confine::CLONE_NEW_ANY != 0 {
            self.0.confined_call_refused();
            return Err(EPERM);
        }
        self.0.admit_clone()
    }

    fn done(&self, ticket: CloneTicket, _created: bool) {
        // Whether a task was created is what the fork tracepoint saw (see `clone_done`).
        self.0.clone_done(ticket);
    }

    fn admit_copy(&self, tgid: i32, pages: u64) -> bool {
        self.0.admit_copy(tgid, pages)
    }

    fn copy_dropped(&self, tgid: i32) {
        self.0.copy_dropped(tgid);
    }
}

impl ViewPolicy for Policy {
    fn memory(&self) -> Option<(u64, u64)> {
        self.0.memory_view_of_current()
    }

    fn tasks(&self) -> Option<u64> {
        self.0.tasks_of_current()
    }

    fn rlimit_cap(&self, pid: i32, resource: u32) -> Option<u64> {
        self.0.rlimit_cap(pid, resource)
    }

    fn reaches(&self, pid: i32) -> bool {
        self.0.current_may_reach(pid)
    }
}

impl IsolationPolicy for Policy {
    fn may_reach(&self, pid: i32) -> bool {
        self.0.current_may_reach(pid)
    }

    fn sees(&self, pid: i32) -> bool {
        self.0.current_sees(pid)
    }
}

impl CapabilityPolicy for Policy {
    fn grants(&self, cap: u32, audit: bool) -> bool {
        self.0.current_grants(cap, audit)
    }

    fn limit(&self) -> Option<u64> {
        self.0.current_caps()
    }
}

impl HostConfigPolicy for Policy {
    fn refused(&self, errno: Error) {
        self.0.host_config_refused(errno);
    }

    fn open_refusal(&self, open: &OpenFacts) -> Option<Error> {
        self.0.current_open_refusal(open)
    }

    fn owns_queue(&self, name: &FileName) -> bool {
        self.0.current_owns_queue(name)
    }
}

impl OpenPolicy for Policy {
    fn opened(&self, path: &[u8]) {
        self.0.record_open(path);
    }
}

impl ConfinePolicy for Policy {
    fn refused(&self) {
        self.0.confined_call_refused();
    }
}

impl FilesPolicy for Policy {
    fn admit_file(&self, now: u64) -> bool {
        self.0.admit_file(now)
    }
}

impl WritePolicy for Policy {
    fn admit_write(&self, bytes: u64) -> bool {
        self.0.admit_write(bytes)
    }
}

impl MemoryPolicy for Policy {
    fn admit_pages(&self, pages: u64, now: u64) -> bool {
        self.0.admit_pages(pages, now)
    }
}

impl IpcPolicy for Policy {
    fn file_key(&self, key: i32) -> Option<i32> {
        self.0.ipc_key_of_current(key)
    }

    fn made(&self, object: usize, index: i32) {
        self.0.ipc_made(object, index);
    }

    fn reaches(&self, object: usize, id: i32) -> bool {
        self.0.current_reaches_ipc(object, id)
    }

    fn freed(&self, object: usize, id: i32) {
        self.0.ipc_freed(object, id);
    }
}

impl UnixNamePolicy for Policy {
    fn name_prefix(&self) -> Option<NamePrefix> {
        self.0.name_prefix_of_current()
    }

    fn refused(&self, errno: Error) {
        self.0.host_config_refused(errno);
    }
}

impl QueueNamePolicy for Policy {
    fn queue_prefix(&self) -> Option<NamePrefix> {
        self.0.queue_prefix_of_current()
    }
}

impl PtyPolicy for Policy {
    fn made(&self, fsi: usize, index: i32) {
        self.0.pty_made(fsi, index);
    }

    fn gone(&self, fsi: usize, index: i32) {
        self.0.pty_gone(fsi, index);
    }
}

impl TidPolicy for Policy {
    fn taking_pid(&self, from: i32, to: i32) {
        self.0.on_taking_pid(from, to);
    }
}

impl UtsPolicy for Policy {
    fn copy_names(&self, host: &mut UtsName, domain: &mut UtsName) -> bool {
        self.0.uts_names_of_current(host, domain)
    }

    fn set(&self, which: UtsField, name: UtsName) -> Result {
        self.0.set_uts_name_of_current(which, name)
    }
}

impl NetPolicy for Policy {
    type Rules = Addresses;

    fn rules(&self) -> Option<Addresses> {
        self.0.addresses_of_current()
    }

    fn mac(&self) -> Option<[u8; 6]> {
        self.0.mac_of_current().map(mac_bytes)
    }

    fn may_reach(&self, rules: &Addresses, dst: Ipv4) -> bool {
        // Its own loopback, or no container's.
        dst == rules.loopback || !self.0.is_private_loopback(dst.0)
    }

    fn send_gate(&self, bytes: u64, for_rules: impl FnOnce(Option<Addresses>) -> bool) -> bool {
        self.0.send_gate(bytes, for_rules)
    }

    fn admit_send(&self, bytes: u64) -> core::result::Result<(), u64> {
        self.0.admit_send(bytes)
    }

    fn send_wait(&self) -> u64 {
        self.0.send_wait_of_current()
    }

    fn send_held_back(&self, ns: u64, first: bool) {
        self.0.send_held_back(ns, first);
    }

    fn received(&self, bytes: u64) {
        self.0.count_received(bytes);
    }
}
