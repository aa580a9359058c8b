//! `ctntest fill`: every way a process can give a file data or space, one call at a time,
//! for the disk quota's tests.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::ExitCode;

use clap::ValueEnum;
use nix::errno::Errno;
use nix::libc;

#[derive(Clone, Copy, ValueEnum)]
pub enum How {
    /// writev(2) of two halves.
    Writev,
    /// pwritev2(2) at offset 0.
    Pwritev2,
    /// fallocate(2) of SIZE at offset 0.
    Fallocate,
    /// ftruncate(2) to SIZE.
    Truncate,
    /// copy_file_range(2) of SIZE bytes from --from.
    Copy,
    /// sendfile(2) of SIZE bytes from --from.
    Sendfile,
    /// splice(2) from --from through a pipe, 64 KiB at a time.
    Splice,
    /// An AIO write (io_submit IOCB_CMD_PWRITE) of SIZE bytes.
    Aio,
    /// memfd_create(2), then fallocate(2) of SIZE (FILE is not used).
    Memfd,
    /// A SysV shared memory segment of SIZE bytes, removed again (FILE is not used).
    Shm,
}

/// The kernel's `struct iocb` (linux/aio_abi.h, little endian).
#[repr(C)]
#[derive(Default)]
struct Iocb {
    aio_data: u64,
    aio_key: u32,
    aio_rw_flags: i32,
    aio_lio_opcode: u16,
    aio_reqprio: i16,
    aio_fildes: u32,
    aio_buf: u64,
    aio_nbytes: u64,
    aio_offset: i64,
    aio_reserved2: u64,
    aio_flags: u32,
    aio_resfd: u32,
}

/// `struct io_event`.
#[repr(C)]
#[derive(Default)]
struct IoEvent {
    data: u64,
    obj: u64,
    res: i64,
    res2: i64,
}

const IOCB_CMD_PWRITE: u16 = 1;

/// A syscall's result as bytes done, or the errno it set.
fn done(ret: i64) -> Result<usize, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret as usize)
    }
}

fn open(path: &str, flags: libc::c_int) -> Result<OwnedFd, Errno> {
    let path = CString::new(path).map_err(|_| Errno::EINVAL)?;
    // SAFETY: a NUL-terminated path; the descriptor is owned by the result.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, 0o600) };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: a descriptor just opened, owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn aio_write(fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
    let mut ctx: libc::c_ulong = 0;
    // SAFETY: io_setup with a context word it fills.
    done(unsafe { libc::syscall(libc::SYS_io_setup, 1, &mut ctx) })?;
    let iocb = Iocb {
        aio_lio_opcode: IOCB_CMD_PWRITE,
        aio_fildes: fd as u32,
        aio_buf: buf.as_ptr() as u64,
        aio_nbytes: buf.len() as u64,
        ..Default::default()
    };
    let list = [&iocb as *const Iocb];
    // SAFETY: one iocb describing `buf`, which outlives the request (waited for below).
    let submitted = done(unsafe { libc::syscall(libc::SYS_io_submit, ctx, 1, list.as_ptr()) });
    let result = submitted.and_then(|_| {
        let mut event = IoEvent::default();
        // SAFETY: waits for the one request into one event.
        done(unsafe {
            libc::syscall(
                libc::SYS_io_getevents,
                ctx,
                1,
                1,
                &mut event,
                std::ptr::null::<libc::timespec>(),
            )
        })?;
        if event.res < 0 {
            Err(Errno::from_raw(-event.res as i32))
        } else {
            Ok(event.res as usize)
        }
    });
    // SAFETY: destroys the context made above.
    unsafe { libc::syscall(libc::SYS_io_destroy, ctx) };
    result
}

fn splice_from(src: RawFd, dst: RawFd, size: usize) -> (usize, Option<Errno>) {
    let mut pipe = [0; 2];
    // SAFETY: fills two descriptors.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return (0, Some(Errno::last()));
    }
    // SAFETY: the pipe's two ends, owned here.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) };
    let mut filled = 0;
    while filled < size {
        let chunk = (size - filled).min(65536);
        // SAFETY: splices between descriptors this function holds.
        let moved = done(unsafe {
            libc::splice(
                src,
                std::ptr::null_mut(),
                w.as_raw_fd(),
                std::ptr::null_mut(),
                chunk,
                0,
            )
        } as i64);
        let moved = match moved {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return (filled, Some(e)),
        };
        // SAFETY: as above.
        match done(unsafe {
            libc::splice(
                r.as_raw_fd(),
                std::ptr::null_mut(),
                dst,
                std::ptr::null_mut(),
                moved,
                0,
            )
        } as i64)
        {
            Ok(n) => filled += n,
            Err(e) => return (filled, Some(e)),
        }
    }
    (filled, None)
}

fn shm(size: usize) -> Result<usize, Errno> {
    // SAFETY: makes a private segment, removed at once.
    let id = unsafe { libc::shmget(libc::IPC_PRIVATE, size, libc::IPC_CREAT | 0o600) };
    if id < 0 {
        return Err(Errno::last());
    }
    // SAFETY: removes the segment just made.
    unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
    Ok(size)
}

fn fill_once(how: How, file: &str, size: usize, from: Option<&str>) -> (usize, Option<Errno>) {
    let result = (|| {
        if let How::Shm = how {
            return shm(size).map(|n| (n, None));
        }
        let fd = match how {
            How::Memfd => {
                // SAFETY: a NUL-terminated name; the descriptor is owned below.
                let fd = unsafe { libc::memfd_create(c"fill".as_ptr(), libc::MFD_CLOEXEC) };
                if fd < 0 {
                    return Err(Errno::last());
                }
                // SAFETY: a descriptor just made.
                unsafe { OwnedFd::from_raw_fd(fd) }
            }
            _ => open(file, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)?,
        };
        let fd_raw = fd.as_raw_fd();
        let source = || open(from.unwrap_or("/dev/zero"), libc::O_RDONLY);
        // Only the calls that write from memory need the bytes (a splice of 1G needs none).
        let buf = || vec![0x5a_u8; size];
        let iov = |b: &[u8]| libc::iovec {
            iov_base: b.as_ptr() as *mut libc::c_void,
            iov_len: b.len(),
        };
        // SAFETY (every call below): system calls on descriptors this function holds, with
        // buffers that outlive them.
        let n = match how {
            How::Writev => {
                let buf = buf();
                let (a, b) = buf.split_at(size / 2);
                let v = [iov(a), iov(b)];
                done(unsafe { libc::writev(fd_raw, v.as_ptr(), 2) } as i64)?
            }
            How::Pwritev2 => {
                let buf = buf();
                let v = [iov(&buf)];
                done(unsafe { libc::pwritev2(fd_raw, v.as_ptr(), 1, 0, 0) } as i64)?
            }
            How::Fallocate | How::Memfd => {
                done(unsafe { libc::fallocate(fd_raw, 0, 0, size as i64) }.into())?;
                size
            }
            How::Truncate => {
                done(unsafe { libc::ftruncate(fd_raw, size as i64) }.into())?;
                size
            }
            How::Copy => {
                let src = source()?;
                done(unsafe {
                    libc::copy_file_range(
                        src.as_raw_fd(),
                        std::ptr::null_mut(),
                        fd_raw,
                        std::ptr::null_mut(),
                        size,
                        0,
                    )
                } as i64)?
            }
            How::Sendfile => {
                let src = source()?;
                done(
                    unsafe { libc::sendfile(fd_raw, src.as_raw_fd(), std::ptr::null_mut(), size) }
                        as i64,
                )?
            }
            How::Splice => {
                let src = source()?;
                return Ok(splice_from(src.as_raw_fd(), fd_raw, size));
            }
            How::Aio => aio_write(fd_raw, &buf())?,
            How::Shm => 0,
        };
        Ok((n, None))
    })();
    result.unwrap_or_else(|e| (0, Some(e)))
}

/// Puts SIZE bytes into FILE the way `how` says; prints `filled=N errno=E`.
pub fn fill(how: How, file: &str, size: usize, from: Option<&str>) -> ExitCode {
    let (filled, error) = fill_once(how, file, size, from);
    println!(
        "filled={filled} errno={}",
        error.map_or("none".to_string(), |e| format!("{e:?}"))
    );
    ExitCode::SUCCESS
}
