//! `/dev/ctn`: opening it and issuing the ioctls of the shared ABI (`ctn-uapi`).

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::error::Error;
use ctn_uapi as uapi;

nix::ioctl_readwrite_bad!(ioc_version, uapi::CTN_IOC_VERSION, uapi::CtnVersion);

/// An open handle on the ctn control device.
pub struct Device {
    file: File,
}

/// What `CTN_IOC_VERSION` reports.
pub struct ModuleVersion {
    pub abi: u32,
    pub module: String,
}

impl Device {
    /// Opens the device at `path` (normally `/dev/ctn`), explaining the usual failures.
    pub fn open(path: &Path) -> Result<Self, Error> {
        match OpenOptions::new().read(true).write(true).open(path) {
            Ok(file) => Ok(Self { file }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::NotLoaded(path.display().to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(Error::NoPermission(path.display().to_string()))
            }
            Err(e) => Err(Error::Io(format!("cannot open {}", path.display()), e)),
        }
    }

    pub fn version(&self) -> Result<ModuleVersion, Error> {
        let mut v = uapi::CtnVersion {
            size: size_of::<uapi::CtnVersion>() as u32,
            ..Default::default()
        };
        // SAFETY: `v` is a valid, writable `CtnVersion`, the type CTN_IOC_VERSION encodes.
        unsafe { ioc_version(self.file.as_raw_fd(), &mut v) }
            .map_err(|e| Error::Ioctl("CTN_IOC_VERSION", e))?;
        Ok(ModuleVersion {
            abi: v.abi_version,
            module: c_string(&v.module_version),
        })
    }
}

/// The text of a NUL-terminated, NUL-filled byte array from the ABI.
pub fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
