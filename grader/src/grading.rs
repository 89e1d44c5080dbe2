//! Grades one student in a slot: a fresh copy of the instructor's kit with
//! their lab files in it, a stub for each program that does not compile
//! (so the other labs still build), each lab's tests run with a time limit
//! (the kit checked, and rebuilt if a program changed it, before each lab),
//! and the scores.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::kit::{Kit, Lab};
use crate::lang::{Lang, Text, count, plural};
use crate::libtest::{self, Outcome};
use crate::limits::{BuildStopped, Hit, Limits, Usage};
use crate::messages::{crate_problem, missing_crate, scrub, trim_errors};
use crate::procs::Output;
use crate::run::{Build, Slot};
use crate::sandbox::Sandbox;

pub struct StudentGrade {
    pub id: String,
    /// Where the lab files were found (`ana.zip: repo-main/labs`), or why
    /// nothing was graded.
    pub found_in: Result<String, Text>,
    pub labs: Vec<LabGrade>,
    /// How long grading this student took (set by the caller).
    pub seconds: f64,
    /// What the instructor should know about this hand-in (the copy taken,
    /// files renamed or left out, processes left behind, ...).
    pub problems: Vec<Text>,
    /// The name on the class's roster, when there is one and the hand-in
    /// matched it.
    pub name: Option<String>,
    /// The lab files graded, by their path under `labs/` (for the copies).
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

pub struct LabGrade {
    pub lab: String,
    pub number: u32,
    pub status: Status,
    pub tests: Vec<TestResult>,
    /// Files of this lab the student did not hand in: graded as the starter.
    pub missing: Vec<String>,
    /// Processes still running when the lab's tests ended (killed then).
    pub leftovers: Vec<String>,
    /// The first step of the lab's walkthrough (`Lab::first_step`).
    pub first_step: Option<u32>,
    /// The limits its tests' run hit, the first seen first, and what the
    /// run used (where a control group counted it).
    pub limits: Vec<Hit>,
    pub usage: Option<Usage>,
    /// Tests that failed among the lab's tests run at once and passed when
    /// run again alone (`RETRIED_AT_MOST`): they count as passed.
    pub passed_alone: Vec<String>,
}

pub enum Status {
    Graded,
    /// No file of this lab in the submission: its tests were not run.
    NotHandedIn,
    /// Its files are the starters, untouched: its tests were not run (the
    /// kit's CI proves that the starters fail every scored test).
    Untouched,
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
    /// tests were stopped (at the time limit, or at a limit that stops a
    /// run) scores 0: which tests got to pass before the stop depends on
    /// timing, and a grade must not.
    pub fn score(&self) -> f64 {
        let scored = self.scored().count();
        if scored == 0 || self.stopped() {
            return 0.0;
        }
        round1(100.0 * self.passed() as f64 / scored as f64)
    }

    pub fn failures(&self) -> impl Iterator<Item = &TestResult> {
        self.scored().filter(|t| t.outcome != Outcome::Passed)
    }

    /// Whether its tests were stopped before they ended.
    pub fn stopped(&self) -> bool {
        matches!(self.status, Status::TimedOut(_)) || self.limits.iter().any(|h| h.stops_the_run())
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
    pub fn nothing(kit: &Kit, tests: &[Vec<String>], id: &str, why: Text) -> StudentGrade {
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
            problems: Vec::new(),
            name: None,
            files: Vec::new(),
        }
    }
}

/// The lowest step of the walkthrough that a failing test's message says
/// is not done yet (a starter's `todo!` names its step), with that test:
/// the step to work on next.
pub fn lowest_step(lab: &LabGrade) -> Option<(u32, &TestResult)> {
    lab.failures()
        .filter_map(|t| match &t.outcome {
            Outcome::Failed(message) => Some((libtest::step_of(libtest::todo_hint(message)?)?, t)),
            _ => None,
        })
        .min_by_key(|(step, _)| *step)
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

/// What grading every student shares: the kit, the sandbox, each lab's
/// tests (`tests[i]` lists the tests of `kit.labs[i]`), the time limit,
/// the language of the tests' failure messages.
pub struct Context<'a> {
    pub kit: &'a Kit,
    pub sandbox: &'a Sandbox,
    pub tests: &'a [Vec<String>],
    pub limit: Duration,
    pub limits: &'a Limits,
    pub lang: Lang,
    /// Folders inside the kit that are no part of it (the submissions, the
    /// grades), never copied into a slot.
    pub skip: &'a [PathBuf],
}

/// Grades the lab files `files` (relative to `labs/`) in `slot`.
pub fn grade(
    slot: &Slot,
    cx: &Context,
    id: &str,
    found_in: String,
    files: Vec<(PathBuf, Vec<u8>)>,
) -> anyhow::Result<StudentGrade> {
    let kit = cx.kit;
    // The starters stand in for whatever was not handed in.
    let mut labs_dir = kit.starters.clone();
    let handed_in = |name: &str| files.iter().any(|(rel, _)| rel == Path::new(name));
    labs_dir.retain(|(rel, _)| !files.iter().any(|(r, _)| r == rel));
    labs_dir.extend(files.iter().cloned());
    // A fresh copy of the instructor's kit for every student.
    slot.copy_kit(kit, cx.skip)?;
    slot.put_labs(&labs_dir)?;

    let mut problems = Vec::new();
    let (mut build, broken) = build_with_stubs(slot, cx, &mut labs_dir, &mut problems)?;
    let mut labs = Vec::new();
    for (lab, names) in kit.labs.iter().zip(cx.tests) {
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
                Some((
                    format!("labs/{file}"),
                    scrub(&trim_errors(errors), slot, cx),
                ))
            })
            .collect();
        let untouched = lab.files.iter().all(|file| {
            files
                .iter()
                .find(|(rel, _)| rel == Path::new(file))
                .is_none_or(|(_, bytes)| kit.is_starter(file, bytes))
        });
        let mut grade = if missing.len() == lab.files.len() {
            lab_with_all(kit, lab, names, Status::NotHandedIn, "not handed in")
        } else if untouched {
            lab_with_all(
                kit,
                lab,
                names,
                Status::Untouched,
                "the starters, untouched",
            )
        } else if !errors.is_empty() {
            let krate = broken
                .iter()
                .filter(|(src, _)| {
                    lab_file_of(kit, src).is_some_and(|f| lab.files.iter().any(|l| l == f))
                })
                .flat_map(|(_, errors)| errors)
                .find_map(|e| missing_crate(kit, e));
            if let Some(krate) = krate {
                problems.push(crate_problem(kit, lab.number, &krate));
            }
            lab_with_all(
                kit,
                lab,
                names,
                Status::DidNotCompile(errors),
                "did not compile",
            )
        } else {
            // What an earlier lab's programs changed is undone first: the
            // kit's files, the student's, and the build (without a sandbox
            // a program can change them all; with one, none).
            let changed = slot.copy_kit(kit, cx.skip)? | slot.put_labs(&labs_dir)?;
            if changed || !slot.build_is_intact(&build) {
                problems.push(text!(
                    en: "a program changed the scratch kit before lab {number}: it was rebuilt",
                    es: "un programa cambió la copia del kit antes del lab {number}: se volvió a compilar",
                    number = lab.number,
                ));
                slot.remove_changed(&build)?;
                (build, _) = build_with_stubs(slot, cx, &mut labs_dir, &mut problems)?;
            }
            run_lab(slot, cx, &build, lab, names)?
        };
        if !matches!(grade.status, Status::NotHandedIn) {
            grade.missing = missing;
        }
        for hit in &grade.limits {
            problems.push(text!(
                en: "lab {number}: hit the limit of {limit}",
                es: "lab {number}: llegó al límite de {límite}",
                number = lab.number,
                limit = hit.name(Lang::En),
                límite = hit.name(Lang::Es),
            ));
        }
        if !grade.leftovers.is_empty() {
            let n = grade.leftovers.len();
            problems.push(text!(
                en: "lab {number}: {processes} still running when its tests ended (killed)",
                es: "lab {number}: {procesos} corriendo al terminar sus tests (se detuvieron)",
                number = lab.number,
                processes = count(n, "process", "processes"),
                procesos = format!("{} {}", count(n, "proceso", "procesos"), plural(n, "seguía", "seguían")),
            ));
        }
        labs.push(grade);
    }
    Ok(StudentGrade {
        id: id.to_string(),
        found_in: Ok(found_in),
        labs,
        seconds: 0.0,
        problems,
        name: None,
        files: Vec::new(),
    })
}

/// The programs that did not compile, with the compiler's errors.
type Broken = Vec<(PathBuf, Vec<String>)>;

/// Builds the slot; a program that does not compile, or whose compiler
/// the build's limits stopped (said in `problems`), gets a stub in its
/// place (in `labs_dir` too) and the build runs again, so the other labs
/// are graded.
fn build_with_stubs(
    slot: &Slot,
    cx: &Context,
    labs_dir: &mut [(PathBuf, Vec<u8>)],
    problems: &mut Vec<Text>,
) -> anyhow::Result<(Build, Broken)> {
    let mut build = slot.build(cx.sandbox, cx.limits)?;
    if build.limit.is_some() {
        build = slot.build_one_at_a_time(cx.sandbox, cx.limits)?;
    }
    let mut broken: Broken = std::mem::take(&mut build.errors).into_iter().collect();
    if let Some(hit) = build.limit {
        let stopped = build.stopped_programs();
        if stopped.is_empty() {
            return Err(BuildStopped(hit).into());
        }
        for name in stopped {
            let file = format!("{name}.rs");
            let Some(lab) = cx.kit.lab_of_file(&file) else {
                return Err(BuildStopped(hit).into());
            };
            problems.push(text!(
                en: "lab {number}: the build of labs/{file} hit its limit of {limit}",
                es: "lab {number}: la compilación de labs/{file} llegó a su límite de {límite}",
                number = lab.number,
                limit = hit.name(Lang::En),
                límite = hit.name(Lang::Es),
            ));
            let why = format!(
                "the compiler was stopped at the build's limit of {} while it compiled this \
                 program (an enormous constant or static? an include_bytes! of a file that \
                 never ends?)",
                hit.name(Lang::En)
            );
            broken.push((Path::new("labs").join(file), vec![why]));
        }
    }
    for (src, _) in &broken {
        let Some(file) = lab_file_of(cx.kit, src) else {
            anyhow::bail!(
                "{} does not compile, and it is no lab program of the kit:\n{}",
                src.display(),
                scrub(&build.stderr, slot, cx)
            );
        };
        // The stub is what labs/ should hold from now on: the check before
        // each lab compares with it.
        for (rel, bytes) in labs_dir.iter_mut() {
            if *rel == Path::new(file) {
                *bytes = STUB.as_bytes().to_vec();
            }
        }
        std::fs::write(slot.kit.join("labs").join(file), STUB)?;
    }
    if !broken.is_empty() {
        build = slot.build(cx.sandbox, cx.limits)?;
        if let Some(hit) = build.limit {
            return Err(BuildStopped(hit).into());
        }
    }
    if !build.success {
        anyhow::bail!(
            "the kit did not build with this student's files:\n{}",
            scrub(&build.stderr, slot, cx)
        );
    }
    Ok((build, broken))
}

fn run_lab(
    slot: &Slot,
    cx: &Context,
    build: &Build,
    lab: &Lab,
    names: &[String],
) -> anyhow::Result<LabGrade> {
    let executable = build
        .test_executables
        .get(&lab.name)
        .with_context(|| format!("cargo built no test executable for tests/{}.rs", lab.name))?;
    let scrub = |text: &str| scrub(text, slot, cx);
    let run = |only: Option<&str>, limit| {
        slot.test(cx.sandbox, executable, only, limit, cx.lang, cx.limits)
    };
    let started = Instant::now();
    let mut grade = lab_result(cx, lab, names, &run(None, cx.limit)?, &scrub);
    // The time limit is the lab's, its runs again alone included.
    let mut left = cx.limit.saturating_sub(started.elapsed());
    if !slot.build_is_intact(build) {
        return Ok(grade);
    }
    for name in worth_running_alone(&grade) {
        if left.is_zero() {
            break;
        }
        let started = Instant::now();
        let out = run(Some(&name), left)?;
        left = left.saturating_sub(started.elapsed());
        grade
            .leftovers
            .extend(out.leftovers.iter().map(|l| scrub(l)));
        for hit in &out.limits {
            if !grade.limits.contains(hit) {
                grade.limits.push(*hit);
            }
        }
        grade.usage = most(grade.usage, out.usage);
        if passed_alone(&out, &name) {
            if let Some(test) = grade.tests.iter_mut().find(|t| t.name == name) {
                test.outcome = Outcome::Passed;
            }
            grade.passed_alone.push(name);
        }
    }
    Ok(grade)
}

/// The failed tests of a lab to run again, alone: those whose message says
/// a deadline passed, when there are no more than `RETRIED_AT_MOST`
/// failures in all; none when the run hit a limit.
fn worth_running_alone(grade: &LabGrade) -> Vec<String> {
    let failed: Vec<&TestResult> = grade
        .failures()
        .filter(|t| matches!(t.outcome, Outcome::Failed(_)))
        .collect();
    if grade.stopped() || !grade.limits.is_empty() || failed.len() > RETRIED_AT_MOST {
        return Vec::new();
    }
    failed
        .into_iter()
        .filter(|t| matches!(&t.outcome, Outcome::Failed(message) if missed_a_deadline(message)))
        .map(|t| t.name.clone())
        .collect()
}

/// Whether a failure's message says that a deadline passed (`within 5s`,
/// `en menos de 5 s`, as the tests write it): what a loaded machine can
/// cause. A wrong answer or a refused connection it cannot.
fn missed_a_deadline(message: &str) -> bool {
    ["within ", "en menos de "].iter().any(|phrase| {
        message
            .match_indices(phrase)
            .any(|(at, _)| message[at + phrase.len()..].starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// Whether the run of the one test `name` passed it, within every limit.
fn passed_alone(out: &Output, name: &str) -> bool {
    out.success
        && !out.timed_out
        && out.limits.is_empty()
        && libtest::parse_run(&out.stdout).get(name) == Some(&Outcome::Passed)
}

/// What two runs used: the higher peaks, the processor time of both.
fn most(a: Option<Usage>, b: Option<Usage>) -> Option<Usage> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Usage {
            memory_mib: a.memory_mib.max(b.memory_mib),
            processes: a.processes.max(b.processes),
            disk_mib: a.disk_mib.max(b.disk_mib),
            cpu_seconds: a.cpu_seconds + b.cpu_seconds,
        }),
        (a, b) => a.or(b),
    }
}

/// A lab's tests run 32 at a time, and two or more students are graded at
/// once: on a busy machine a correct program can miss a test's deadline
/// (a room's close that has 3 s of its 5 left). When a lab has this many
/// failures or fewer, each that missed a deadline is run again, alone,
/// within what is left of the lab's time limit, and one that passes then
/// counts as passed (`passed_alone`, said in grades.json and the
/// feedback): the same test, so a program that breaks the contract fails
/// it again. More failures than this are the program's, not the load's; a
/// run that hit a limit, or whose build a program changed, is not run
/// again.
const RETRIED_AT_MOST: usize = 3;

/// A lab's grade from what its test binary printed (`out`), its messages
/// passed through `scrub`.
pub fn lab_result(
    cx: &Context,
    lab: &Lab,
    names: &[String],
    out: &Output,
    scrub: &dyn Fn(&str) -> String,
) -> LabGrade {
    let mut reported = libtest::parse_run(&out.stdout);
    let status = if out.timed_out {
        Status::TimedOut(cx.limit.as_secs())
    } else if reported.is_empty() && out.limits.is_empty() {
        // The test binary itself failed: say what it said.
        let tail: Vec<&str> = out.stderr.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Status::Failed(scrub(&tail.join("\n")))
    } else {
        Status::Graded
    };
    let stopped = out.limits.iter().any(|hit| hit.stops_the_run());
    let not_run = match (&status, out.limits.first()) {
        (Status::TimedOut(secs), _) => format!("did not finish within the time limit ({secs} s)"),
        (_, Some(hit)) => format!(
            "did not finish: the tests' run hit the limit of {}",
            hit.name(cx.lang)
        ),
        _ => "did not run".to_string(),
    };
    let tests = names
        .iter()
        .map(|name| {
            let outcome = match reported.remove(name) {
                // libtest prints failures' messages at the end: a run
                // stopped at the limit never got there.
                Some(Outcome::Failed(message))
                    if message.is_empty() && (out.timed_out || stopped) =>
                {
                    Outcome::Failed("failed (its message was lost when the tests were stopped at the time limit)".into())
                }
                Some(Outcome::Failed(message)) => Outcome::Failed(scrub(&message)),
                Some(outcome) => outcome,
                None => Outcome::NotRun(not_run.clone()),
            };
            TestResult {
                name: name.clone(),
                given: cx.kit.is_given(&lab.name, name),
                outcome,
            }
        })
        .collect();
    LabGrade {
        lab: lab.name.clone(),
        number: lab.number,
        status,
        tests,
        missing: Vec::new(),
        leftovers: out.leftovers.iter().map(|l| scrub(l)).collect(),
        first_step: lab.first_step,
        limits: out.limits.clone(),
        usage: out.usage,
        passed_alone: Vec::new(),
    }
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
        leftovers: Vec::new(),
        first_step: lab.first_step,
        limits: Vec::new(),
        usage: None,
        passed_alone: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(outcomes: &[Outcome]) -> LabGrade {
        LabGrade {
            lab: "lab1".into(),
            number: 1,
            status: Status::Graded,
            tests: outcomes
                .iter()
                .enumerate()
                .map(|(i, outcome)| TestResult {
                    name: format!("server::t{i}"),
                    given: false,
                    outcome: outcome.clone(),
                })
                .collect(),
            missing: Vec::new(),
            leftovers: Vec::new(),
            first_step: Some(1),
            limits: Vec::new(),
            usage: None,
            passed_alone: Vec::new(),
        }
    }

    fn failed() -> Outcome {
        Outcome::Failed(
            "expected \"hola\" on lab1_client's stdout within 5s, got no whole line".into(),
        )
    }

    #[test]
    fn a_few_failures_are_run_again_alone() {
        let grade = lab(&[Outcome::Passed, failed(), Outcome::Passed, failed()]);
        assert_eq!(worth_running_alone(&grade), ["server::t1", "server::t3"]);
    }

    #[test]
    fn more_failures_than_the_load_explains_are_not_run_again() {
        let grade = lab(&[failed(), failed(), failed(), failed(), Outcome::Passed]);
        assert!(worth_running_alone(&grade).is_empty());
    }

    #[test]
    fn only_a_missed_deadline_is_run_again() {
        let wrong =
            Outcome::Failed("expected \"hola\", got \"HOLA\" on lab1_client's stdout".into());
        let grade = lab(&[failed(), wrong, Outcome::Passed]);
        assert_eq!(worth_running_alone(&grade), ["server::t0"]);
        assert!(missed_a_deadline(
            "se esperaba que lab5_server saliera en menos de 5 s cuando el operador escribió adios"
        ));
        assert!(!missed_a_deadline(
            "expected lab1_server to listen within the kit's rules"
        ));
    }

    #[test]
    fn a_run_that_hit_a_limit_is_not_run_again() {
        let mut grade = lab(&[failed(), Outcome::Passed]);
        grade.limits.push(Hit::Memory(512));
        assert!(worth_running_alone(&grade).is_empty());
    }

    #[test]
    fn a_stopped_run_is_not_run_again() {
        let mut grade = lab(&[failed(), Outcome::Passed]);
        grade.status = Status::TimedOut(120);
        assert!(worth_running_alone(&grade).is_empty());
    }

    #[test]
    fn a_test_passes_alone_only_when_it_reports_ok_within_the_limits() {
        let out = |stdout: &str, timed_out| Output {
            success: true,
            timed_out,
            stdout: stdout.into(),
            stderr: String::new(),
            leftovers: Vec::new(),
            limits: Vec::new(),
            usage: None,
        };
        let ok = "running 1 test\ntest server::t1 ... ok\n";
        assert!(passed_alone(&out(ok, false), "server::t1"));
        let mut failed_run = out(ok, false);
        failed_run.success = false;
        assert!(!passed_alone(&failed_run, "server::t1"));
        assert!(!passed_alone(&out(ok, true), "server::t1"));
        assert!(!passed_alone(&out(ok, false), "server::t2"));
        let failed = "running 1 test\ntest server::t1 ... FAILED\n";
        assert!(!passed_alone(&out(failed, false), "server::t1"));
    }
}
