//! `ctnctl export` and `import`: one tar archive holds a container's spec (`spec.toml`) and,
//! if it has one, its root as the container sees it (`root/`: for a skeleton container, the
//! skeleton with its private changes on top), with permissions, symlinks and device nodes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::inroot::{Entry, InRoot};
use crate::spec::{Root, Spec};

const SPEC: &str = "spec.toml";
const ROOT: &str = "root";

fn io_err(what: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Io(what.display().to_string(), e)
}

/// Writes `spec` and the tree at `root` into the archive `out`.
pub fn export(spec: &Spec, root: Option<&Path>, out: &Path) -> Result<(), Error> {
    let file = fs::File::create(out).map_err(io_err(out))?;
    let mut tar = tar::Builder::new(file);
    tar.follow_symlinks(false);
    let text = spec.to_toml();
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, SPEC, text.as_bytes())
        .map_err(io_err(out))?;
    if let Some(root) = root {
        append_root(&mut tar, root)?;
    }
    tar.into_inner()
        .and_then(|f| f.sync_all())
        .map_err(io_err(out))
}

/// Appends the tree at `root` under `root/`, as the walk inside it found it (the container
/// may be running: what is archived is what was opened, never a path followed out of it).
fn append_root(tar: &mut tar::Builder<fs::File>, root: &Path) -> Result<(), Error> {
    use std::io::Read;
    use tar::EntryType;
    let inside = InRoot::open(root)?;
    inside.walk(&mut |rel, st, entry| {
        let path = Path::new(ROOT).join(rel);
        let mut header = tar::Header::new_gnu();
        header.set_mode(st.st_mode & 0o7777);
        header.set_uid(st.st_uid.into());
        header.set_gid(st.st_gid.into());
        header.set_mtime(st.st_mtime.max(0) as u64);
        header.set_size(0);
        let done = match entry {
            Entry::Dir => {
                header.set_entry_type(EntryType::Directory);
                tar.append_data(&mut header, &path, std::io::empty())
            }
            Entry::File(file) => {
                // Exactly the size fstat said: a file that grows or shrinks meanwhile is cut
                // or padded, the archive stays whole.
                let size = st.st_size.max(0) as u64;
                header.set_entry_type(EntryType::Regular);
                header.set_size(size);
                let data = file.take(size).chain(std::io::repeat(0)).take(size);
                tar.append_data(&mut header, &path, data)
            }
            Entry::Symlink(target) => {
                header.set_entry_type(EntryType::Symlink);
                tar.append_link(&mut header, &path, &target)
            }
            Entry::Special => {
                use nix::sys::stat::SFlag;
                header.set_entry_type(
                    match SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT {
                        SFlag::S_IFCHR => EntryType::Char,
                        SFlag::S_IFBLK => EntryType::Block,
                        _ => EntryType::Fifo,
                    },
                );
                let major = nix::sys::stat::major(st.st_rdev) as u32;
                let minor = nix::sys::stat::minor(st.st_rdev) as u32;
                header
                    .set_device_major(major)
                    .and_then(|()| header.set_device_minor(minor))
                    .and_then(|()| tar.append_data(&mut header, &path, std::io::empty()))
            }
            Entry::Other => Ok(()), // sockets: nothing to keep
        };
        done.map_err(io_err(&path))
    })
}

/// What an archive holds, unpacked into `scratch`: its spec, and its root (moved by the
/// caller to where the container keeps it).
pub struct Unpacked {
    pub spec: Spec,
    pub root: Option<PathBuf>,
}

/// Unpacks archive `file` into `scratch` (a new directory). The archive's paths cannot leave
/// it (the tar crate refuses `..` and absolute paths).
pub fn unpack(file: &Path, scratch: &Path) -> Result<Unpacked, Error> {
    fs::create_dir_all(scratch).map_err(io_err(scratch))?;
    let f = fs::File::open(file).map_err(io_err(file))?;
    let mut tar = tar::Archive::new(f);
    tar.set_preserve_permissions(true);
    tar.set_preserve_mtime(true);
    tar.unpack(scratch).map_err(|e| {
        Error::Refused(format!(
            "{}: not an archive ctnctl export wrote ({e})",
            file.display()
        ))
    })?;
    let spec_path = scratch.join(SPEC);
    if !spec_path.is_file() {
        return Err(Error::Refused(format!(
            "{}: no {SPEC} in it: not an archive ctnctl export wrote",
            file.display()
        )));
    }
    let spec = Spec::load(&spec_path)?;
    let root = scratch.join(ROOT);
    Ok(Unpacked {
        spec,
        root: root.is_dir().then_some(root),
    })
}

/// The spec an imported container gets: its root (if it came with one) is now a root of its
/// own at `root`.
pub fn rooted(spec: &mut Spec, root: Option<&Path>) {
    spec.root = root.map(|r| Root {
        path: Some(r.to_path_buf()),
        skeleton: None,
        adapt: spec.root.as_ref().and_then(|o| o.adapt),
    });
}
