//! A pseudo-terminal as a session's controlling terminal, standing for the terminal an
//! admin runs `ctnctl exec` from: what the command writes, and what it left in the
//! terminal's input for the admin's shell to read next.

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use nix::libc;

/// Runs `cmd` in a session of its own whose controlling terminal is a new pseudo-terminal,
/// waits for it, prints what it wrote there, then `queued=N`: the bytes of complete lines
/// waiting in the terminal's input (`TIOCINQ`), which the next reader (the admin's shell)
/// would take as typed. Exits with the command's status.
pub fn run(cmd: &[String]) -> ExitCode {
    match run_on_terminal(cmd) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ctntest: on-terminal: {e}");
            ExitCode::from(1)
        }
    }
}

fn run_on_terminal(cmd: &[String]) -> std::io::Result<ExitCode> {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty with two ints for the descriptors and no name, termios or size.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: openpty just returned both descriptors, owned by no one else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let tty = slave.as_raw_fd();
    let mut child = std::process::Command::new(&cmd[0]);
    child
        .args(&cmd[1..])
        .stdin(slave.try_clone()?)
        .stdout(slave.try_clone()?)
        .stderr(slave.try_clone()?);
    // SAFETY: between fork and exec the child calls only setsid and ioctl, which are
    // async-signal-safe.
    unsafe {
        child.pre_exec(move || {
            if libc::setsid() < 0 || libc::ioctl(tty, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    let status = child.spawn()?.wait()?;
    // What the command wrote: drain the master without blocking.
    // SAFETY: fcntl on our own descriptor.
    unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: read into our buffer of its length.
        let n = unsafe { libc::read(master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        let Ok(n) = usize::try_from(n) else { break };
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    let mut queued: libc::c_int = 0;
    // SAFETY: TIOCINQ writes one int.
    if unsafe { libc::ioctl(tty, libc::TIOCINQ, &mut queued) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut stdout = std::io::stdout();
    stdout.write_all(&out)?;
    writeln!(stdout, "queued={queued}")?;
    Ok(ExitCode::from(status.code().unwrap_or(128) as u8))
}
