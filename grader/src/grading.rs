//! Grades one student in a slot: puts their lab files in, finds the
//! programs that do not compile and puts a stub in their place (so the
//! other labs still build), runs each lab's tests with a time limit, and
//! scores them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::kit::{Kit, Lab};
use crate::libtest::{self, Outcome};
use crate::run::Slot;

pub struct StudentGrade {
    pub id: String,
    /// Where the lab files were found (`ana.zip: repo-main/labs`), or why
    /// nothing was graded.
    pub found_in: Result<String, String>,
    pub labs: Vec<LabGrade>,
    /// How long grading this student took (set by the caller).
    pub seconds: f64,
}

pub struct LabGrade {
    pub lab: String,
    pub number: u32,
    pub status: Status,
    pub tests: Vec<TestResult>,
    /// Files of this lab the student did not hand in: graded as the starter.
    pub missing: Vec<String>,
}

pub enum Status {
    Graded,
    /// No file of this lab in the submission: its tests were not run.
    NotHandedIn,
    /// These programs did not compile; the compiler's errors, trimmed.
    DidNotCompile(Vec<(String, String)>),
    /// The tests ran past the limit (in seconds) and were stopped: 0.
    TimedOut(u64),
    /// The grader could not run the tests (cargo failed for another reason).
    Failed(String),
}

pub struct TestResult {
    pub name: String,
    /// Passed by the untouched starters too: it scores nothing.
    pub given: bool,
    pub outcome: Outcome,
}

impl LabGrade {
    /// The tests that count: all but the given ones.
    pub fn scored(&self) -> impl Iterator<Item = &TestResult> {
        self.tests.iter().filter(|t| !t.given)
    }

    pub fn passed(&self) -> usize {
        self.scored()
            .filter(|t| t.outcome == Outcome::Passed)
            .count()
    }

    /// The percentage of scored tests passed, to one decimal. A lab whose
    /// tests were stopped at the time limit scores 0: which tests got to
    /// pass before the hang depends on timing, and a grade must not.
    pub fn score(&self) -> f64 {
        let scored = self.scored().count();
        if scored == 0 || matches!(self.status, Status::TimedOut(_)) {
            return 0.0;
        }
        round1(100.0 * self.passed() as f64 / scored as f64)
    }

    pub fn failures(&self) -> impl Iterator<Item = &TestResult> {
        self.scored().filter(|t| t.outcome != Outcome::Passed)
    }
}

impl StudentGrade {
    /// The mean of the labs' scores, to one decimal.
    pub fn total(&self) -> f64 {
        if self.labs.is_empty() {
            return 0.0;
        }
        round1(self.labs.iter().map(LabGrade::score).sum::<f64>() / self.labs.len() as f64)
    }

    /// A student with nothing to grade: every lab 0, every test not run.
    pub fn nothing(kit: &Kit, tests: &[Vec<String>], id: &str, why: String) -> StudentGrade {
        let labs = kit
            .labs
            .iter()
            .zip(tests)
            .map(|(lab, names)| lab_with_all(kit, lab, names, Status::NotHandedIn, "not handed in"))
            .collect();
        StudentGrade {
            id: id.to_string(),
            found_in: Err(why),
            labs,
            seconds: 0.0,
        }
    }
}

pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Stands in for a program that does not compile, so that the rest of the
/// package builds; its lab's tests are not run.
const STUB: &str = "// Put here by the grader: the student's file did not compile.\n\
                    fn main() {\n    \
                        eprintln!(\"error: this program did not compile when it was graded\");\n    \
                        std::process::exit(1);\n\
                    }\n";

/// Errors shown per program: the first ones are the ones to fix first.
const MAX_ERRORS: usize = 3;
const MAX_ERROR_LINES: usize = 40;

/// Grades the lab files `files` (relative to `labs/`) in `slot`.
/// `tests[i]` lists the tests of `kit.labs[i]`.
pub fn grade(
    slot: &Slot,
    kit: &Kit,
    tests: &[Vec<String>],
    id: &str,
    found_in: String,
    files: Vec<(PathBuf, Vec<u8>)>,
    limit: Duration,
) -> anyhow::Result<StudentGrade> {
    // The starters stand in for whatever was not handed in.
    let mut labs_dir = kit.starters.clone();
    let handed_in = |name: &str| files.iter().any(|(rel, _)| rel == Path::new(name));
    labs_dir.retain(|(rel, _)| !files.iter().any(|(r, _)| r == rel));
    labs_dir.extend(files.iter().cloned());
    slot.put_labs(&labs_dir)?;

    let mut build = slot.build()?;
    let broken: Vec<(PathBuf, Vec<String>)> =
        std::mem::take(&mut build.errors).into_iter().collect();
    for (src, _) in &broken {
        let Some(file) = lab_file_of(kit, src) else {
            anyhow::bail!(
                "{} does not compile, and it is no lab program of the kit:\n{}",
                src.display(),
                build.stderr
            );
        };
        std::fs::write(slot.kit.join("labs").join(file), STUB)?;
    }
    if !broken.is_empty() {
        build = slot.build()?;
    }
    if !build.success {
        anyhow::bail!(
            "the kit did not build with this student's files:\n{}",
            build.stderr
        );
    }

    let mut labs = Vec::new();
    for (lab, names) in kit.labs.iter().zip(tests) {
        let missing: Vec<String> = lab
            .files
            .iter()
            .filter(|f| !handed_in(f))
            .cloned()
            .collect();
        let errors: Vec<(String, String)> = broken
            .iter()
            .filter_map(|(src, errors)| {
                let file = lab_file_of(kit, src).filter(|f| lab.files.iter().any(|l| l == f))?;
                Some((format!("labs/{file}"), trim_errors(errors)))
            })
            .collect();
        let mut grade = if missing.len() == lab.files.len() {
            lab_with_all(kit, lab, names, Status::NotHandedIn, "not handed in")
        } else if !errors.is_empty() {
            lab_with_all(
                kit,
                lab,
                names,
                Status::DidNotCompile(errors),
                "did not compile",
            )
        } else {
            run_lab(slot, kit, lab, names, limit)?
        };
        if !matches!(grade.status, Status::NotHandedIn) {
            grade.missing = missing;
        }
        labs.push(grade);
    }
    Ok(StudentGrade {
        id: id.to_string(),
        found_in: Ok(found_in),
        labs,
        seconds: 0.0,
    })
}

fn run_lab(
    slot: &Slot,
    kit: &Kit,
    lab: &Lab,
    names: &[String],
    limit: Duration,
) -> anyhow::Result<LabGrade> {
    let out = slot.test(&lab.name, limit)?;
    let mut reported = libtest::parse_run(&out.stdout);
    let status = if out.timed_out {
        Status::TimedOut(limit.as_secs())
    } else if reported.is_empty() {
        // cargo itself failed: say what it said.
        Status::Failed(
            out.stderr
                .lines()
                .rev()
                .take(20)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n"),
        )
    } else {
        Status::Graded
    };
    let not_run = match status {
        Status::TimedOut(secs) => format!("did not finish within the time limit ({secs} s)"),
        _ => "did not run".to_string(),
    };
    let tests = names
        .iter()
        .map(|name| {
            let outcome = match reported.remove(name) {
                // libtest prints failures' messages at the end: a run
                // stopped at the limit never got there.
                Some(Outcome::Failed(message)) if message.is_empty() && out.timed_out => {
                    Outcome::Failed("failed (its message was lost when the tests were stopped at the time limit)".into())
                }
                Some(outcome) => outcome,
                None => Outcome::NotRun(not_run.clone()),
            };
            TestResult {
                name: name.clone(),
                given: kit.is_given(&lab.name, name),
                outcome,
            }
        })
        .collect();
    Ok(LabGrade {
        lab: lab.name.clone(),
        number: lab.number,
        status,
        tests,
        missing: Vec::new(),
    })
}

/// The lab program a source path that cargo names is (`lab2_server.rs` for
/// `.../labs/lab2_server.rs`), by name: the path cargo prints may be
/// spelled differently from the slot's (a symbolic link resolved, a
/// Windows drive prefix).
fn lab_file_of<'a>(kit: &'a Kit, src: &Path) -> Option<&'a str> {
    let in_labs = src.parent()?.file_name()? == "labs";
    let name = src.file_name()?.to_str()?;
    let lab = kit.lab_of_file(name).filter(|_| in_labs)?;
    lab.files.iter().find(|f| *f == name).map(String::as_str)
}

/// A lab whose tests were not run: each one with `why`.
fn lab_with_all(kit: &Kit, lab: &Lab, names: &[String], status: Status, why: &str) -> LabGrade {
    LabGrade {
        lab: lab.name.clone(),
        number: lab.number,
        status,
        tests: names
            .iter()
            .map(|name| TestResult {
                name: name.clone(),
                given: kit.is_given(&lab.name, name),
                outcome: Outcome::NotRun(why.to_string()),
            })
            .collect(),
        missing: Vec::new(),
    }
}

/// The first few errors, each cut to a screenful.
fn trim_errors(errors: &[String]) -> String {
    let mut text = String::new();
    for error in errors.iter().take(MAX_ERRORS) {
        let lines: Vec<&str> = error.lines().collect();
        text.push_str(&lines[..lines.len().min(MAX_ERROR_LINES)].join("\n"));
        text.push_str("\n\n");
    }
    if errors.len() > MAX_ERRORS {
        text.push_str(&format!(
            "[... and {} more errors]\n",
            errors.len() - MAX_ERRORS
        ));
    }
    text.trim_end().to_string()
}
