//! ctn-bench-report: turns the `RESULT CONFIG OPERATION NS` lines of a `make bench` run into
//! `results.json` (every figure, with the versions it was measured with), `RESULTS.md` (ratios
//! to no module, targets flagged) and `scaling.svg` (per-call cost against the number of
//! containers and of tracked tasks). Exit status 0 whether or not targets are met; the
//! report says which are not.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use plotters::prelude::*;
use serde::Serialize;

#[derive(Parser)]
#[command(name = "ctn-bench-report", about = "Report of a make bench run")]
struct Cli {
    /// The raw lines (out/bench/raw.txt).
    raw: PathBuf,
    /// Where results.json, RESULTS.md and scaling.svg go.
    #[arg(long, default_value = "bench")]
    out: PathBuf,
    #[arg(long, default_value = "")]
    kernel: String,
    #[arg(long, default_value = "")]
    rustc: String,
    #[arg(long, default_value = "")]
    qemu: String,
    #[arg(long, default_value = "")]
    commit: String,
    #[arg(long, default_value = "")]
    date: String,
    /// A file appended to RESULTS.md: what the figures mean, why a target is missed.
    #[arg(long)]
    notes: Option<PathBuf>,
}

/// The configurations of the main runs, in report order.
const CONFIGS: [&str; 6] = [
    "native",
    "namespaces",
    "loaded_no_container",
    "outside",
    "inside",
    "inside_limits",
];

/// The targets: ratio to no module, compared at two decimals.
fn target(config: &str, op: &str) -> Option<f64> {
    match (config, op) {
        ("loaded_no_container", _) => Some(1.00),
        ("outside", "getpid") => Some(1.00),
        ("outside", "uname") => Some(1.20),
        ("outside", "open_close") => Some(1.04),
        ("outside", _) => Some(1.01),
        ("inside" | "inside_limits", "uname") => Some(1.30),
        ("inside" | "inside_limits", "open_close") => Some(1.06),
        ("inside" | "inside_limits", "bind_close" | "mmap_munmap") => Some(1.03),
        ("inside" | "inside_limits", "fork_exit_wait") => Some(1.02),
        ("inside" | "inside_limits", "getpid") => Some(1.00),
        _ => None,
    }
}

/// Per-call cost at 10,000 containers or tasks against the cost at 1.
const SCALING_TARGET: f64 = 1.05;

#[derive(Serialize, Clone)]
struct Figure {
    median_ns: f64,
    min_ns: u64,
    max_ns: u64,
    repetitions: usize,
}

fn figure(v: &[u64]) -> Figure {
    let mut s = v.to_vec();
    s.sort_unstable();
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2] as f64
    } else {
        (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0
    };
    Figure {
        median_ns: median,
        min_ns: s[0],
        max_ns: s[n - 1],
        repetitions: n,
    }
}

#[derive(Serialize)]
struct Row {
    operation: String,
    configuration: String,
    #[serde(flatten)]
    figure: Figure,
    ratio_to_native: f64,
    /// "median", or "min" where the native figure is bimodal (see `ratio_of`).
    ratio_of: &'static str,
    target: Option<f64>,
    above_target: bool,
}

/// Where either figure's spread is above 5% of its median, the operation takes one of two
/// costs from run to run (open + close of /dev/null here, by 856 instructions, in any
/// configuration, with or without the module: the native runs of one boot may all fall in
/// one mode and the others' in both): medians then compare whichever modes the runs fell
/// in, so the ratio is of the lowest figures, the same mode in both.
fn ratio_of(f: &Figure, base: &Figure) -> (f64, &'static str) {
    let bimodal = |x: &Figure| (x.max_ns - x.min_ns) as f64 > 0.05 * x.median_ns;
    if bimodal(base) || bimodal(f) {
        (f.min_ns as f64 / base.min_ns as f64, "min")
    } else {
        (f.median_ns / base.median_ns, "median")
    }
}

#[derive(Serialize)]
struct ScalingRow {
    series: String,
    count: u32,
    operation: String,
    #[serde(flatten)]
    figure: Figure,
    ratio_to_one: f64,
    above_target: bool,
}

#[derive(Serialize)]
struct Report {
    kernel: String,
    rustc: String,
    qemu: String,
    commit: String,
    date: String,
    method: &'static str,
    operations: Vec<Row>,
    scaling: Vec<ScalingRow>,
    lifecycle: BTreeMap<String, Figure>,
    above_target: usize,
}

const METHOD: &str = "QEMU TCG with -icount shift=0,sleep=off, one CPU: guest time is the number \
    of executed guest instructions (1 ns each), so figures repeat from run to run whatever the host \
    does; cache, TLB and branch-predictor effects are not measured. Each figure is the best batch's \
    time per operation; medians over the repetitions, with min and max.";

fn above(ratio: f64, target: f64) -> bool {
    (ratio * 100.0).round() / 100.0 > target + 1e-9
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let text = match std::fs::read_to_string(&cli.raw) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("ctn-bench-report: cannot read {}: {e}", cli.raw.display());
            return ExitCode::from(1);
        }
    };
    let mut runs: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [_, config, op, ns] = f[..] {
            if let Ok(ns) = ns.parse() {
                runs.entry((config.into(), op.into())).or_default().push(ns);
            }
        }
    }
    let ops: Vec<String> = {
        let mut o: Vec<String> = runs
            .keys()
            .filter(|(c, _)| c == "native")
            .map(|(_, op)| op.clone())
            .collect();
        o.dedup();
        o
    };
    let mut rows = Vec::new();
    for op in &ops {
        let Some(base) = runs.get(&("native".into(), op.clone())).map(|v| figure(v)) else {
            continue;
        };
        for c in CONFIGS {
            let Some(v) = runs.get(&(c.into(), op.clone())) else {
                continue;
            };
            let f = figure(v);
            let (ratio, of) = ratio_of(&f, &base);
            let t = target(c, op);
            rows.push(Row {
                operation: op.clone(),
                configuration: c.into(),
                figure: f,
                ratio_to_native: ratio,
                ratio_of: of,
                target: t,
                above_target: t.is_some_and(|t| above(ratio, t)),
            });
        }
    }
    let mut scaling = Vec::new();
    for (series, counts) in [
        ("containers", &[1u32, 100, 1000, 10000][..]),
        ("tasks", &[100, 1000, 10000][..]),
    ] {
        for op in ["uname", "fork_exit_wait"] {
            let Some(one) = runs
                .get(&("containers_1".into(), op.into()))
                .map(|v| figure(v))
            else {
                continue;
            };
            for &n in counts {
                let Some(v) = runs.get(&(format!("{series}_{n}"), op.into())) else {
                    continue;
                };
                let f = figure(v);
                let ratio = f.median_ns / one.median_ns;
                scaling.push(ScalingRow {
                    series: series.into(),
                    count: n,
                    operation: op.into(),
                    figure: f,
                    ratio_to_one: ratio,
                    above_target: n == 10000 && above(ratio, SCALING_TARGET),
                });
            }
        }
    }
    let lifecycle: BTreeMap<String, Figure> = runs
        .iter()
        .filter(|((c, _), _)| c == "lifecycle")
        .map(|((_, op), v)| (op.clone(), figure(v)))
        .collect();
    let above_target = rows.iter().filter(|r| r.above_target).count()
        + scaling.iter().filter(|r| r.above_target).count();
    let notes = match &cli.notes {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(n) => n,
            Err(e) => {
                eprintln!("ctn-bench-report: cannot read {}: {e}", p.display());
                return ExitCode::from(1);
            }
        },
        None => String::new(),
    };
    let report = Report {
        kernel: cli.kernel,
        rustc: cli.rustc,
        qemu: cli.qemu,
        commit: cli.commit,
        date: cli.date,
        method: METHOD,
        operations: rows,
        scaling,
        lifecycle,
        above_target,
    };
    let written = std::fs::create_dir_all(&cli.out)
        .and_then(|()| {
            let json = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
            std::fs::write(cli.out.join("results.json"), json + "\n")
        })
        .and_then(|()| {
            std::fs::write(
                cli.out.join("RESULTS.md"),
                markdown(&report) + "\n" + &notes,
            )
        });
    if let Err(e) = written {
        eprintln!(
            "ctn-bench-report: cannot write into {}: {e}",
            cli.out.display()
        );
        return ExitCode::from(1);
    }
    if let Err(e) = chart(&report, &cli.out.join("scaling.svg")) {
        eprintln!("ctn-bench-report: chart: {e}");
        return ExitCode::from(1);
    }
    print!("{}", markdown(&report));
    ExitCode::SUCCESS
}

fn markdown(r: &Report) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# ctn benchmark results\n");
    let _ = writeln!(
        m,
        "Commit `{}`, {}; kernel {}; {}; {}.\n",
        r.commit, r.date, r.kernel, r.rustc, r.qemu
    );
    let _ = writeln!(m, "{}\n", r.method);
    let _ = writeln!(
        m,
        "## Per operation: ratio to no module (native)\n\n\
         `namespaces`: the same process in new UTS and network namespaces (the peer); \
         `inside_limits`: inside a container with every limit set, none reached. \
         **Bold**: above its target (in brackets). `(min)`: the ratio of the lowest figures, \
         for an operation whose cost is bimodal (see the notes).\n"
    );
    let _ = writeln!(
        m,
        "| operation | native (instructions) | namespaces | loaded, no container | outside | inside | inside, limits |"
    );
    let _ = writeln!(m, "|---|---|---|---|---|---|---|");
    let mut ops: Vec<&str> = r.operations.iter().map(|o| o.operation.as_str()).collect();
    ops.dedup();
    for op in ops {
        let cell = |c: &str| {
            r.operations
                .iter()
                .find(|o| o.operation == op && o.configuration == c)
                .map_or("-".to_string(), |o| {
                    let t = o.target.map_or(String::new(), |t| format!(" [{t:.2}]"));
                    let min = if o.ratio_of == "min" { " (min)" } else { "" };
                    if o.above_target {
                        format!("**{:.3}**{t}{min}", o.ratio_to_native)
                    } else {
                        format!("{:.3}{t}{min}", o.ratio_to_native)
                    }
                })
        };
        let native = r
            .operations
            .iter()
            .find(|o| o.operation == op && o.configuration == "native")
            .map_or("-".to_string(), |o| {
                format!(
                    "{:.0} ({}-{})",
                    o.figure.median_ns, o.figure.min_ns, o.figure.max_ns
                )
            });
        let _ = writeln!(
            m,
            "| {op} | {native} | {} | {} | {} | {} | {} |",
            cell("namespaces"),
            cell("loaded_no_container"),
            cell("outside"),
            cell("inside"),
            cell("inside_limits")
        );
    }
    let _ = writeln!(
        m,
        "\n## Scaling: per-call cost inside a container, against the cost with 1 container\n\n\
         Target at 10,000: {SCALING_TARGET:.2}. Chart: `scaling.svg`.\n"
    );
    let _ = writeln!(
        m,
        "| defined | operation | instructions | ratio to 1 container |"
    );
    let _ = writeln!(m, "|---|---|---|---|");
    for s in &r.scaling {
        let ratio = if s.above_target {
            format!("**{:.3}**", s.ratio_to_one)
        } else {
            format!("{:.3}", s.ratio_to_one)
        };
        let _ = writeln!(
            m,
            "| {} {} | {} | {:.0} | {ratio} |",
            s.count, s.series, s.operation, s.figure.median_ns
        );
    }
    let _ = writeln!(m, "\n## Lifecycle\n");
    let _ = writeln!(m, "| what | guest time (median, min-max) |");
    let _ = writeln!(m, "|---|---|");
    for (what, f) in &r.lifecycle {
        let _ = writeln!(
            m,
            "| {what} | {:.0} ns ({}-{}) |",
            f.median_ns, f.min_ns, f.max_ns
        );
    }
    let _ = writeln!(m, "\n{} figures above their targets.", r.above_target);
    m
}

fn chart(r: &Report, path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = r
        .scaling
        .iter()
        .map(|s| s.ratio_to_one)
        .fold(1.10f64, f64::max)
        + 0.02;
    let mut c = ChartBuilder::on(&root)
        .caption("ctn: per-call cost inside a container", ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((1f64..10000f64).log_scale(), 0.9f64..top)?;
    c.configure_mesh()
        .x_desc("containers defined, or tasks tracked")
        .y_desc("cost / cost with 1 container")
        .draw()?;
    let colors = [&BLUE, &RED, &GREEN, &MAGENTA];
    let mut i = 0;
    for series in ["containers", "tasks"] {
        for op in ["uname", "fork_exit_wait"] {
            let points: Vec<(f64, f64)> = r
                .scaling
                .iter()
                .filter(|s| s.series == series && s.operation == op)
                .map(|s| (f64::from(s.count), s.ratio_to_one))
                .collect();
            if points.is_empty() {
                continue;
            }
            let color = colors[i % colors.len()];
            i += 1;
            c.draw_series(LineSeries::new(points.clone(), color))?
                .label(format!("{op}, {series}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            c.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    c.draw_series(LineSeries::new(
        vec![(1.0, SCALING_TARGET), (10000.0, SCALING_TARGET)],
        BLACK.mix(0.4),
    ))?
    .label("target at 10,000")
    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.4)));
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
