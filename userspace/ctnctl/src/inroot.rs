//! Files inside a container's root, as the host side touches them. The root belongs to the
//! container: its root user can put a symlink, a `..` or a hard link anywhere in it, and
//! change it while `ctnctl` works. So no path inside it is ever a string through the host's
//! `/`: each is resolved from a descriptor of the root with `openat2(RESOLVE_IN_ROOT |
//! RESOLVE_NO_MAGICLINKS)` (a symlink to `/etc/passwd` leads to the root's own), a file is
//! replaced by renaming a new one over it (a link the container left there is replaced, never
//! written through), and a walk opens each entry relative to its directory with `O_NOFOLLOW`
//! and describes what it opened (`fstat`), not what was there a moment before.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, renameat, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstat, fstatat, mkdirat, FileStat, Mode, SFlag};
use nix::unistd::unlinkat;

use crate::error::Error;

/// A container's root, held open.
pub struct InRoot {
    fd: OwnedFd,
    path: PathBuf,
}

/// What the walk found at one path.
pub enum Entry {
    Dir,
    /// A regular file, open for reading.
    File(File),
    Symlink(OsString),
    /// A device node or a fifo (its `fstatat` says which, and the device number).
    Special,
    /// A socket: nothing to copy.
    Other,
}

/// The deepest directory nesting a walk follows (a container can make any depth).
const MAX_DEPTH: usize = 256;

impl InRoot {
    /// Opens `root` (a path the host chose: the spec's root or the mounted overlay).
    pub fn open(root: &Path) -> Result<Self, Error> {
        let fd = nix::fcntl::open(
            root,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::Io(root.display().to_string(), e.into()))?;
        // SAFETY: `open` returned a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self {
            fd,
            path: root.to_path_buf(),
        })
    }

    fn err(&self, rel: &Path, e: Errno) -> Error {
        Error::Io(self.path.join(rel).display().to_string(), e.into())
    }

    /// `rel` resolved inside the root, opened with `flags` (never following a symlink or
    /// `..` out of it, nor a /proc magic link).
    fn resolve(&self, rel: &Path, flags: OFlag) -> Result<OwnedFd, Errno> {
        let rel = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        let how = OpenHow::new()
            .flags(flags | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        let fd = openat2(self.fd.as_raw_fd(), rel, how)?;
        // SAFETY: `openat2` returned a new descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// The directory `rel` inside the root, made (0755) where it is missing.
    pub fn dir(&self, rel: &Path) -> Result<OwnedFd, Error> {
        let mut at = self
            .resolve(Path::new("."), OFlag::O_PATH | OFlag::O_DIRECTORY)
            .map_err(|e| self.err(rel, e))?;
        let mut walked = PathBuf::new();
        for part in rel.components() {
            let Component::Normal(part) = part else {
                continue; // `/`, `.` and `..` mean nothing more inside the root
            };
            walked.push(part);
            at = match self.resolve(&walked, OFlag::O_PATH | OFlag::O_DIRECTORY) {
                Err(Errno::ENOENT) => {
                    match mkdirat(Some(at.as_raw_fd()), part, Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EEXIST) => {}
                        Err(e) => return Err(self.err(&walked, e)),
                    }
                    self.resolve(&walked, OFlag::O_PATH | OFlag::O_DIRECTORY)
                        .map_err(|e| self.err(&walked, e))?
                }
                r => r.map_err(|e| self.err(&walked, e))?,
            };
        }
        Ok(at)
    }

    /// The directory `name` right below the root (made 0555 where it is missing), to mount
    /// on: no symlink is followed, not even one that stays inside the root, so the mount
    /// lands where the root's own entry is. A mount already there is entered.
    pub fn mount_point(&self, name: &str) -> Result<OwnedFd, Error> {
        match mkdirat(
            Some(self.fd.as_raw_fd()),
            name,
            Mode::from_bits_truncate(0o555),
        ) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(self.err(Path::new(name), e)),
        }
        self.existing_mount_point(name)
    }

    /// The directory `name` right below the root, as [`InRoot::mount_point`], if it exists.
    pub fn existing_mount_point(&self, name: &str) -> Result<OwnedFd, Error> {
        let how = OpenHow::new()
            .flags(OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_SYMLINKS);
        let fd = openat2(self.fd.as_raw_fd(), name, how).map_err(|e| {
            Error::Refused(format!(
                "{}: {e}: it must be a directory (not a link).\n  Make it one inside the container's root.",
                self.path.join(name).display()
            ))
        })?;
        // SAFETY: `openat2` returned a new descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Makes `rel` (a file inside the root) hold `bytes` with permissions `mode`: a new file
    /// in the same directory, renamed over whatever `rel` was (file, symlink or link).
    pub fn replace(&self, rel: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
        let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
            return Err(self.err(rel, Errno::EINVAL));
        };
        let dir = self.dir(parent)?;
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(format!(".ctnctl-{}", std::process::id()));
        let create = || {
            openat(
                Some(dir.as_raw_fd()),
                tmp.as_os_str(),
                OFlag::O_WRONLY
                    | OFlag::O_CREAT
                    | OFlag::O_EXCL
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(mode),
            )
        };
        let fd = match create() {
            // Left by an earlier run, or put there by the container: removed (a symlink
            // itself, not what it names), then made anew.
            Err(Errno::EEXIST) => {
                unlinkat(
                    Some(dir.as_raw_fd()),
                    tmp.as_os_str(),
                    nix::unistd::UnlinkatFlags::NoRemoveDir,
                )
                .map_err(|e| self.err(rel, e))?;
                create()
            }
            r => r,
        }
        .map_err(|e| self.err(rel, e))?;
        // SAFETY: `openat` returned a new descriptor that nothing else owns.
        let mut file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        let written = file
            .write_all(bytes)
            .and_then(|()| {
                nix::sys::stat::fchmod(file.as_raw_fd(), Mode::from_bits_truncate(mode))
                    .map_err(std::io::Error::from)
            })
            .map_err(|e| Error::Io(self.path.join(rel).display().to_string(), e));
        let renamed = written.and_then(|()| {
            renameat(
                Some(dir.as_raw_fd()),
                tmp.as_os_str(),
                Some(dir.as_raw_fd()),
                name,
            )
            .map_err(|e| self.err(rel, e))
        });
        if renamed.is_err() {
            let _ = unlinkat(
                Some(dir.as_raw_fd()),
                tmp.as_os_str(),
                nix::unistd::UnlinkatFlags::NoRemoveDir,
            );
        }
        renamed
    }

    /// Walks the whole root, calling `visit` for each entry below it (parents first) with its
    /// path relative to the root, its `fstat` and what it is. Nothing is followed: a symlink
    /// is reported as one, a directory on another file system (a mount inside the root) is
    /// reported but not entered.
    pub fn walk(
        &self,
        visit: &mut dyn FnMut(&Path, &FileStat, Entry) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let top = self
            .resolve(Path::new("."), OFlag::O_RDONLY | OFlag::O_DIRECTORY)
            .map_err(|e| self.err(Path::new(""), e))?;
        let dev = fstat(top.as_raw_fd())
            .map_err(|e| self.err(Path::new(""), e))?
            .st_dev;
        self.walk_dir(top, PathBuf::new(), dev, 0, visit)
    }

    fn walk_dir(
        &self,
        dir: OwnedFd,
        at: PathBuf,
        dev: u64,
        depth: usize,
        visit: &mut dyn FnMut(&Path, &FileStat, Entry) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if depth >= MAX_DEPTH {
            return Err(Error::Refused(format!(
                "{}: more than {MAX_DEPTH} directories deep",
                self.path.join(&at).display()
            )));
        }
        let dfd = dir.as_raw_fd();
        let mut names: Vec<OsString> = Vec::new();
        {
            // The listing owns a copy of the descriptor (closedir closes it).
            let copy = nix::unistd::dup(dfd).map_err(|e| self.err(&at, e))?;
            let mut listing = nix::dir::Dir::from_fd(copy).map_err(|e| self.err(&at, e))?;
            for entry in listing.iter() {
                let entry = entry.map_err(|e| self.err(&at, e))?;
                let name = OsStr::from_bytes(entry.file_name().to_bytes());
                if name != "." && name != ".." {
                    names.push(name.to_os_string());
                }
            }
        }
        names.sort();
        for name in names {
            let rel = at.join(&name);
            let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
            let st = fstatat(
                Some(dfd),
                name.as_os_str(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(|e| self.err(&rel, e))?;
            let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
            match kind {
                SFlag::S_IFDIR | SFlag::S_IFREG => {
                    let extra = if kind == SFlag::S_IFDIR {
                        OFlag::O_DIRECTORY
                    } else {
                        OFlag::empty()
                    };
                    let fd = match openat(Some(dfd), name.as_os_str(), flags | extra, Mode::empty())
                    {
                        // Replaced meanwhile by something else (a symlink, a fifo): skipped.
                        Err(Errno::ELOOP | Errno::ENOTDIR | Errno::ENOENT) => continue,
                        r => r.map_err(|e| self.err(&rel, e))?,
                    };
                    // SAFETY: `openat` returned a new descriptor that nothing else owns.
                    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                    let st = fstat(fd.as_raw_fd()).map_err(|e| self.err(&rel, e))?;
                    let now = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
                    if now != kind {
                        continue;
                    }
                    if kind == SFlag::S_IFDIR {
                        visit(&rel, &st, Entry::Dir)?;
                        if st.st_dev == dev {
                            self.walk_dir(fd, rel, dev, depth + 1, visit)?;
                        }
                    } else {
                        visit(&rel, &st, Entry::File(File::from(fd)))?;
                    }
                }
                SFlag::S_IFLNK => {
                    let target = nix::fcntl::readlinkat(Some(dfd), name.as_os_str())
                        .map_err(|e| self.err(&rel, e))?;
                    visit(&rel, &st, Entry::Symlink(target))?;
                }
                SFlag::S_IFCHR | SFlag::S_IFBLK | SFlag::S_IFIFO => {
                    visit(&rel, &st, Entry::Special)?;
                }
                _ => visit(&rel, &st, Entry::Other)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn scratch(what: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ctn-inroot-{what}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn replace_does_not_write_through_links() {
        let d = scratch("links");
        let root = d.join("root");
        let outside = d.join("outside");
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::write(&outside, "host\n").unwrap();
        symlink(&outside, root.join("etc/hostname")).unwrap();
        fs::hard_link(&outside, root.join("etc/hosts")).unwrap();
        // A directory symlink that leaves the root lands inside it.
        symlink("../../..", root.join("up")).unwrap();
        let r = InRoot::open(&root).unwrap();
        r.replace(Path::new("etc/hostname"), b"c1\n", 0o644)
            .unwrap();
        r.replace(Path::new("etc/hosts"), b"hosts\n", 0o644)
            .unwrap();
        r.replace(Path::new("up/x"), b"x\n", 0o644).unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "host\n");
        assert_eq!(
            fs::read_to_string(root.join("etc/hostname")).unwrap(),
            "c1\n"
        );
        assert_eq!(
            fs::read_to_string(root.join("etc/hosts")).unwrap(),
            "hosts\n"
        );
        assert_eq!(fs::read_to_string(root.join("x")).unwrap(), "x\n");
        assert!(!d.join("x").exists());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn walk_reports_links_as_links() {
        let d = scratch("walk");
        let root = d.join("root");
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/b/f"), "f").unwrap();
        symlink("/etc", root.join("a/etc")).unwrap();
        let r = InRoot::open(&root).unwrap();
        let mut seen = Vec::new();
        r.walk(&mut |p, _, e| {
            let kind = match e {
                Entry::Dir => "dir",
                Entry::File(_) => "file",
                Entry::Symlink(_) => "link",
                _ => "other",
            };
            seen.push(format!("{} {kind}", p.display()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["a dir", "a/b dir", "a/b/f file", "a/etc link"]);
        fs::remove_dir_all(&d).unwrap();
    }
}
