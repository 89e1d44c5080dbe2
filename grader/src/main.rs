//! `grade`: the kit's grader.
//!
//!     cargo grade                  # this checkout's labs/: a table
//!     cargo grade SUBMISSIONS --out OUT    # a class
//!
//! The class form grades each student's `labs/` files (and nothing else of
//! what they handed in) with the kit's own tests, on a scratch copy of the
//! kit, and writes OUT/grades.csv, OUT/grades.json and OUT/feedback/.
//! How to use it, and why to run it in a container: docs/en/instructors.md
//! (docs/es/instructors.md).
//!
//! The modules, in the order a student's submission meets them:
//! submission (find the lab files, unzip) -> run (scratch kit, cargo) ->
//! grading (stubs, time limits, scores, via libtest) -> report and
//! feedback (what is written); progress is what the console shows.

mod feedback;
mod grading;
mod json;
mod kit;
mod libtest;
mod progress;
mod report;
mod run;
mod submission;
mod unzip;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

use feedback::Lang;
use grading::StudentGrade;
use kit::Kit;
use progress::{Progress, minutes};
use run::Slot;
use submission::Student;

/// Grades the labs: this checkout's (a table), or a whole class's.
#[derive(Parser)]
#[command(
    version,
    about,
    after_help = "Guide: docs/en/instructors.md (docs/es/instructors.md)"
)]
struct Args {
    /// A folder with one folder or .zip per student (its name is the
    /// student's id). Without it, grades this checkout's labs/
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
    /// Language of the feedback [default: both] or of the table [default: en]
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// Also write the result in GitHub Classroom's form to FILE (one checkout)
    #[arg(long, value_name = "FILE", conflicts_with = "submissions")]
    classroom: Option<PathBuf>,
    /// Write grader/given.txt again: the tests the kit's starters pass
    #[arg(long, conflicts_with_all = ["submissions", "classroom"])]
    write_given: bool,
    /// The kit whose tests grade [default: the checkout the grader was built in]
    #[arg(long, value_name = "DIR")]
    kit: Option<PathBuf>,
    /// Where the scratch copies of the kit and their builds go [default: KIT/target/grade]
    #[arg(long, value_name = "DIR")]
    scratch: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kit_dir = args.kit.clone().unwrap_or_else(kit_of_this_build);
    let kit = Kit::open(&kit_dir)?;
    let scratch = args
        .scratch
        .clone()
        .unwrap_or_else(|| kit.root.join("target/grade"));
    fs::create_dir_all(&scratch)
        .with_context(|| format!("could not create {}", scratch.display()))?;
    // Absolute, not canonical: on Windows a canonical path is a verbatim
    // one (\\?\C:\...), which not every tool cargo runs accepts.
    let scratch = std::path::absolute(&scratch)?;
    let limit = Duration::from_secs(args.timeout);
    if kit.given.is_none() && !args.write_given {
        eprintln!(
            "warning: no {}: the tests the starters already pass score too; write it with `{}`",
            kit::GIVEN_FILE,
            kit::WRITE_GIVEN
        );
    }
    match &args.submissions {
        None => progress(&args, &kit, &scratch, limit),
        Some(submissions) => {
            let Some(out) = &args.out else {
                bail!("where should the grades go? add --out OUT");
            };
            class(&args, &kit, &scratch, submissions, out, limit)
        }
    }
}

/// The kit this grader was built in: the workspace its package (grader/)
/// belongs to.
fn kit_of_this_build() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package.parent().unwrap_or(package).to_path_buf()
}

/// The progress form: this checkout's labs/, a table, exit status 0.
fn progress(args: &Args, kit: &Kit, scratch: &Path, limit: Duration) -> anyhow::Result<()> {
    eprintln!("grading {}", kit.root.join("labs").display());
    let (tests, slots) = prepare(kit, scratch, 1, &[])?;
    if !args.write_given {
        warn_if_given_is_stale(kit, &tests);
    }
    let id = kit
        .root
        .file_name()
        .map_or("labs".into(), |n| n.to_string_lossy().into_owned());
    let grade = grading::grade(
        &slots[0],
        kit,
        &tests,
        &id,
        "labs/".into(),
        kit.starters.clone(),
        limit,
    )?;
    if args.write_given {
        let passed: Vec<(String, String)> = grade
            .labs
            .iter()
            .flat_map(|lab| {
                lab.tests
                    .iter()
                    .filter(|t| t.outcome == libtest::Outcome::Passed)
                    .map(|t| (lab.lab.clone(), t.name.clone()))
            })
            .collect();
        let path = kit::write_given(&kit.root, &passed)?;
        println!(
            "wrote {}: {} tests that the starters pass",
            path.display(),
            passed.len()
        );
        return Ok(());
    }
    let lang = args.lang.unwrap_or(Lang::En);
    print!("{}", report::progress_table(&grade, lang));
    let given = grade
        .labs
        .iter()
        .flat_map(|l| &l.tests)
        .filter(|t| t.given)
        .count();
    if given > 0 {
        println!(
            "\n{}",
            match lang {
                Lang::En => format!(
                    "({given} tests check code the kit gave you, like --help: they are not counted. \
                     Details: cargo test --test labN)"
                ),
                Lang::Es => format!(
                    "({given} tests revisan código que el kit ya te dio, como --help: no cuentan. \
                     Detalles: cargo test --test labN)"
                ),
            }
        );
    }
    if let Some(path) = &args.classroom {
        write(path, &report::classroom(&grade).pretty())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The class form: every student of SUBMISSIONS, `--jobs` at a time.
fn class(
    args: &Args,
    kit: &Kit,
    scratch: &Path,
    submissions: &Path,
    out: &Path,
    limit: Duration,
) -> anyhow::Result<()> {
    let students = submission::list_students(submissions)?;
    if students.is_empty() {
        bail!(
            "{} has no student folders or .zip files",
            submissions.display()
        );
    }
    fs::create_dir_all(out.join("feedback"))
        .with_context(|| format!("could not create {}", out.display()))?;
    // Submissions or grades kept inside the kit are no part of it.
    let inside_kit: Vec<PathBuf> = [submissions, out]
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, students.len());
    let start = Instant::now();
    eprintln!("grading {} students, {jobs} at a time", students.len());
    let (tests, slots) = prepare(kit, scratch, jobs, &inside_kit)?;
    warn_if_given_is_stale(kit, &tests);

    let next = AtomicUsize::new(0);
    let (events, received) = mpsc::channel();
    let mut grades = Vec::new();
    thread::scope(|scope| {
        for slot in &slots {
            let events = events.clone();
            let (next, students, tests) = (&next, &students, &tests);
            scope.spawn(move || {
                while let Some(student) = students.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let _ = events.send(Event::Started(student.id.clone()));
                    let grade = grade_student(slot, kit, tests, student, limit);
                    let _ = events.send(Event::Finished(grade));
                }
            });
        }
        drop(events);
        let mut progress = Progress::new(students.len(), start);
        for event in received {
            match event {
                Event::Started(id) => progress.started(id),
                Event::Finished(grade) => {
                    progress.finished(&grade);
                    grades.push(grade);
                }
            }
        }
        progress.clear();
    });
    grades.sort_by(|a, b| a.id.cmp(&b.id));

    let labs: Vec<String> = kit.labs.iter().map(|l| l.name.clone()).collect();
    write(&out.join("grades.csv"), &report::csv(&labs, &grades))?;
    write(
        &out.join("grades.json"),
        &report::json(&labs, &grades).pretty(),
    )?;
    let langs = match args.lang {
        Some(lang) => vec![lang],
        None => vec![Lang::Es, Lang::En],
    };
    for grade in &grades {
        write(
            &out.join("feedback").join(format!("{}.md", grade.id)),
            &feedback::feedback(grade, &langs),
        )?;
    }
    let problems: Vec<String> = grades
        .iter()
        .filter_map(|g| {
            g.found_in
                .as_ref()
                .err()
                .map(|why| format!("  {}: {why}", g.id))
        })
        .collect();
    if !problems.is_empty() {
        eprintln!(
            "nothing graded for {} of them (all zeros):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    eprintln!(
        "graded {} students in {}: {}, grades.json and feedback/",
        grades.len(),
        minutes(start.elapsed()),
        out.join("grades.csv").display()
    );
    Ok(())
}

enum Event {
    Started(String),
    Finished(StudentGrade),
}

/// One student, start to end; whatever goes wrong is that student's zero,
/// with the reason, and the class goes on.
fn grade_student(
    slot: &Slot,
    kit: &Kit,
    tests: &[Vec<String>],
    student: &Student,
    limit: Duration,
) -> StudentGrade {
    let start = Instant::now();
    let mut grade = grade_or_zero(slot, kit, tests, student, limit);
    grade.seconds = grading::round1(start.elapsed().as_secs_f64());
    grade
}

fn grade_or_zero(
    slot: &Slot,
    kit: &Kit,
    tests: &[Vec<String>],
    student: &Student,
    limit: Duration,
) -> StudentGrade {
    let found = match submission::find_lab_files(kit, &student.path) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return StudentGrade::nothing(kit, tests, &student.id, "no lab files found".into());
        }
        Err(e) => {
            return StudentGrade::nothing(
                kit,
                tests,
                &student.id,
                format!("could not read it: {e:#}"),
            );
        }
    };
    match grading::grade(
        slot,
        kit,
        tests,
        &student.id,
        found.found_in,
        found.files,
        limit,
    ) {
        Ok(grade) => grade,
        Err(e) => StudentGrade::nothing(
            kit,
            tests,
            &student.id,
            format!("could not be graded: {e:#}"),
        ),
    }
}

/// Builds the kit once in the first slot, with a stub for every lab
/// program (the tests' names do not depend on them), to learn each lab's
/// tests; the other slots start from a copy of its target folder.
fn prepare(
    kit: &Kit,
    scratch: &Path,
    jobs: usize,
    skip: &[PathBuf],
) -> anyhow::Result<(Vec<Vec<String>>, Vec<Slot>)> {
    let first = Slot::take(scratch)?;
    if !first.has_target() {
        eprintln!(
            "building the kit once in {} (a minute or two)",
            scratch.display()
        );
    }
    first.copy_kit(kit, skip)?;
    let stubs: Vec<(PathBuf, Vec<u8>)> = kit
        .labs
        .iter()
        .flat_map(|lab| &lab.files)
        .map(|file| (PathBuf::from(file), b"fn main() {}\n".to_vec()))
        .collect();
    first.put_labs(&stubs)?;
    let build = first.build()?;
    if !build.success {
        bail!(
            "the kit does not build (with a stub for every lab program):\n{}",
            build.stderr
        );
    }
    let mut tests = Vec::new();
    for lab in &kit.labs {
        let executable = build
            .test_executables
            .get(&lab.name)
            .with_context(|| format!("cargo built no test executable for tests/{}.rs", lab.name))?;
        tests.push(first.list_tests(executable)?);
    }
    let mut slots = vec![first];
    while slots.len() < jobs {
        let slot = Slot::take(scratch)?;
        if !slot.has_target() {
            slot.seed_target_from(&slots[0])?;
        }
        slot.copy_kit(kit, skip)?;
        slots.push(slot);
    }
    Ok((tests, slots))
}

/// Warns when grader/given.txt names tests the kit no longer has (after
/// tests were renamed): those tests would score again.
fn warn_if_given_is_stale(kit: &Kit, tests: &[Vec<String>]) {
    let stale: Vec<String> = kit
        .given
        .iter()
        .flatten()
        .filter(|(lab, test)| {
            let index = kit.labs.iter().position(|l| &l.name == lab);
            !index.is_some_and(|i| tests[i].contains(test))
        })
        .map(|(lab, test)| format!("{lab} {test}"))
        .collect();
    if let Some(first) = stale.first() {
        eprintln!(
            "warning: {} names {} tests the kit does not have ({first}, ...): \
             write it again with `{}`",
            kit::GIVEN_FILE,
            stale.len(),
            kit::WRITE_GIVEN
        );
    }
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text).with_context(|| format!("could not write {}", path.display()))
}
