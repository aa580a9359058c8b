//! Errors ctnctl reports, each saying what to do, and the exit status each maps to.

use nix::errno::Errno;

/// Exit statuses: 0 success, 1 the operation failed, 2 bad usage (clap's own choice too).
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The device node is missing, or is left over with no module behind it (ENODEV while
    /// the module unloads, or a node made by hand): either way nothing answers.
    #[error("{0}: the ctn module is not loaded.\n  Load it with `insmod ctn.ko` (as root), then try again.")]
    NotLoaded(String),
    #[error("permission denied opening {0}: ctn is controlled by root.\n  Run ctnctl as root (for example with sudo).")]
    NoPermission(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0} failed: {1}{hint}", hint = ioctl_hint(*.1))]
    Ioctl(&'static str, Errno),
    /// An operation the module refused, explained for this operation.
    #[error("{0}")]
    Refused(String),
    /// Bad command-line input.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            _ => EXIT_FAILURE,
        }
    }
}

fn ioctl_hint(e: Errno) -> &'static str {
    match e {
        Errno::ENOTTY => {
            "\n  The loaded module speaks another ABI than this ctnctl: check `ctnctl version`."
        }
        Errno::EPERM => "\n  This needs CAP_SYS_ADMIN, from outside every container.",
        _ => "",
    }
}

/// Explains a kernel refusal of an operation on container `name` in the user's terms.
pub fn explain(e: Error, name: &str) -> Error {
    let Error::Ioctl(op, errno) = e else { return e };
    let msg = match errno {
        Errno::ENOENT => format!("no container named '{name}'.\n  See `ctnctl list` for the containers there are."),
        Errno::EEXIST => format!("a container named '{name}' already exists.\n  Pick another name, or `ctnctl destroy {name}` first."),
        Errno::EBUSY => format!("container '{name}' still has processes.\n  Stop them, or use `ctnctl destroy --force {name}`."),
        Errno::EPERM => format!("{op} '{name}': not permitted.\n  It needs CAP_SYS_ADMIN, from outside every container (a process in a container cannot leave it or join another)."),
        Errno::EAGAIN => format!("container '{name}' takes no new processes: it is at its task limit (see `ctnctl stats {name}`), or being stopped (sealed)."),
        Errno::ESRCH => format!("{op} '{name}': no such process."),
        Errno::EADDRINUSE => format!("{op} '{name}': another container already has that IP, loopback or MAC address.\n  Each container needs its own: see `ctnctl show` of the others."),
        Errno::ENOMEM => format!("{op} '{name}': the memory limit has no room for this process.\n  See `ctnctl stats {name}`; raise it with `ctnctl set {name} --max-memory SIZE`."),
        Errno::EMFILE => format!("{op} '{name}': the open-files limit has no room for this process's descriptors.\n  See `ctnctl stats {name}`; raise it with `ctnctl set {name} --max-files N`."),
        Errno::EDQUOT => format!("{op} '{name}': the disk limit is used up.\n  See `ctnctl stats {name}`; raise it with `ctnctl set {name} --max-disk SIZE`."),
        Errno::ENOSPC => "the module holds as many containers as it can (32767).".to_string(),
        _ => return Error::Ioctl(op, errno),
    };
    Error::Refused(msg)
}
