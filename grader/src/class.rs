//! The class form: every student of SUBMISSIONS graded, `--jobs` at a
//! time, each in a slot of their own, inside the sandbox where there is
//! one; then grades.csv, grades.json and feedback/.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::grading::{self, Context, StudentGrade};
use crate::kit::{self, Kit};
use crate::lang::Lang;
use crate::limits::{BuildStopped, Limits};
use crate::progress::{Progress, since};
use crate::run::Slot;
use crate::sandbox::Sandbox;
use crate::submission::{self, Student};
use crate::{Args, feedback, report, write};

pub fn run(
    args: &Args,
    kit: &Kit,
    lang: Lang,
    limits: &Limits,
    submissions: &Path,
    out: &Path,
) -> anyhow::Result<()> {
    let students = submission::list_students(submissions)?;
    if students.is_empty() {
        bail!(
            "{} {}",
            submissions.display(),
            lang.pick(
                "has no student folders or archives",
                "no tiene carpetas ni archivos comprimidos de alumnos"
            )
        );
    }
    std::fs::create_dir_all(out.join("feedback"))
        .with_context(|| format!("could not create {}", out.display()))?;
    let sandbox = Sandbox::detect(!args.no_sandbox, &kit.root);
    let warning = |lang: Lang| sandbox.warning(lang);
    if let Some(warning) = warning(lang) {
        eprintln!("\n{}\n{warning}\n{}\n", "!".repeat(78), "!".repeat(78));
    }
    eprintln!("{}", limits.summary(lang));
    // Submissions or grades kept inside the kit are no part of it.
    let skip: Vec<PathBuf> = [submissions, out]
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, students.len());
    let start = Instant::now();
    eprintln!(
        "{}",
        match lang {
            Lang::En => format!("grading {} students, {jobs} at a time", students.len()),
            Lang::Es => format!("calificando a {} alumnos, {jobs} a la vez", students.len()),
        }
    );
    let scratch = crate::scratch_dir(args, kit)?;
    fetch_dependencies(kit, lang);
    let limit = Duration::from_secs(args.timeout);
    let (tests, slots) = prepare(kit, &sandbox, limits, &scratch, jobs, &skip, lang)?;
    warn_if_given_is_stale(kit, &tests, lang);
    // The tests write their failure messages in the console's language,
    // and the feedback quotes them in both of its languages (saying so).
    let cx = Context {
        kit,
        sandbox: &sandbox,
        tests: &tests,
        limit,
        limits,
        lang,
        skip: &skip,
    };

    let next = AtomicUsize::new(0);
    let (events, received) = mpsc::channel();
    let mut grades = Vec::new();
    thread::scope(|scope| {
        for slot in &slots {
            let events = events.clone();
            let (next, students, cx) = (&next, &students, &cx);
            scope.spawn(move || {
                while let Some(student) = students.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let _ = events.send(Event::Started(student.id.clone()));
                    let grade = grade_student(slot, cx, student);
                    let _ = events.send(Event::Finished(grade));
                }
            });
        }
        drop(events);
        let mut progress = Progress::new(students.len(), lang);
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
    grades.sort_by(|a, b| report::spanish_order(&a.id, &b.id));

    let labs: Vec<String> = kit.labs.iter().map(|l| l.name.clone()).collect();
    let table_lang = args.lang.unwrap_or(lang);
    let console_warning = warning(table_lang);
    write(
        &out.join("grades.csv"),
        &report::csv(&labs, &grades, table_lang, console_warning.as_deref()),
    )?;
    let gradebook = report::json(&labs, &grades, table_lang, console_warning.as_deref());
    write(
        &out.join("grades.json"),
        &(serde_json::to_string_pretty(&gradebook)? + "\n"),
    )?;
    // With no --lang, in both languages: the one the tests ran in first.
    let langs = match args.lang {
        Some(lang) => vec![lang],
        None if lang == Lang::En => vec![Lang::En, Lang::Es],
        None => vec![Lang::Es, Lang::En],
    };
    for grade in &grades {
        write(
            &out.join("feedback").join(format!("{}.md", grade.id)),
            &feedback::feedback(grade, &langs, lang, &warning),
        )?;
    }
    let nothing: Vec<String> = grades
        .iter()
        .filter_map(|g| {
            g.found_in
                .as_ref()
                .err()
                .map(|why| format!("  {}: {why}", g.id))
        })
        .collect();
    if !nothing.is_empty() {
        eprintln!(
            "{}\n{}",
            match lang {
                Lang::En => format!("nothing graded for {} of them (all zeros):", nothing.len()),
                Lang::Es => format!("no se calificó nada de {} (todo en cero):", nothing.len()),
            },
            nothing.join("\n")
        );
    }
    let with_problems = grades.iter().filter(|g| !g.problems.is_empty()).count();
    if with_problems > 0 {
        eprintln!(
            "{}",
            match lang {
                Lang::En => format!(
                    "{with_problems} students have problems noted: see the problems column of grades.csv"
                ),
                Lang::Es => format!(
                    "{with_problems} alumnos tienen avisos: mira la columna problems de grades.csv"
                ),
            }
        );
    }
    eprintln!(
        "{}",
        match lang {
            Lang::En => format!(
                "graded {} students in {}: {}, grades.json and feedback/",
                grades.len(),
                since(start),
                out.join("grades.csv").display()
            ),
            Lang::Es => format!(
                "se calificó a {} alumnos en {}: {}, grades.json y feedback/",
                grades.len(),
                since(start),
                out.join("grades.csv").display()
            ),
        }
    );
    if let Some(warning) = warning(lang) {
        eprintln!("\n{warning}");
    }
    Ok(())
}

enum Event {
    Started(String),
    Finished(StudentGrade),
}

/// The kit's dependencies, downloaded before any sandbox (which has no
/// network) needs them: the instructor's own kit and lock file, no
/// student's code. A kit that is already complete (or vendored) needs no
/// network for it.
fn fetch_dependencies(kit: &Kit, lang: Lang) {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(program);
    command.args(["fetch", "--locked"]).current_dir(&kit.root);
    crate::sandbox::outer_cargo_env_removed(&mut command);
    let ok = command
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "{}",
            lang.pick(
                "warning: `cargo fetch` failed: the build may miss a dependency",
                "aviso: `cargo fetch` falló: a la compilación puede faltarle una dependencia"
            )
        );
    }
}

/// One student, start to end; whatever goes wrong is that student's zero,
/// with the reason, and the class goes on.
fn grade_student(slot: &Slot, cx: &Context, student: &Student) -> StudentGrade {
    let start = Instant::now();
    let mut grade = grade_or_zero(slot, cx, student);
    grade.seconds = grading::round1(start.elapsed().as_secs_f64());
    grade
}

fn grade_or_zero(slot: &Slot, cx: &Context, student: &Student) -> StudentGrade {
    let nothing = |why: String| {
        let mut grade = StudentGrade::nothing(cx.kit, cx.tests, &student.id, why);
        grade.problems = student.unreadable.clone();
        grade
    };
    let found = match submission::find_lab_files(cx.kit, student) {
        Ok(Some(found)) => found,
        Ok(None) => return nothing("no lab files found".into()),
        Err(e) => return nothing(format!("could not read it: {e:#}")),
    };
    match grading::grade(slot, cx, &student.id, found.found_in, found.files) {
        Ok(mut grade) => {
            let mut problems = found.problems;
            problems.append(&mut grade.problems);
            grade.problems = problems;
            grade
        }
        Err(e) => {
            let mut grade = nothing(format!("could not be graded: {e:#}"));
            grade.problems = found.problems;
            if let Some(stopped) = e.downcast_ref::<BuildStopped>() {
                grade.problems.push(stopped.problem());
            }
            grade
        }
    }
}

/// Builds the kit once in the first slot, with a stub for every lab
/// program (the tests' names do not depend on them), to learn each lab's
/// tests; the other slots start from a copy of its target folder.
fn prepare(
    kit: &Kit,
    sandbox: &Sandbox,
    limits: &Limits,
    scratch: &Path,
    jobs: usize,
    skip: &[PathBuf],
    lang: Lang,
) -> anyhow::Result<(Vec<Vec<String>>, Vec<Slot>)> {
    let first = Slot::take(scratch)?;
    if !first.has_target() {
        eprintln!(
            "{}",
            match lang {
                Lang::En => format!(
                    "building the kit once in {} (a minute or two)",
                    scratch.display()
                ),
                Lang::Es => format!(
                    "compilando el kit una vez en {} (un minuto o dos)",
                    scratch.display()
                ),
            }
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
    let build = first.build(sandbox, limits)?;
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
        tests.push(first.list_tests(sandbox, executable, limits)?);
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
pub fn warn_if_given_is_stale(kit: &Kit, tests: &[Vec<String>], lang: Lang) {
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
            "{}",
            match lang {
                Lang::En => format!(
                    "warning: {} names {} tests the kit does not have ({first}, ...): write it again with `{}`",
                    kit::GIVEN_FILE,
                    stale.len(),
                    kit::WRITE_GIVEN
                ),
                Lang::Es => format!(
                    "aviso: {} nombra {} tests que el kit no tiene ({first}, ...): vuelve a escribirlo con `{}`",
                    kit::GIVEN_FILE,
                    stale.len(),
                    kit::WRITE_GIVEN
                ),
            }
        );
    }
}
