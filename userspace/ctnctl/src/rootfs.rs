//! Root file systems: building a minimal one (`ctnctl rootfs skeleton`), copying host files
//! into one with their directories, permissions and symlinks, and the shared libraries a
//! program needs, found by reading its ELF dynamic section (`goblin`), as ld.so would.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::unix::fs::{symlink, DirBuilderExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use nix::libc;

use crate::error::Error;
use crate::inroot::InRoot;

/// Where ld.so looks when a library has no path and the program no RUNPATH (x86-64 Debian).
const LIBRARY_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |e| Error::Io(path.display().to_string(), e)
}

/// `path` with `.` and `..` resolved lexically (no symlinks followed).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

/// Copies host path `path` (absolute) into `root` at the same place: each directory on the way
/// is made with the host's permissions, each symlink on the way is recreated as a symlink and
/// followed (so a library reached through `/lib64 -> usr/lib64` is there both ways), and the
/// file itself is copied with its permissions (a directory is made, not filled). Returns the
/// host path the copy finally stood for.
pub fn copy_with_links(root: &Path, path: &Path) -> Result<PathBuf, Error> {
    copy_walk(root, &normalize(path), 0)
}

fn copy_walk(root: &Path, path: &Path, depth: u32) -> Result<PathBuf, Error> {
    if depth > 40 {
        return Err(Error::Refused(format!(
            "{}: too many symlinks",
            path.display()
        )));
    }
    let comps: Vec<_> = path.components().skip(1).collect();
    let mut cur = PathBuf::from("/");
    for (i, comp) in comps.iter().enumerate() {
        let host = cur.join(comp);
        let dst = root.join(host.strip_prefix("/").unwrap_or(&host));
        let meta = fs::symlink_metadata(&host).map_err(io_err(&host))?;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&host).map_err(io_err(&host))?;
            if fs::symlink_metadata(&dst).is_err() {
                symlink(&target, &dst).map_err(io_err(&dst))?;
            }
            let mut resolved = if target.is_absolute() {
                target
            } else {
                cur.join(target)
            };
            for rest in &comps[i + 1..] {
                resolved.push(rest);
            }
            return copy_walk(root, &normalize(&resolved), depth + 1);
        }
        let last = i + 1 == comps.len();
        if meta.is_dir() {
            if !dst.is_dir() {
                fs::DirBuilder::new()
                    .mode(meta.permissions().mode())
                    .create(&dst)
                    .map_err(io_err(&dst))?;
            }
        } else if last {
            if fs::symlink_metadata(&dst).is_err() {
                copy_data_file(&host, &dst)?;
            }
        } else {
            return Err(Error::Refused(format!(
                "{}: not a directory",
                host.display()
            )));
        }
        cur = host;
    }
    Ok(cur)
}

/// The program interpreter and shared libraries `program` needs (recursively), as host paths
/// (empty for a static program).
pub fn elf_dependencies(program: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = BTreeSet::new();
    let mut todo = vec![program.to_path_buf()];
    while let Some(file) = todo.pop() {
        let bytes = fs::read(&file).map_err(io_err(&file))?;
        let elf = goblin::elf::Elf::parse(&bytes)
            .map_err(|e| Error::Refused(format!("{}: not an ELF program ({e})", file.display())))?;
        if let Some(interp) = elf.interpreter {
            if found.insert(PathBuf::from(interp)) {
                // The interpreter is a program of its own (static, as a rule).
            }
        }
        let origin = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        let runpaths: Vec<PathBuf> = elf
            .runpaths
            .iter()
            .chain(elf.rpaths.iter())
            .flat_map(|p| p.split(':'))
            .map(|p| PathBuf::from(p.replace("$ORIGIN", &origin.to_string_lossy())))
            .collect();
        for lib in &elf.libraries {
            let path = if lib.contains('/') {
                Some(PathBuf::from(lib))
            } else {
                runpaths
                    .iter()
                    .map(PathBuf::as_path)
                    .chain(LIBRARY_DIRS.iter().map(Path::new))
                    .map(|d| d.join(lib))
                    .find(|p| p.exists())
            };
            let path = path.ok_or_else(|| {
                Error::Refused(format!(
                    "{} needs {lib}, which is in none of {}",
                    file.display(),
                    LIBRARY_DIRS.join(", ")
                ))
            })?;
            if found.insert(path.clone()) {
                todo.push(path);
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// What `ctnctl rootfs skeleton` puts in a root.
pub struct SkeletonOptions<'a> {
    /// A static busybox to install with a link for each of its applets.
    pub busybox: Option<&'a Path>,
    /// Host programs to copy with the libraries they need.
    pub programs: &'a [PathBuf],
    pub hostname: &'a str,
    pub ip: Option<&'a str>,
}

/// The execution file of a skeleton: runs each executable script in /etc/ctn/start.d in the
/// lexical order of their names (the order services start in), then waits for what they left
/// in the foreground.
const START_SCRIPT: &str = "#!/bin/sh\n\
# ctn execution file: starts the container's applications in order, one script each in\n\
# /etc/ctn/start.d (lexical order of the names: 10-db before 20-web).\n\
for script in /etc/ctn/start.d/*; do\n\
    [ -x \"$script\" ] || continue\n\
    echo \"ctn-start: $script\"\n\
    \"$script\" || echo \"ctn-start: $script exited with status $?\"\n\
done\n\
wait\n";

/// Builds a minimal root in `dir`: the usual directories, device nodes for null, zero,
/// random and urandom, busybox and/or the given programs with their libraries, identity
/// files, and the execution file with an empty start directory.
pub fn skeleton(dir: &Path, o: &SkeletonOptions<'_>) -> Result<Vec<PathBuf>, Error> {
    let mut installed = Vec::new();
    for d in [
        "bin",
        "sbin",
        "etc/ctn/start.d",
        "dev",
        "proc",
        "sys",
        "tmp",
        "var/log",
        "root",
        "www",
    ] {
        let p = dir.join(d);
        fs::create_dir_all(&p).map_err(io_err(&p))?;
    }
    fs::set_permissions(dir.join("tmp"), fs::Permissions::from_mode(0o1777))
        .map_err(io_err(&dir.join("tmp")))?;
    for (name, major, minor) in [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("random", 1, 8),
        ("urandom", 1, 9),
    ] {
        let p = dir.join("dev").join(name);
        if fs::symlink_metadata(&p).is_err() {
            nix::sys::stat::mknod(
                &p,
                nix::sys::stat::SFlag::S_IFCHR,
                nix::sys::stat::Mode::from_bits_truncate(0o666),
                nix::sys::stat::makedev(major, minor),
            )
            .map_err(|e| Error::Io(p.display().to_string(), e.into()))?;
        }
    }
    if let Some(busybox) = o.busybox {
        let dst = dir.join("bin/busybox");
        fs::copy(busybox, &dst).map_err(io_err(&dst))?;
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o755)).map_err(io_err(&dst))?;
        installed.push(PathBuf::from("/bin/busybox"));
        let list = std::process::Command::new(busybox)
            .arg("--list-full")
            .output()
            .map_err(io_err(busybox))?;
        for applet in String::from_utf8_lossy(&list.stdout).lines() {
            let link = dir.join(applet);
            if let Some(parent) = link.parent() {
                fs::create_dir_all(parent).map_err(io_err(parent))?;
            }
            if fs::symlink_metadata(&link).is_err() {
                symlink("/bin/busybox", &link).map_err(io_err(&link))?;
            }
        }
    }
    for program in o.programs {
        let program = fs::canonicalize(program).map_err(io_err(program))?;
        for dep in elf_dependencies(&program)? {
            installed.push(copy_with_links(dir, &dep)?);
        }
        installed.push(copy_with_links(dir, &program)?);
    }
    write_identity(dir, o.hostname, o.ip)?;
    let write = |rel: &str, text: &str, mode: u32| -> Result<(), Error> {
        let p = dir.join(rel);
        if !p.exists() {
            fs::write(&p, text).map_err(io_err(&p))?;
            fs::set_permissions(&p, fs::Permissions::from_mode(mode)).map_err(io_err(&p))?;
        }
        Ok(())
    };
    write(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        0o644,
    )?;
    write("etc/group", "root:x:0:\nnogroup:x:65534:\n", 0o644)?;
    write("etc/ctn/start", START_SCRIPT, 0o755)?;
    Ok(installed)
}

/// Writes `/etc/hostname` and `/etc/hosts` of `root` for a container's identity, resolved
/// inside the root and renamed over what was there (see `inroot`: the container's root user
/// may have made either a link to a host file).
pub fn write_identity(root: &Path, hostname: &str, ip: Option<&str>) -> Result<(), Error> {
    let short = hostname.split('.').next().unwrap_or(hostname);
    let mut hosts = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n");
    let own = ip.unwrap_or("127.0.1.1");
    if short == hostname {
        hosts.push_str(&format!("{own}\t{hostname}\n"));
    } else {
        hosts.push_str(&format!("{own}\t{hostname} {short}\n"));
    }
    let root = InRoot::open(root)?;
    root.replace(
        Path::new("etc/hostname"),
        format!("{hostname}\n").as_bytes(),
        0o644,
    )?;
    root.replace(Path::new("etc/hosts"), hosts.as_bytes(), 0o644)
}

/// Whether the file system of `fd` is one of the kernel's interfaces (proc, sysfs, debugfs,
/// ...), whose files are views of the kernel (`/proc/kcore` is its memory), not data.
fn on_kernel_interface(fd: &impl std::os::fd::AsFd) -> io::Result<bool> {
    use nix::sys::statfs::*;
    const INTERFACES: [FsType; 11] = [
        PROC_SUPER_MAGIC,
        SYSFS_MAGIC,
        DEBUGFS_MAGIC,
        TRACEFS_MAGIC,
        SECURITYFS_MAGIC,
        CGROUP_SUPER_MAGIC,
        CGROUP2_SUPER_MAGIC,
        BPF_FS_MAGIC,
        DEVPTS_SUPER_MAGIC,
        NSFS_MAGIC,
        SELINUX_MAGIC,
    ];
    Ok(INTERFACES.contains(&fstatfs(fd)?.filesystem_type()))
}

/// Copies the host file `host` to `dst` (new), with its permissions, from a descriptor: the
/// file opened without following a final symlink, and copied only if it is a regular file
/// of data. What a recorded name leads to is the container's to change while capture runs
/// (a link to `/proc/kcore` in place of a file checked a moment before).
fn copy_data_file(host: &Path, dst: &Path) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut src = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(host)
        .map_err(io_err(host))?;
    let meta = src.metadata().map_err(io_err(host))?;
    if !meta.is_file() || on_kernel_interface(&src).map_err(io_err(host))? {
        return Err(Error::Refused(format!(
            "{}: changed while capture ran: now not a file of data (a device, a link, or a kernel interface). Nothing was copied from it.",
            host.display()
        )));
    }
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(meta.permissions().mode() & 0o777)
        .open(dst)
        .map_err(io_err(dst))?;
    io::copy(&mut src, &mut out).map_err(io_err(dst))?;
    out.set_permissions(meta.permissions()).map_err(io_err(dst))
}

/// Whether the recorded name `path` may be captured, looked at where it leads now: an
/// absolute name (a relative one was resolved from a working directory no longer known)
/// that leads to a regular file or a directory outside `/proc`, `/sys` and `/dev` and not
/// on a kernel interface.
fn capturable(path: &Path) -> bool {
    if !path.is_absolute() {
        return false;
    }
    let Ok(real) = fs::canonicalize(path) else {
        return false;
    };
    if ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| real.starts_with(p))
    {
        return false;
    }
    // Only a file or directory is opened (a device or fifo is not: an open can act).
    if !fs::metadata(&real).is_ok_and(|m| m.is_file() || m.is_dir()) {
        return false;
    }
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(&real)
        .and_then(|f| on_kernel_interface(&f))
        .is_ok_and(|interface| !interface)
}

/// Copies the files a container was seen opening (`paths`, the names it opened them by,
/// which for a container without a root are host paths) into `root`, with their
/// directories, permissions and symlinks. Names that lead nowhere now, or not to a file or
/// directory of data (devices, /proc, a link to either), are skipped and returned.
pub fn capture(root: &Path, paths: &[PathBuf]) -> Result<(usize, Vec<PathBuf>), Error> {
    let mut copied = 0;
    let mut skipped = Vec::new();
    for path in paths {
        if capturable(path) {
            copy_with_links(root, path)?;
            copied += 1;
        } else {
            skipped.push(path.clone());
        }
    }
    Ok((copied, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_libraries_of_a_dynamic_program() {
        // /bin/sh is dynamic on Debian (dash): it needs the C library and ld.so.
        let sh = fs::canonicalize("/bin/sh").unwrap();
        let deps = elf_dependencies(&sh).unwrap();
        assert!(deps.iter().any(|d| d.ends_with("libc.so.6")), "{deps:?}");
        assert!(
            deps.iter()
                .any(|d| d.to_string_lossy().contains("ld-linux")),
            "{deps:?}"
        );
    }

    #[test]
    fn copies_through_symlinks() {
        let tmp = std::env::temp_dir().join(format!("ctn-rootfs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).unwrap();
        // /bin is a symlink to usr/bin on merged-/usr systems; either way /bin/sh arrives.
        let host = copy_with_links(&tmp, Path::new("/bin/sh")).unwrap();
        assert!(tmp.join("bin/sh").exists());
        assert!(tmp.join(host.strip_prefix("/").unwrap()).is_file());
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn normalizes() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
