// SPDX-License-Identifier: GPL-2.0

//! Every hook ctn installs, as one unit: installed with the first container, removed with
//! the last (see `device::Control`), so that a module with no container costs nothing.

use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::ThisModule;

use crate::identity::Identity;
use crate::network::Network;
use crate::process::{ProcessHooks, SchedHooks};
use crate::registry::Registry;
use crate::sys::clone::CloneGate;
use crate::sys::confine::ConfineHooks;
use crate::sys::files::FilesGate;
use crate::sys::isolate::IsolationHooks;
use crate::sys::mm::MemoryGate;
use crate::sys::net::NetHooks;
use crate::sys::open::OpenRecorder;
use crate::sys::resource_view::ViewHooks;
use crate::sys::tracepoint::SchedProbes;
use crate::sys::uts::UtsHooks;
use crate::sys::work::{Periodic, PeriodicWork};
use crate::sys::write::WriteGate;

pub(crate) struct Hooks {
    /// The open recorder, only while some container records the files it opens (it sits on
    /// every open of every task).
    recorder: Option<OpenRecorder<ProcessHooks>>,
    _clone_gate: CloneGate<ProcessHooks>,
    _sched_probes: SchedProbes<SchedHooks>,
    _uts: UtsHooks<Identity>,
    _net: NetHooks<Network>,
    _memory_gate: MemoryGate<ProcessHooks>,
    _files_gate: FilesGate<ProcessHooks>,
    _write_gate: WriteGate<ProcessHooks>,
    _view: ViewHooks<ProcessHooks>,
    _cpu_watch: PeriodicWork<CpuWatch>,
    _confine: ConfineHooks<ProcessHooks>,
    _isolation: IsolationHooks<ProcessHooks>,
}

/// Checks the CPU-time limits every second (see `Registry::watch_cpu`).
struct CpuWatch(Arc<Registry>);

impl Periodic for CpuWatch {
    fn run(&self) {
        self.0.watch_cpu();
    }
}

impl Hooks {
    pub(crate) fn install(module: &'static ThisModule, registry: &Arc<Registry>) -> Result<Self> {
        let observer = Arc::new(SchedHooks::new(registry.clone())?, GFP_KERNEL)?;
        let sched_probes = SchedProbes::register(observer)?;
        let clone_gate = CloneGate::register(module, ProcessHooks(registry.clone()))?;
        let uts = UtsHooks::register(module, Identity(registry.clone()))?;
        let net = NetHooks::register(module, Network(registry.clone()))?;
        let memory_gate = MemoryGate::register(module, ProcessHooks(registry.clone()))?;
        let files_gate = FilesGate::register(module, ProcessHooks(registry.clone()))?;
        let write_gate = WriteGate::register(module, ProcessHooks(registry.clone()))?;
        let cpu_watch = PeriodicWork::start(CpuWatch(registry.clone()), 1000)?;
        let view = ViewHooks::register(module, ProcessHooks(registry.clone()))?;
        let confine = ConfineHooks::register(module, ProcessHooks(registry.clone()))?;
        let isolation = IsolationHooks::register(module, ProcessHooks(registry.clone()))?;
        Ok(Self {
            recorder: None,
            _clone_gate: clone_gate,
            _sched_probes: sched_probes,
            _uts: uts,
            _net: net,
            _memory_gate: memory_gate,
            _files_gate: files_gate,
            _write_gate: write_gate,
            _cpu_watch: cpu_watch,
            _view: view,
            _confine: confine,
            _isolation: isolation,
        })
    }
}

impl Hooks {
    /// Installs the open recorder if `needed` and it is not, removes it if not `needed`.
    pub(crate) fn record_opens(
        &mut self,
        module: &'static ThisModule,
        registry: &Arc<Registry>,
        needed: bool,
    ) -> Result {
        match (needed, self.recorder.is_some()) {
            (true, false) => {
                self.recorder = Some(OpenRecorder::register(
                    module,
                    ProcessHooks(registry.clone()),
                )?)
            }
            (false, true) => self.recorder = None,
            _ => {}
        }
        Ok(())
    }
}
