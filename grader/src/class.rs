//! The class form: every student of SUBMISSIONS (and of the roster) graded,
//! `--jobs` at a time, each in a slot of their own, inside the sandbox
//! where there is one; then the copies looked for, and grades.csv,
//! grades.json, copies.md and feedback/ written. `run` reads as those
//! steps, one function each.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use anyhow::{Context as _, bail};

use crate::copies::{self, Copies};
use crate::grading::{self, Context, StudentGrade};
use crate::kit::{self, Kit};
use crate::lang::{Lang, Text, count, plural};
use crate::limits::{BuildStopped, Limits};
use crate::progress::{Progress, since};
use crate::roster::{self, Roster};
use crate::run::Slot;
use crate::sandbox::Sandbox;
use crate::settings::Settings;
use crate::submission::{self, Student};
use crate::{archive, feedback, files, report};

/// What the class form writes in OUT, all of it made again by every run.
const FEEDBACK: &str = "feedback";
const OUTPUTS: &[&str] = &["grades.csv", "grades.json", copies::REPORT, copies::DOLOS];

pub fn run(
    kit: &Kit,
    settings: &Settings,
    submissions: &Path,
    out: &Path,
    roster: Option<&Roster>,
) -> anyhow::Result<()> {
    let lang = settings.lang;
    let students = list_students(submissions, roster, lang)?;
    clear_earlier_grades(out, lang)?;
    let sandbox = Sandbox::detect(settings.sandbox, &kit.root);
    if let Some(warning) = sandbox.warning(lang) {
        eprintln!("\n{}\n{warning}\n{}\n", "!".repeat(78), "!".repeat(78));
    }
    eprintln!("{}", settings.limits.summary(lang));
    // Submissions or grades kept inside the kit are no part of it.
    let skip: Vec<PathBuf> = [submissions, out]
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .collect();
    let start = Instant::now();
    let grades = grade_all(kit, settings, &sandbox, &students, &skip)?;
    let copies = copies::find(kit, &grades);
    write_outputs(kit, settings, &sandbox, out, &grades, &copies)?;
    summarise(settings, out, &grades, &copies, roster, since(start));
    if let Some(warning) = sandbox.warning(lang) {
        eprintln!("\n{warning}");
    }
    Ok(())
}

/// The students: one per hand-in, or with a roster, one per person on it
/// (their hand-ins matched to them), then the hand-ins that match nobody.
fn list_students(
    submissions: &Path,
    roster: Option<&Roster>,
    lang: Lang,
) -> anyhow::Result<Vec<Student>> {
    let hand_ins = submission::list_students(submissions)?;
    if hand_ins.is_empty() && roster.is_none() {
        let empty = text!(
            en: "{dir} has no student folders or archives",
            es: "{dir} no tiene carpetas ni archivos comprimidos de alumnos",
            dir = submissions.display(),
        );
        bail!("{}", empty.get(lang));
    }
    Ok(match roster {
        Some(roster) => roster::assign(roster, hand_ins),
        None => hand_ins,
    })
}

/// An OUT that already holds grades: said, and what an earlier run wrote
/// there removed, so that no old feedback lies beside the new.
fn clear_earlier_grades(out: &Path, lang: Lang) -> anyhow::Result<()> {
    let feedback = out.join(FEEDBACK);
    let old_feedback: Vec<PathBuf> = std::fs::read_dir(&feedback)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    let old: Vec<PathBuf> = OUTPUTS
        .iter()
        .map(|name| out.join(name))
        .filter(|p| p.exists())
        .chain(old_feedback)
        .collect();
    if !old.is_empty() {
        let warning = text!(
            en: "note: {dir} already held grades; its {files} from the earlier run were removed first",
            es: "nota: {dir} ya tenía calificaciones; primero se quitaron sus {archivos} de la corrida anterior",
            dir = out.display(),
            files = count(old.len(), "file", "files"),
            archivos = count(old.len(), "archivo", "archivos"),
        );
        eprintln!("{}", warning.get(lang));
        for path in old {
            std::fs::remove_file(&path)
                .with_context(|| format!("could not remove {}", path.display()))?;
        }
    }
    std::fs::create_dir_all(&feedback)
        .with_context(|| format!("could not create {}", feedback.display()))
}

/// Every student graded, `--jobs` at a time, with a line each on the
/// console as they finish; in the order of `students`.
fn grade_all(
    kit: &Kit,
    settings: &Settings,
    sandbox: &Sandbox,
    students: &[Student],
    skip: &[PathBuf],
) -> anyhow::Result<Vec<StudentGrade>> {
    let lang = settings.lang;
    let jobs = settings
        .jobs
        .unwrap_or_else(|| thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, students.len().max(1));
    let start = text!(
        en: "grading {students}, {jobs} at a time",
        es: "calificando a {alumnos}, {jobs} a la vez",
        students = count(students.len(), "student", "students"),
        alumnos = count(students.len(), "alumno", "alumnos"),
    );
    eprintln!("{}", start.get(lang));
    fetch_dependencies(kit, lang);
    let (tests, slots) = prepare(
        kit,
        sandbox,
        &settings.limits,
        &settings.scratch,
        jobs,
        skip,
        lang,
    )?;
    warn_if_given_is_stale(kit, &tests, lang);
    let cx = Context {
        kit,
        sandbox,
        tests: &tests,
        limit: settings.timeout,
        limits: &settings.limits,
        lang,
        skip,
    };
    let next = AtomicUsize::new(0);
    let (events, received) = mpsc::channel();
    let mut grades = Vec::new();
    thread::scope(|scope| {
        for slot in &slots {
            let events = events.clone();
            let (next, cx) = (&next, &cx);
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
    let position = |id: &str| students.iter().position(|s| s.id == id);
    grades.sort_by_key(|g| position(&g.id));
    Ok(grades)
}

enum Event {
    Started(String),
    Finished(StudentGrade),
}

/// grades.csv, grades.json, copies.md, the hand-ins for a similarity tool,
/// and each student's feedback.
fn write_outputs(
    kit: &Kit,
    settings: &Settings,
    sandbox: &Sandbox,
    out: &Path,
    grades: &[StudentGrade],
    copies: &Copies,
) -> anyhow::Result<()> {
    let lang = settings.lang;
    let labs: Vec<String> = kit.labs.iter().map(|l| l.name.clone()).collect();
    let warning = sandbox.warning(lang);
    let book = report::Book {
        labs: &labs,
        students: grades,
        copies,
        lang,
        warning: warning.as_deref(),
    };
    files::write(&out.join("grades.csv"), report::csv(&book))?;
    let json = serde_json::to_string_pretty(&report::json(&book))? + "\n";
    files::write(&out.join("grades.json"), json)?;
    files::write(&out.join(copies::REPORT), copies.report(lang))?;
    copies::write_dolos(&out.join(copies::DOLOS), kit, grades)?;
    for grade in grades {
        let text = feedback::feedback(grade, &settings.feedback_langs, lang, &|lang| {
            sandbox.warning(lang)
        });
        files::write(&out.join(FEEDBACK).join(format!("{}.md", grade.id)), text)?;
    }
    Ok(())
}

/// The console's closing lines: who got nothing and why, how many have
/// problems noted, the copies, the roster, where it all went.
fn summarise(
    settings: &Settings,
    out: &Path,
    grades: &[StudentGrade],
    copies: &Copies,
    roster: Option<&Roster>,
    took: String,
) {
    let lang = settings.lang;
    let nothing: Vec<String> = grades
        .iter()
        .filter_map(|g| {
            g.found_in
                .as_ref()
                .err()
                .map(|why| format!("  {}: {}", g.id, why.get(lang)))
        })
        .collect();
    if !nothing.is_empty() {
        let n = nothing.len();
        let head = text!(
            en: "nothing graded for {n} of them (all zeros):",
            es: "no se calificó nada de {n} {ellos} (todo en cero):",
            ellos = plural(n, "alumno", "alumnos"),
        );
        eprintln!("{}\n{}", head.get(lang), nothing.join("\n"));
    }
    if roster.is_some() {
        let strangers: Vec<&str> = grades
            .iter()
            .filter(|g| g.name.is_none())
            .map(|g| g.id.as_str())
            .collect();
        if !strangers.is_empty() {
            let n = strangers.len();
            let head = text!(
                en: "{hand_ins} {verb} nobody on the roster (graded, at the end of grades.csv): {list}",
                es: "{entregas} no {corresponden} a nadie de la lista (se calificaron, al final de grades.csv): {list}",
                hand_ins = count(n, "hand-in", "hand-ins"),
                verb = plural(n, "matches", "match"),
                entregas = count(n, "entrega", "entregas"),
                corresponden = plural(n, "corresponde", "corresponden"),
                list = strangers.join(", "),
            );
            eprintln!("{}", head.get(lang));
        }
    }
    let with_problems = grades.iter().filter(|g| !g.problems.is_empty()).count();
    if with_problems > 0 {
        let line = text!(
            en: "{students} {have} problems noted: see the problems column of grades.csv",
            es: "{alumnos} {tienen} avisos: mira la columna problems de grades.csv",
            students = count(with_problems, "student", "students"),
            have = plural(with_problems, "has", "have"),
            alumnos = count(with_problems, "alumno", "alumnos"),
            tienen = plural(with_problems, "tiene", "tienen"),
        );
        eprintln!("{}", line.get(lang));
    }
    if let Some(line) = copies.summary() {
        eprintln!("{}", line.get(lang));
    }
    let done = text!(
        en: "graded {students} in {took}: {csv}, grades.json, {report} and feedback/",
        es: "se calificó a {alumnos} en {took}: {csv}, grades.json, {report} y feedback/",
        students = count(grades.len(), "student", "students"),
        alumnos = count(grades.len(), "alumno", "alumnos"),
        csv = out.join("grades.csv").display().to_string(),
        report = copies::REPORT,
    );
    eprintln!("{}", done.get(lang));
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
        let warning = text!(
            en: "warning: `cargo fetch` failed: the build may miss a dependency",
            es: "aviso: `cargo fetch` falló: a la compilación puede faltarle una dependencia",
        );
        eprintln!("{}", warning.get(lang));
    }
}

/// One student, start to end; whatever goes wrong is that student's zero,
/// with the reason, and the class goes on.
fn grade_student(slot: &Slot, cx: &Context, student: &Student) -> StudentGrade {
    let start = Instant::now();
    let mut grade = grade_or_zero(slot, cx, student);
    grade.seconds = grading::round1(start.elapsed().as_secs_f64());
    grade.name = student.name.clone();
    grade
}

fn grade_or_zero(slot: &Slot, cx: &Context, student: &Student) -> StudentGrade {
    let nothing = |why: Text| {
        let mut grade = StudentGrade::nothing(cx.kit, cx.tests, &student.id, why);
        grade.problems = student.notes.clone();
        grade
    };
    if student.sources.is_empty() && student.notes.is_empty() {
        return nothing(text!(en: "no hand-in", es: "no entregó nada"));
    }
    let found = match submission::find_lab_files(cx.kit, student) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return nothing(text!(
                en: "no lab files found",
                es: "no se encontró ningún archivo de los labs",
            ));
        }
        Err(e) => {
            return nothing(match archive::over_budget(&e) {
                Some(why) => text!(
                    en: "could not read it: {en}",
                    es: "no se pudo leer: {es}",
                    en = &why.en,
                    es = &why.es,
                ),
                None => text!(en: "could not read it: {e:#}", es: "no se pudo leer: {e:#}"),
            });
        }
    };
    match grading::grade(slot, cx, &student.id, found.found_in, found.files.clone()) {
        Ok(mut grade) => {
            let mut problems = found.problems;
            problems.append(&mut grade.problems);
            grade.problems = problems;
            grade.files = found.files;
            grade
        }
        Err(e) => {
            let mut grade = nothing(text!(
                en: "could not be graded: {e:#}",
                es: "no se pudo calificar: {e:#}",
            ));
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
pub fn prepare(
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
        let building = text!(
            en: "building the kit once in {dir} (a minute or two)",
            es: "compilando el kit una vez en {dir} (un minuto o dos)",
            dir = scratch.display(),
        );
        eprintln!("{}", building.get(lang));
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
        let warning = text!(
            en: "warning: {file} names {tests} the kit does not have ({first}, ...): write it again with `{command}`",
            es: "aviso: {file} nombra {tests_es} que el kit no tiene ({first}, ...): vuelve a escribirlo con `{command}`",
            file = kit::GIVEN_FILE,
            tests = count(stale.len(), "test", "tests"),
            tests_es = count(stale.len(), "test", "tests"),
            command = kit::WRITE_GIVEN,
        );
        eprintln!("{}", warning.get(lang));
    }
}
