//! `grade`: the kit's grader.
//!
//!     cargo grade                  # this checkout's labs/: a table
//!     cargo grade SUBMISSIONS --out OUT    # a class
//!     cargo grade --handout DIR    # the students' kit, made from this one
//!
//! The class form grades each student's `labs/` files (and nothing else of
//! what they handed in) with the kit's own tests, on a scratch copy of the
//! kit, inside a sandbox where there is one, and writes OUT/grades.csv,
//! OUT/grades.json, OUT/copies.md and OUT/feedback/. How to use it:
//! docs/en/instructors.md (docs/es/instructors.md).
//!
//! `main` reads the command line and the environment once (settings) and
//! passes them down. The modules, in the order a student's submission meets
//! them: roster (who is in the class) and submission (who handed in what;
//! archive reads folders and archives, labfiles matches file names) -> run
//! (scratch kit, build) and sandbox (where students' code runs), procs
//! (time limits, leftovers), limits (what a run may take of the computer,
//! and which limit it hit) -> grading (stubs, scores, via libtest;
//! messages makes what the student reads fit to hand back) -> copies and
//! similarity (hand-ins that copy the reference or each other) -> report,
//! classroom and feedback (what is written); class is the class form,
//! checkout the progress form, handout the students' kit, progress the
//! console, lang the two languages.

#[macro_use]
mod lang;
mod archive;
mod checkout;
mod class;
mod classroom;
mod copies;
mod feedback;
mod files;
mod grading;
mod handout;
mod kit;
mod labfiles;
mod libtest;
mod limits;
mod messages;
mod order;
mod procs;
mod progress;
mod report;
mod roster;
mod run;
mod sandbox;
mod settings;
mod similarity;
mod submission;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;

use kit::Kit;
use lang::Lang;
use limits::{Caps, Limits};
use settings::Settings;

/// Grades the labs: this checkout's (a table), or a whole class's; or
/// makes the students' kit.
#[derive(Parser)]
#[command(
    version,
    about,
    after_help = "Guide: docs/en/instructors.md (docs/es/instructors.md)"
)]
struct Args {
    /// A folder with one folder or archive (.zip, .tar.gz) per student (its
    /// name is the student's id). Without it, grades this checkout's labs/
    submissions: Option<PathBuf>,
    /// Where the class's grades.csv, grades.json, copies.md and feedback/ go
    #[arg(long, value_name = "OUT", requires = "submissions")]
    out: Option<PathBuf>,
    /// The class list, a CSV file: id, name and (optional) GitHub user, a
    /// row each. Every student on it gets a row; hand-ins that match nobody
    /// are listed
    #[arg(long, value_name = "FILE", requires = "submissions")]
    roster: Option<PathBuf>,
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
    /// Grade the lab files of DIR (a student's labs/ folder) instead of
    /// this checkout's, on a scratch copy of the kit, in the sandbox where
    /// there is one (the Classroom workflow's form)
    #[arg(long, value_name = "DIR", conflicts_with = "submissions")]
    labs: Option<PathBuf>,
    /// Write grader/given.txt again: the tests the kit's starters pass
    #[arg(long, conflicts_with_all = ["submissions", "classroom", "labs"])]
    write_given: bool,
    /// Make the students' kit in DIR: this kit without solutions/, dev/ and
    /// its own CI, with the GitHub Classroom workflow. Run again, it makes
    /// the same kit
    #[arg(long, value_name = "DIR", conflicts_with_all = ["submissions", "classroom", "labs", "write_given"])]
    handout: Option<PathBuf>,
    /// With --handout: put the crates in it too (vendor/), so that students
    /// build with no network
    #[arg(long, requires = "handout")]
    offline: bool,
    /// With --handout: also write DIR.zip, ready to hand out
    #[arg(long, requires = "handout")]
    zip: bool,
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
    #[arg(long, value_name = "LOG", conflicts_with_all = ["submissions", "classroom", "write_given", "handout"])]
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

/// Prints a failure as one line, `error: ...` with its causes, never a
/// backtrace (whatever RUST_BACKTRACE says).
fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(log) = &args.read_test_log {
        return read_test_log(log, args.passed_lab_tests);
    }
    let lang = args.lang.or_else(Lang::from_env).unwrap_or(Lang::En);
    let kit_dir = args.kit.clone().unwrap_or_else(kit_of_this_build);
    if let Some(dir) = &args.handout {
        let options = handout::Options {
            offline: args.offline,
            zip: args.zip,
        };
        let done = handout::make(&kit_dir, dir, &options)?;
        print!("{}", handout::summary(&done, lang));
        return Ok(());
    }
    let kit = Kit::open(&kit_dir)?;
    if kit.given.is_none() && !args.write_given {
        let warning = text!(
            en: "warning: no {file}: the tests the starters pass score too; write it with `{command}`",
            es: "aviso: no hay {file}: los tests que ya pasan los esqueletos también cuentan; escríbelo con `{command}`",
            file = kit::GIVEN_FILE,
            command = kit::WRITE_GIVEN,
        );
        eprintln!("{}", warning.get(lang));
    }
    let settings = Settings {
        lang,
        // With no --lang, in both languages: the one the tests ran in first.
        feedback_langs: match args.lang {
            Some(lang) => vec![lang],
            None if lang == Lang::En => vec![Lang::En, Lang::Es],
            None => vec![Lang::Es, Lang::En],
        },
        timeout: Duration::from_secs(args.timeout),
        jobs: args.jobs,
        sandbox: !args.no_sandbox,
        scratch: scratch_dir(args.scratch.as_deref(), &kit)?,
        limits: Limits::new(
            Caps::build(args.build_memory),
            Caps::tests(args.memory, args.processes, args.disk, args.cpu_time),
            !args.no_limits,
        ),
    };
    match &args.submissions {
        None => {
            let form = checkout::Form {
                labs: args.labs.clone(),
                classroom: args.classroom.clone(),
                write_given: args.write_given,
            };
            checkout::run(&kit, &settings, &form)
        }
        Some(submissions) => {
            let Some(out) = &args.out else {
                let missing = text!(
                    en: "where should the grades go? add --out OUT",
                    es: "¿dónde quedan las calificaciones? agrega --out CARPETA",
                );
                bail!("{}", missing.get(lang));
            };
            let roster = match &args.roster {
                Some(file) => Some(roster::read(file)?),
                None => None,
            };
            class::run(&kit, &settings, submissions, out, roster.as_ref())
        }
    }
}

/// The kit this grader was built in: the workspace its package (grader/)
/// belongs to.
fn kit_of_this_build() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package.parent().unwrap_or(package).to_path_buf()
}

/// Where the scratch slots go: `--scratch`, else the target folder a
/// `cargo` run in the kit uses (`CARGO_TARGET_DIR`, else the kit's
/// `target/`), `grade/` in it; absolute, not canonical (on Windows a
/// canonical path is a verbatim one, \\?\C:\..., which not every tool
/// cargo runs accepts).
fn scratch_dir(scratch: Option<&Path>, kit: &Kit) -> anyhow::Result<PathBuf> {
    let scratch = match scratch {
        Some(dir) => dir.to_path_buf(),
        None => match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => kit.root.join(dir).join("grade"),
            None => kit.root.join("target").join("grade"),
        },
    };
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
