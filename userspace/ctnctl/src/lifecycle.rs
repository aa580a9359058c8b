//! A container's life from its spec: its root prepared (an overlay over a shared skeleton,
//! mounted under the state directory), processes entering it (chroot into the root, then
//! joining, with no descriptor left that points outside but stdio), `start` (the execution
//! file as the first process, in the background), `stop` (the stop command, SIGTERM, a grace
//! period, SIGKILL, and what it took), and `status`.

use std::ffi::CString;
use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ctn_uapi as uapi;
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use serde::Serialize;

use crate::device::Device;
use crate::error::{explain, Error};
use crate::procfs;
use crate::rootfs;
use crate::spec::{Checked, Dirs, RootKind};

fn io_err(what: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Io(what.display().to_string(), e)
}

fn nix_err(what: String) -> impl FnOnce(nix::Error) -> Error {
    move |e| Error::Io(what, e.into())
}

/// Whether `dir` is a mount point (listed in /proc/self/mountinfo).
fn is_mounted(dir: &Path) -> bool {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    let want = dir.to_string_lossy();
    info.lines()
        .any(|l| l.split(' ').nth(4).is_some_and(|m| m == want))
}

/// The directory that is the container's root, ready to enter: its own root as it is, or the
/// overlay of its skeleton (read-only lower layer, shared) and its private upper layer under
/// the state directory, mounted if it is not yet. With `adapt`, its /etc/hostname and
/// /etc/hosts say its identity (into the private layer, for a skeleton).
pub fn prepare_root(
    c: &Checked<'_>,
    dirs: &Dirs,
    hostname: &str,
) -> Result<Option<PathBuf>, Error> {
    let root = match &c.root {
        None => return Ok(None),
        Some(RootKind::Own(path)) => path.clone(),
        Some(RootKind::Skeleton(skeleton)) => {
            let state = dirs.make_state(&c.spec.name)?;
            let (upper, work, root) = (state.join("upper"), state.join("work"), state.join("root"));
            for d in [&upper, &work, &root] {
                fs::create_dir_all(d).map_err(io_err(d))?;
            }
            if !is_mounted(&root) {
                let options = format!(
                    "lowerdir={},upperdir={},workdir={}",
                    skeleton.display(),
                    upper.display(),
                    work.display()
                );
                mount(Some("ctn"), &root, Some("overlay"), MsFlags::empty(), Some(options.as_str()))
                    .map_err(|e| {
                        Error::Refused(format!(
                            "cannot mount the overlay of {} at {}: {e}.\n  The kernel needs CONFIG_OVERLAY_FS, and the state directory a file system that overlayfs takes as upper layer (not overlayfs itself).",
                            skeleton.display(),
                            root.display()
                        ))
                    })?;
            }
            root
        }
    };
    if c.spec.root.as_ref().and_then(|r| r.adapt).unwrap_or(true) {
        let ip = c.spec.ip.as_deref().filter(|&ip| ip != "none");
        rootfs::write_identity(&root, hostname, ip)?;
    }
    Ok(Some(root))
}

/// The container's root as `prepare_root` made it, with a `/proc` of its own mounted in it
/// (for `start` and `exec`: what runs inside sees its processes there).
pub fn root_with_proc(
    c: &Checked<'_>,
    dirs: &Dirs,
    hostname: &str,
) -> Result<Option<PathBuf>, Error> {
    let root = prepare_root(c, dirs, hostname)?;
    if let Some(root) = &root {
        procfs::mount(root)?;
    }
    Ok(root)
}

/// Unmounts what `root_with_proc` mounted: the root's `/proc`, and a skeleton container's
/// overlay (its private layer stays for the next start).
pub fn release_root(c: &Checked<'_>, dirs: &Dirs) {
    let root = match &c.root {
        None => return,
        Some(RootKind::Own(path)) => path.clone(),
        Some(RootKind::Skeleton(_)) => dirs.state_of(&c.spec.name).join("root"),
    };
    if !root.is_dir() {
        return;
    }
    if matches!(c.root, Some(RootKind::Own(_))) || is_mounted(&root) {
        procfs::unmount(&root);
    }
    if matches!(c.root, Some(RootKind::Skeleton(_))) && is_mounted(&root) {
        let _ = umount2(&root, MntFlags::MNT_DETACH);
    }
}

/// Closes every descriptor from `from` up (`close_range`).
fn close_from(from: u32) {
    // SAFETY: close_range only closes descriptors; nothing below `from` is touched, and the
    // caller owns no Rust object holding the ones above (it execs or exits next).
    unsafe { nix::libc::syscall(nix::libc::SYS_close_range, from, u32::MAX, 0) };
}

/// In the process that is to run inside the container: enters its root (chroot, chdir /),
/// joins it, closes the device and every descriptor but stdio (and `keep`, moved to 3), so
/// nothing the process holds points outside. Order matters: a member cannot chroot.
pub fn enter(
    dev: Device,
    name: &str,
    root: Option<&Path>,
    keep: Option<&OwnedFd>,
) -> Result<(), Error> {
    if let Some(root) = root {
        nix::unistd::chroot(root).map_err(nix_err(format!("chroot {}", root.display())))?;
        nix::unistd::chdir("/").map_err(nix_err("chdir /".into()))?;
    }
    dev.attach(name, 0).map_err(|e| explain(e, name))?;
    drop(dev);
    if root.is_some() {
        match keep {
            Some(fd) => {
                // SAFETY: dup2 onto 3, then everything above 3 is closed; `fd` is CLOEXEC
                // and its copy on 3 is made CLOEXEC too, so an exec leaves neither behind.
                unsafe {
                    nix::libc::dup2(fd.as_raw_fd(), 3);
                    nix::libc::fcntl(3, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC);
                }
                close_from(4);
            }
            None => close_from(3),
        }
    }
    Ok(())
}

fn cstrings(args: &[String]) -> Result<Vec<CString>, Error> {
    args.iter()
        .map(|a| {
            CString::new(a.as_str()).map_err(|_| Error::Usage(format!("'{a}' has a NUL byte")))
        })
        .collect()
}

/// Runs `cmd` as a new process of the container (in its root), in the background: a new
/// session, stdin from /dev/null, stdout and stderr appended to `log`. Returns its pid once
/// it has executed `cmd` (a failure to do so is reported as the error).
pub fn spawn(
    dev: &Device,
    name: &str,
    root: Option<&Path>,
    cmd: &[String],
    log: &Path,
) -> Result<Pid, Error> {
    let argv = cstrings(cmd)?;
    // The log lives in the state directory, outside every root; a link there is refused all
    // the same (O_NOFOLLOW), never appended through.
    let logfile = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(log)
        .map_err(io_err(log))?;
    let null = fs::File::open("/dev/null").map_err(io_err(Path::new("/dev/null")))?;
    // Reports why the child could not exec; closed by a successful exec (CLOEXEC).
    let (rx, tx) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(nix_err("pipe".into()))?;
    let child_dev = dev.try_clone()?;
    // SAFETY: ctnctl is single-threaded; the child only makes system calls and writes to the
    // pipe before it execs or exits.
    match unsafe { fork() }.map_err(nix_err("fork".into()))? {
        ForkResult::Child => {
            drop(rx);
            let _ = nix::unistd::setsid();
            // SAFETY: plain descriptor duplications onto stdio.
            unsafe {
                nix::libc::dup2(null.as_raw_fd(), 0);
                nix::libc::dup2(logfile.as_raw_fd(), 1);
                nix::libc::dup2(logfile.as_raw_fd(), 2);
            }
            drop((null, logfile));
            let why = match enter(child_dev, name, root, Some(&tx)) {
                Ok(()) => {
                    let err = nix::unistd::execv(&argv[0], &argv).unwrap_err();
                    format!("cannot run {} in {name}: {err}", cmd[0])
                }
                Err(e) => e.to_string(),
            };
            // SAFETY: fd 3 is `tx` (moved there by `enter` with a root) or `tx` itself.
            let fd = if root.is_some() { 3 } else { tx.as_raw_fd() };
            let _ = nix::unistd::write(
                unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) },
                why.as_bytes(),
            );
            std::process::exit(127);
        }
        ForkResult::Parent { child } => {
            drop(tx);
            drop(child_dev);
            let mut why = Vec::new();
            let _ = std::io::Read::read_to_end(&mut fs::File::from(rx), &mut why);
            if !why.is_empty() {
                let _ = waitpid(child, None);
                return Err(Error::Refused(String::from_utf8_lossy(&why).into_owned()));
            }
            Ok(child)
        }
    }
}

/// What `status` reports.
#[derive(Serialize)]
pub struct Status {
    pub name: String,
    pub state: &'static str,
    pub processes: usize,
    pub tasks: u32,
}

pub fn status(dev: &Device, name: &str) -> Result<Status, Error> {
    let tasks = dev.ps(name).map_err(|e| explain(e, name))?;
    let processes = tasks.iter().filter(|t| t.pid == t.tgid).count();
    Ok(Status {
        name: name.to_string(),
        state: if tasks.is_empty() {
            "stopped"
        } else {
            "running"
        },
        processes,
        tasks: tasks.len() as u32,
    })
}

/// What `stop` had to do.
#[derive(Serialize)]
pub struct StopReport {
    pub name: String,
    /// The stop command's exit status (`None`: none, or it did not end in time).
    pub stop_command: Option<String>,
    /// Processes left after the stop command, sent SIGTERM.
    pub terminated: u32,
    /// Processes still there after the grace period, killed.
    pub killed: u32,
    pub grace_s: f64,
}

impl StopReport {
    pub fn text(&self) -> String {
        let mut s = format!("stopped {}", self.name);
        match &self.stop_command {
            Some(status) => s.push_str(&format!(": stop command {status}")),
            None if self.terminated > 0 => s.push(':'),
            None => {}
        }
        match (self.terminated, self.killed) {
            (0, _) => s.push_str(if self.stop_command.is_some() {
                "; nothing was left running"
            } else {
                ": nothing was running"
            }),
            (t, 0) => s.push_str(&format!(
                "{} SIGTERM to {t} processes, which ended",
                if self.stop_command.is_some() { ";" } else { "" }
            )),
            (t, k) => s.push_str(&format!(
                "{} SIGTERM to {t} processes; {k} ignored it and were killed (SIGKILL) after the {:.1} s grace period",
                if self.stop_command.is_some() { ";" } else { "" },
                self.grace_s
            )),
        }
        s
    }
}

/// How a wait status reads.
fn describe(status: WaitStatus) -> String {
    match status {
        WaitStatus::Exited(_, code) => format!("exited with status {code}"),
        WaitStatus::Signaled(_, sig, _) => format!("was killed by {sig}"),
        other => format!("{other:?}"),
    }
}

/// Waits until the container has no process, for at most `limit`: the processes left.
fn wait_processes(dev: &Device, name: &str, limit: Duration) -> Result<u32, Error> {
    let start = Instant::now();
    loop {
        let left = status(dev, name)?.processes as u32;
        if left == 0 || start.elapsed() >= limit {
            return Ok(left);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops a container: its stop command (inside, for up to its timeout), then SIGTERM to what
/// is left, the grace period, SIGKILL. Records `CTN_EVENT_STOPPED` with what it took.
pub fn stop(
    dev: &Device,
    c: &Checked<'_>,
    root: Option<&Path>,
    log: &Path,
) -> Result<StopReport, Error> {
    let name = c.spec.name.as_str();
    let mut report = StopReport {
        name: name.to_string(),
        stop_command: None,
        terminated: 0,
        killed: 0,
        grace_s: c.grace.as_secs_f64(),
    };
    if let Some(cmd) = &c.stop {
        if status(dev, name)?.processes > 0 {
            let pid = spawn(dev, name, root, cmd, log)?;
            let start = Instant::now();
            report.stop_command = Some(loop {
                match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) if start.elapsed() < c.stop_timeout => {
                        std::thread::sleep(Duration::from_millis(50))
                    }
                    Ok(WaitStatus::StillAlive) => {
                        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                        let _ = waitpid(pid, None);
                        break format!("did not end within {:?}: killed", c.stop_timeout);
                    }
                    Ok(s) => break describe(s),
                    Err(e) => break format!("could not be waited for: {e}"),
                }
            });
        }
    }
    let left = status(dev, name)?.processes as u32;
    if left > 0 {
        report.terminated = dev
            .kill(name, Signal::SIGTERM as i32, false)
            .map_err(|e| explain(e, name))?;
        let left = wait_processes(dev, name, c.grace)?;
        if left > 0 {
            report.killed = dev
                .kill(name, Signal::SIGKILL as i32, false)
                .map_err(|e| explain(e, name))?;
            if wait_processes(dev, name, Duration::from_secs(10))? > 0 {
                return Err(Error::Refused(format!(
                    "container '{name}' still has processes 10 s after SIGKILL (stuck in the kernel?)"
                )));
            }
        }
    }
    let how = match (report.terminated, report.killed) {
        (0, _) => uapi::CTN_STOP_BY_COMMAND,
        (_, 0) => uapi::CTN_STOP_BY_TERM,
        _ => uapi::CTN_STOP_BY_KILL,
    };
    dev.record(name, uapi::CTN_EVENT_STOPPED, report.killed as i32, how)
        .map_err(|e| explain(e, name))?;
    Ok(report)
}
