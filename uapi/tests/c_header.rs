//! Checks that `include/uapi/linux/ctn.h` states the same ABI as `uapi/ctn.rs`: one table
//! below names every structure, field and constant; a C program built from the same table
//! prints what the C compiler sees, and each line must match what Rust sees.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// (C name, Rust value) for every number in the ABI: constants, ioctl numbers, and the size
/// and every field offset of each structure.
fn rust_side() -> Vec<(String, u64)> {
    let mut out = Vec::new();
    macro_rules! constants {
        ($($c:literal => $r:expr),* $(,)?) => {$( out.push(($c.to_string(), $r as u64)); )*};
    }
    macro_rules! structs {
        ($($c:literal => $r:ty { $($cf:ident => $rf:ident),* $(,)? }),* $(,)?) => {$(
            out.push((format!("sizeof(struct {})", $c), std::mem::size_of::<$r>() as u64));
            $( out.push((
                format!("offsetof(struct {}, {})", $c, stringify!($cf)),
                std::mem::offset_of!($r, $rf) as u64,
            )); )*
        )*};
    }
    use ctn_uapi::*;
    constants! {
        "CTN_ABI_VERSION" => CTN_ABI_VERSION,
        "CTN_IOC_MAGIC" => CTN_IOC_MAGIC,
        "CTN_VERSION_LEN" => CTN_VERSION_LEN,
        "CTN_IOC_VERSION" => CTN_IOC_VERSION,
    }
    structs! {
        "ctn_version" => CtnVersion {
            size => size, abi_version => abi_version, module_version => module_version,
            reserved => reserved,
        },
    }
    out
}

#[test]
fn c_header_matches_rust_abi() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let expected = rust_side();

    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <linux/ctn.h>\nint main(void) {\n",
    );
    for (name, _) in &expected {
        writeln!(
            c,
            "  printf(\"%s %llu\\n\", \"{name}\", (unsigned long long)({name}));"
        )
        .unwrap();
    }
    c.push_str("  return 0;\n}\n");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join("ctn_abi_check.c");
    let exe = dir.join("ctn_abi_check");
    std::fs::write(&src, c).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-Wall", "-Werror", "-I"])
        .arg(root.join("include/uapi"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(
        status.success(),
        "include/uapi/linux/ctn.h does not compile"
    );

    let output = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let seen: Vec<(String, u64)> = stdout
        .lines()
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_string(), value.parse().unwrap())
        })
        .collect();
    let mismatches: Vec<String> = expected
        .iter()
        .zip(&seen)
        .filter(|(r, c)| r != c)
        .map(|((name, r), (_, c))| format!("{name}: Rust {r:#x}, C {c:#x}"))
        .collect();
    assert_eq!(expected.len(), seen.len());
    assert!(
        mismatches.is_empty(),
        "ABI mismatch:\n{}",
        mismatches.join("\n")
    );
}
