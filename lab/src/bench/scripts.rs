//! `lab local bench` on this machine: runs each part's benchmark script (scripts/bench-PART, which starts
//! ours and its peers in one run), keeps what it printed and recorded under docs/bench/, then writes
//! docs/benchmarks.md, the charts and the README's summary from every part's latest run.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::records::{RecordError, Records};
use super::report::{self, CHANGES, COMPONENTS, Section};

/// What `lab local bench` does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The workspace root.
    pub workspace: PathBuf,
    /// The parts to measure (empty: every part).
    pub only: Vec<String>,
    /// Shorter runs (a few seconds each) to try the pipeline; figures are noisier.
    pub quick: bool,
    /// Measure nothing: rewrite the report from the kept records.
    pub report_only: bool,
}

/// Why the report could not be written, or which parts failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A file of the report could not be read or written.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// To which file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A kept records file has a bad line.
    #[error("{}: {source}", path.display())]
    Records {
        /// The file.
        path: PathBuf,
        /// Its bad line.
        source: RecordError,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] super::charts::ChartError),
    /// The README lacks the markers the summary goes between.
    #[error(
        "the README has no summary markers ({SUMMARY_START} ... {SUMMARY_END}): put them where the summary table goes"
    )]
    Markers,
    /// The benchmarks need root; nothing was run.
    #[error(
        "lab local bench needs root (the benchmarks make network namespaces and iptables rules and install \
         Debian packages): run it with sudo, or redraw the report from the kept figures with --report-only"
    )]
    NotRoot,
    /// Some parts' benchmarks failed (the report was written from the rest).
    #[error("{} failed (their last figures, if any, are kept in the report): {}", .0.len(), .0.join("; "))]
    Parts(Vec<String>),
}

const SUMMARY_START: &str = "<!-- benchmark summary: written by lab local bench -->";
const SUMMARY_END: &str = "<!-- end of benchmark summary -->";

/// Runs the benchmarks `options` asks for, then writes the report. Parts that fail are named in the
/// error after the report is written from what the others measured.
pub fn run(options: &Options) -> Result<(), BenchError> {
    let kept = options.workspace.join("docs/bench");
    fs::create_dir_all(&kept).map_err(|source| BenchError::Io { what: "create", path: kept.clone(), source })?;
    if !options.report_only && !crate::local::host::running_as_root() {
        return Err(BenchError::NotRoot);
    }
    let mut failed = Vec::new();
    if !options.report_only {
        let parts: Vec<&str> = SCRIPTS
            .iter()
            .map(|(part, ..)| *part)
            .filter(|part| options.only.is_empty() || options.only.iter().any(|o| o == part))
            .collect();
        for (index, part) in parts.iter().enumerate() {
            eprintln!("[{}/{}] {part}", index + 1, parts.len());
            if let Err(why) = measure(part, options, &kept) {
                eprintln!("      {part} failed: {why}");
                failed.push(format!("{part}: {why}"));
            }
        }
    }
    write_report(&options.workspace)?;
    if failed.is_empty() { Ok(()) } else { Err(BenchError::Parts(failed)) }
}

/// Runs one part's script and keeps its section (PART.md) and records (PART.tsv); on failure the
/// previous ones stay.
fn measure(part: &str, options: &Options, kept: &Path) -> Result<(), String> {
    let records_file = kept.join(format!(".{part}.tsv.new"));
    let _ = fs::remove_file(&records_file);
    let (program, args) = script(part, options.quick)?;
    eprintln!("      $ BENCH_RECORDS={} {program} {}", records_file.display(), args.join(" "));
    if part == "images" && !docker_reachable() {
        return Err("no Docker daemon reachable: image sizes not measured".to_string());
    }
    let mut child = Command::new(options.workspace.join(program))
        .args(&args)
        .current_dir(&options.workspace)
        .env("BENCH_RECORDS", &records_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let mut printed = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut printed).map_err(|e| format!("cannot read what {program} printed: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("{program}: {e}"))?;
    if !status.success() {
        let _ = fs::remove_file(&records_file);
        return Err(format!("{program} {status}"));
    }
    let (section, records) = if part == "images" {
        images(&printed)
    } else {
        let records = fs::read_to_string(&records_file).map_err(|e| format!("{program} recorded nothing: {e}"))?;
        (printed, records)
    };
    let _ = fs::remove_file(&records_file);
    Records::parse(&records).map_err(|e| format!("{program} recorded a bad line: {e}"))?;
    keep(&options.workspace, part, &section, &records).map_err(|e| e.to_string())
}

/// Keeps `part`'s latest run: its section (docs/bench/PART.md) and records (PART.tsv).
pub fn keep(workspace: &Path, part: &str, section: &str, records: &str) -> Result<(), BenchError> {
    let kept = workspace.join("docs/bench");
    fs::create_dir_all(&kept).map_err(|source| BenchError::Io { what: "create", path: kept.clone(), source })?;
    write(&kept.join(format!("{part}.md")), section)?;
    write(&kept.join(format!("{part}.tsv")), records)
}

/// The parts measured on this machine, in the report's order: each with its script and the arguments
/// that make a `--quick` run (the scripts' defaults otherwise). `kind` is measured by `lab bench`.
pub const SCRIPTS: [(&str, &str, &[&str]); 6] = [
    ("go-web", "scripts/bench-go-web", &["3"]),
    ("dnsutils", "scripts/bench-dnsutils", &["30"]),
    ("cluster-dns", "scripts/bench-cluster-dns", &["3"]),
    ("mini-lb", "scripts/bench-mini-lb", &["3", "20"]),
    ("mini-proxy", "scripts/bench-mini-proxy", &["3"]),
    ("images", "scripts/images", &[]),
];

/// The script that measures `part`, with shorter runs when `quick`.
fn script(part: &str, quick: bool) -> Result<(&'static str, Vec<String>), String> {
    let (_, program, quick_args) =
        SCRIPTS.iter().find(|(name, ..)| *name == part).ok_or_else(|| format!("{part} has no bench script"))?;
    Ok((program, if quick { quick_args.iter().map(|a| a.to_string()).collect() } else { Vec::new() }))
}

fn docker_reachable() -> bool {
    Command::new("docker").arg("info").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// scripts/images prints `lab/PART:TAG SIZE kB` per image: its section and records.
fn images(printed: &str) -> (String, String) {
    let mut section = String::from(
        "## Images\n\nSizes from `scripts/images` (targets: go-web under 20 MB, dnsutils under 10 MB; each `FROM scratch`\n\
         with the binary and the glibc libraries it links):\n\n",
    );
    let mut records = String::new();
    for line in printed.lines() {
        let mut words = line.split_whitespace();
        let (Some(image), Some(size), Some("kB")) = (words.next(), words.next(), words.next()) else { continue };
        let (Some((name, _tag)), Ok(kilobytes)) = (image.split_once(':'), size.parse::<f64>()) else { continue };
        section.push_str(&format!("- {image}: {:.1} MB\n", kilobytes / 1000.0));
        records.push_str(&format!("images\t{name}\tsize\t{}\tMB\n", kilobytes / 1000.0));
    }
    (section, records)
}

/// Writes docs/benchmarks.md, docs/bench/*.svg and the README's summary from the kept runs.
pub fn write_report(workspace: &Path) -> Result<(), BenchError> {
    let kept = workspace.join("docs/bench");
    let mut records = Records::default();
    let mut sections = Vec::new();
    for part in COMPONENTS.into_iter().chain([CHANGES]) {
        let tsv = kept.join(format!("{part}.tsv"));
        if let Some(text) = read_if_present(&tsv)? {
            records.extend(Records::parse(&text).map_err(|source| BenchError::Records { path: tsv, source })?);
        }
        if let Some(markdown) = read_if_present(&kept.join(format!("{part}.md")))? {
            sections.push(Section { component: part.to_string(), markdown });
        }
    }
    let charts = report::charts(&records)?;
    remove_old_charts(&kept)?;
    for chart in &charts {
        write(&kept.join(&chart.file), &chart.svg)?;
    }
    write(&workspace.join("docs/benchmarks.md"), &report::document(&records, &sections, &charts))?;
    let readme_path = workspace.join("README.md");
    let readme = read_if_present(&readme_path)?.unwrap_or_default();
    let table = report::summary_table(&report::outcomes(&records));
    let updated = report::replace_between(&readme, SUMMARY_START, SUMMARY_END, &table).ok_or(BenchError::Markers)?;
    write(&readme_path, &updated)?;
    eprintln!("wrote docs/benchmarks.md, {} charts in docs/bench/ and the README's summary", charts.len());
    Ok(())
}

fn read_if_present(path: &Path) -> Result<Option<String>, BenchError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(BenchError::Io { what: "read", path: path.to_path_buf(), source }),
    }
}

fn write(path: &Path, text: &str) -> Result<(), BenchError> {
    fs::write(path, text).map_err(|source| BenchError::Io { what: "write", path: path.to_path_buf(), source })
}

/// Charts are redrawn from all the kept records; one a part no longer has figures for must not linger.
fn remove_old_charts(kept: &Path) -> Result<(), BenchError> {
    let entries =
        fs::read_dir(kept).map_err(|source| BenchError::Io { what: "list", path: kept.to_path_buf(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "svg") {
            fs::remove_file(&path).map_err(|source| BenchError::Io { what: "remove", path, source })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part measured here has a script, `kind` (measured by `lab bench`) has none, and the report
    /// places every part.
    #[test]
    fn parts_and_scripts() {
        for (part, program, _) in SCRIPTS {
            assert_eq!(script(part, false).expect("a script").0, program);
            assert!(COMPONENTS.contains(&part), "{part} is not in the report");
        }
        assert!(script("kind", true).is_err());
    }

    /// scripts/images' lines become the images section and size records in MB; other lines are ignored.
    #[test]
    fn image_sizes() {
        let (section, records) = images("lab/go-web:dev 7036 kB\nbuilding\nlab/dnsutils:dev 5043 kB\n");
        assert!(section.contains("- lab/go-web:dev: 7.0 MB\n- lab/dnsutils:dev: 5.0 MB\n"), "{section}");
        let records = Records::parse(&records).expect("valid");
        assert_eq!(records.get("images", "lab/dnsutils", "size"), Some(5.043));
    }

    /// The report is written from the kept runs alone: sections, records, charts and the README summary,
    /// and a README without the markers is refused with what to do.
    #[test]
    fn report_from_kept_runs() {
        let dir = std::env::temp_dir().join(format!("lab-bench-report-{}", std::process::id()));
        let kept = dir.join("docs/bench");
        fs::create_dir_all(&kept).expect("dir");
        fs::write(kept.join("go-web.md"), "## go-web\n\nMeasured today.\n").expect("md");
        fs::write(
            kept.join("go-web.tsv"),
            "go-web\tgo-web /host\treq/s\t120000\treq/s\ngo-web\tnginx\treq/s\t140000\treq/s\n",
        )
        .expect("tsv");
        fs::write(kept.join("stale.svg"), "<svg/>").expect("svg");
        fs::write(dir.join("README.md"), "# lab\n").expect("readme");
        assert!(matches!(write_report(&dir), Err(BenchError::Markers)));
        fs::write(dir.join("README.md"), format!("# lab\n{SUMMARY_START}\nold\n{SUMMARY_END}\nmore\n"))
            .expect("readme");
        write_report(&dir).expect("written");
        let document = fs::read_to_string(dir.join("docs/benchmarks.md")).expect("report");
        assert!(
            document
                .contains("| go-web | `/host` throughput | 120.0k req/s | 140.0k req/s (nginx, 1 worker) | 0.86x |")
        );
        assert!(document.contains("## go-web\n\nMeasured today."));
        assert!(kept.join("throughput.svg").is_file() && !kept.join("stale.svg").exists());
        let readme = fs::read_to_string(dir.join("README.md")).expect("readme");
        assert!(
            readme.contains("| go-web | `/host` throughput |") && !readme.contains("old") && readme.ends_with("more\n")
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
