//! Resource requests for the limit tests: create tasks, map memory. Each prints what the
//! calling process observed (how many succeeded, the errno of the first refusal).

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use nix::errno::Errno;
use nix::libc;

#[derive(Clone, Copy, ValueEnum)]
pub enum Growth {
    /// mmap(2) of anonymous memory.
    Mmap,
    /// brk(2) (sbrk).
    Brk,
    /// mremap(2) growing a one-page mapping.
    Mremap,
}

#[derive(Subcommand)]
pub enum Resources {
    /// Create up to `--processes` child processes, then up to `--threads` threads, all waiting;
    /// prints `processes=N threads=N errno=E` (E: the first refusal, or none), then ends them.
    Tasks {
        #[arg(long, default_value_t = 0)]
        processes: u32,
        #[arg(long, default_value_t = 0)]
        threads: u32,
        /// After the first refused fork, try this many more at once (for rate limits).
        #[arg(long, default_value_t = 0)]
        retries: u32,
    },
    /// Grow the address space by SIZE bytes (K/M/G suffixes) in one request; prints `ok` or
    /// `errno=E`. With --hold SECONDS, keeps it that long before exiting.
    Grow {
        #[arg(value_enum)]
        how: Growth,
        size: String,
        #[arg(long, default_value_t = 0)]
        hold: u64,
        /// After growing, give the memory back (munmap; mmap only) before holding.
        #[arg(long)]
        release: bool,
        /// Grow in steps of this size (mmap only) until SIZE or a refusal; prints
        /// `mapped=BYTES errno=E` and exits 0 (the process is not killed).
        #[arg(long)]
        step: Option<String>,
        /// After growing (and touching every page), fork(2) once; prints `fork=ok` or
        /// `fork=errno=E` (the child exits at once).
        #[arg(long)]
        fork: bool,
        /// After growing (and touching), make a process that shares the address space
        /// (clone CLONE_VM, not a thread) and waits forever with no descriptors; prints
        /// `holder=PID`, then exits.
        #[arg(long)]
        vm_holder: bool,
        /// After growing (and touching), crash with SIGABRT (a core dump, if allowed).
        #[arg(long)]
        crash: bool,
    },
    /// Open up to N descriptors (/dev/null), then (with --sockets) as many sockets; prints
    /// `opened=N errno=E`. With --hold SECONDS, keeps them that long.
    Open {
        n: u32,
        #[arg(long, default_value_t = 0)]
        hold: u64,
    },
    /// Open and close /dev/null ROUNDS times in each of THREADS threads at once; prints
    /// `refused=N` (opens that failed).
    Churn { threads: u32, rounds: u32 },
    /// Race two threads on each of ROUNDS files PREFIX.0, PREFIX.1, ... (SIZE large, K/M
    /// suffixes): one truncates it to 0, the other, at the same moment, to SIZE. Prints
    /// `regrown=N`, the files left at SIZE (each a growth from 0 that had to be counted), and
    /// `grown=N`, the second thread's truncates that succeeded (to SIZE, or left it there).
    TruncateRace {
        prefix: String,
        size: String,
        rounds: u32,
    },
    /// Fork ROUNDS times while another thread maps (as each fork starts) and unmaps (after
    /// it) as much as the container's LIMIT (K/M suffixes) leaves beside this process and one
    /// copy of it: a fork whose copy took that mapping along would hold it twice, past the
    /// limit. Each child looks at its own size (/proc/self/statm) and exits; prints
    /// `copied=N` (children that had the mapping), `forks=N`, `refused=N` (ENOMEM),
    /// `mapped=N` (the other thread's maps).
    ForkRace { limit: String, rounds: u32 },
    /// Write SIZE bytes (K/M suffixes) to FILE in 64 KiB write(2) calls; prints
    /// `written=N errno=E` (E: none, or why a write failed).
    Write { file: String, size: String },
    /// Spin on the CPU for SECONDS of wall time (on CPU --cpu only, if given); prints
    /// `cpu=P` where P is the CPU time it got, in percent of the wall time.
    Spin {
        seconds: f64,
        #[arg(long)]
        cpu: Option<usize>,
    },
    /// Put SIZE bytes (K/M suffixes) into FILE with one kind of call (sources from --from,
    /// default /dev/zero); prints `filled=N errno=E`.
    Fill {
        #[arg(value_enum)]
        how: crate::fill::How,
        file: String,
        size: String,
        #[arg(long)]
        from: Option<String>,
    },
    /// One write(2) to FILE of a one-byte buffer with COUNT as its length, whatever it is;
    /// prints `ok N` or `errno=E`.
    WriteCount { file: String, count: u64 },
    /// prlimit64(2) on RESOURCE (as, nproc, nofile) of --pid (default: this process), setting
    /// it to --set CUR:MAX first if given; prints `cur=C max=M` (`inf` for no limit) or
    /// `errno=E`.
    Rlimit {
        resource: String,
        #[arg(long, default_value_t = 0)]
        pid: i32,
        #[arg(long)]
        set: Option<String>,
    },
}

pub fn run(cmd: &Resources) -> ExitCode {
    match cmd {
        Resources::Tasks {
            processes,
            threads,
            retries,
        } => tasks(*processes, *threads, *retries),
        Resources::Grow {
            size,
            step: Some(step),
            ..
        } => grow_in_steps(size, step),
        Resources::Grow {
            how,
            size,
            hold,
            release,
            step: None,
            fork,
            vm_holder,
            crash,
        } => grow(
            *how,
            size,
            *hold,
            *release,
            After {
                fork: *fork,
                vm_holder: *vm_holder,
                crash: *crash,
            },
        ),
        Resources::Rlimit { resource, pid, set } => rlimit(resource, *pid, set.as_deref()),
        Resources::Open { n, hold } => open(*n, *hold),
        Resources::Churn { threads, rounds } => churn(*threads, *rounds),
        Resources::TruncateRace {
            prefix,
            size,
            rounds,
        } => truncate_race(prefix, size, *rounds),
        Resources::ForkRace { limit, rounds } => fork_race(limit, *rounds),
        Resources::Write { file, size } => write(file, size),
        Resources::WriteCount { file, count } => write_count(file, *count),
        Resources::Fill {
            how,
            file,
            size,
            from,
        } => match parse_size(size) {
            Some(size) => crate::fill::fill(*how, file, size, from.as_deref()),
            None => {
                eprintln!("ctntest: bad size {size}");
                ExitCode::from(2)
            }
        },
        Resources::Spin { seconds, cpu } => spin(*seconds, *cpu),
    }
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> std::time::Duration {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .unwrap_or(nix::sys::time::TimeSpec::new(0, 0));
    std::time::Duration::from(t)
}

fn spin(seconds: f64, cpu: Option<usize>) -> ExitCode {
    if let Some(cpu) = cpu {
        let mut set = nix::sched::CpuSet::new();
        if set.set(cpu).is_err()
            || nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).is_err()
        {
            println!("errno=EINVAL");
            return ExitCode::from(1);
        }
    }
    let start = std::time::Instant::now();
    let cpu0 = cpu_time();
    let wall = std::time::Duration::from_secs_f64(seconds);
    let mut x = 1u64;
    while start.elapsed() < wall {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    let used = cpu_time() - cpu0;
    let pct = used.as_secs_f64() * 100.0 / start.elapsed().as_secs_f64();
    println!("cpu={pct:.0}");
    ExitCode::SUCCESS
}

fn tasks(processes: u32, threads: u32, retries: u32) -> ExitCode {
    use nix::unistd::{fork, ForkResult};
    let mut children = Vec::new();
    let mut first_error: Option<Errno> = None;
    for _ in 0..processes {
        // SAFETY: the child only pauses until it is killed (async-signal-safe calls only).
        match unsafe { fork() } {
            Ok(ForkResult::Child) => loop {
                // SAFETY: pause(2) is async-signal-safe.
                unsafe { libc::pause() };
            },
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(e) => {
                first_error.get_or_insert(e);
                for _ in 0..retries {
                    // SAFETY: as above; a fork that succeeds ends its child at once.
                    if let Ok(ForkResult::Child) = unsafe { fork() } {
                        // SAFETY: ends the child without running anything of the parent's.
                        unsafe { libc::_exit(0) };
                    }
                }
                break;
            }
        }
    }
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let stop_rx = std::sync::Arc::new(std::sync::Mutex::new(stop_rx));
    let mut handles = Vec::new();
    for _ in 0..threads {
        let rx = stop_rx.clone();
        match std::thread::Builder::new().spawn(move || {
            let _ = rx.lock().map(|r| r.recv());
        }) {
            Ok(h) => handles.push(h),
            Err(e) => {
                let errno = Errno::from_raw(e.raw_os_error().unwrap_or(0));
                first_error.get_or_insert(errno);
                break;
            }
        }
    }
    println!(
        "processes={} threads={} errno={}",
        children.len(),
        handles.len(),
        first_error.map_or("none".to_string(), |e| format!("{e:?}"))
    );
    drop(stop_tx);
    for h in handles {
        let _ = h.join();
    }
    for c in children {
        let _ = nix::sys::signal::kill(c, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(c, None);
    }
    ExitCode::SUCCESS
}

fn parse_size(s: &str) -> Option<usize> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: usize = num.parse().ok()?;
    let mult = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// What `grow` does once it has grown.
struct After {
    fork: bool,
    vm_holder: bool,
    crash: bool,
}

/// The body of a `--vm-holder` process: it shares the address space and waits.
extern "C" fn hold_address_space(_: *mut libc::c_void) -> libc::c_int {
    // SAFETY: closes this process's own copies of the descriptors, then waits for a signal.
    unsafe {
        for fd in 0..3 {
            libc::close(fd);
        }
        loop {
            libc::pause();
        }
    }
}

fn grow(how: Growth, size: &str, hold: u64, release: bool, after: After) -> ExitCode {
    let fork = after.fork || after.vm_holder || after.crash;
    let Some(len) = parse_size(size) else {
        eprintln!("ctntest: bad size {size}");
        return ExitCode::from(2);
    };
    let prot = libc::PROT_READ | libc::PROT_WRITE;
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
    // SAFETY: plain memory-management calls on mappings this function makes; nothing is
    // dereferenced.
    let ok = unsafe {
        match how {
            Growth::Mmap => {
                let p = libc::mmap(std::ptr::null_mut(), len, prot, flags, -1, 0);
                if p != libc::MAP_FAILED && release {
                    libc::munmap(p, len);
                } else if p != libc::MAP_FAILED && fork {
                    // Touched, so that the child's copy would be memory of its own.
                    std::ptr::write_bytes(p.cast::<u8>(), 1, len);
                }
                p != libc::MAP_FAILED
            }
            Growth::Brk => libc::sbrk(len as libc::intptr_t) as isize != -1,
            Growth::Mremap => {
                let p = libc::mmap(std::ptr::null_mut(), 4096, prot, flags, -1, 0);
                p != libc::MAP_FAILED
                    && libc::mremap(p, 4096, len, libc::MREMAP_MAYMOVE) != libc::MAP_FAILED
            }
        }
    };
    if ok {
        println!("ok");
    } else {
        println!("errno={:?}", Errno::last());
    }
    if ok && after.crash {
        // SAFETY: raises the soft core limit to the hard one (allowed to anyone), then a
        // signal at this process.
        unsafe {
            let mut core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_CORE, &mut core);
            core.rlim_cur = core.rlim_max;
            libc::setrlimit(libc::RLIMIT_CORE, &core);
        }
        // SIGABRT: Rust's runtime handles SIGSEGV (its stack-overflow check) and would return.
        // SAFETY: ends the process with a core dump.
        unsafe { libc::abort() };
    }
    if ok && after.vm_holder {
        let mut stack = vec![0u8; 64 * 1024];
        // SAFETY: the child runs `hold_address_space` on its own stack, inside the shared
        // address space (which this process leaks by exiting without unmapping).
        let pid = unsafe {
            libc::clone(
                hold_address_space,
                stack.as_mut_ptr().add(stack.len()).cast(),
                libc::CLONE_VM | libc::SIGCHLD,
                std::ptr::null_mut(),
            )
        };
        std::mem::forget(stack);
        println!("holder={pid}");
        // SAFETY: exits at once, leaving the holder the address space.
        unsafe { libc::_exit(0) };
    }
    if ok && after.fork {
        // SAFETY: the child only exits; the parent waits for it.
        match unsafe { libc::fork() } {
            0 => unsafe { libc::_exit(0) },
            -1 => println!("fork=errno={:?}", Errno::last()),
            child => {
                // SAFETY: waits for the child just made.
                unsafe { libc::waitpid(child, std::ptr::null_mut(), 0) };
                println!("fork=ok");
            }
        }
    }
    std::thread::sleep(std::time::Duration::from_secs(hold));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn rlimit(resource: &str, pid: i32, set: Option<&str>) -> ExitCode {
    let resource = match resource {
        "as" => libc::RLIMIT_AS,
        "nproc" => libc::RLIMIT_NPROC,
        "nofile" => libc::RLIMIT_NOFILE,
        _ => {
            eprintln!("ctntest: resource is one of as, nproc, nofile");
            return ExitCode::from(2);
        }
    };
    let value = |s: &str| match s {
        "inf" => Some(libc::RLIM64_INFINITY),
        s => s.parse().ok(),
    };
    let new = match set.map(|s| {
        s.split_once(':')
            .and_then(|(c, m)| Some((value(c)?, value(m)?)))
    }) {
        None => None,
        Some(Some((cur, max))) => Some(libc::rlimit64 {
            rlim_cur: cur,
            rlim_max: max,
        }),
        Some(None) => {
            eprintln!("ctntest: --set CUR:MAX (numbers or inf)");
            return ExitCode::from(2);
        }
    };
    let mut old = libc::rlimit64 {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let new_ptr = new
        .as_ref()
        .map_or(std::ptr::null(), |n| n as *const libc::rlimit64);
    // SAFETY: `new_ptr` is null or points to `new`; `old` is writable; both outlive the call.
    let ret = unsafe { libc::prlimit64(pid, resource, new_ptr, &mut old) };
    if ret != 0 {
        println!("errno={:?}", Errno::last());
        return ExitCode::from(1);
    }
    let show = |v: u64| {
        if v == libc::RLIM64_INFINITY {
            "inf".to_string()
        } else {
            v.to_string()
        }
    };
    println!("cur={} max={}", show(old.rlim_cur), show(old.rlim_max));
    ExitCode::SUCCESS
}

fn open(n: u32, hold: u64) -> ExitCode {
    let mut files = Vec::new();
    let mut error = None;
    for i in 0..n {
        // Alternate kinds of descriptors: files and sockets take their numbers alike.
        let opened = if i % 2 == 0 {
            std::fs::File::open("/dev/null").map(std::os::fd::OwnedFd::from)
        } else {
            std::net::UdpSocket::bind("127.0.0.1:0").map(std::os::fd::OwnedFd::from)
        };
        match opened {
            Ok(f) => files.push(f),
            Err(e) => {
                error = Some(Errno::from_raw(e.raw_os_error().unwrap_or(0)));
                break;
            }
        }
    }
    println!(
        "opened={} errno={}",
        files.len(),
        error.map_or("none".to_string(), |e| format!("{e:?}"))
    );
    std::thread::sleep(std::time::Duration::from_secs(hold));
    ExitCode::SUCCESS
}

fn churn(threads: u32, rounds: u32) -> ExitCode {
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                (0..rounds)
                    .filter(|_| std::fs::File::open("/dev/null").is_err())
                    .count()
            })
        })
        .collect();
    let refused: usize = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    println!("refused={refused}");
    ExitCode::SUCCESS
}

fn truncate_race(prefix: &str, size: &str, rounds: u32) -> ExitCode {
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
    let Some(size) = parse_size(size) else {
        eprintln!("ctntest: bad size {size}");
        return ExitCode::from(2);
    };
    let size = size as libc::off_t;
    // Round r: the main thread opens file r, sets `started` to r and truncates it to 0; the
    // other thread, seeing it, truncates the same file to SIZE at once, and sets `done`.
    let (started, done, fd) = (AtomicU32::new(0), AtomicU32::new(0), AtomicI32::new(-1));
    let wait_for = |flag: &AtomicU32, round: u32| {
        while flag.load(Ordering::Acquire) < round {
            std::hint::spin_loop();
        }
    };
    let counts = std::thread::scope(|s| {
        let grower = s.spawn(|| {
            let mut grown = 0u32;
            for round in 1..=rounds {
                wait_for(&started, round);
                // SAFETY: the main thread keeps the descriptor open until `done` is set.
                grown +=
                    u32::from(unsafe { libc::ftruncate(fd.load(Ordering::Relaxed), size) } == 0);
                done.store(round, Ordering::Release);
            }
            grown
        });
        let mut regrown = 0u32;
        for round in 1..=rounds {
            let path = format!("{prefix}.{}", round - 1);
            let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else {
                eprintln!("ctntest: cannot open {path}");
                started.store(u32::MAX, Ordering::Release);
                let _ = grower.join();
                return None;
            };
            fd.store(file.as_raw_fd(), Ordering::Relaxed);
            started.store(round, Ordering::Release);
            let _ = file.set_len(0);
            wait_for(&done, round);
            regrown += u32::from(file.metadata().is_ok_and(|m| m.len() == size as u64));
        }
        Some((regrown, grower.join().unwrap_or(0)))
    });
    let Some((regrown, grown)) = counts else {
        return ExitCode::from(2);
    };
    println!("regrown={regrown} grown={grown}");
    ExitCode::SUCCESS
}

/// This process's address space, in bytes (the first field of /proc/self/statm). Only
/// async-signal-safe calls and no allocation: it runs in a fork's child too.
fn vm_size() -> usize {
    let mut buf = [0u8; 64];
    // SAFETY: a NUL-terminated path; `buf` is ours, of the length given.
    let n = unsafe {
        let fd = libc::open(c"/proc/self/statm".as_ptr(), libc::O_RDONLY);
        let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
        libc::close(fd);
        n
    };
    let pages = buf[..usize::try_from(n).unwrap_or(0)]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0usize, |v, b| v * 10 + usize::from(b - b'0'));
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize
}

fn fork_race(limit: &str, rounds: u32) -> ExitCode {
    use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
    let Some(limit) = parse_size(limit) else {
        eprintln!("ctntest: bad limit {limit}");
        return ExitCode::from(2);
    };
    // Round r: the main thread sets `started` to r and forks; the mapper, seeing it, maps
    // at once (while the fork runs, most often), and unmaps when `forked` is r.
    let (started, forked, unmapped) = (AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0));
    let mapped = AtomicU64::new(0);
    // What the mapper maps: set once this process's own size is known.
    let mapping = AtomicUsize::new(0);
    let wait_for = |flag: &AtomicU32, round: u32| {
        while flag.load(Ordering::Acquire) < round {
            std::hint::spin_loop();
        }
    };
    let (copied, forks, refused) = std::thread::scope(|s| {
        s.spawn(|| {
            for round in 1..=rounds {
                wait_for(&started, round);
                let size = mapping.load(Ordering::Relaxed);
                // SAFETY: a new private anonymous mapping, unmapped again untouched.
                let p = unsafe {
                    libc::mmap(
                        std::ptr::null_mut(),
                        size,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                        -1,
                        0,
                    )
                };
                wait_for(&forked, round);
                if p != libc::MAP_FAILED {
                    mapped.fetch_add(1, Ordering::Relaxed);
                    // SAFETY: the mapping made above.
                    unsafe { libc::munmap(p, size) };
                }
                unmapped.store(round, Ordering::Release);
            }
        });
        // With the mapper's stack in it: what this process and one copy take, and what
        // the limit leaves beside them (less a MiB for the children's own growth).
        let base = vm_size();
        let size = limit.saturating_sub(2 * base + (1 << 20));
        mapping.store(size, Ordering::Relaxed);
        let (mut copied, mut forks, mut refused) = (0u32, 0u32, 0u32);
        for round in 1..=rounds {
            started.store(round, Ordering::Release);
            // SAFETY: the child makes async-signal-safe calls only, then _exit.
            match unsafe { libc::fork() } {
                0 => {
                    let had = vm_size() > base + size / 2;
                    // SAFETY: ends the child without running anything of the parent's.
                    unsafe { libc::_exit(i32::from(had)) };
                }
                -1 => refused += u32::from(Errno::last() == Errno::ENOMEM),
                child => {
                    forks += 1;
                    let mut status = 0;
                    // SAFETY: waits for our own child.
                    unsafe { libc::waitpid(child, &mut status, 0) };
                    copied += u32::from(libc::WEXITSTATUS(status) == 1);
                }
            }
            forked.store(round, Ordering::Release);
            wait_for(&unmapped, round);
        }
        (copied, forks, refused)
    });
    println!(
        "copied={copied} forks={forks} refused={refused} mapped={}",
        mapped.load(Ordering::Relaxed)
    );
    ExitCode::SUCCESS
}

fn write(path: &str, size: &str) -> ExitCode {
    use std::io::Write;
    let Some(total) = parse_size(size) else {
        eprintln!("ctntest: bad size {size}");
        return ExitCode::from(2);
    };
    let mut file = match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => {
            println!("errno={:?}", Errno::from_raw(e.raw_os_error().unwrap_or(0)));
            return ExitCode::from(1);
        }
    };
    let chunk = vec![b'x'; 64 << 10];
    let (mut written, mut error) = (0usize, None);
    while written < total {
        let n = chunk.len().min(total - written);
        match file.write(&chunk[..n]) {
            Ok(w) => written += w,
            Err(e) => {
                error = Some(Errno::from_raw(e.raw_os_error().unwrap_or(0)));
                break;
            }
        }
    }
    println!(
        "written={written} errno={}",
        error.map_or("none".to_string(), |e| format!("{e:?}"))
    );
    ExitCode::SUCCESS
}

fn grow_in_steps(size: &str, step: &str) -> ExitCode {
    let (Some(total), Some(step)) = (parse_size(size), parse_size(step)) else {
        eprintln!("ctntest: bad size");
        return ExitCode::from(2);
    };
    let (mut mapped, mut error) = (0usize, None);
    while mapped < total {
        // SAFETY: maps fresh anonymous memory, which is never dereferenced.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                step,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            error = Some(Errno::last());
            break;
        }
        mapped += step;
    }
    println!(
        "mapped={mapped} errno={}",
        error.map_or("none".to_string(), |e| format!("{e:?}"))
    );
    ExitCode::SUCCESS
}

fn write_count(path: &str, count: u64) -> ExitCode {
    use std::os::fd::AsRawFd;
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => {
            println!("errno={:?}", Errno::from_raw(e.raw_os_error().unwrap_or(0)));
            return ExitCode::from(1);
        }
    };
    let byte = [b'x'];
    // SAFETY: the kernel checks the buffer against `count`; only one byte is valid, which is
    // the point (a count the caller cannot back).
    let ret = unsafe { libc::write(file.as_raw_fd(), byte.as_ptr().cast(), count as usize) };
    if ret < 0 {
        println!("errno={:?}", Errno::last());
        return ExitCode::from(1);
    }
    println!("ok {ret}");
    ExitCode::SUCCESS
}
