// SPDX-License-Identifier: GPL-2.0

//! Function hooks: an ftrace callback on a kernel function diverts the calls it picks to a
//! replacement function in this module, which may sleep, refuse the call, or call the
//! original (calls from this module are let through).
//!
//! The replacement receives the hook's context as one extra argument after the hooked
//! function's own: the callback writes it into the next argument register, which the x86
//! ftrace trampoline reloads from `ftrace_regs` before returning into the replacement.
//!
//! A replacement calls the function it hooks only through [`Hooked::call_original`], which
//! enters it by a RET (`call_original.S`): IBT-safe for functions whose ENDBR the kernel
//! sealed, and outside kCFI's checks. The functions hooked that way are named with
//! [`original!`], which records each name in ctn.ko's `.ctn_originals` section, for
//! `scripts/ibt-check`.

use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kernel::ffi::c_ulong;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;
use kernel::types::Opaque;

use super::bindings;
use super::rcu;
use crate::live::{self, Live};

/// Whose calls a hook set's policies see at all, asked first in the ftrace callback of every
/// call of every hooked function, before the call's hook is looked up: a task it says no to
/// pays this one question and nothing more (for ctn: whether the task is a member, one
/// load). Only observers of every task's calls ([`HookSetBuilder::observing_all`]) see the
/// others. Must be cheap, must not sleep.
pub(crate) trait Gate: Send + Sync {
    fn admits(&self) -> bool;
}

/// Decides, inside the ftrace callback, whether a call that the set's [`Gate`] admitted is
/// diverted. It must not sleep and must not call the function it hooks. A policy that can do
/// its whole work without sleeping may do it here and divert only the calls it refuses (see
/// `mm.rs`).
pub(crate) trait Divert: Send + Sync {
    /// Which calls are diverted, with the call's arguments at hand, for hooks that divert
    /// only some calls of a task (the default: all).
    fn divert_call(&self, _args: &CallArgs<'_>) -> bool {
        true
    }
}

/// The arguments of a traced call, as the ftrace callback sees them.
pub(crate) struct CallArgs<'a> {
    /// The fentry site of the traced function (see [`Sites`]).
    site: usize,
    /// Where the traced call returns to, in its caller.
    caller: usize,
    fregs: *mut bindings::ftrace_regs,
    _call: core::marker::PhantomData<&'a ()>,
}

impl CallArgs<'_> {
    /// Which function is traced, as its fentry site: for a hook on several functions.
    pub(crate) fn site(&self) -> usize {
        self.site
    }

    /// The traced call's return address: which call site of which function made it (see
    /// [`call_returns`]).
    pub(crate) fn caller(&self) -> usize {
        self.caller
    }

    /// Argument `n` (0-based, at most 5) as a machine word.
    pub(crate) fn word(&self, n: u32) -> usize {
        // SAFETY: `fregs` is the register frame of the traced call (see `callback`).
        unsafe { bindings::ctn_ftrace_regs_arg(self.fregs, n) as usize }
    }

    /// Sets argument `n` (0-based, at most 5) of the traced call to `value`: the function
    /// runs with it (the trampoline reloads the argument registers from the frame).
    ///
    /// # Safety
    ///
    /// `value` is a value of the traced function's argument `n` that its callers could pass.
    pub(crate) unsafe fn set_word(&self, n: u32, value: usize) {
        // SAFETY: `fregs` is the register frame of the traced call (see `callback`); what the
        // function receives is valid (caller's contract).
        unsafe { bindings::ctn_ftrace_set_arg(self.fregs, n, value as c_ulong) }
    }
}

/// A policy that refuses the calls it diverts: the hooked function returns [`Refuse::refusal`]
/// without running. The decision (and any bookkeeping that needs no sleep) is made in the
/// ftrace callback by `divert_call`; an admitted call costs that callback only.
pub(crate) trait Refuse: Divert {
    /// What the hooked function returns for a refused call, as a machine word (a negative
    /// errno for `int` or `ssize_t` functions, 0 for `false`).
    fn refusal(&self) -> i64;

    /// The same for a refused call whose first argument is `arg0`, where the answer depends
    /// on what the call is about (derived from `arg0` again, not carried from `divert_call`:
    /// nothing is kept between the two).
    fn refusal_of(&self, _arg0: usize) -> i64 {
        self.refusal()
    }
}

/// The state of one hook (of one or several functions); replacements receive a reference to
/// it.
pub(crate) struct Hooked<D> {
    /// Start of the hooked function (its ENDBR with IBT): where the replacement calls it.
    original: usize,
    replacement: usize,
    /// Index of the argument register that carries `&Hooked` to the replacement.
    context_arg: u32,
    in_flight: AtomicUsize,
    /// Set when the hook is being removed: a replacement that waits (for a rate, say) stops
    /// waiting, so that removal is not held up.
    stopping: AtomicBool,
    policy: D,
    _live: Live,
}

impl<D: Divert> Hooked<D> {
    pub(crate) fn policy(&self) -> &D {
        &self.policy
    }

    /// Whether the hook is being removed (see `stopping`).
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Calls the hooked function with `args` and returns its result, for the replacement.
    /// The call goes through `ctn_call_original` (see the module comment), whose return
    /// address is the thunk's, so the callback lets it run; a tail call of this function is
    /// therefore fine too.
    ///
    /// # Safety
    ///
    /// The hook was made by [`HookSetBuilder::hook`] for a function whose parameters are the
    /// types of `A` (in order) and whose return type is `R`; `args` are valid arguments for
    /// it now.
    pub(crate) unsafe fn call_original<A: Args, R: Word>(&self, args: A) -> R {
        let [a0, a1, a2, a3, a4] = args.words();
        // SAFETY: `original` is the start of the hooked function (set by `hook`), which takes
        // these arguments (caller's promise); the thunk passes five words in the argument
        // registers of the C calling convention, and a function of fewer ignores the rest.
        R::from_word(unsafe {
            bindings::ctn_call_original(
                a0 as c_ulong,
                a1 as c_ulong,
                a2 as c_ulong,
                a3 as c_ulong,
                a4 as c_ulong,
                self.original as c_ulong,
            )
        } as usize)
    }

    /// Marks the calling task as running the replacement until the guard is dropped (see
    /// [`entered`]).
    fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(&self.in_flight)
    }
}

/// A replacement's first statement: the hook state it was passed, and the guard that marks
/// the task as running it until the replacement returns (removal waits for it, see
/// `HookSet::drop`), taken before anything that may sleep:
/// `let (hooked, _in_flight) = unsafe { ftrace::entered(hooked) };`.
///
/// # Safety
///
/// `hooked` is the context argument the hook's redirection passed to the replacement (the
/// state lives in its `HookSet`, which outlives every diverted call), and the replacement
/// holds the guard until it returns.
pub(crate) unsafe fn entered<'a, D: Divert>(
    hooked: *const Hooked<D>,
) -> (&'a Hooked<D>, InFlight<'a>) {
    // SAFETY: the caller's contract.
    let hooked = unsafe { &*hooked };
    (hooked, hooked.enter())
}

/// A value passed to or returned by a hooked function in one register.
pub(crate) trait Word: Copy {
    fn into_word(self) -> usize;
    /// The value of this type in a return register (the bits above its width are ignored).
    fn from_word(word: usize) -> Self;
}

macro_rules! word_as_cast {
    ($($t:ty),*) => {$(
        impl Word for $t {
            fn into_word(self) -> usize {
                self as usize
            }
            fn from_word(word: usize) -> Self {
                word as $t
            }
        }
    )*};
}
word_as_cast!(usize, isize, i32, u32, u64, i64);

impl Word for bool {
    fn into_word(self) -> usize {
        usize::from(self)
    }
    fn from_word(word: usize) -> Self {
        word as u8 != 0
    }
}

impl<T> Word for *mut T {
    fn into_word(self) -> usize {
        self as usize
    }
    fn from_word(word: usize) -> Self {
        word as *mut T
    }
}

impl<T> Word for *const T {
    fn into_word(self) -> usize {
        self as usize
    }
    fn from_word(word: usize) -> Self {
        word as *const T
    }
}

/// The arguments of a call of an original, as a tuple of at most five [`Word`]s.
pub(crate) trait Args {
    fn words(self) -> [usize; 5];
}

macro_rules! args_tuple {
    ($($a:ident),*) => {
        impl<$($a: Word),*> Args for ($($a,)*) {
            #[allow(non_snake_case)]
            fn words(self) -> [usize; 5] {
                let ($($a,)*) = self;
                let mut words = [0; 5];
                let mut _n = 0;
                $(
                    words[_n] = $a.into_word();
                    _n += 1;
                )*
                words
            }
        }
    };
}
args_tuple!(A0);
args_tuple!(A0, A1);
args_tuple!(A0, A1, A2);
args_tuple!(A0, A1, A2, A3);
args_tuple!(A0, A1, A2, A3, A4);

/// A kernel function that a hook's replacement calls (see [`HookSetBuilder::hook`]): made by
/// [`original!`] only, so that every such function is listed in `.ctn_originals`.
#[derive(Clone, Copy)]
pub(crate) struct Original(&'static CStr);

impl Original {
    /// # Safety
    ///
    /// `name` is recorded in the `.ctn_originals` section (what [`original!`] does).
    #[doc(hidden)]
    pub(crate) const unsafe fn recorded(name: &'static CStr) -> Self {
        Self(name)
    }

    pub(crate) fn name(self) -> &'static CStr {
        self.0
    }
}

/// The bytes of `name` with its NUL, for a `.ctn_originals` record.
#[doc(hidden)]
pub(crate) const fn record<const N: usize>(name: &CStr) -> [u8; N] {
    let bytes = name.as_bytes_with_nul();
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// `original!(NAME)`, for a constant `&CStr`: the [`Original`] of that kernel function, whose
/// name the module then carries in its `.ctn_originals` section (NUL-terminated names one
/// after another), where `scripts/ibt-check` reads which functions ctn calls back.
macro_rules! original {
    ($name:expr) => {{
        const NAME: &kernel::str::CStr = $name;
        #[link_section = ".ctn_originals"]
        #[used]
        static RECORD: [u8; NAME.len_with_nul()] = $crate::sys::ftrace::record(NAME);
        // An item of its own, so that the macro may be used inside an `unsafe` block.
        // SAFETY: `NAME` is recorded just above.
        const ORIGINAL: $crate::sys::ftrace::Original =
            unsafe { $crate::sys::ftrace::Original::recorded(NAME) };
        ORIGINAL
    }};
}
pub(crate) use original;

/// See [`Hooked::enter`].
pub(crate) struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A hook as the shared ftrace callback sees it, whatever its policy type.
trait Hook: Send + Sync {
    /// A call of one of the hook's functions: divert it if the policy says so.
    fn on_call(&self, args: &CallArgs<'_>);
    fn stop(&self);
    fn in_flight(&self) -> usize;
}

impl<D: Divert> Hook for Hooked<D> {
    fn on_call(&self, args: &CallArgs<'_>) {
        // First: the replacement calling its original (through `ctn_call_original`) is
        // neither diverted nor shown to the policy, whose `divert_call` may count it (a send
        // that the replacement passes on was charged twice). Exactly that call: its return
        // address is the thunk's and %r9 holds the function (a function the original
        // tail-calls returns there too, but is not in %r9; ctn's own direct calls are
        // decided as its caller's).
        if args.caller() == original_return() && args.word(5) == self.original {
            return;
        }
        if !self.policy.divert_call(args) {
            return;
        }
        // SAFETY: `args.fregs` is the traced call's register frame, which the trampoline
        // reloads (a `CallArgs` is made in `callback` only); `self` lives in its `HookSet`,
        // which outlives every diverted call.
        unsafe {
            bindings::ctn_ftrace_redirect(
                args.fregs,
                self.replacement as c_ulong,
                self.context_arg,
                self as *const Self as c_ulong,
            )
        };
    }

    fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// Where a traced call goes: an open-addressed table from fentry site to hook, filled before
/// registration and read-only after, so the callback looks a call up with a multiply, a shift
/// and (mostly) one compare, with no lock.
#[derive(Clone, Copy, Default)]
struct Slot {
    /// 0 for a free slot, which ends a probe.
    site: usize,
    hook: usize,
    /// An observer of every task's calls.
    everyone: bool,
}

/// The shared registration's state.
///
/// # Invariants
///
/// `slots` has `1 << (64 - shift)` entries, at most half of them taken, and every taken slot
/// names an index of `hooks`.
#[repr(C)]
struct Shared<G> {
    ops: Opaque<bindings::ftrace_ops>,
    /// Called directly (a type parameter, not a trait object): inlined in the callback.
    gate: G,
    /// The sites of observers of every task ([`HookSetBuilder::observing_all`]), as a
    /// 64-bit filter (see [`everyone_bit`]): a call the gate says no to is looked up only if
    /// its bit is set, and then diverted only if its hook is one of them (`Slot::everyone`).
    everyone: u64,
    slots: KVec<Slot>,
    shift: u32,
    hooks: KVec<Arc<dyn Hook>>,
    _live: Live,
}

/// `site`'s bit in `Shared::everyone`: the hash's top 6 bits.
fn everyone_bit(site: usize) -> u64 {
    1u64.wrapping_shl(slot_of(site, usize::BITS - 6) as u32)
}

fn slot_of(site: usize, shift: u32) -> usize {
    // `shift` is below 64 (type invariant of `Shared`); wrapping: no overflow check here.
    site.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_shr(shift)
}

impl<G> Shared<G> {
    /// The hook of `site`; only one of every task's calls if not `admitted` by the gate.
    fn lookup(&self, site: usize, admitted: bool) -> Option<&dyn Hook> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = slot_of(site, self.shift);
        loop {
            let slot = self.slots.get(i)?;
            if slot.site == site {
                if !admitted && !slot.everyone {
                    return None;
                }
                return self.hooks.get(slot.hook).map(|hook| &**hook);
            }
            if slot.site == 0 {
                return None;
            }
            i = i.wrapping_add(1) & mask;
        }
    }
}

/// `Ok(())` also when a hooked function does not exist in this kernel (`ENOENT`: built
/// without it, a module that is not loaded, a static function the compiler inlined); the
/// caller says at the call what is then not covered.
pub(crate) fn optional(hook: Result) -> Result {
    match hook {
        Err(e) if e == ENOENT => Ok(()),
        other => other,
    }
}

/// Hooks being put together, to be installed as one [`HookSet`].
pub(crate) struct HookSetBuilder<'a> {
    /// Where the kernel's functions are.
    found: &'a mut Sites,
    /// The sites of observers of every task.
    everyone: KVec<usize>,
    /// (fentry site, index in `hooks`)
    sites: KVec<(usize, usize)>,
    hooks: KVec<Arc<dyn Hook>>,
}

/// Installed function hooks: one ftrace registration for every function of every hook in it
/// (each registration costs RCU-tasks grace periods when it is removed, seconds in a slow
/// VM), dispatching each call by its address. It can be parked ([`HookSet::park`]: no
/// hooked function patched, nothing waited for) and armed again; dropping it removes every
/// hook and waits until no task runs any of its replacements.
///
/// # Invariants
///
/// `inner.ops` is registered with ftrace for the life of `self`, filtered to
/// its [`Anchor`] and, while `armed`, to the sites in `sites` (those of
/// `inner.slots`); `inner` does not move and is freed only after the waits in `drop`.
pub(crate) struct HookSet<G: Gate> {
    inner: Pin<KBox<Shared<G>>>,
    sites: KVec<c_ulong>,
    armed: bool,
}

// SAFETY: the ftrace_ops is written before registration only, then read by ftrace; the
// tables are read-only once built; the hooks are `Send + Sync`.
unsafe impl<G: Gate> Send for HookSet<G> {}
// SAFETY: as above.
unsafe impl<G: Gate> Sync for HookSet<G> {}

extern "C" {
    /// The return address of the original's call in `call_original.S` (a code label).
    static ctn_original_return: u8;
}

/// The return address of every call `Hooked::call_original` makes.
fn original_return() -> usize {
    // Only the label's address is taken (no read: no `unsafe`).
    core::ptr::addr_of!(ctn_original_return) as usize
}

/// `endbr64`, which starts every indirectly callable function when the kernel has IBT.
const ENDBR64: u32 = 0xfa1e_0ff3;
/// What the kernel writes over the ENDBR of a function whose address it never takes
/// (`gen_endbr_poison`: `osp nop3`, 66 0f 1f 00), on a CPU with IBT.
const ENDBR64_POISON: u32 = 0x001f_0f66;

/// The start of the kernel function whose fentry site is `site`: with IBT the site follows a
/// 4-byte ENDBR64 (or, if the kernel sealed it, the 4-byte NOP it was turned into).
///
/// # Safety
///
/// `site` is the fentry call site of a kernel function.
unsafe fn start_of(site: usize) -> usize {
    // SAFETY: the four bytes before a function's fentry site are its text (caller's
    // promise); reading kernel text is always allowed.
    let before = unsafe { core::ptr::read_unaligned((site - 4) as *const u32) };
    if before == ENDBR64 || before == ENDBR64_POISON {
        site - 4
    } else {
        site
    }
}

/// Whether the function at fentry site `caller` calls (or jumps to) the function at fentry
/// site `callee` directly within its first `len` bytes: whether the compiler kept the call,
/// for a hook that must also catch the inlined copy.
///
/// # Safety
///
/// `caller` and `callee` are fentry sites of kernel functions, and the `len` bytes from
/// `caller` are kernel text.
pub(crate) unsafe fn calls_function(caller: usize, callee: usize, len: usize) -> bool {
    // SAFETY: fentry sites and text (caller's promise).
    unsafe { branches_to(caller, len, start_of(callee)) }
        .next()
        .is_some()
}

/// The return addresses of the direct calls that the function at fentry site `caller`
/// makes to the function at fentry site `callee`: what [`CallArgs::caller`] is for a call
/// from there. Uses kallsyms for where `caller` ends; empty if it does not know.
///
/// # Safety
///
/// `caller` and `callee` are fentry sites of kernel functions.
pub(crate) unsafe fn call_returns(caller: usize, callee: usize) -> impl Iterator<Item = usize> {
    // SAFETY: fentry sites (caller's promise).
    let (start, target) = unsafe { (start_of(caller), start_of(callee)) };
    // SAFETY: reads the symbol table only.
    let len = unsafe { bindings::ctn_function_size(start as c_ulong) } as usize;
    // SAFETY: the function's `len` bytes from its start are its text.
    unsafe { branches_to(start, len, target) }
        .filter(|&(_, op)| op == CALL_REL32)
        .map(|(at, _)| at + 5)
}

/// `call rel32` and `jmp rel32`.
const CALL_REL32: u8 = 0xe8;
const JMP_REL32: u8 = 0xe9;

/// The direct calls and jumps to `target` in the `len` bytes of text from `from`: each
/// instruction's address and opcode. A byte-wise scan: a false match needs the four bytes of
/// a displacement that lands exactly on `target`.
///
/// # Safety
///
/// The `len` bytes from `from` are kernel text.
unsafe fn branches_to(from: usize, len: usize, target: usize) -> impl Iterator<Item = (usize, u8)> {
    (from..from + len).filter_map(move |at| {
        // SAFETY: text within the `len` bytes (caller's promise; the rel32 may read 4 bytes
        // past them, still text: a function is followed by padding or the next one).
        let (op, rel) = unsafe {
            (
                core::ptr::read(at as *const u8),
                core::ptr::read_unaligned((at + 1) as *const i32),
            )
        };
        let lands = (at + 5).wrapping_add(rel as isize as usize) == target;
        (matches!(op, CALL_REL32 | JMP_REL32) && lands).then_some((at, op))
    })
}

impl<'a> HookSetBuilder<'a> {
    /// A builder that finds functions through `sites` (kept by the caller from one
    /// installation to the next).
    pub(crate) fn new(sites: &'a mut Sites) -> Self {
        Self {
            found: sites,
            everyone: KVec::new(),
            sites: KVec::new(),
            hooks: KVec::new(),
        }
    }

    /// Hooks the kernel function `symbol`, which takes `nargs` arguments (at most 5).
    ///
    /// # Safety
    ///
    /// `replacement` must be the address of an `extern "C"` function whose parameters are the
    /// hooked function's `nargs` parameters followed by `*const Hooked<D>`, whose return type
    /// is the hooked function's, which holds an [`InFlight`] guard from its first statement to
    /// its return, and which calls the hooked function only through
    /// [`Hooked::call_original`].
    pub(crate) unsafe fn hook<D: Divert + 'static>(
        &mut self,
        symbol: Original,
        nargs: u32,
        replacement: usize,
        policy: D,
    ) -> Result {
        let site = self.found.site_of(symbol.name())?;
        // SAFETY: `site` is the fentry call site of a kernel function (found by kprobes); with
        // IBT it follows a 4-byte ENDBR64, which is then where the function starts. Reading
        // kernel text is always allowed.
        // Entered by a RET (`call_original`), the function needs no ENDBR.
        // SAFETY: `site` is the fentry site of a kernel function (found by kprobes).
        let original = unsafe { start_of(site) };
        // SAFETY: the caller's guarantees, for the one function at `site`.
        unsafe { self.hook_sites(&[site], original, nargs, replacement, policy) }
    }

    /// As [`Self::hook`], for the functions at `sites` (fentry sites, see [`Sites`]), all
    /// diverted to the same replacement. `original` is what the replacement calls (0 if it
    /// calls none).
    ///
    /// # Safety
    ///
    /// As [`Self::hook`], for every function at `sites`.
    unsafe fn hook_sites<D: Divert + 'static>(
        &mut self,
        sites: &[usize],
        original: usize,
        nargs: u32,
        replacement: usize,
        policy: D,
    ) -> Result {
        if nargs > 5 || sites.is_empty() {
            return Err(EINVAL);
        }
        for &site in sites {
            if site == 0 || self.sites.iter().any(|&(taken, _)| taken == site) {
                return Err(EBUSY); // one hook per function
            }
        }
        let hook: Arc<dyn Hook> = Arc::new(
            Hooked {
                original,
                replacement,
                context_arg: nargs,
                in_flight: AtomicUsize::new(0),
                stopping: AtomicBool::new(false),
                policy,
                _live: Live::new(&live::HOOKS),
            },
            GFP_KERNEL,
        )?;
        let index = self.hooks.len();
        self.sites.reserve(sites.len(), GFP_KERNEL)?;
        self.hooks.push(hook, GFP_KERNEL)?;
        for &site in sites {
            self.sites.push((site, index), GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Installs the hooks put together: from here on their policies see every call that
    /// `gate` admits (and observers of every task, every call).
    pub(crate) fn install<G: Gate + 'static>(self, gate: G, anchor: Anchor) -> Result<HookSet<G>> {
        if self.sites.is_empty() {
            return Err(EINVAL); // an ops with no filter would trace every function
        }
        // At most half full, so that every probe ends at a free slot soon.
        let bits = (2 * self.sites.len())
            .next_power_of_two()
            .trailing_zeros()
            .max(3);
        let shift = usize::BITS - bits;
        let mut slots = KVec::from_elem(Slot::default(), 1 << bits, GFP_KERNEL)?;
        let mask = slots.len() - 1;
        for &(site, hook) in self.sites.iter() {
            let mut i = slot_of(site, shift);
            while slots[i].site != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = Slot {
                site,
                hook,
                everyone: self.everyone.contains(&site),
            };
        }
        let ops = bindings::ftrace_ops {
            func: Some(callback::<G>),
            // PERMANENT: while it is registered, `kernel.ftrace_enabled=0` is refused
            // (EBUSY) instead of silently switching every rule off.
            flags: (bindings::FTRACE_OPS_FL_IPMODIFY | bindings::FTRACE_OPS_FL_PERMANENT)
                as c_ulong,
            ..Default::default()
        };
        let inner = KBox::pin(
            Shared {
                ops: Opaque::new(ops),
                gate,
                everyone: self
                    .everyone
                    .iter()
                    .fold(0, |bits, &site| bits | everyone_bit(site)),
                slots,
                shift,
                hooks: self.hooks,
                _live: Live::new(&live::HOOK_SETS),
            },
            GFP_KERNEL,
        )?;
        let ops = inner.ops.get();
        // One filter update for every site (one per site copied the growing hash each time).
        let mut sites = KVec::with_capacity(self.sites.len(), GFP_KERNEL)?;
        for &(site, _) in self.sites.iter() {
            sites.push(site as c_ulong, GFP_KERNEL)?;
        }
        let mut anchor = [anchor.address()];
        // SAFETY: `ops` is pinned and outlives the registration (type invariant); every
        // address given is an ftrace location (or a function's start, which ftrace maps to
        // its location).
        let mut ret = unsafe { bindings::ftrace_set_filter_ips(ops, anchor.as_mut_ptr(), 1, 0, 0) };
        if ret == 0 {
            // SAFETY: as above.
            ret = unsafe {
                bindings::ftrace_set_filter_ips(ops, sites.as_mut_ptr(), sites.len() as u32, 0, 0)
            };
        }
        if ret == 0 {
            // SAFETY: as above.
            ret = unsafe { bindings::register_ftrace_function(ops) };
        }
        if ret != 0 {
            // SAFETY: the filter may be partly set on `ops`, which is not registered.
            unsafe { bindings::ftrace_free_filter(ops) };
            return Err(Error::from_errno(ret));
        }
        Ok(HookSet {
            inner,
            sites,
            armed: true,
        })
    }
}

/// What a parked registration is filtered to (see ftrace_anchor.c): each registration its
/// own, since two ops that modify the IP cannot share a function.
#[derive(Clone, Copy)]
pub(crate) enum Anchor {
    Hooks,
    Recorder,
}

impl Anchor {
    fn address(self) -> c_ulong {
        let f: unsafe extern "C" fn() = match self {
            Anchor::Hooks => bindings::ctn_ftrace_anchor_hooks,
            Anchor::Recorder => bindings::ctn_ftrace_anchor_recorder,
        };
        f as usize as c_ulong
    }
}

impl<G: Gate> HookSet<G> {
    /// Unpatches every hooked function (the registration stays, with only the anchor in its
    /// filter): calls already diverted finish, the hooks stay alive, no grace period is
    /// waited for. Removing the registration instead waits out RCU-tasks grace periods.
    pub(crate) fn park(&mut self) -> Result {
        if self.armed {
            self.filter(true)?;
            self.armed = false;
        }
        Ok(())
    }

    /// Patches the hooked functions again after [`HookSet::park`].
    pub(crate) fn arm(&mut self) -> Result {
        if !self.armed {
            self.filter(false)?;
            self.armed = true;
        }
        Ok(())
    }

    /// Adds the sites to the registration's filter, or removes them: in one update, which
    /// changes nothing if it fails.
    fn filter(&mut self, remove: bool) -> Result {
        let ops = self.inner.ops.get();
        // SAFETY: `ops` is registered and pinned (type invariant), its filter holds the
        // anchor whatever happens (never empty: an empty filter traces every function);
        // `sites` are ftrace locations, in the filter exactly when removing.
        let ret = unsafe {
            bindings::ftrace_set_filter_ips(
                ops,
                self.sites.as_mut_ptr(),
                self.sites.len() as u32,
                remove as i32,
                0,
            )
        };
        kernel::error::to_result(ret)
    }
}

impl HookSetBuilder<'_> {
    /// The fentry sites of `symbols` (see [`Sites::sites_of`]).
    pub(crate) fn sites_of(&mut self, symbols: &[&'static CStr]) -> Result<KVec<Result<usize>>> {
        self.found.sites_of(symbols)
    }

    /// Hooks the kernel functions at `sites` (fentry sites from [`Sites`]; each of at most
    /// five arguments), so that the calls `policy` diverts return its refusal
    /// (`CallArgs::site` tells `policy` which function a call is of).
    pub(crate) fn refusing_sites<D: Refuse + 'static>(
        &mut self,
        sites: &[usize],
        policy: D,
    ) -> Result {
        // SAFETY: as in `refusing`, for every function at `sites`; `refuse` calls no
        // original (0).
        unsafe { self.hook_sites(sites, 0, 5, refuse::<D> as usize, policy) }
    }

    /// Hooks `symbol`, a kernel function of at most five arguments, so that the calls
    /// `policy` diverts return its refusal.
    pub(crate) fn refusing<D: Refuse + 'static>(
        &mut self,
        symbol: &'static CStr,
        policy: D,
    ) -> Result {
        let site = self.found.site_of(symbol)?;
        // SAFETY: `refuse::<D>` takes five machine words followed by `*const Hooked<D>`, so
        // the context goes in the sixth argument register, which a function of at most five
        // arguments does not use; it reads only the first of the five (as a plain word, for
        // `refusal_of`), returns its value in the return
        // register (where callers of `int`, `long` and `bool` functions find it), holds an
        // `InFlight` guard throughout and never calls the original (0: so a function whose
        // ENDBR is sealed can be refused on an IBT kernel too).
        unsafe { self.hook_sites(&[site], 0, 5, refuse::<D> as usize, policy) }
    }

    /// Hooks `symbol`, a kernel function of at most five arguments, so that `observer` sees
    /// the arguments of every call the set's [`Gate`] admits; every call runs the kernel's
    /// function.
    pub(crate) fn observing<O: Observe + 'static>(
        &mut self,
        symbol: &'static CStr,
        observer: O,
    ) -> Result {
        self.refusing(symbol, Observing(observer))
    }

    /// As [`Self::observing`], for the calls of every task (what the gate says no to too):
    /// each such function costs every task's calls a lookup.
    pub(crate) fn observing_all<O: Observe + 'static>(
        &mut self,
        symbol: &'static CStr,
        observer: O,
    ) -> Result {
        let site = self.found.site_of(symbol)?;
        self.everyone.push(site, GFP_KERNEL)?;
        self.refusing(symbol, Observing(observer))
    }
}

/// A policy that only looks at calls in the ftrace callback (to count them, say) and never
/// diverts one. It must not sleep.
pub(crate) trait Observe: Send + Sync {
    fn observe(&self, args: &CallArgs<'_>);
}

/// An [`Observe`] policy as a hook's: it diverts nothing.
pub(crate) struct Observing<O>(O);

impl<O: Observe> Divert for Observing<O> {
    fn divert_call(&self, args: &CallArgs<'_>) -> bool {
        self.0.observe(args);
        false
    }
}

impl<O: Observe> Refuse for Observing<O> {
    fn refusal(&self) -> i64 {
        0 // never returned: nothing is diverted
    }
}

/// The replacement of every refusing hook (see [`HookSetBuilder::refusing`]).
///
/// # Safety
///
/// Reached only through the hook's redirection, with the live hook state.
unsafe extern "C" fn refuse<D: Refuse>(
    a0: usize,
    _a1: usize,
    _a2: usize,
    _a3: usize,
    _a4: usize,
    hooked: *const Hooked<D>,
) -> i64 {
    // SAFETY: the redirection's context argument (this function's contract).
    let (hooked, _in_flight) = unsafe { entered(hooked) };
    hooked.policy().refusal_of(a0)
}

impl<G: Gate> Drop for HookSet<G> {
    fn drop(&mut self) {
        for hook in self.inner.hooks.iter() {
            hook.stop();
        }
        let ops = self.inner.ops.get();
        // SAFETY: registered in `install` (type invariant). For module-allocated ops this
        // waits (RCU-tasks) until no task is inside the callback or the trampoline, so every
        // task that was diverted has entered its replacement and counted itself in
        // `in_flight` (the replacement's first statement, before it can sleep).
        unsafe {
            bindings::unregister_ftrace_function(ops);
            bindings::ftrace_free_filter(ops);
        }
        while self.inner.hooks.iter().any(|hook| hook.in_flight() != 0) {
            // SAFETY: sleeping is allowed where hooks are removed (process context).
            unsafe { bindings::msleep(10) };
        }
        // A task that has just dropped its guard may still be between that and its return
        // from the replacement; it reaches a voluntary context switch only after returning.
        rcu::synchronize_tasks();
    }
}

/// The fentry call sites of kernel functions, where ftrace hooks them, found with kprobes and
/// kept: removing a kprobe waits for an RCU grace period, and the hooks are installed anew
/// with every first container. A function the kernel does not have is `ENOENT`, including
/// a system call it was built without (an alias of `sys_ni_syscall`, which every such call
/// shares: never hook that one).
pub(crate) struct Sites {
    /// (symbol, site as found; 0: not in this kernel)
    known: KVec<(&'static CStr, usize)>,
    /// The kprobes of the lookups since the last [`Sites::release`].
    probes: Probes,
}

/// Lookups' kprobes: `kept` holds them (a vector per lookup, never resized, so they stay
/// put), `registered` those still registered (disabled: never armed), which `release`
/// removes all at once, with one grace period: a hook set's build looks symbols up many
/// times, and a grace period each cost most of the first container's start.
#[derive(Default)]
struct Probes {
    kept: KVec<KVec<bindings::kprobe>>,
    registered: KVec<*mut bindings::kprobe>,
}

// SAFETY: the probes are only registered and unregistered through `Sites`, from whichever
// thread holds it; the kernel's kprobe structures have no thread affinity.
unsafe impl Send for Probes {}

/// What every system call the kernel was built without is an alias of.
const NI_SYSCALL: &CStr = kernel::c_str!("__x64_sys_ni_syscall");

impl Sites {
    pub(crate) fn new() -> Self {
        Self {
            known: KVec::new(),
            probes: Probes::default(),
        }
    }

    /// Removes the probes of every lookup since the last release, with one grace period.
    pub(crate) fn release(&mut self) {
        let registered = &mut self.probes.registered;
        if !registered.is_empty() {
            // SAFETY: every pointer is a probe `fentry_sites` registered, still registered, in
            // `kept`, which is emptied only below, after this.
            unsafe {
                bindings::unregister_kprobes(registered.as_mut_ptr(), registered.len() as i32)
            };
        }
        self.probes = Probes::default();
    }

    /// The fentry site of `symbol`.
    pub(crate) fn site_of(&mut self, symbol: &'static CStr) -> Result<usize> {
        self.sites_of(&[symbol])?
            .first()
            .copied()
            .unwrap_or(Err(ENOENT))
    }

    /// The fentry sites of `symbols`, in order; those not known yet (and `sys_ni_syscall`'s,
    /// the first time) are looked up together, with one grace period for all.
    pub(crate) fn sites_of(&mut self, symbols: &[&'static CStr]) -> Result<KVec<Result<usize>>> {
        let mut unknown = KVec::new();
        for &symbol in Iterator::chain(core::iter::once(&NI_SYSCALL), symbols) {
            if self.lookup(symbol).is_none() {
                unknown.push(symbol, GFP_KERNEL)?;
            }
        }
        if !unknown.is_empty() {
            self.probes.kept.reserve(1, GFP_KERNEL)?;
            let (found, probes) = fentry_sites(&unknown, &mut self.probes.registered)?;
            // Cannot fail: the capacity is reserved (and the probes must be kept).
            let _ = self.probes.kept.push(probes, GFP_KERNEL);
            self.known.reserve(unknown.len(), GFP_KERNEL)?;
            for (&symbol, &site) in unknown.iter().zip(found.iter()) {
                self.known.push((symbol, site), GFP_KERNEL)?;
            }
        }
        let ni_syscall = self.lookup(NI_SYSCALL).unwrap_or(0);
        let mut out = KVec::with_capacity(symbols.len(), GFP_KERNEL)?;
        for &symbol in symbols {
            let site = self.lookup(symbol).unwrap_or(0);
            let compiled_out = symbol.as_bytes().starts_with(b"__x64_sys_") && site == ni_syscall;
            let site = if site == 0 || compiled_out {
                Err(ENOENT)
            } else {
                Ok(site)
            };
            out.push(site, GFP_KERNEL)?;
        }
        Ok(out)
    }

    fn lookup(&self, symbol: &CStr) -> Option<usize> {
        self.known
            .iter()
            .find(|(known, _)| known.as_bytes() == symbol.as_bytes())
            .map(|&(_, site)| site)
    }
}

/// Registered, not armed.
const KPROBE_FLAG_DISABLED: u32 = bindings::KPROBE_FLAG_DISABLED;

/// The fentry call sites of `symbols` (symbol + 4 with IBT; 0 for a symbol the kernel does
/// not have), from kprobes the caller keeps (the vector returned) and removes later: those
/// registered are added to `registered` ([`Sites::release`]). The probes are registered
/// disabled: the kernel resolves their address but never arms them, so no kernel text is
/// patched (arming one on an ftrace site would patch it twice, and a live kprobe would make
/// the IPMODIFY ftrace registration fail).
fn fentry_sites(
    symbols: &[&'static CStr],
    registered: &mut KVec<*mut bindings::kprobe>,
) -> Result<(KVec<usize>, KVec<bindings::kprobe>)> {
    let mut probes = KVec::with_capacity(symbols.len(), GFP_KERNEL)?;
    for &symbol in symbols {
        let kp = bindings::kprobe {
            symbol_name: symbol.as_char_ptr(),
            flags: KPROBE_FLAG_DISABLED as _,
            ..Default::default()
        };
        probes.push(kp, GFP_KERNEL)?;
    }
    registered.reserve(symbols.len(), GFP_KERNEL)?;
    let mut sites = KVec::with_capacity(symbols.len(), GFP_KERNEL)?;
    for kp in probes.iter_mut() {
        // SAFETY: `kp` is a zeroed, disabled kprobe naming a symbol, in `probes`, which is not
        // resized and outlives the registration: the caller keeps it until it unregisters
        // what `registered` lists.
        let addr = if unsafe { bindings::register_kprobe(kp) } == 0 {
            // Cannot fail: the capacity is reserved (and no `?` may lose a registered probe).
            let _ = registered.push(kp as *mut bindings::kprobe, GFP_KERNEL);
            kp.addr as usize
        } else {
            0
        };
        // Cannot fail: the capacity is reserved.
        let _ = sites.push(addr, GFP_KERNEL);
    }
    Ok((sites, probes))
}

impl Drop for Sites {
    fn drop(&mut self) {
        self.release();
    }
}

/// The ftrace callback of every `HookSet`.
///
/// # Safety
///
/// Called by ftrace only, with the registered `ops` and the `fregs` of the traced call.
unsafe extern "C" fn callback<G: Gate>(
    ip: c_ulong,
    parent_ip: c_ulong,
    ops: *mut bindings::ftrace_ops,
    fregs: *mut bindings::ftrace_regs,
) {
    // SAFETY: `ops` is the `ops` field (at offset 0, `repr(C)`, `Opaque` is transparent) of a
    // live `Shared` (`HookSet` invariant: it outlives the registration).
    let shared = unsafe { &*ops.cast::<Shared<G>>() };
    if fregs.is_null() {
        return;
    }
    // The gate first: a task it says no to pays it and a bit test, nothing more.
    let admitted = shared.gate.admits();
    if !admitted && shared.everyone & everyone_bit(ip as usize) == 0 {
        return;
    }
    let Some(hook) = shared.lookup(ip as usize, admitted) else {
        return;
    };
    let args = CallArgs {
        site: ip as usize,
        caller: parent_ip as usize,
        fregs,
        _call: core::marker::PhantomData,
    };
    hook.on_call(&args);
}
