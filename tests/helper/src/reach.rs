//! Reaching another process, for the isolation tests: signal it, trace it, read its /proc.
//! Each prints `ok` or `errno=NAME`.

use std::process::ExitCode;

use clap::Subcommand;
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

#[derive(Subcommand)]
pub enum Reach {
    /// kill(PID, SIG) (default 0: only the checks).
    Kill {
        pid: i32,
        #[arg(long, default_value_t = 0)]
        sig: i32,
    },
    /// ptrace(PTRACE_ATTACH, PID), then detach.
    Ptrace { pid: i32 },
    /// open(2) a file for reading (/proc/PID/environ, /proc/PID/mem: the access check is at
    /// open), then read what it gives.
    Open { path: String },
    /// readlink(2) of a path (/proc/PID/root, cwd, exe, fd/0).
    Readlink { path: String },
}

fn errno(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(0))
}

fn reach(r: &Reach) -> Result<String, Errno> {
    match r {
        Reach::Kill { pid, sig } => {
            let sig = match sig {
                0 => None,
                s => Some(Signal::try_from(*s)?),
            };
            kill(Pid::from_raw(*pid), sig).map(|()| "ok".into())
        }
        Reach::Ptrace { pid } => {
            let pid = Pid::from_raw(*pid);
            nix::sys::ptrace::attach(pid)?;
            let _ = nix::sys::wait::waitpid(pid, None);
            let _ = nix::sys::ptrace::detach(pid, None);
            Ok("ok".into())
        }
        Reach::Open { path } => {
            let mut buf = [0u8; 64];
            let mut f = std::fs::File::open(path).map_err(errno)?;
            // mem at offset 0 has nothing mapped: only the open is the check.
            let _ = std::io::Read::read(&mut f, &mut buf);
            Ok("ok".into())
        }
        Reach::Readlink { path } => std::fs::read_link(path).map(|_| "ok".into()).map_err(errno),
    }
}

pub fn run(r: &Reach) -> ExitCode {
    crate::print_outcome(reach(r))
}
