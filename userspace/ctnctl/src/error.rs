//! Errors ctnctl reports, each with a hint on what to do, and the exit status it maps to.

use nix::errno::Errno;

/// Exit statuses: 0 success, 1 the operation failed, 2 bad usage (clap's own choice).
pub const EXIT_FAILURE: i32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} does not exist: the ctn module is not loaded.\n  Load it with `insmod ctn.ko` (as root), then try again.")]
    NotLoaded(String),
    #[error("permission denied opening {0}: ctn is controlled by root.\n  Run ctnctl as root (for example with sudo).")]
    NoPermission(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0} failed: {1}{hint}", hint = ioctl_hint(*.1))]
    Ioctl(&'static str, Errno),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        EXIT_FAILURE
    }
}

fn ioctl_hint(e: Errno) -> &'static str {
    match e {
        Errno::ENOTTY | Errno::EINVAL => {
            "\n  The loaded module may speak another ABI version than this ctnctl: check `ctnctl version`."
        }
        Errno::EPERM => "\n  This needs CAP_SYS_ADMIN, from outside every container.",
        _ => "",
    }
}
