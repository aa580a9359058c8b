// SPDX-License-Identifier: GPL-2.0

//! A member's own paths that may sleep or allocate: a hook's replacement (sethostname) and
//! the way back to user mode (the CPU share's hold-back). Still on [`Lockless`]: no control
//! mutex.

use super::*;

impl Lockless {
    /// sethostname/setdomainname from a member: changes its container's view only.
    pub(crate) fn set_uts_name_of_current(&self, which: UtsField, name: UtsName) -> Result {
        let new = KBox::new(([0; uts::UTS_LEN], [0; uts::UTS_LEN]), GFP_KERNEL)?;
        let retired = {
            let guard = ReadGuard::new();
            let c = self
                .container_of(task::current_pid(), &guard)
                .ok_or(ESRCH)?;
            c.update_names(new, |names| match which {
                UtsField::Host => names.0 = identity::effective_host(&name, &c.name),
                UtsField::Domain => names.1 = identity::effective_domain(&name),
            })
        };
        drop(retired); // a grace period, outside the read section
        Ok(())
    }

    /// Holds the current task back (sleeping, on its way to user mode) until its container
    /// may use the CPU again, a signal is pending, or `stopping` is set.
    pub(crate) fn hold_back_for_cpu(&self, stopping: &AtomicBool) {
        let mut first = true;
        loop {
            let start = clock::now_mono_ns();
            // The sleep is outside the read section: each step looks the container up anew.
            let Some(wait) = self.on_current(|c| c.limits.cpu_share.wait_ns(start)) else {
                return;
            };
            if wait == 0 || stopping.load(Ordering::Relaxed) {
                return;
            }
            let awake = task::sleep_interruptible_ns(wait.min(crate::limits::CPU_PERIOD_NS));
            let held = clock::now_mono_ns().saturating_sub(start);
            self.on_current(|c| c.limits.cpu_share.held_back(held, first));
            first = false;
            if !awake {
                return; // a signal: handle it, be held back again at the next tick
            }
        }
    }
}
