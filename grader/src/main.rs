//! `grade`: the kit's grader.
//!
//!     cargo grade                  # this checkout's labs/: a table
//!     cargo grade SUBMISSIONS --out OUT    # a class
//!
//! The class form grades each student's `labs/` files (and nothing else of
//! what they handed in) with the kit's own tests, on a scratch copy of the
//! kit, inside a sandbox where there is one, and writes OUT/grades.csv,
//! OUT/grades.json and OUT/feedback/. How to use it: docs/en/instructors.md
//! (docs/es/instructors.md).
//!
//! The modules, in the order a student's submission meets them:
//! submission (who handed in what; archive reads folders and archives,
//! labfiles matches file names) -> run (scratch kit, build) and sandbox
//! (where students' code runs), procs (time limits, leftovers), limits
//! (what a run may take of the computer, and which limit it hit) -> grading
//! (stubs, scores, via libtest; messages makes what the student reads fit
//! to hand back) -> report and feedback (what is written);
//! class is the class form, checkout the progress form, progress the
//! console, lang the two languages.

mod archive;
mod checkout;
mod class;
mod feedback;
mod grading;
mod kit;
mod labfiles;
mod lang;
mod libtest;
mod limits;
mod messages;
mod procs;
mod progress;
mod report;
mod run;
mod sandbox;
mod submission;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Parser;

use kit::Kit;
use lang::Lang;
use limits::{Caps, Limits};

/// Grades the labs: this checkout's (a table), or a whole class's.
#[derive(Parser)]
#[command(
    version,
    about,
    after_help = "Guide: docs/en/instructors.md (docs/es/instructors.md)"
)]
pub struct Args {
    /// A folder with one folder or archive (.zip, .tar.gz) per student (its
    /// name is the student's id). Without it, grades this checkout's labs/
    submissions: Option<PathBuf>,
    /// Where the class's grades.csv, grades.json and feedback/ go
    #[arg(long, value_name = "OUT")]
    out: Option<PathBuf>,
    /// Students graded at once [default: the number of cores]
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Seconds one lab's tests may run before they are stopped
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// Language of the console, the table and the feedback [default:
    /// SOCKETS_LAB_LANG, else English; the feedback: both]
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// Also write the result in GitHub Classroom's form to FILE: one
    /// student's repository, the progress form only
    #[arg(long, value_name = "FILE", conflicts_with = "submissions")]
    classroom: Option<PathBuf>,
    /// Write grader/given.txt again: the tests the kit's starters pass
    #[arg(long, conflicts_with_all = ["submissions", "classroom"])]
    write_given: bool,
    /// Grade without a sandbox even where bubblewrap works (inside a
    /// container made for grading)
    #[arg(long)]
    no_sandbox: bool,
    /// Memory one lab's tests may use, every program they start together,
    /// files in their /tmp included (MiB)
    #[arg(long, value_name = "MIB", default_value_t = limits::MEMORY_MIB)]
    memory: u64,
    /// Processes and threads one lab's tests may have at once
    #[arg(long, value_name = "N", default_value_t = limits::PROCESSES)]
    processes: u64,
    /// What one lab's tests may write: any one file, and all of their /tmp
    /// together (MiB)
    #[arg(long, value_name = "MIB", default_value_t = limits::DISK_MIB)]
    disk: u64,
    /// CPU time one lab's tests may use, every program together (seconds)
    #[arg(long, value_name = "SECS", default_value_t = limits::CPU_SECS)]
    cpu_time: u64,
    /// Memory one build may use, cargo and every compiler it starts (MiB)
    #[arg(long, value_name = "MIB", default_value_t = limits::BUILD_MEMORY_MIB)]
    build_memory: u64,
    /// Grade without those limits
    #[arg(long)]
    no_limits: bool,
    /// Print each test target's result in the log of a `cargo test` run
    /// (for the kit's CI), one `TARGET RESULT PASSED FAILED` line each
    #[arg(long, value_name = "LOG", conflicts_with_all = ["submissions", "classroom", "write_given"])]
    read_test_log: Option<PathBuf>,
    /// With --read-test-log: print instead the lab tests that passed in it,
    /// one `labN TEST` line each, as grader/given.txt lists them (for the
    /// kit's CI: the starters' log against given.txt, also under Wine)
    #[arg(long, requires = "read_test_log")]
    passed_lab_tests: bool,
    /// The kit whose tests grade [default: the checkout the grader was built in]
    #[arg(long, value_name = "DIR")]
    kit: Option<PathBuf>,
    /// Where the scratch copies of the kit and their builds go [default:
    /// the kit's target folder, grade/]
    #[arg(long, value_name = "DIR")]
    scratch: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(log) = &args.read_test_log {
        return read_test_log(log, args.passed_lab_tests);
    }
    let kit_dir = args.kit.clone().unwrap_or_else(kit_of_this_build);
    let kit = Kit::open(&kit_dir)?;
    let lang = args.lang.or_else(Lang::from_env).unwrap_or(Lang::En);
    if kit.given.is_none() && !args.write_given {
        eprintln!(
            "{}",
            match lang {
                Lang::En => format!(
                    "warning: no {}: the tests the starters pass score too; write it with `{}`",
                    kit::GIVEN_FILE,
                    kit::WRITE_GIVEN
                ),
                Lang::Es => format!(
                    "aviso: no hay {}: los tests que ya pasan los esqueletos también cuentan; escríbelo con `{}`",
                    kit::GIVEN_FILE,
                    kit::WRITE_GIVEN
                ),
            }
        );
    }
    match &args.submissions {
        None => checkout::run(&args, &kit, lang),
        Some(submissions) => {
            let Some(out) = &args.out else {
                bail!(
                    "{}",
                    lang.pick(
                        "where should the grades go? add --out OUT",
                        "¿dónde quedan las calificaciones? agrega --out CARPETA"
                    )
                );
            };
            let limits = Limits::new(
                Caps::build(args.build_memory),
                Caps::tests(args.memory, args.processes, args.disk, args.cpu_time),
                !args.no_limits,
            );
            class::run(&args, &kit, lang, &limits, submissions, out)
        }
    }
}

/// The kit this grader was built in: the workspace its package (grader/)
/// belongs to.
fn kit_of_this_build() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package.parent().unwrap_or(package).to_path_buf()
}

/// The target folder a `cargo` run in `kit` uses: `CARGO_TARGET_DIR`, else
/// the kit's `target/`.
pub fn target_dir(kit: &Kit) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => kit.root.join(dir),
        None => kit.root.join("target"),
    }
}

/// Where the scratch slots go: `--scratch`, else TARGET/grade; absolute,
/// not canonical (on Windows a canonical path is a verbatim one, \\?\C:\...,
/// which not every tool cargo runs accepts).
pub fn scratch_dir(args: &Args, kit: &Kit) -> anyhow::Result<PathBuf> {
    let scratch = args
        .scratch
        .clone()
        .unwrap_or_else(|| target_dir(kit).join("grade"));
    fs::create_dir_all(&scratch)
        .with_context(|| format!("could not create {}", scratch.display()))?;
    Ok(std::path::absolute(&scratch)?)
}

/// `--read-test-log`: .ci/handout's and .ci/given's one reader of
/// libtest's results.
fn read_test_log(log: &Path, passed_lab_tests: bool) -> anyhow::Result<()> {
    let text =
        fs::read_to_string(log).with_context(|| format!("could not read {}", log.display()))?;
    for target in libtest::parse_cargo_log(&text) {
        if passed_lab_tests {
            // `tests/lab3.rs` -> `lab3`
            let lab = target
                .target
                .strip_prefix("tests/")
                .and_then(|file| file.strip_suffix(".rs"))
                .filter(|name| kit::lab_number(name, "").is_some());
            if let Some(lab) = lab {
                for test in &target.passing {
                    println!("{lab} {test}");
                }
            }
            continue;
        }
        println!(
            "{} {} {} {}",
            target.target.replace(' ', "_"),
            target.result,
            target.passed,
            target.failed
        );
    }
    Ok(())
}

pub fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text).with_context(|| format!("could not write {}", path.display()))
}
