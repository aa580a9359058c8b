//! ctnctl: the command-line interface to ctn application containers.
//!
//! It talks to the kernel module only through `/dev/ctn` and the shared ABI (`ctn-uapi`).

mod device;
mod error;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

use device::Device;
use error::Error;

#[derive(Parser)]
#[command(name = "ctnctl", version, about = "Control ctn application containers", long_about = None)]
struct Cli {
    /// Path of the ctn control device.
    #[arg(long, global = true, default_value = ctn_uapi::CTN_DEVICE_PATH, value_name = "PATH")]
    device: PathBuf,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print ctnctl's version and the loaded module's ABI version.
    Version,
}

#[derive(Serialize)]
struct VersionReport {
    ctnctl: &'static str,
    abi: u32,
    module_abi: Option<u32>,
    module_version: Option<String>,
}

fn version(cli: &Cli) -> Result<(), Error> {
    let mut report = VersionReport {
        ctnctl: env!("CARGO_PKG_VERSION"),
        abi: ctn_uapi::CTN_ABI_VERSION,
        module_abi: None,
        module_version: None,
    };
    // Print our own version even when the module is missing, then report that as an error.
    let module = Device::open(&cli.device).and_then(|dev| dev.version());
    if let Ok(m) = &module {
        report.module_abi = Some(m.abi);
        report.module_version = Some(m.module.clone());
    }
    if cli.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("plain struct serializes")
        );
    } else {
        println!("ctnctl {} (ABI {})", report.ctnctl, report.abi);
        if let Ok(m) = &module {
            println!("module {} (ABI {})", m.module, m.abi);
            if m.abi != report.abi {
                eprintln!(
                    "warning: module ABI {} differs from ctnctl ABI {}: use the ctnctl built with the module",
                    m.abi, report.abi
                );
            }
        }
    }
    module.map(|_| ())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Version => version(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ctnctl: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
