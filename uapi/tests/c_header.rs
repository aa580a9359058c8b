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
        "CTN_NAME_LEN" => CTN_NAME_LEN,
        "CTN_COMM_LEN" => CTN_COMM_LEN,
        "CTN_HISTORY_DEFAULT" => CTN_HISTORY_DEFAULT,
        "CTN_HISTORY_MAX" => CTN_HISTORY_MAX,
        "CTN_INFO_SEALED" => CTN_INFO_SEALED,
        "CTN_EVENT_CREATED" => CTN_EVENT_CREATED,
        "CTN_EVENT_JOINED" => CTN_EVENT_JOINED,
        "CTN_EVENT_FORK" => CTN_EVENT_FORK,
        "CTN_EVENT_EXEC" => CTN_EVENT_EXEC,
        "CTN_EVENT_EXIT" => CTN_EVENT_EXIT,
        "CTN_EVENT_SEALED" => CTN_EVENT_SEALED,
        "CTN_EVENT_SIGNALLED" => CTN_EVENT_SIGNALLED,
        "CTN_EVENT_REFUSED" => CTN_EVENT_REFUSED,
        "CTN_KILL_SEAL" => CTN_KILL_SEAL,
        "CTN_IOC_CREATE" => CTN_IOC_CREATE,
        "CTN_IOC_DESTROY" => CTN_IOC_DESTROY,
        "CTN_IOC_ATTACH" => CTN_IOC_ATTACH,
        "CTN_IOC_LIST" => CTN_IOC_LIST,
        "CTN_IOC_INFO" => CTN_IOC_INFO,
        "CTN_IOC_PS" => CTN_IOC_PS,
        "CTN_IOC_EVENTS" => CTN_IOC_EVENTS,
        "CTN_IOC_KILL" => CTN_IOC_KILL,
        "CTN_UTS_LEN" => CTN_UTS_LEN,
        "CTN_IDENTITY_HOSTNAME" => CTN_IDENTITY_HOSTNAME,
        "CTN_IDENTITY_DOMAINNAME" => CTN_IDENTITY_DOMAINNAME,
        "CTN_IOC_SET_IDENTITY" => CTN_IOC_SET_IDENTITY,
        "CTN_IOC_GET_IDENTITY" => CTN_IOC_GET_IDENTITY,
        "CTN_IDENTITY_IPV4" => CTN_IDENTITY_IPV4,
        "CTN_IDENTITY_MAC" => CTN_IDENTITY_MAC,
        "CTN_LIMIT_TASKS" => CTN_LIMIT_TASKS,
        "CTN_LIMIT_MEMORY" => CTN_LIMIT_MEMORY,
        "CTN_LIMIT_FILES" => CTN_LIMIT_FILES,
        "CTN_LIMIT_DISK" => CTN_LIMIT_DISK,
        "CTN_LIMIT_CPU_TIME" => CTN_LIMIT_CPU_TIME,
        "CTN_LIMIT_DRY_RUN" => CTN_LIMIT_DRY_RUN,
        "CTN_IOC_SET_LIMITS" => CTN_IOC_SET_LIMITS,
        "CTN_IOC_GET_USAGE" => CTN_IOC_GET_USAGE,
        "CTN_LIMIT_CPU_SHARE" => CTN_LIMIT_CPU_SHARE,
        "CTN_LIMIT_NET_RATE" => CTN_LIMIT_NET_RATE,
        "CTN_CPU_PERIOD_NS" => CTN_CPU_PERIOD_NS,
        "CTN_HOST_SET_CPU_RESERVE" => CTN_HOST_SET_CPU_RESERVE,
        "CTN_CPU_RESERVE_DEFAULT" => CTN_CPU_RESERVE_DEFAULT,
        "CTN_IOC_HOST" => CTN_IOC_HOST,
        "CTN_EVENT_STARTED" => CTN_EVENT_STARTED,
        "CTN_EVENT_STOPPED" => CTN_EVENT_STOPPED,
        "CTN_STOP_BY_COMMAND" => CTN_STOP_BY_COMMAND,
        "CTN_STOP_BY_TERM" => CTN_STOP_BY_TERM,
        "CTN_STOP_BY_KILL" => CTN_STOP_BY_KILL,
        "CTN_IOC_RECORD" => CTN_IOC_RECORD,
        "CTN_CREATE_RECORD_FILES" => CTN_CREATE_RECORD_FILES,
        "CTN_PATH_LEN" => CTN_PATH_LEN,
        "CTN_IOC_FILES" => CTN_IOC_FILES,
        "CTN_IOC_CAPS" => CTN_IOC_CAPS,
        "CTN_CAPS_SET" => CTN_CAPS_SET,
        "CTN_CAP_LAST" => CTN_CAP_LAST,
        "CTN_CAPS_DEFAULT" => CTN_CAPS_DEFAULT,
    }
    structs! {
        "ctn_version" => CtnVersion {
            size => size, abi_version => abi_version, module_version => module_version,
            reserved => reserved,
        },
        "ctn_target" => CtnTarget { id => id, reserved0 => reserved0, name => name },
        "ctn_create" => CtnCreate {
            size => size, flags => flags, name => name, history_len => history_len, id => id,
            reserved => reserved,
        },
        "ctn_destroy" => CtnDestroy { size => size, flags => flags, target => target, reserved => reserved },
        "ctn_attach" => CtnAttach {
            size => size, pid => pid, target => target, threads => threads,
            reserved0 => reserved0, reserved => reserved,
        },
        "ctn_info" => CtnInfo {
            id => id, flags => flags, name => name, tasks => tasks, peak_tasks => peak_tasks,
            history_len => history_len, reserved0 => reserved0, created_ns => created_ns,
            forks => forks, execs => execs, exits => exits, joins => joins, cpu_ns => cpu_ns,
            events_recorded => events_recorded, events_dropped => events_dropped,
        },
        "ctn_info_req" => CtnInfoReq {
            size => size, flags => flags, target => target, info => info, reserved => reserved,
        },
        "ctn_buffer" => CtnBuffer {
            buf => buf, capacity => capacity, entry_size => entry_size, count => count, total => total,
        },
        "ctn_list" => CtnList { size => size, flags => flags, out => out, reserved => reserved },
        "ctn_task" => CtnTask {
            pid => pid, tgid => tgid, ppid => ppid, state => state, comm => comm, cpu_ns => cpu_ns,
        },
        "ctn_ps" => CtnPs {
            size => size, flags => flags, target => target, out => out, reserved => reserved,
        },
        "ctn_event" => CtnEvent {
            seq => seq, time_ns => time_ns, kind => kind, pid => pid, tgid => tgid, arg => arg,
            comm => comm,
        },
        "ctn_events" => CtnEvents {
            size => size, flags => flags, target => target, since => since, next => next,
            lost => lost, out => out, reserved => reserved,
        },
        "ctn_identity" => CtnIdentity {
            size => size, flags => flags, target => target, hostname => hostname,
            domainname => domainname, mac => mac, ipv4 => ipv4, loopback => loopback,
            reserved => reserved,
        },
        "ctn_limits" => CtnLimits {
            size => size, flags => flags, target => target, tasks => tasks, memory => memory,
            files => files, disk => disk, cpu_time => cpu_time, cpu_share => cpu_share,
            net_rate => net_rate, reserved => reserved,
        },
        "ctn_resource" => CtnResource {
            usage => usage, peak => peak, limit => limit, failcnt => failcnt,
        },
        "ctn_usage" => CtnUsage {
            size => size, flags => flags, target => target, tasks => tasks, memory => memory,
            files => files, disk => disk, cpu_time => cpu_time, net_sent => net_sent,
            files_opened => files_opened, cpu_share => cpu_share, net_rate => net_rate,
            net_received => net_received, cpu_throttled_ns => cpu_throttled_ns,
            net_delayed_ns => net_delayed_ns, reserved => reserved,
        },
        "ctn_host" => CtnHost {
            size => size, flags => flags, cpu_reserve_pct => cpu_reserve_pct, cpus => cpus,
            cpu_reserved => cpu_reserved, memory_total => memory_total,
            memory_reserved => memory_reserved, containers => containers,
            reserved0 => reserved0, reserved => reserved,
        },
        "ctn_record" => CtnRecord {
            size => size, flags => flags, target => target, kind => kind, pid => pid,
            arg => arg, reserved0 => reserved0, reserved => reserved,
        },
        "ctn_path" => CtnPath { path => path },
        "ctn_files" => CtnFiles {
            size => size, flags => flags, target => target, recorded => recorded,
            dropped => dropped, out => out, reserved => reserved,
        },
        "ctn_caps" => CtnCaps {
            size => size, flags => flags, target => target, caps => caps, reserved => reserved,
        },
        "ctn_kill" => CtnKill {
            size => size, flags => flags, target => target, signal => signal,
            signalled => signalled, reserved => reserved,
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
