//! ctnctl: the command-line interface to ctn application containers.
//!
//! It talks to the kernel module only through `/dev/ctn` and the shared ABI (`ctn-uapi`).

mod alias;
mod archive;
mod capset;
mod device;
mod error;
mod identity;
mod inroot;
mod lifecycle;
mod limits;
mod names;
mod procfs;
mod rootfs;
mod spec;
mod view;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use nix::sys::signal::Signal;
use serde::Serialize;

use capset::CapArgs;
use device::Device;
use error::{explain, Error};
use identity::IdentityArgs;
use limits::{LimitArgs, ResourcesView};
use spec::Spec;
use view::{json, secs, table, ContainerView, EventView, IdentityView, TaskView};

#[derive(Parser)]
#[command(
    name = "ctnctl",
    version,
    about = "Control ctn application containers",
    long_about = "Control ctn application containers: named groups of processes that share one \
                  identity and resource allocation on the host's kernel.\n\n\
                  Exit status: 0 success, 1 the operation failed, 2 bad usage."
)]
struct Cli {
    /// Path of the ctn control device.
    #[arg(long, global = true, default_value = ctn_uapi::CTN_DEVICE_PATH, value_name = "PATH")]
    device: PathBuf,

    /// Print machine-readable JSON instead of text (read verbs).
    #[arg(long, global = true)]
    json: bool,

    /// Where container specs are kept (NAME.toml).
    #[arg(
        long,
        global = true,
        env = "CTN_SPEC_DIR",
        default_value = "/etc/ctn/containers",
        value_name = "DIR"
    )]
    spec_dir: PathBuf,

    /// Where containers' state is kept: private overlay layers, console logs, imported roots.
    #[arg(
        long,
        global = true,
        env = "CTN_STATE_DIR",
        default_value = "/var/lib/ctn",
        value_name = "DIR"
    )]
    state_dir: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print ctnctl's version and the loaded module's ABI version.
    Version,
    /// Create an empty container.
    Create {
        name: String,
        /// How many events its history keeps (default 256, at most 65536).
        #[arg(long, default_value_t = 0, hide_default_value = true)]
        history: u32,
        #[command(flatten)]
        identity: IdentityArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        caps: CapArgs,
        /// Only check whether the host can take a container with these limits.
        #[arg(long)]
        dry_run: bool,
        /// Record the files its processes open (see `ctnctl files` and `ctnctl capture`).
        #[arg(long)]
        record_files: bool,
    },
    /// Change a container's identity or limits, also while it runs ("" restores a default
    /// name; lowering a limit below the usage refuses new requests, it kills nothing).
    Set {
        name: String,
        #[command(flatten)]
        identity: IdentityArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// (--cap-add and --cap-drop change the set it has now.)
        #[command(flatten)]
        caps: CapArgs,
    },
    /// Destroy a container; it must have no processes unless --force is given.
    Destroy {
        name: String,
        /// Stop its processes first: SIGTERM, then SIGKILL after the grace period.
        #[arg(long)]
        force: bool,
        /// Seconds between SIGTERM and SIGKILL with --force.
        #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
        grace: f64,
    },
    /// List the containers.
    List,
    /// Show one container in detail.
    Show {
        name: String,
        /// Print its spec (TOML; JSON with --json), with the identity and limits it has now.
        #[arg(long)]
        spec: bool,
    },
    /// Create or update a container from a spec file (TOML), and keep the spec in the spec
    /// directory. The container then has exactly the identity and limits the spec gives
    /// (a key left out: the default, or no limit).
    Apply {
        /// The spec file: name, hostname, domainname, ip, loopback, mac, history, [limits]
        /// (max_tasks, max_memory, max_files, max_disk, max_cpu_time, cpu_share,
        /// max_net_rate), [root] (path or skeleton, adapt), [start] (command), [stop]
        /// (command, timeout, grace).
        file: PathBuf,
    },
    /// Start a container from its spec: its execution file (default /etc/ctn/start in its
    /// root) runs as its first process, in the background, output in STATE/NAME/console.log.
    Start { name: String },
    /// Stop a container: its stop command, then SIGTERM, a grace period, SIGKILL; says what
    /// it took. The container stays defined (start it again, or destroy it).
    Stop {
        name: String,
        /// Seconds between SIGTERM and SIGKILL (default: the spec's stop.grace, else 5).
        #[arg(long, value_name = "SECONDS")]
        grace: Option<f64>,
    },
    /// Say whether a container is running, with its process and task counts.
    Status { name: String },
    /// Root file systems for containers.
    #[command(subcommand)]
    Rootfs(RootfsCommand),
    /// List the files a container's processes opened (one created with --record-files).
    Files { name: String },
    /// Copy the files a container's processes opened (created with --record-files) into DIR,
    /// with their directories, permissions and symlinks: a root for the service it ran, to
    /// start from its own root next time (give DIR as root.path in its spec).
    Capture { name: String, dir: PathBuf },
    /// Write a container's spec and root into one archive (tar), to import elsewhere.
    Export {
        name: String,
        /// The archive to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Recreate a container from an archive `export` wrote: its root goes to the state
    /// directory, its spec (with the changes given) to the spec directory. Refuses a name,
    /// address or MAC that is taken.
    Import {
        file: PathBuf,
        /// Another name for it.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        identity: IdentityArgs,
        /// Give it the capabilities beyond the default set that the archive's spec asks for
        /// (`cap_add`). Without this an archive that asks for any is refused: an archive
        /// may come from anyone, and NET_ADMIN or SYS_ADMIN reach the host.
        #[arg(long)]
        grant_caps: bool,
    },
    /// Show statistics of one container, or of all.
    Stats { name: Option<String> },
    /// List the processes of a container.
    Ps {
        name: String,
        /// One line per thread instead of per process.
        #[arg(long)]
        threads: bool,
    },
    /// Print a container's history of events (with --json: one JSON object per line).
    Events {
        name: String,
        /// Keep printing new events as they happen (until the container is destroyed).
        #[arg(short, long)]
        follow: bool,
        /// Start at this sequence number.
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
    /// Run a command inside a container (ctnctl joins it, then executes the command).
    Exec {
        name: String,
        /// The command and its arguments.
        #[arg(trailing_var_arg = true, required = true, value_name = "CMD")]
        cmd: Vec<String>,
    },
    /// Move a running process, with all its threads, into a container.
    Attach { name: String, pid: u32 },
    /// Show the host's resources and what containers reserve of them (CPU shares, memory
    /// limits); set the share of the CPUs that CPU shares may reserve together.
    Host {
        /// Share of the host's CPUs that containers' --cpu-share may reserve in all, e.g. 90%
        /// (the module's default); lowering it refuses new reservations only.
        #[arg(long, value_name = "PERCENT")]
        cpu_reserve: Option<String>,
    },
    /// Send a signal to every process of a container.
    Kill {
        name: String,
        /// Signal name or number.
        #[arg(short, long, default_value = "TERM")]
        signal: String,
        /// Also seal the container: its processes can create no new ones.
        #[arg(long)]
        seal: bool,
    },
}

/// Verbs of `ctnctl rootfs`.
#[derive(Subcommand)]
enum RootfsCommand {
    /// Build a minimal root in DIR: directories, /dev/null and friends, busybox with its
    /// applets and/or host programs with the shared libraries they need, /etc/hostname,
    /// /etc/hosts, and the execution file /etc/ctn/start, which runs /etc/ctn/start.d/* in
    /// order. Several containers can share it as their skeleton.
    Skeleton {
        dir: PathBuf,
        /// A static busybox to install (default: the busybox on PATH; "none": none).
        #[arg(long, value_name = "PATH|none")]
        busybox: Option<String>,
        /// A host program to copy, with its libraries (repeatable).
        #[arg(long = "program", value_name = "PATH")]
        programs: Vec<PathBuf>,
        /// Host name for /etc/hostname and /etc/hosts.
        #[arg(long, default_value = "localhost")]
        hostname: String,
        /// Address for /etc/hosts.
        #[arg(long, value_name = "ADDR")]
        ip: Option<std::net::Ipv4Addr>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ctnctl: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn dirs(cli: &Cli) -> spec::Dirs {
    spec::Dirs {
        specs: cli.spec_dir.clone(),
        state: cli.state_dir.clone(),
    }
}

fn run(cli: &Cli) -> Result<(), Error> {
    if let Command::Version = cli.command {
        return version(cli);
    }
    // Building a root needs no module.
    if let Command::Rootfs(RootfsCommand::Skeleton {
        dir,
        busybox,
        programs,
        hostname,
        ip,
    }) = &cli.command
    {
        return skeleton(cli, dir, busybox.as_deref(), programs, hostname, *ip);
    }
    let dev = Device::open(&cli.device)?;
    match &cli.command {
        Command::Version => unreachable!("handled above"),
        Command::Create {
            name,
            history,
            identity,
            limits,
            caps,
            dry_run,
            record_files,
        } => {
            let name = names::check(name)?;
            let caps = caps.resolve(ctn_uapi::CTN_CAPS_DEFAULT)?;
            if *history > ctn_uapi::CTN_HISTORY_MAX {
                return Err(Error::Usage(format!(
                    "--history {history} is too large: at most {}",
                    ctn_uapi::CTN_HISTORY_MAX
                )));
            }
            let identity = identity.check()?;
            let limits = limits.check()?;
            if *dry_run {
                return match dev.check_limits(None, &limits) {
                    Ok(()) => {
                        print(
                            cli,
                            &serde_json::json!({ "name": name, "fits": true }),
                            || format!("container {name} would fit: nothing created"),
                        );
                        Ok(())
                    }
                    Err(e) if device::errno(&e) == Some(nix::errno::Errno::ENOSPC) => {
                        Err(limits::explain_admission(&dev, None, &limits))
                    }
                    Err(e) => Err(explain(e, name)),
                };
            }
            let id = create_container(
                &dev,
                name,
                *history,
                *record_files,
                &identity,
                &limits,
                caps,
            )?;
            print(cli, &serde_json::json!({ "name": name, "id": id }), || {
                format!("created container {name} (id {id})")
            });
            Ok(())
        }
        Command::Set {
            name,
            identity,
            limits,
            caps,
        } => {
            let name = names::check(name)?;
            let identity = identity.check()?;
            let limits = limits.check()?;
            if identity.is_empty() && limits.flags == 0 && caps.is_empty() {
                return Err(Error::Usage(
                    "set: give at least one of --hostname, --domainname, --ip, --mac, --max-tasks, --max-memory, --max-files, --max-disk, --max-cpu-time, --cpu-share, --max-net-rate, --cap-add, --cap-drop".into(),
                ));
            }
            let caps = match caps.is_empty() {
                true => None,
                false => {
                    let now = dev.caps(name).map_err(|e| explain(e, name))?;
                    Some(caps.resolve(now)?)
                }
            };
            let now = update_container(&dev, name, &identity, &limits, caps)?;
            #[derive(Serialize)]
            struct Set<'a> {
                name: &'a str,
                #[serde(flatten)]
                identity: &'a IdentityView,
            }
            print(
                cli,
                &Set {
                    name,
                    identity: &now,
                },
                || format!("{name}: {}", describe_identity(&now)),
            );
            Ok(())
        }
        Command::Host { cpu_reserve } => {
            let reserve = cpu_reserve
                .as_deref()
                .map(limits::cpu_reserve)
                .transpose()?;
            let host = limits::HostView::from(&dev.host(reserve)?);
            print(cli, &host, || host.text());
            Ok(())
        }
        Command::Apply { file } => apply(cli, &dev, file),
        Command::Start { name } => start(cli, &dev, names::check(name)?),
        Command::Stop { name, grace } => stop(cli, &dev, names::check(name)?, *grace),
        Command::Status { name } => {
            let name = names::check(name)?;
            let st = lifecycle::status(&dev, name)?;
            print(cli, &st, || match st.state {
                "running" => format!(
                    "{name}: running, {} processes ({} tasks)",
                    st.processes, st.tasks
                ),
                _ => format!("{name}: stopped"),
            });
            Ok(())
        }
        Command::Rootfs(_) => unreachable!("handled above"),
        Command::Files { name } => {
            let name = names::check(name)?;
            let (paths, dropped) = dev.files(name).map_err(|e| explain_files(e, name))?;
            print(
                cli,
                &serde_json::json!({ "name": name, "files": paths, "dropped": dropped }),
                || {
                    let mut s = paths.join("\n");
                    if dropped > 0 {
                        s.push_str(&format!("\n({dropped} not recorded: too long, or no room)"));
                    }
                    s
                },
            );
            Ok(())
        }
        Command::Capture { name, dir } => {
            let name = names::check(name)?;
            // The names a rooted container opens are names inside its root: read through the
            // host's `/` they would be the host's files (its /etc/shadow), not the container's.
            if dirs(cli).spec(name)?.is_some_and(|s| s.root.is_some()) {
                return Err(Error::Refused(format!(
                    "container '{name}' has a root of its own: its files are already there.
  Capture is for a service that ran on the host's files; carry this one with `ctnctl export {name}`."
                )));
            }
            let (paths, dropped) = dev.files(name).map_err(|e| explain_files(e, name))?;
            let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
            std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.display().to_string(), e))?;
            let (copied, skipped) = rootfs::capture(dir, &paths)?;
            print(
                cli,
                &serde_json::json!({ "name": name, "dir": dir, "copied": copied, "skipped": skipped, "dropped": dropped }),
                || {
                    format!(
                        "captured {copied} files {name} opened into {} ({} skipped: gone, or not files{})",
                        dir.display(),
                        skipped.len(),
                        if dropped > 0 { format!("; {dropped} were not recorded") } else { String::new() }
                    )
                },
            );
            Ok(())
        }
        Command::Export { name, output } => export(cli, &dev, names::check(name)?, output),
        Command::Import {
            file,
            name,
            identity,
            grant_caps,
        } => import(cli, &dev, file, name.as_deref(), identity, *grant_caps),
        Command::Destroy { name, force, grace } => {
            destroy(cli, &dev, names::check(name)?, *force, *grace)
        }
        Command::List => {
            let all = dev.list()?;
            let views: Vec<ContainerView> = all.iter().map(ContainerView::from).collect();
            print(cli, &views, || {
                let rows: Vec<Vec<String>> = views
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.to_string(),
                            c.name.clone(),
                            c.tasks.to_string(),
                            if c.sealed { "sealed" } else { "open" }.into(),
                            c.created.clone(),
                        ]
                    })
                    .collect();
                table(&["ID", "NAME", "TASKS", "STATE", "CREATED"], &rows)
            });
            Ok(())
        }
        Command::Show { name, spec: true } => show_spec(cli, &dev, names::check(name)?),
        Command::Show { name, spec: false } => {
            let name = names::check(name)?;
            let mut c = ContainerView::from(&dev.info(name).map_err(|e| explain(e, name))?);
            let identity = dev.identity(name).map_err(|e| explain(e, name))?;
            c.identity = Some(identity.clone());
            let caps = capset::names(dev.caps(name).map_err(|e| explain(e, name))?);
            c.capabilities = Some(caps.clone());
            let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
            print(cli, &c, || {
                format!(
                    "name:        {}\nid:          {}\nhostname:    {}\ndomainname:  {}\nip:          {}\nloopback:    {}\nmac:         {}\nstate:       {}\ncreated:     {}\ntasks:       {} (peak {})\nhistory:     {} events kept, {} recorded, {} dropped\ncapabilities: {}",
                    c.name,
                    c.id,
                    identity.hostname,
                    identity.domainname,
                    or_none(&identity.ip),
                    or_none(&identity.loopback),
                    or_none(&identity.mac),
                    if c.sealed { "sealed" } else { "open" },
                    c.created,
                    c.tasks,
                    c.peak_tasks,
                    c.history_len,
                    c.events_recorded,
                    c.events_dropped,
                    if caps.is_empty() { "none".into() } else { caps.join(" ") }
                )
            });
            Ok(())
        }
        Command::Stats { name } => {
            let infos = match name {
                Some(n) => {
                    let n = names::check(n)?;
                    vec![dev.info(n).map_err(|e| explain(e, n))?]
                }
                None => dev.list()?,
            };
            let mut views: Vec<ContainerView> = infos.iter().map(ContainerView::from).collect();
            for v in &mut views {
                // A container destroyed since the listing is left without.
                v.resources = dev.usage(&v.name).ok().map(|u| ResourcesView::from(&u));
            }
            print(cli, &views, || {
                let rows: Vec<Vec<String>> = views
                    .iter()
                    .map(|c| {
                        vec![
                            c.name.clone(),
                            c.tasks.to_string(),
                            c.peak_tasks.to_string(),
                            c.forks.to_string(),
                            c.execs.to_string(),
                            c.exits.to_string(),
                            c.joins.to_string(),
                            secs(c.cpu_ns),
                            c.created.clone(),
                        ]
                    })
                    .collect();
                let mut out = table(
                    &[
                        "NAME", "TASKS", "PEAK", "FORKS", "EXECS", "EXITS", "JOINS", "CPU(s)",
                        "CREATED",
                    ],
                    &rows,
                );
                let resources: Vec<Vec<String>> = views
                    .iter()
                    .filter_map(|c| Some((c, c.resources.as_ref()?)))
                    .flat_map(|(c, r)| {
                        r.rows().into_iter().map(|mut row| {
                            row.insert(0, c.name.clone());
                            row
                        })
                    })
                    .collect();
                out.push_str("\n\n");
                out.push_str(&table(
                    &["NAME", "RESOURCE", "USAGE", "PEAK", "LIMIT", "REFUSED"],
                    &resources,
                ));
                out
            });
            Ok(())
        }
        Command::Ps { name, threads } => {
            let name = names::check(name)?;
            let tasks = dev.ps(name).map_err(|e| explain(e, name))?;
            let views: Vec<TaskView> = tasks
                .iter()
                .filter(|t| *threads || t.pid == t.tgid)
                .map(TaskView::from)
                .collect();
            print(cli, &views, || {
                let rows: Vec<Vec<String>> = views
                    .iter()
                    .map(|t| {
                        let mut row = vec![t.pid.to_string()];
                        if *threads {
                            row.push(t.tgid.to_string());
                        }
                        row.extend([
                            t.ppid.to_string(),
                            t.state.clone(),
                            secs(t.cpu_ns),
                            t.command.clone(),
                        ]);
                        row
                    })
                    .collect();
                let header: &[&str] = if *threads {
                    &["PID", "TGID", "PPID", "STATE", "CPU(s)", "COMMAND"]
                } else {
                    &["PID", "PPID", "STATE", "CPU(s)", "COMMAND"]
                };
                table(header, &rows)
            });
            Ok(())
        }
        Command::Events {
            name,
            follow,
            since,
        } => events(cli, &dev, names::check(name)?, *follow, *since),
        Command::Exec { name, cmd } => {
            let name = names::check(name)?;
            // A container with a root: this process enters it first (and keeps no
            // descriptor pointing outside but stdio). No descriptor of /dev/ctn inside.
            let root = match dirs(cli).spec(name)? {
                Some(spec) => {
                    let origin = dirs(cli).spec_path(name).display().to_string();
                    let mut args = Default::default();
                    let c = spec.check(&origin, &mut args)?;
                    let hostname = dev.identity(name).map_err(|e| explain(e, name))?.hostname;
                    lifecycle::root_with_proc(&c, &dirs(cli), &hostname)?
                }
                None => None,
            };
            lifecycle::enter(dev, name, root.as_deref(), None)?;
            let err = std::process::Command::new(&cmd[0]).args(&cmd[1..]).exec();
            eprintln!("ctnctl: cannot run {}: {err}", cmd[0]);
            std::process::exit(127);
        }
        Command::Attach { name, pid } => {
            let name = names::check(name)?;
            if *pid == 0 {
                return Err(Error::Usage(
                    "attach needs a process id other than 0".into(),
                ));
            }
            let threads = dev.attach(name, *pid).map_err(|e| explain(e, name))?;
            print(
                cli,
                &serde_json::json!({ "name": name, "pid": pid, "threads": threads }),
                || format!("moved process {pid} ({threads} threads) into {name}"),
            );
            Ok(())
        }
        Command::Kill { name, signal, seal } => {
            let name = names::check(name)?;
            let sig = parse_signal(signal)?;
            let n = dev.kill(name, sig, *seal).map_err(|e| explain(e, name))?;
            print(
                cli,
                &serde_json::json!({ "name": name, "signal": sig, "signalled": n }),
                || format!("sent signal {sig} to {n} processes in {name}"),
            );
            Ok(())
        }
    }
}

/// Creates container `name` with an identity and limits, all or nothing.
fn create_container(
    dev: &Device,
    name: &str,
    history: u32,
    record_files: bool,
    identity: &identity::Identity<'_>,
    limits: &limits::Limits,
    caps: u64,
) -> Result<u32, Error> {
    let id = dev
        .create(name, history, record_files)
        .map_err(|e| match device::errno(&e) {
            // Only the first container's hooks can be busy: the kernel refused them.
            Some(nix::errno::Errno::EBUSY) => Error::Refused(format!(
                "create '{name}': the kernel refused ctn's function hooks: function tracing \
                 is switched off (kernel.ftrace_enabled=0), or another module (a live \
                 patch) already modifies a function ctn hooks.\n  Switch tracing on with \
                 `sysctl kernel.ftrace_enabled=1` (see dmesg for the rest), then try again."
            )),
            _ => explain(e, name),
        })?;
    if caps != ctn_uapi::CTN_CAPS_DEFAULT {
        if let Err(e) = dev.set_caps(name, caps) {
            let _ = dev.destroy(name);
            return Err(explain(e, name));
        }
    }
    if limits.flags != 0 {
        if let Err(e) = dev.set_limits(name, limits) {
            let _ = dev.destroy(name);
            if device::errno(&e) == Some(nix::errno::Errno::ENOSPC) {
                return Err(limits::explain_admission(dev, Some(name), limits));
            }
            return Err(explain(e, name));
        }
    }
    if !identity.is_empty() {
        if let Err(e) = dev.set_identity(name, identity) {
            // All or nothing: do not leave a container without the identity asked for.
            let _ = dev.destroy(name);
            let e = match e {
                Error::Ioctl(_, errno) => Error::Ioctl("create", errno),
                e => e,
            };
            return Err(explain(e, name));
        }
    }
    if let (Some(iface), Some(Some((ip, _)))) = (identity.alias_on, identity.ip) {
        if let Err(e) = alias::add(iface, ip) {
            let _ = dev.destroy(name);
            return Err(e);
        }
    }
    Ok(id)
}

/// Changes the identity and limits of container `name`; returns the identity it has now.
fn update_container(
    dev: &Device,
    name: &str,
    identity: &identity::Identity<'_>,
    limits: &limits::Limits,
    caps: Option<u64>,
) -> Result<IdentityView, Error> {
    if let Some(caps) = caps {
        dev.set_caps(name, caps).map_err(|e| explain(e, name))?;
    }
    if limits.flags != 0 {
        dev.set_limits(name, limits).map_err(|e| {
            if device::errno(&e) == Some(nix::errno::Errno::ENOSPC) {
                limits::explain_admission(dev, Some(name), limits)
            } else {
                explain(e, name)
            }
        })?;
    }
    let before = dev.identity(name).map_err(|e| explain(e, name))?;
    dev.set_identity(name, identity)
        .map_err(|e| explain(e, name))?;
    let now = dev.identity(name).map_err(|e| explain(e, name))?;
    if identity.ip.is_some() {
        alias::moved(address(&before), address(&now), identity.alias_on)?;
    }
    Ok(now)
}

/// Prints `value` as JSON with --json, else the text `human` makes.
fn print<T: Serialize + ?Sized>(cli: &Cli, value: &T, human: impl FnOnce() -> String) {
    if cli.json {
        println!("{}", json(value));
    } else {
        println!("{}", human());
    }
}

fn parse_signal(s: &str) -> Result<i32, Error> {
    if let Ok(n) = s.parse::<i32>() {
        if (0..=64).contains(&n) {
            return Ok(n);
        }
    } else {
        let upper = s.to_ascii_uppercase();
        let full = if upper.starts_with("SIG") {
            upper
        } else {
            format!("SIG{upper}")
        };
        if let Ok(sig) = Signal::from_str(&full) {
            return Ok(sig as i32);
        }
    }
    Err(Error::Usage(format!(
        "unknown signal '{s}': give a name like TERM or a number 0-64"
    )))
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
    print(cli, &report, || {
        let mut s = format!("ctnctl {} (ABI {})", report.ctnctl, report.abi);
        if let Ok(m) = &module {
            s.push_str(&format!("\nmodule {} (ABI {})", m.module, m.abi));
        }
        s
    });
    if let Ok(m) = &module {
        if m.abi != report.abi {
            eprintln!(
                "warning: module ABI {} differs from ctnctl ABI {}: use the ctnctl built with the module",
                m.abi, report.abi
            );
        }
    }
    module.map(|_| ())
}

/// Waits until the container has no tasks, for at most `limit`; returns the tasks left.
fn wait_empty(dev: &Device, name: &str, limit: Duration) -> Result<u32, Error> {
    let start = Instant::now();
    loop {
        let tasks = dev.info(name).map_err(|e| explain(e, name))?.tasks;
        if tasks == 0 || start.elapsed() >= limit {
            return Ok(tasks);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn destroy(cli: &Cli, dev: &Device, name: &str, force: bool, grace: f64) -> Result<(), Error> {
    if !(0.0..=3600.0).contains(&grace) {
        return Err(Error::Usage(format!(
            "--grace {grace}: give 0 to 3600 seconds"
        )));
    }
    let mut report = serde_json::json!({ "name": name, "terminated": 0, "killed": 0 });
    if force {
        // Seal first so that nothing forks past the signals, then ask politely.
        let termed = dev
            .kill(name, Signal::SIGTERM as i32, true)
            .map_err(|e| explain(e, name))?;
        report["terminated"] = termed.into();
        let left = wait_empty(dev, name, Duration::from_secs_f64(grace))?;
        if left > 0 {
            let killed = dev
                .kill(name, Signal::SIGKILL as i32, true)
                .map_err(|e| explain(e, name))?;
            report["killed"] = killed.into();
            let left = wait_empty(dev, name, Duration::from_secs(10))?;
            if left > 0 {
                return Err(Error::Refused(format!(
                    "container '{name}' still has {left} tasks 10 s after SIGKILL (stuck in the kernel?)"
                )));
            }
        }
    }
    let ip = address(&dev.identity(name).map_err(|e| explain(e, name))?);
    dev.destroy(name).map_err(|e| explain(e, name))?;
    // What start or exec mounted for it (its processes may have ended without a stop).
    if let Ok(Some(spec)) = dirs(cli).spec(name) {
        let origin = dirs(cli).spec_path(name).display().to_string();
        if let Ok(c) = spec.check(&origin, &mut Default::default()) {
            lifecycle::release_root(&c, &dirs(cli));
        }
    }
    if let Some(ip) = ip {
        alias::remove(ip)?;
    }
    print(cli, &report, || {
        let mut s = format!("destroyed container {name}");
        if force {
            s.push_str(&format!(
                " (SIGTERM to {} processes, SIGKILL to {} after {grace} s)",
                report["terminated"], report["killed"]
            ));
        }
        s
    });
    Ok(())
}

fn events(cli: &Cli, dev: &Device, name: &str, follow: bool, since: u64) -> Result<(), Error> {
    let mut since = since;
    let mut header = !cli.json;
    loop {
        let (batch, next, lost) = match dev.events(name, since) {
            Ok(r) => r,
            // The container went away while we followed it: that is the end of its history.
            Err(e)
                if follow && device::errno(&e) == Some(nix::errno::Errno::ENOENT) && since > 0 =>
            {
                return Ok(())
            }
            Err(e) => return Err(explain(e, name)),
        };
        if lost > 0 {
            eprintln!(
                "ctnctl: {lost} events were dropped from the history before they could be read"
            );
        }
        let views: Vec<EventView> = batch.iter().map(EventView::from).collect();
        if cli.json {
            // JSON Lines: one event per line, so that a follower can read them as they come.
            for v in &views {
                println!("{}", serde_json::to_string(v).unwrap_or_default());
            }
        } else {
            let rows: Vec<Vec<String>> = views
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        e.time.clone(),
                        e.kind.to_string(),
                        e.pid.to_string(),
                        e.command.clone(),
                        e.detail.clone(),
                    ]
                })
                .collect();
            if !rows.is_empty() || header {
                let t = table(&["SEQ", "TIME", "EVENT", "PID", "COMMAND", "DETAIL"], &rows);
                let t = if header {
                    t
                } else {
                    t.lines().skip(1).collect::<Vec<_>>().join("\n")
                };
                if !t.is_empty() {
                    println!("{t}");
                }
                header = false;
            }
        }
        since = next;
        if !follow {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One line: what `set` changed a container's identity to.
fn describe_identity(i: &IdentityView) -> String {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    format!(
        "hostname {}, domainname {}, ip {}, loopback {}, mac {}",
        i.hostname,
        i.domainname,
        or_none(&i.ip),
        or_none(&i.loopback),
        or_none(&i.mac)
    )
}

/// A container's IPv4 address, from its identity.
fn address(identity: &IdentityView) -> Option<std::net::Ipv4Addr> {
    identity.ip.as_deref().and_then(|ip| ip.parse().ok())
}

/// The spec as `apply` enforces it: every key it leaves out at its default (no address, no
/// limit), so that the container has exactly what the spec says.
fn declared(spec: &Spec) -> Spec {
    let mut d = spec.clone();
    d.hostname.get_or_insert_with(String::new);
    d.domainname.get_or_insert_with(String::new);
    d.ip.get_or_insert_with(|| "none".into());
    d.mac.get_or_insert_with(|| "none".into());
    let l = &mut d.limits;
    for v in [
        &mut l.max_tasks,
        &mut l.max_memory,
        &mut l.max_files,
        &mut l.max_disk,
        &mut l.max_cpu_time,
        &mut l.cpu_share,
        &mut l.max_net_rate,
    ] {
        v.get_or_insert_with(|| "none".into());
    }
    d
}

/// Creates container `spec.name` from a checked spec, or brings an existing one to it.
/// Returns whether it was created.
fn apply_spec(dev: &Device, spec: &Spec, origin: &str) -> Result<bool, Error> {
    let declared = declared(spec);
    let mut args = Default::default();
    let c = declared.check(origin, &mut args)?;
    let name = spec.name.as_str();
    let caps = spec.caps(origin)?;
    if dev.info(name).is_ok() {
        update_container(dev, name, &c.identity, &c.limits, Some(caps))?;
        Ok(false)
    } else {
        let record = spec.record_files.unwrap_or(false);
        create_container(
            dev,
            name,
            spec.history.unwrap_or(0),
            record,
            &c.identity,
            &c.limits,
            caps,
        )?;
        Ok(true)
    }
}

fn apply(cli: &Cli, dev: &Device, file: &std::path::Path) -> Result<(), Error> {
    let spec = Spec::load(file)?;
    let created = apply_spec(dev, &spec, &file.display().to_string())?;
    let dirs = dirs(cli);
    dirs.store(&spec)?;
    let name = &spec.name;
    print(
        cli,
        &serde_json::json!({ "name": name, "created": created, "spec": dirs.spec_path(name) }),
        || {
            format!(
                "{} container {name} from {} (spec kept as {})",
                if created { "created" } else { "updated" },
                file.display(),
                dirs.spec_path(name).display()
            )
        },
    );
    Ok(())
}

/// A size limit the module reports, as a spec value (`None`: no limit).
fn size_value(bytes: u64) -> Option<String> {
    Some(match bytes {
        0 => return None,
        b if b % (1 << 30) == 0 => format!("{}G", b >> 30),
        b if b % (1 << 20) == 0 => format!("{}M", b >> 20),
        b if b % (1 << 10) == 0 => format!("{}K", b >> 10),
        b => b.to_string(),
    })
}

fn show_spec(cli: &Cli, dev: &Device, name: &str) -> Result<(), Error> {
    let mut spec = dirs(cli).spec(name)?.unwrap_or_else(|| Spec {
        name: name.to_string(),
        ..Default::default()
    });
    // The identity and limits it has now (`set` may have changed them since `apply`).
    let id = dev.identity(name).map_err(|e| explain(e, name))?;
    spec.hostname = (id.hostname != name).then_some(id.hostname);
    spec.domainname = (id.domainname != "(none)").then_some(id.domainname);
    spec.loopback = id.loopback.filter(|lo| Some(lo) != id.ip.as_ref());
    spec.ip = id.ip;
    spec.mac = id.mac;
    let u = dev.usage(name).map_err(|e| explain(e, name))?;
    let number = |n: u64| (n != 0).then(|| n.to_string());
    spec.limits = LimitArgs {
        max_tasks: number(u.tasks.limit),
        max_memory: size_value(u.memory.limit),
        max_files: number(u.files.limit),
        max_disk: size_value(u.disk.limit),
        max_cpu_time: (u.cpu_time.limit != 0).then(|| {
            humantime::format_duration(Duration::from_nanos(u.cpu_time.limit)).to_string()
        }),
        cpu_share: (u.cpu_share.limit != 0).then(|| format!("{}%", u.cpu_share.limit)),
        max_net_rate: size_value(u.net_rate.limit),
    };
    let caps = capset::against_default(dev.caps(name).map_err(|e| explain(e, name))?);
    (spec.cap_add, spec.cap_drop) = (caps.cap_add, caps.cap_drop);
    print(cli, &spec, || spec.to_toml().trim_end().to_string());
    Ok(())
}

/// The spec of `name` from the spec directory, checked.
fn stored_spec(cli: &Cli, name: &str) -> Result<(Spec, String), Error> {
    let dirs = dirs(cli);
    let spec = dirs.require_spec(name)?;
    Ok((spec, dirs.spec_path(name).display().to_string()))
}

fn start(cli: &Cli, dev: &Device, name: &str) -> Result<(), Error> {
    let (spec, origin) = stored_spec(cli, name)?;
    let mut args = Default::default();
    let c = spec.check(&origin, &mut args)?;
    if dev.info(name).is_err() {
        apply_spec(dev, &spec, &origin)?; // defined again after a module reload, say
    }
    let st = lifecycle::status(dev, name)?;
    if st.processes > 0 {
        return Err(Error::Refused(format!(
            "container '{name}' is running ({} processes).\n  Stop it first with `ctnctl stop {name}`.",
            st.processes
        )));
    }
    let dirs = dirs(cli);
    let hostname = dev.identity(name).map_err(|e| explain(e, name))?.hostname;
    let root = lifecycle::root_with_proc(&c, &dirs, &hostname)?;
    let state = dirs.make_state(name)?;
    let log = state.join("console.log");
    let pid = lifecycle::spawn(dev, name, root.as_deref(), &c.start, &log)?;
    dev.record(name, ctn_uapi::CTN_EVENT_STARTED, pid.as_raw(), 0)
        .map_err(|e| explain(e, name))?;
    print(
        cli,
        &serde_json::json!({ "name": name, "pid": pid.as_raw(), "command": c.start, "log": log }),
        || {
            format!(
                "started {name}: pid {pid} runs {} (output in {})",
                c.start.join(" "),
                log.display()
            )
        },
    );
    Ok(())
}

fn stop(cli: &Cli, dev: &Device, name: &str, grace: Option<f64>) -> Result<(), Error> {
    let (spec, origin) = stored_spec(cli, name)?;
    let mut args = Default::default();
    let mut c = spec.check(&origin, &mut args)?;
    if let Some(g) = grace {
        if !(0.0..=3600.0).contains(&g) {
            return Err(Error::Usage(format!("--grace {g}: give 0 to 3600 seconds")));
        }
        c.grace = Duration::from_secs_f64(g);
    }
    let dirs = dirs(cli);
    let hostname = dev.identity(name).map_err(|e| explain(e, name))?.hostname;
    let root = lifecycle::prepare_root(&c, &dirs, &hostname)?;
    let log = dirs.state_of(name).join("console.log");
    let report = lifecycle::stop(dev, &c, root.as_deref(), &log)?;
    lifecycle::release_root(&c, &dirs);
    print(cli, &report, || report.text());
    Ok(())
}

fn skeleton(
    cli: &Cli,
    dir: &std::path::Path,
    busybox: Option<&str>,
    programs: &[PathBuf],
    hostname: &str,
    ip: Option<std::net::Ipv4Addr>,
) -> Result<(), Error> {
    names::check_uts("hostname", hostname)?;
    let busybox = match busybox {
        Some("none") => None,
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("busybox"))
                .find(|p| p.is_file())
        }),
    };
    if busybox.is_none() && programs.is_empty() {
        return Err(Error::Usage(
            "rootfs skeleton: no busybox on PATH and no --program: give --busybox PATH or --program PATH".into(),
        ));
    }
    let ip = ip.map(|a| a.to_string());
    let installed = rootfs::skeleton(
        dir,
        &rootfs::SkeletonOptions {
            busybox: busybox.as_deref(),
            programs,
            hostname,
            ip: ip.as_deref(),
        },
    )?;
    print(
        cli,
        &serde_json::json!({ "dir": dir, "installed": installed }),
        || {
            format!(
                "built a root in {}: {} files installed; the execution file /etc/ctn/start runs /etc/ctn/start.d/* in order",
                dir.display(),
                installed.len()
            )
        },
    );
    Ok(())
}

fn export(cli: &Cli, dev: &Device, name: &str, output: &std::path::Path) -> Result<(), Error> {
    let (spec, origin) = stored_spec(cli, name)?;
    let mut args = Default::default();
    let c = spec.check(&origin, &mut args)?;
    let dirs = dirs(cli);
    let hostname = dev.identity(name).map_err(|e| explain(e, name))?.hostname;
    let running = lifecycle::status(dev, name)?.processes > 0;
    let root = lifecycle::prepare_root(&c, &dirs, &hostname)?;
    let result = archive::export(&spec, root.as_deref(), output);
    if !running {
        lifecycle::release_root(&c, &dirs);
    }
    result?;
    print(
        cli,
        &serde_json::json!({ "name": name, "archive": output, "root": root.is_some() }),
        || format!("exported {name} to {}", output.display()),
    );
    Ok(())
}

fn import(
    cli: &Cli,
    dev: &Device,
    file: &std::path::Path,
    name: Option<&str>,
    identity: &IdentityArgs,
    grant_caps: bool,
) -> Result<(), Error> {
    let dirs = dirs(cli);
    let scratch = dirs.state.join(format!(".import-{}", std::process::id()));
    let result = import_from(dev, &dirs, file, name, identity, grant_caps, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let (spec, created_root) = result?;
    print(
        cli,
        &serde_json::json!({ "name": spec.name, "root": created_root }),
        || match &created_root {
            Some(r) => format!("imported {} with its root in {}", spec.name, r.display()),
            None => format!("imported {}", spec.name),
        },
    );
    Ok(())
}

fn import_from(
    dev: &Device,
    dirs: &spec::Dirs,
    file: &std::path::Path,
    name: Option<&str>,
    identity: &IdentityArgs,
    grant_caps: bool,
    scratch: &std::path::Path,
) -> Result<(Spec, Option<PathBuf>), Error> {
    let unpacked = archive::unpack(file, scratch)?;
    let mut spec = unpacked.spec;
    let beyond = spec.caps(&file.display().to_string())? & !ctn_uapi::CTN_CAPS_DEFAULT;
    if beyond != 0 && !grant_caps {
        return Err(Error::Refused(format!(
            "{} asks for capabilities beyond the default set: {}.\n  An archive may come from anyone: if you trust it with these, import it with --grant-caps.",
            file.display(),
            capset::names(beyond).join(", ")
        )));
    }
    if let Some(n) = name {
        spec.name = names::check(n)?.to_string();
    }
    let name = spec.name.clone();
    for (field, given) in [
        (&mut spec.hostname, &identity.hostname),
        (&mut spec.domainname, &identity.domainname),
        (&mut spec.ip, &identity.ip),
        (&mut spec.loopback, &identity.loopback),
        (&mut spec.mac, &identity.mac),
    ] {
        if given.is_some() {
            *field = given.clone();
        }
    }
    if identity.ip.is_some() && identity.loopback.is_none() {
        spec.loopback = None; // the old loopback went with the old address
    }
    if dev.info(&name).is_ok() || dirs.spec_path(&name).exists() {
        return Err(Error::Refused(format!(
            "a container named '{name}' already exists here.\n  Import it under another name with --name NAME."
        )));
    }
    let root = match unpacked.root {
        Some(r) => {
            let dst = dirs.state_of(&name).join("root");
            if dst.exists() {
                return Err(Error::Refused(format!(
                    "{} already exists: remove it, or import under another --name",
                    dst.display()
                )));
            }
            dirs.make_state(&name)?;
            std::fs::rename(&r, &dst).map_err(|e| Error::Io(dst.display().to_string(), e))?;
            Some(dst)
        }
        None => None,
    };
    archive::rooted(&mut spec, root.as_deref());
    if let Err(e) = apply_spec(dev, &spec, &file.display().to_string()) {
        if let Some(r) = &root {
            let _ = std::fs::remove_dir_all(r);
        }
        return Err(e);
    }
    dirs.store(&spec)?;
    Ok((spec, root))
}

/// `ENODATA` from `CTN_IOC_FILES`: the container does not record.
fn explain_files(e: Error, name: &str) -> Error {
    match device::errno(&e) {
        Some(nix::errno::Errno::ENODATA) => Error::Refused(format!(
            "container '{name}' does not record the files it opens.\n  Create it with `ctnctl create --record-files` (or record_files = true in its spec)."
        )),
        _ => explain(e, name),
    }
}
