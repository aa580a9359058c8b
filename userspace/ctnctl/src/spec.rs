//! Container specs: one TOML file per container (name, identity, limits, root, start and stop),
//! kept in the spec directory as `NAME.toml`. `ctnctl apply` creates or updates a container
//! from one; `start`, `stop`, `exec` and `export` read it. Parsing refuses unknown keys, and
//! every value is checked with the same rules as the command-line options, in messages that
//! name the key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::capset::CapArgs;
use crate::error::Error;
use crate::identity::{Identity, IdentityArgs};
use crate::limits::{LimitArgs, Limits};

/// The start command of a container whose spec names none: the controller script that
/// `ctnctl rootfs skeleton` writes, which runs `/etc/ctn/start.d/*` in order.
pub const DEFAULT_START: &str = "/etc/ctn/start";

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domainname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loopback: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Record the files its processes open, for `ctnctl capture` (at creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_files: Option<bool>,
    /// Events the history keeps (default 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<u32>,
    /// Capabilities added to and dropped from the default set (`ctnctl create --cap-add`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(default, skip_serializing_if = "LimitArgs::is_empty")]
    pub limits: LimitArgs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<Root>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Start>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
}

/// The container's root file system: a directory of its own (`path`), or a skeleton shared
/// read-only with other containers, its writes kept private in an overlay under the state
/// directory (`skeleton`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Root {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skeleton: Option<PathBuf>,
    /// Write `/etc/hostname` and `/etc/hosts` for the container's identity at start
    /// (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapt: Option<bool>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// The first process and its arguments (default `/etc/ctn/start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// Run inside the container first (for example a service's own shutdown command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// How long the stop command may run (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Between SIGTERM and SIGKILL (default 5s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<String>,
}

/// Which kind of root a checked spec has.
#[derive(Clone, Debug, PartialEq)]
pub enum RootKind {
    Own(PathBuf),
    Skeleton(PathBuf),
}

/// A spec whose every value passed its checks.
pub struct Checked<'a> {
    pub spec: &'a Spec,
    pub identity: Identity<'a>,
    pub limits: Limits,
    pub root: Option<RootKind>,
    pub start: Vec<String>,
    pub stop: Option<Vec<String>>,
    pub stop_timeout: Duration,
    pub grace: Duration,
}

/// A command-line option named in a message, as the spec key it stands for.
fn as_keys(msg: String) -> String {
    let mut out = msg;
    for (option, key) in [
        ("--max-tasks", "limits.max_tasks"),
        ("--max-memory", "limits.max_memory"),
        ("--max-files", "limits.max_files"),
        ("--max-disk", "limits.max_disk"),
        ("--max-cpu-time", "limits.max_cpu_time"),
        ("--cpu-share", "limits.cpu_share"),
        ("--max-net-rate", "limits.max_net_rate"),
        ("--hostname", "hostname"),
        ("--domainname", "domainname"),
        ("--loopback", "loopback"),
        ("--ip", "ip"),
        ("--mac", "mac"),
    ] {
        out = out.replace(option, key);
    }
    out
}

fn duration(key: &str, value: Option<&str>, default: Duration) -> Result<Duration, String> {
    match value {
        None => Ok(default),
        Some(v) => humantime::parse_duration(v)
            .map_err(|_| format!("{key} '{v}': give a duration such as 5s or 1m")),
    }
}

fn command(key: &str, value: &Option<Vec<String>>) -> Result<Option<Vec<String>>, String> {
    match value {
        Some(c) if c.is_empty() || c[0].is_empty() => Err(format!(
            "{key}: give the program and its arguments, e.g. [\"/etc/ctn/start\"]"
        )),
        Some(c) if !c[0].starts_with('/') => Err(format!(
            "{key}: '{}' must be an absolute path (inside the container's root)",
            c[0]
        )),
        other => Ok(other.clone()),
    }
}

impl Spec {
    /// The capability set its `cap_add` and `cap_drop` make from the default one; a bad
    /// name is reported with the key and `origin`, like every other key.
    pub fn caps(&self, origin: &str) -> Result<u64, Error> {
        let args = CapArgs {
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
        };
        args.resolve(ctn_uapi::CTN_CAPS_DEFAULT)
            .map_err(|e| match e {
                Error::Usage(m) => Error::Usage(format!("{origin}: cap_add/cap_drop: {m}")),
                e => e,
            })
    }

    /// Parses a spec; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Spec, Error> {
        toml::from_str(text).map_err(|e| Error::Usage(format!("{origin}: {e}")))
    }

    pub fn load(path: &Path) -> Result<Spec, Error> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::Io(path.display().to_string(), e))?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    fn identity_args(&self) -> IdentityArgs {
        IdentityArgs {
            hostname: self.hostname.clone(),
            domainname: self.domainname.clone(),
            ip: self.ip.clone(),
            loopback: self.loopback.clone(),
            mac: self.mac.clone(),
            alias_on: None,
        }
    }

    /// Checks every value; messages name the spec (`origin`) and the key.
    pub fn check<'a>(
        &'a self,
        origin: &str,
        args: &'a mut (IdentityArgs, LimitArgs),
    ) -> Result<Checked<'a>, Error> {
        let fail = |msg: String| Error::Usage(format!("{origin}: {}", as_keys(msg)));
        crate::names::check(&self.name).map_err(|e| fail(format!("name: {e}")))?;
        if let Some(h) = self.history {
            if h > ctn_uapi::CTN_HISTORY_MAX {
                return Err(fail(format!(
                    "history {h}: at most {}",
                    ctn_uapi::CTN_HISTORY_MAX
                )));
            }
        }
        if self.loopback.is_some() && self.ip.is_none() {
            return Err(fail("loopback needs an ip".into()));
        }
        *args = (self.identity_args(), self.limits.clone());
        let args: &'a (IdentityArgs, LimitArgs) = args;
        let identity = args.0.check().map_err(|e| fail(e.to_string()))?;
        let limits = args.1.check().map_err(|e| fail(e.to_string()))?;
        let root = match &self.root {
            None => None,
            Some(r) => {
                let (kind, key, dir) = match (&r.path, &r.skeleton) {
                    (Some(p), None) => (RootKind::Own(p.clone()), "root.path", p),
                    (None, Some(s)) => (RootKind::Skeleton(s.clone()), "root.skeleton", s),
                    _ => return Err(fail("root: give either path (a root of its own) or skeleton (shared, with private writes)".into())),
                };
                if !dir.is_absolute() {
                    return Err(fail(format!(
                        "{key} '{}': give an absolute path",
                        dir.display()
                    )));
                }
                if !dir.is_dir() {
                    return Err(fail(format!(
                        "{key} '{}': no such directory",
                        dir.display()
                    )));
                }
                Some(kind)
            }
        };
        let start = command(
            "start.command",
            &self.start.as_ref().and_then(|s| s.command.clone()),
        )
        .map_err(fail)?
        .unwrap_or_else(|| vec![DEFAULT_START.to_string()]);
        let stop = self.stop.clone().unwrap_or_default();
        Ok(Checked {
            spec: self,
            identity,
            limits,
            root,
            start,
            stop: command("stop.command", &stop.command).map_err(fail)?,
            stop_timeout: duration(
                "stop.timeout",
                stop.timeout.as_deref(),
                Duration::from_secs(10),
            )
            .map_err(fail)?,
            grace: duration("stop.grace", stop.grace.as_deref(), Duration::from_secs(5))
                .map_err(fail)?,
        })
    }
}

/// Where specs and per-container state live.
pub struct Dirs {
    pub specs: PathBuf,
    pub state: PathBuf,
}

impl Dirs {
    pub fn spec_path(&self, name: &str) -> PathBuf {
        self.specs.join(format!("{name}.toml"))
    }

    /// The stored spec of container `name`, if it has one.
    pub fn spec(&self, name: &str) -> Result<Option<Spec>, Error> {
        let path = self.spec_path(name);
        if !path.exists() {
            return Ok(None);
        }
        Spec::load(&path).map(Some)
    }

    /// The stored spec of `name`, for verbs that need one.
    pub fn require_spec(&self, name: &str) -> Result<Spec, Error> {
        self.spec(name)?.ok_or_else(|| {
            Error::Refused(format!(
                "container '{name}' has no spec in {}.\n  Write one and run `ctnctl apply FILE` (see `ctnctl help apply`).",
                self.specs.display()
            ))
        })
    }

    pub fn store(&self, spec: &Spec) -> Result<(), Error> {
        std::fs::create_dir_all(&self.specs)
            .map_err(|e| Error::Io(self.specs.display().to_string(), e))?;
        let path = self.spec_path(&spec.name);
        std::fs::write(&path, spec.to_toml()).map_err(|e| Error::Io(path.display().to_string(), e))
    }

    /// The container's own state directory (overlay layers, console log).
    pub fn state_of(&self, name: &str) -> PathBuf {
        self.state.join(name)
    }

    /// Makes (or, made by an older ctnctl, closes) the state directory of `name`: mode 0700,
    /// because a container's root lives in it and may hold setuid files that the container
    /// made or an archive brought: a host user who reached them would run them as host root.
    pub fn make_state(&self, name: &str) -> Result<PathBuf, Error> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let dir = self.state_of(name);
        let fail = |e| Error::Io(dir.display().to_string(), e);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(fail)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), String> {
        let spec = Spec::parse(text, "t.toml").map_err(|e| e.to_string())?;
        let mut args = Default::default();
        spec.check("t.toml", &mut args)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn good_spec_round_trips() {
        let text = r#"
name = "web1"
hostname = "web1.example"
ip = "127.0.10.1"
[limits]
max_tasks = 64
max_memory = "64M"
cpu_share = "25%"
[root]
skeleton = "/"
[stop]
grace = "2s"
"#;
        check(text).unwrap();
        let spec = Spec::parse(text, "t").unwrap();
        assert_eq!(Spec::parse(&spec.to_toml(), "again").unwrap(), spec);
    }

    #[test]
    fn bad_specs_name_the_key() {
        for (text, key) in [
            ("name = \"a\"\nhostnme = \"x\"", "hostnme"),
            ("name = \"a\"\nip = \"300.1.1.1\"", "ip '300.1.1.1'"),
            (
                "name = \"a\"\n[root]\npath = \"/no/such/dir\"",
                "root.path '/no/such/dir': no such directory",
            ),
            (
                "name = \"a\"\n[limits]\nmax_memory = \"lots\"",
                "limits.max_memory 'lots'",
            ),
            ("name = \"a b\"", "name"),
            (
                "name = \"a\"\n[start]\ncommand = [\"start\"]",
                "start.command",
            ),
            (
                "name = \"a\"\n[root]\npath = \"/\"\nskeleton = \"/\"",
                "either path",
            ),
        ] {
            let err = check(text).unwrap_err();
            assert!(err.contains(key), "{text:?}: {err}");
        }
    }
}
