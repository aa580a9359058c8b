//! ctnfuzz: random and mutated ioctls on /dev/ctn from several threads, while other threads
//! create and destroy containers and fork, exec and exit inside them.
//!
//! Each call picks a request number (ctn's own, their neighbours, or any number), a size in
//! the number and in the structure's `size` field (right, truncated, oversized, random), an
//! argument pointer (a valid buffer, NULL, unmapped, a kernel address, a buffer running into
//! an unmapped page) and, in the structure, valid or random names, flags, reserved words and
//! embedded array pointers of the same kinds. The module must answer every call with a result
//! or an errno: the kernel log (checked by the VM run) must stay clean.
//!
//! The run is reproducible from `--seed` (each thread derives its own stream from it);
//! pids that a call could move into a container or signal are the fuzzer's own children, a
//! kernel thread, or pids that do not exist, never another process of the host.
//! Prints the seed, the number of calls and the errno counts; exits 0 when every thread
//! finished.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::mem::{offset_of, size_of};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use ctn_uapi as uapi;
use nix::libc;

#[derive(Parser)]
#[command(
    name = "ctnfuzz",
    about = "ioctl fuzzer for /dev/ctn (see tests/fuzz_test.sh)"
)]
struct Cli {
    /// Calls to make in all (split between the fuzzing threads).
    #[arg(long, default_value_t = 100_000)]
    calls: u64,
    /// Fuzzing threads.
    #[arg(long, default_value_t = 4)]
    threads: u32,
    /// Seed (default: from the clock; printed either way, to reproduce a run).
    #[arg(long)]
    seed: Option<u64>,
    #[arg(long, default_value = uapi::CTN_DEVICE_PATH)]
    device: String,
}

/// splitmix64: small, fast, and the same stream for the same seed on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// What a request's structure looks like, for building valid-looking ones to mutate.
#[derive(Clone, Copy)]
struct Req {
    nr: u32,
    size: usize,
    /// Offset of a `CtnTarget` (or, for CREATE, of the name itself).
    target: Option<usize>,
    name_only: bool,
    /// Offset of a `CtnBuffer` and the size of its entries.
    buffer: Option<(usize, usize)>,
    /// Offset of a pid field the module acts on (ATTACH).
    pid: Option<usize>,
}

const fn req(nr: u32, size: usize) -> Req {
    Req {
        nr,
        size,
        target: None,
        name_only: false,
        buffer: None,
        pid: None,
    }
}

fn requests() -> Vec<Req> {
    use uapi::*;
    vec![
        req(0x00, size_of::<CtnVersion>()),
        Req {
            target: Some(offset_of!(CtnCreate, name)),
            name_only: true,
            ..req(0x01, size_of::<CtnCreate>())
        },
        Req {
            target: Some(offset_of!(CtnDestroy, target)),
            ..req(0x02, size_of::<CtnDestroy>())
        },
        Req {
            target: Some(offset_of!(CtnAttach, target)),
            pid: Some(offset_of!(CtnAttach, pid)),
            ..req(0x03, size_of::<CtnAttach>())
        },
        Req {
            buffer: Some((offset_of!(CtnList, out), size_of::<CtnInfo>())),
            ..req(0x04, size_of::<CtnList>())
        },
        Req {
            target: Some(offset_of!(CtnInfoReq, target)),
            ..req(0x05, size_of::<CtnInfoReq>())
        },
        Req {
            target: Some(offset_of!(CtnPs, target)),
            buffer: Some((offset_of!(CtnPs, out), size_of::<CtnTask>())),
            ..req(0x06, size_of::<CtnPs>())
        },
        Req {
            target: Some(offset_of!(CtnEvents, target)),
            buffer: Some((offset_of!(CtnEvents, out), size_of::<CtnEvent>())),
            ..req(0x07, size_of::<CtnEvents>())
        },
        Req {
            target: Some(offset_of!(CtnKill, target)),
            ..req(0x08, size_of::<CtnKill>())
        },
        Req {
            target: Some(offset_of!(CtnIdentity, target)),
            ..req(0x09, size_of::<CtnIdentity>())
        },
        Req {
            target: Some(offset_of!(CtnIdentity, target)),
            ..req(0x0a, size_of::<CtnIdentity>())
        },
        Req {
            target: Some(offset_of!(CtnLimits, target)),
            ..req(0x0b, size_of::<CtnLimits>())
        },
        Req {
            target: Some(offset_of!(CtnUsage, target)),
            ..req(0x0c, size_of::<CtnUsage>())
        },
        req(0x0d, size_of::<CtnHost>()),
        Req {
            target: Some(offset_of!(CtnRecord, target)),
            ..req(0x0e, size_of::<CtnRecord>())
        },
        Req {
            target: Some(offset_of!(CtnFiles, target)),
            buffer: Some((offset_of!(CtnFiles, out), size_of::<CtnPath>())),
            ..req(0x0f, size_of::<CtnFiles>())
        },
        Req {
            target: Some(offset_of!(CtnCaps, target)),
            ..req(0x10, size_of::<CtnCaps>())
        },
    ]
}

/// The request number `_IOC(dir, CTN_IOC_MAGIC, nr, size)`.
fn ioc(dir: u32, nr: u32, size: u32) -> u32 {
    (dir << 30) | ((size & 0x3fff) << 16) | (uapi::CTN_IOC_MAGIC << 8) | (nr & 0xff)
}

/// Container names the fuzzer uses: a small set, so that the containers it creates stay few.
const NAMES: usize = 12;

fn name_bytes(rng: &mut Rng) -> [u8; uapi::CTN_NAME_LEN] {
    let mut name = [0u8; uapi::CTN_NAME_LEN];
    match rng.below(10) {
        0 => rng_fill(rng, &mut name), // garbage, maybe without a NUL
        1 => name[..63].fill(b'a' + rng.below(NAMES as u64) as u8), // longest valid names
        2 => name[..3].copy_from_slice(b"f/z"), // bad character
        _ => {
            let n = format!("fz{}", rng.below(NAMES as u64));
            name[..n.len()].copy_from_slice(n.as_bytes());
        }
    }
    name
}

fn rng_fill(rng: &mut Rng, buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let w = rng.next().to_le_bytes();
        chunk.copy_from_slice(&w[..chunk.len()]);
    }
}

/// Memory a fuzzing thread points calls at, in one mapping: the structures' area, an
/// inaccessible page, the arrays' area (`out`, where the module writes entries), another
/// inaccessible page. The module writes where a call says, as many entries as it has: the
/// guard pages stop it (EFAULT) where a too-small buffer would let it overwrite this
/// process's own memory.
struct Arena {
    rw: *mut u8,
    rw_len: usize,
    /// Start of the inaccessible page right after `rw`.
    guard: usize,
    out: *mut u8,
}

const PAGE: usize = 4096;
const RW_PAGES: usize = 4;
const OUT_PAGES: usize = 512;

impl Arena {
    fn new() -> Self {
        let len = (RW_PAGES + 1 + OUT_PAGES + 1) * PAGE;
        // SAFETY: an anonymous private mapping of fresh pages, then two pages of it made
        // inaccessible; it stays mapped for the life of the process (never unmapped).
        let base = unsafe {
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert!(p != libc::MAP_FAILED, "mmap");
            let p = p.cast::<u8>();
            libc::mprotect(p.add(RW_PAGES * PAGE).cast(), PAGE, libc::PROT_NONE);
            libc::mprotect(p.add(len - PAGE).cast(), PAGE, libc::PROT_NONE);
            p
        };
        Self {
            rw: base,
            rw_len: RW_PAGES * PAGE,
            guard: base as usize + RW_PAGES * PAGE,
            // SAFETY: inside the mapping, after the first guard page.
            out: unsafe { base.add((RW_PAGES + 1) * PAGE) },
        }
    }

    /// An address for an array of `len` bytes: mostly valid, else one of the bad kinds.
    fn pointer(&mut self, rng: &mut Rng, len: usize) -> u64 {
        match rng.below(30) {
            0 => 0,
            1 => self.guard as u64,                              // no access
            2 => 0x1000 + rng.below(0x1000),                     // never mapped
            3 => 0xffff_8880_0000_0000 + rng.below(1 << 30) * 8, // kernel direct map
            4 => 0xffff_ffff_8100_0000 + rng.below(1 << 20),     // kernel text
            5 => rng.next(),                                     // anything
            // runs into the guard page (from inside the structures' area, never below it)
            6 | 7 => (self.guard - rng.below(len.clamp(1, self.rw_len) as u64) as usize) as u64,
            8 => self.out as u64 + rng.below(64), // misaligned
            _ => self.out as u64,
        }
    }
}

/// Pids a call may name: the fuzzer's children, kthreadd, or pids that do not exist.
fn pid(rng: &mut Rng, child: &AtomicI32) -> u32 {
    match rng.below(6) {
        0 | 1 => child.load(Ordering::Relaxed).max(0) as u32,
        2 => 2, // a kernel thread: must be refused
        3 => (-(1 + rng.below(5) as i64)) as i32 as u32,
        _ => 0x3f00_0000 | rng.below(0x00ff_ffff) as u32, // above any pid_max
    }
}

struct Tally {
    calls: AtomicU64,
    ok: AtomicU64,
}

/// One fuzzed call. Returns the errno (0: success).
fn fuzz_one(rng: &mut Rng, fd: i32, reqs: &[Req], arena: &mut Arena, child: &AtomicI32) -> i32 {
    let r = rng.pick(reqs);
    // The request number.
    let cmd = match rng.below(30) {
        0 => rng.next() as u32,
        1 => ioc(3, 0x10 + rng.below(0xf0) as u32, r.size as u32), // unknown numbers
        2 => ioc(rng.below(4) as u32, r.nr, r.size as u32),        // other directions
        3 => ioc(3, r.nr, rng.below(0x4000) as u32),               // other sizes
        4 => ioc(
            3,
            r.nr,
            (r.size as u32)
                .wrapping_add(rng.below(17) as u32)
                .wrapping_sub(8),
        ),
        5 => (0xC6 + rng.below(3) as u32 * 2) << 8 | r.nr | 3 << 30, // neighbouring magic
        _ => ioc(3, r.nr, r.size as u32),
    };
    // The structure, in a buffer that may end at the guard page.
    let room = (r.size + 64).min(arena.rw_len);
    let mut buf = vec![0u8; room];
    if rng.chance(10) {
        rng_fill(rng, &mut buf);
    }
    let size_field: u32 = match rng.below(16) {
        0 => 0,
        1 => rng.below(r.size as u64 + 64) as u32,
        2 => rng.next() as u32,
        3 => r.size as u32 - 8,
        4 => r.size as u32 + 8,
        _ => r.size as u32,
    };
    buf[..4].copy_from_slice(&size_field.to_ne_bytes());
    if rng.chance(20) {
        // flags: any bit
        buf[4..8].copy_from_slice(&(1u32 << rng.below(32)).to_ne_bytes());
    }
    // A few random bytes anywhere: reserved words, limits, addresses, kinds, signals. Before
    // the fields set below: a random byte in an array pointer would aim the module's writes
    // at this process's own stacks and heap (seen: "stack smashing detected").
    for _ in 0..rng.below(4) {
        let i = rng.below(buf.len() as u64) as usize;
        buf[i] = rng.next() as u8;
    }
    if let Some(at) = r.target {
        if r.name_only {
            buf[at..at + uapi::CTN_NAME_LEN].copy_from_slice(&name_bytes(rng));
        } else if rng.chance(15) {
            // by id: mostly small ids (slot numbers of live containers), or anything
            let id = if rng.chance(50) {
                rng.below(64) as u32
            } else {
                rng.next() as u32
            };
            buf[at..at + 4].copy_from_slice(&id.to_ne_bytes());
            if rng.chance(20) {
                buf[at + 8] = b'x'; // id and name both: invalid
            }
        } else {
            let name_at = at + offset_of!(uapi::CtnTarget, name);
            buf[name_at..name_at + uapi::CTN_NAME_LEN].copy_from_slice(&name_bytes(rng));
        }
    }
    if let Some(at) = r.pid {
        buf[at..at + 4].copy_from_slice(&pid(rng, child).to_ne_bytes());
    }
    if let Some((at, entry)) = r.buffer {
        let capacity: u32 = match rng.below(8) {
            0 => 0,
            1 => u32::MAX,
            2 => rng.next() as u32,
            _ => 1 + rng.below((OUT_PAGES * PAGE / entry) as u64) as u32,
        };
        let len = entry.saturating_mul(capacity as usize);
        let ptr = arena.pointer(rng, len);
        let entry_size = if rng.chance(85) {
            entry as u32
        } else {
            rng.next() as u32 >> rng.below(32)
        };
        buf[at..at + 8].copy_from_slice(&ptr.to_ne_bytes());
        buf[at + 8..at + 12].copy_from_slice(&capacity.to_ne_bytes());
        buf[at + 12..at + 16].copy_from_slice(&entry_size.to_ne_bytes());
    }
    if r.nr == 0x08 && rng.chance(90) {
        // CTN_IOC_KILL: keep to signals that end or wake the fuzzer's children, so that
        // none is left stopped (a stopped child would hold a fork thread forever).
        let at = offset_of!(uapi::CtnKill, signal);
        let sig = rng.pick(&[0u32, 9, 15, 18, 10, 65, u32::MAX]);
        buf[at..at + 4].copy_from_slice(&sig.to_ne_bytes());
    }
    // Where the argument points.
    let arg: u64 = match rng.below(16) {
        0 => 0,
        1 => arena.guard as u64,
        2 => 0xffff_8880_0000_0000 + rng.below(1 << 30) * 8,
        3 => rng.next(),
        4 => {
            // the structure ends past the end of the mapping
            let cut = 1 + rng.below(r.size as u64) as usize;
            let start = arena.guard - (r.size - cut.min(r.size));
            // SAFETY: `start..guard` lies inside the arena's read-write pages.
            unsafe {
                std::ptr::copy_nonoverlapping(buf.as_ptr(), start as *mut u8, arena.guard - start)
            };
            start as u64
        }
        _ => {
            // SAFETY: `room` bytes fit in the arena's read-write pages.
            unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), arena.rw, room) };
            arena.rw as u64
        }
    };
    // SAFETY: an ioctl with an arbitrary argument: the kernel checks every user address; the
    // memory it may write is this thread's arena or nothing.
    let ret = unsafe { libc::ioctl(fd, cmd as libc::c_ulong, arg) };
    if ret < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        0
    }
}

fn open_device(path: &str) -> i32 {
    let c = CString::new(path).expect("device path");
    // SAFETY: a plain open of a NUL-terminated path.
    unsafe { libc::open(c.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) }
}

/// A well-formed request, for the background threads.
fn call<T>(fd: i32, cmd: u32, arg: &mut T) -> i32 {
    // SAFETY: `arg` is a valid structure of the type `cmd` takes.
    unsafe { libc::ioctl(fd, cmd as libc::c_ulong, arg as *mut T) }
}

fn target_of(name: &str) -> uapi::CtnTarget {
    let mut t = uapi::CtnTarget::default();
    t.name[..name.len()].copy_from_slice(name.as_bytes());
    t
}

/// Creates and destroys containers with random limits, until `stop`.
fn churn(fd: i32, seed: u64, stop: &AtomicBool) {
    let mut rng = Rng(seed);
    while !stop.load(Ordering::Relaxed) {
        let name = format!("fz{}", rng.below(4));
        let mut create = uapi::CtnCreate {
            size: size_of::<uapi::CtnCreate>() as u32,
            history_len: rng.pick(&[0, 1, 16, 4096]),
            ..Default::default()
        };
        create.name[..name.len()].copy_from_slice(name.as_bytes());
        call(fd, uapi::CTN_IOC_CREATE, &mut create);
        let mut limits = uapi::CtnLimits {
            size: size_of::<uapi::CtnLimits>() as u32,
            flags: rng.below(1 << 7) as u32,
            target: target_of(&name),
            tasks: rng.below(40),
            memory: rng.below(1 << 30),
            files: rng.below(200),
            disk: rng.below(1 << 24),
            cpu_time: 0,
            cpu_share: rng.below(3) * 10,
            net_rate: rng.below(1 << 20),
            ..Default::default()
        };
        call(fd, uapi::CTN_IOC_SET_LIMITS, &mut limits);
        thread::sleep(Duration::from_millis(rng.below(20)));
        let mut destroy = uapi::CtnDestroy {
            size: size_of::<uapi::CtnDestroy>() as u32,
            target: target_of(&name),
            ..Default::default()
        };
        call(fd, uapi::CTN_IOC_DESTROY, &mut destroy);
    }
}

/// Forks children that join a container, fork, exec and exit, until `stop`. The pid of the
/// latest child is published for the fuzzing threads' attach calls.
fn forker(fd: i32, seed: u64, stop: &AtomicBool, child: &AtomicI32) {
    let mut rng = Rng(seed);
    let busybox = CString::new("/bin/busybox").expect("path");
    let t = CString::new("true").expect("arg");
    while !stop.load(Ordering::Relaxed) {
        let mut attach = uapi::CtnAttach {
            size: size_of::<uapi::CtnAttach>() as u32,
            target: target_of(&format!("fz{}", rng.below(4))),
            ..Default::default()
        };
        // SAFETY: the child makes only async-signal-safe calls (ioctl, fork, wait, execv,
        // _exit) on memory prepared before the fork.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: as above.
            unsafe {
                libc::ioctl(fd, uapi::CTN_IOC_ATTACH as libc::c_ulong, &mut attach);
                for _ in 0..2 {
                    match libc::fork() {
                        0 => libc::_exit(0),
                        p if p > 0 => {
                            libc::waitpid(p, std::ptr::null_mut(), 0);
                        }
                        _ => {}
                    }
                }
                let argv = [busybox.as_ptr(), t.as_ptr(), std::ptr::null()];
                libc::execv(busybox.as_ptr(), argv.as_ptr());
                libc::_exit(127);
            }
        }
        if pid < 0 {
            thread::sleep(Duration::from_millis(5));
            continue;
        }
        child.store(pid, Ordering::Relaxed);
        // A child that a fuzzed call stopped or left hanging is killed after 2 s.
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            // SAFETY: waits for our own child.
            let r = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
            if r != 0 {
                break;
            }
            if Instant::now() > deadline {
                // SAFETY: our own child, not yet reaped.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
                break;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

fn errno_name(e: i32) -> String {
    nix::errno::Errno::from_raw(e)
        .to_string()
        .split(':')
        .next()
        .unwrap_or("?")
        .to_string()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let seed = cli.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    println!(
        "ctnfuzz: seed {seed} (reproduce with --seed {seed}), {} calls, {} threads",
        cli.calls, cli.threads
    );
    let fd = open_device(&cli.device);
    if fd < 0 {
        eprintln!(
            "ctnfuzz: cannot open {}: {}",
            cli.device,
            std::io::Error::last_os_error()
        );
        return ExitCode::from(1);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let child = Arc::new(AtomicI32::new(0));
    let tally = Arc::new(Tally {
        calls: AtomicU64::new(0),
        ok: AtomicU64::new(0),
    });
    let mut background = Vec::new();
    for i in 0..2u64 {
        let (stop, child) = (stop.clone(), child.clone());
        background.push(thread::spawn(move || {
            forker(fd, seed ^ (0xf0 + i), &stop, &child)
        }));
    }
    {
        let stop = stop.clone();
        background.push(thread::spawn(move || churn(fd, seed ^ 0xc0, &stop)));
    }
    let reqs = Arc::new(requests());
    let threads = cli.threads.max(1);
    let per_thread = cli.calls / u64::from(threads);
    let mut fuzzers = Vec::new();
    for i in 0..threads {
        let (reqs, child, tally) = (reqs.clone(), child.clone(), tally.clone());
        let calls = per_thread
            + if i == 0 {
                cli.calls % u64::from(threads)
            } else {
                0
            };
        let device = cli.device.clone();
        fuzzers.push(thread::spawn(move || {
            let mut rng = Rng(seed
                .wrapping_mul(0x1000_0000_01b3)
                .wrapping_add(u64::from(i)));
            let mut arena = Arena::new();
            let mut errnos: BTreeMap<i32, u64> = BTreeMap::new();
            let fd = open_device(&device);
            for _ in 0..calls {
                let e = fuzz_one(&mut rng, fd, &reqs, &mut arena, &child);
                *errnos.entry(e).or_default() += 1;
                tally.calls.fetch_add(1, Ordering::Relaxed);
            }
            tally
                .ok
                .fetch_add(errnos.get(&0).copied().unwrap_or(0), Ordering::Relaxed);
            errnos
        }));
    }
    let mut errnos: BTreeMap<i32, u64> = BTreeMap::new();
    let mut failed = false;
    for f in fuzzers {
        match f.join() {
            Ok(e) => e
                .into_iter()
                .for_each(|(k, v)| *errnos.entry(k).or_default() += v),
            Err(_) => failed = true,
        }
    }
    stop.store(true, Ordering::Relaxed);
    for b in background {
        failed |= b.join().is_err();
    }
    let counts: Vec<String> = errnos
        .iter()
        .map(|(&e, n)| {
            if e == 0 {
                format!("ok={n}")
            } else {
                format!("{}={n}", errno_name(e))
            }
        })
        .collect();
    println!(
        "ctnfuzz: {} calls: {}",
        tally.calls.load(Ordering::Relaxed),
        counts.join(" ")
    );
    if failed {
        eprintln!("ctnfuzz: a thread panicked");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
