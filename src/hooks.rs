// SPDX-License-Identifier: GPL-2.0

//! Every hook ctn installs, as one unit: installed with the first container, parked with the
//! last and armed again with the next first one (see `device::Control`), so that a module
//! with no container costs nothing; removed when the module unloads. Parking unpatches every
//! hooked function and unregisters the probes without the RCU-tasks grace periods that
//! removing them waits out (hundreds of milliseconds).

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::policies::Policy;
use crate::process::SchedHooks;
use crate::registry::Registry;
use crate::sys::ftrace::{Anchor, HookSet, HookSetBuilder, Sites};
use crate::sys::tracepoint::SchedProbes;
use crate::sys::work::{Periodic, PeriodicWork};
use crate::sys::{
    capable, clone, confine, files, hostconf, ipc, isolate, mm, mqueue, net, open, pty,
    resource_view, tids, unix, uts, write,
};

pub(crate) struct Hooks {
    /// The open recorder, only while some container records the files it opens (it sits on
    /// every open of every task). A registration of its own, so that it comes and goes
    /// without touching the others.
    recorder: Option<HookSet<Policy>>,
    /// Every other function hook, in one ftrace registration: removing a registration costs
    /// RCU-tasks grace periods, which one registration pays once.
    functions: HookSet<Policy>,
    sched_probes: SchedProbes<SchedHooks>,
    /// Only while armed.
    cpu_watch: Option<PeriodicWork<CpuWatch>>,
    registry: Arc<Registry>,
}

/// Checks the CPU-time limits every second (see `Registry::watch_cpu`).
struct CpuWatch(Arc<Registry>);

impl Periodic for CpuWatch {
    fn run(&self) {
        self.0.watch_cpu();
    }
}

impl Hooks {
    /// Installs every hook but the recorder, finding functions through `sites`.
    pub(crate) fn install(registry: &Arc<Registry>, sites: &mut Sites) -> Result<Self> {
        let hooks = Self::build(registry, sites);
        // The lookups' probes go with one grace period, whatever the outcome.
        sites.release();
        hooks
    }

    fn build(registry: &Arc<Registry>, sites: &mut Sites) -> Result<Self> {
        let observer = Arc::new(SchedHooks::new(registry.clone())?, GFP_KERNEL)?;
        let sched_probes = SchedProbes::register(observer)?;
        let policy = || Policy(registry.clone());
        let mut functions = HookSetBuilder::new(sites);
        clone::add(&mut functions, policy())?;
        tids::add(&mut functions, policy())?;
        uts::add(&mut functions, policy())?;
        net::add(&mut functions, policy())?;
        mm::add(&mut functions, policy())?;
        files::add(&mut functions, policy())?;
        write::add(&mut functions, policy())?;
        resource_view::add(&mut functions, policy())?;
        confine::add(&mut functions, policy())?;
        isolate::add(&mut functions, policy())?;
        capable::add(&mut functions, policy())?;
        hostconf::add(&mut functions, policy())?;
        ipc::add(&mut functions, policy())?;
        unix::add(&mut functions, policy())?;
        mqueue::add(&mut functions, policy())?;
        pty::add(&mut functions, policy())?;
        let functions = functions.install(policy(), Anchor::Hooks)?;
        let cpu_watch = PeriodicWork::start(CpuWatch(registry.clone()), 1000)?;
        Ok(Self {
            recorder: None,
            functions,
            sched_probes,
            cpu_watch: Some(cpu_watch),
            registry: registry.clone(),
        })
    }

    /// With the last container gone: nothing hooked, nothing probed, nothing watched.
    /// Failing (the kernel could not allocate the smaller filter) leaves the hooks armed,
    /// which is correct, only not free.
    pub(crate) fn park(&mut self) -> Result {
        self.cpu_watch = None;
        self.sched_probes.park();
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.park()?;
        }
        self.functions.park()
    }

    /// Before a first container again: everything [`Hooks::park`] stopped, back.
    pub(crate) fn arm(&mut self) -> Result {
        self.functions.arm()?;
        self.sched_probes.arm()?;
        if self.cpu_watch.is_none() {
            self.cpu_watch = Some(PeriodicWork::start(CpuWatch(self.registry.clone()), 1000)?);
        }
        Ok(())
    }

    /// Installs (or arms) the open recorder if `needed` and it is not armed, parks it if not
    /// `needed`.
    pub(crate) fn record_opens(&mut self, sites: &mut Sites, needed: bool) -> Result {
        match (needed, self.recorder.as_mut()) {
            (true, None) => {
                let mut recorder = HookSetBuilder::new(sites);
                let installed =
                    open::add(&mut recorder, Policy(self.registry.clone())).and_then(|()| {
                        recorder.install(Policy(self.registry.clone()), Anchor::Recorder)
                    });
                sites.release();
                self.recorder = Some(installed?);
            }
            (true, Some(recorder)) => recorder.arm()?,
            (false, Some(recorder)) => recorder.park()?,
            (false, None) => {}
        }
        Ok(())
    }
}
