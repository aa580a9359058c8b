// SPDX-License-Identifier: GPL-2.0

//! Glue between the shared ABI (`uapi/ctn.rs`) and the kernel: which structures may be copied
//! from and to user memory as bytes, and the checks every request passes first.

use kernel::prelude::*;
use kernel::types::{AsBytes, FromBytes};
use kernel::uaccess::{UserPtr, UserSlice, UserSliceWriter};

use crate::uapi;

/// An ABI structure that starts with `size` and carries a `reserved` array.
pub(crate) trait Request: FromBytes + AsBytes {
    fn size(&self) -> u32;
    fn reserved_is_zero(&self) -> bool;
}

/// The size of the field that `_field` projects to (only its type is used).
// Used only inside the `const _` checks below, which the dead-code lint does not count.
#[allow(dead_code)]
const fn size_of_field<T, F>(_field: fn(&T) -> &F) -> usize {
    core::mem::size_of::<F>()
}

/// Declares ABI structures plain bytes, copyable from and to user memory. Each must list all
/// its fields: the build fails unless their sizes add up to the structure's size (no
/// padding), which copying as bytes relies on.
macro_rules! plain {
    ($($ty:ident { $($field:ident),* }),* $(,)?) => {$(
        const _: () = assert!(
            0 $(+ size_of_field(|s: &uapi::$ty| &s.$field))* == core::mem::size_of::<uapi::$ty>()
        );
        // SAFETY: `repr(C)`, integer fields only, no padding (checked above): every byte
        // pattern is a valid value and every byte is initialised.
        unsafe impl FromBytes for uapi::$ty {}
        // SAFETY: as above.
        unsafe impl AsBytes for uapi::$ty {}
    )*};
}

/// Declares ABI structures as requests: plain bytes (see `plain!`) with `size` and `reserved`.
macro_rules! requests {
    ($($ty:ident { $($field:ident),* }),* $(,)?) => {$(
        plain! { $ty { $($field),* } }
        impl Request for uapi::$ty {
            fn size(&self) -> u32 {
                self.size
            }
            fn reserved_is_zero(&self) -> bool {
                self.reserved.iter().all(|&r| r == 0)
            }
        }
    )*};
}

requests! {
    CtnVersion { size, abi_version, module_version, reserved },
    CtnCreate { size, flags, name, history_len, id, reserved },
    CtnDestroy { size, flags, target, reserved },
    CtnAttach { size, pid, target, threads, reserved0, reserved },
    CtnInfoReq { size, flags, target, info, reserved },
    CtnList { size, flags, out, reserved },
    CtnPs { size, flags, target, out, reserved },
    CtnEvents { size, flags, target, since, next, lost, out, reserved },
    CtnKill { size, flags, target, signal, signalled, reserved },
    CtnIdentity { size, flags, target, hostname, domainname, mac, ipv4, loopback, reserved },
    CtnLimits {
        size, flags, target, tasks, memory, files, disk, cpu_time, cpu_share, net_rate, reserved
    },
    CtnUsage {
        size, flags, target, tasks, memory, files, disk, cpu_time, net_sent, files_opened,
        cpu_share, net_rate, net_received, cpu_throttled_ns, net_delayed_ns, reserved
    },
    CtnRecord { size, flags, target, kind, pid, arg, reserved0, reserved },
    CtnFiles { size, flags, target, recorded, dropped, out, reserved },
    CtnCaps { size, flags, target, caps, reserved },
    CtnHost {
        size, flags, cpu_reserve_pct, cpus, cpu_reserved, memory_total, memory_reserved,
        containers, reserved0, reserved
    },
}

plain! {
    CtnTarget { id, reserved0, name },
    CtnResource { usage, peak, limit, failcnt },
    CtnBuffer { buf, capacity, entry_size, count, total },
    CtnInfo {
        id, flags, name, tasks, peak_tasks, history_len, reserved0, created_ns, forks, execs,
        exits, joins, cpu_ns, events_recorded, events_dropped
    },
    CtnTask { pid, tgid, ppid, state, comm, cpu_ns },
    CtnEvent { seq, time_ns, kind, pid, tgid, arg, comm },
    CtnPath { path },
}

/// Largest array a caller may offer (entries): bounds what one call can make the module
/// allocate.
const MAX_ENTRIES: u32 = 1 << 16;

/// Writes `entries` into the caller's array described by `out` (whose geometry [`capacity`]
/// checked), setting `count` and `total`.
pub(crate) fn write_entries<E: AsBytes>(
    out: &mut uapi::CtnBuffer,
    entries: &[E],
    total: u32,
) -> Result {
    let mut writer = UserSlice::new(
        out.buf as UserPtr,
        entries.len() * core::mem::size_of::<E>(),
    )
    .writer();
    for e in entries {
        writer.write(e)?;
    }
    out.count = entries.len() as u32;
    out.total = total;
    Ok(())
}

/// How many entries of `E` the caller's array can take: `entry_size` must be `E`'s size
/// (`EINVAL`), a non-empty array needs a pointer (`EFAULT`), and a capacity above
/// `MAX_ENTRIES` counts as `MAX_ENTRIES`.
pub(crate) fn capacity<E>(out: &uapi::CtnBuffer) -> Result<usize> {
    if out.entry_size as usize != core::mem::size_of::<E>() {
        return Err(EINVAL);
    }
    if out.capacity > 0 && out.buf == 0 {
        return Err(EFAULT);
    }
    Ok(out.capacity.min(MAX_ENTRIES) as usize)
}

/// Reads a request from the user buffer at `arg`, refusing a `size` other than this ABI's and
/// non-zero reserved fields (`EINVAL`) and bad pointers (`EFAULT`). Returns it with a writer
/// for the answer, which goes back to the same buffer.
pub(crate) fn read_request<T: Request>(arg: UserPtr) -> Result<(T, UserSliceWriter)> {
    let (mut reader, writer) = UserSlice::new(arg, core::mem::size_of::<T>()).reader_writer();
    let req: T = reader.read()?;
    if req.size() as usize != core::mem::size_of::<T>() || !req.reserved_is_zero() {
        return Err(EINVAL);
    }
    Ok((req, writer))
}

/// `s` as a NUL-terminated, NUL-filled fixed array (truncated to fit).
pub(crate) fn fixed_str<const N: usize>(s: impl AsRef<[u8]>) -> [u8; N] {
    let s = s.as_ref();
    let mut out = [0u8; N];
    let len = s.len().min(N.saturating_sub(1));
    out[..len].copy_from_slice(&s[..len]);
    out
}

/// A valid container name: 1-63 bytes of `[A-Za-z0-9_.-]`, not `.` or `..` (a name becomes a
/// directory and a file name on the host), stored NUL-filled.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name([u8; uapi::CTN_NAME_LEN]);

impl Name {
    /// Validates a name from the ABI: NUL-terminated, allowed characters, zeros after the NUL.
    pub(crate) fn parse(raw: &[u8; uapi::CTN_NAME_LEN]) -> Result<Self> {
        let len = raw.iter().position(|&b| b == 0).ok_or(EINVAL)?;
        let ok_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
        let name = &raw[..len];
        if len == 0
            || !name.iter().all(ok_char)
            || name == b"."
            || name == b".."
            || raw[len..].iter().any(|&b| b != 0)
        {
            return Err(EINVAL);
        }
        Ok(Self(*raw))
    }

    pub(crate) fn is_empty_raw(raw: &[u8; uapi::CTN_NAME_LEN]) -> bool {
        raw.iter().all(|&b| b == 0)
    }

    pub(crate) fn bytes(&self) -> [u8; uapi::CTN_NAME_LEN] {
        self.0
    }

    /// The name without its NUL filling.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        &self.0[..len]
    }
}

/// Which container a request is about, validated.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    Id(u32),
    Name(Name),
}

impl Target {
    /// Whether `raw` names nothing (all zero).
    pub(crate) fn is_empty(raw: &uapi::CtnTarget) -> bool {
        raw.id == 0 && raw.reserved0 == 0 && Name::is_empty_raw(&raw.name)
    }

    pub(crate) fn parse(raw: &uapi::CtnTarget) -> Result<Self> {
        if raw.reserved0 != 0 {
            return Err(EINVAL);
        }
        match raw.id {
            0 => Ok(Self::Name(Name::parse(&raw.name)?)),
            id if Name::is_empty_raw(&raw.name) => Ok(Self::Id(id)),
            _ => Err(EINVAL),
        }
    }
}
