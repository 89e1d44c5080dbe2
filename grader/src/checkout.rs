//! The progress form: this checkout's labs/, graded as the student's own
//! `cargo test` grades them, a table on stdout, exit status 0. One build,
//! `cargo test --no-run`, in the target folder that `cargo test` uses (so
//! right after one it rebuilds nothing), then each lab's test binary. Only
//! when a lab does not compile does it fall back to a scratch copy with a
//! stub in place of that lab's programs, so the other labs still show.
//! This is the student's own code on the student's own computer: no sandbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;

use crate::archive::{self, Budget, Kind};
use crate::grading::{self, Context, StudentGrade};
use crate::kit::{self, Kit};
use crate::lang::{LANG_VAR, Lang, count};
use crate::libtest::Outcome;
use crate::limits::Limits;
use crate::procs;
use crate::run::{Build, Slot};
use crate::sandbox::Sandbox;
use crate::settings::Settings;
use crate::{class, classroom, files, report};

/// What the progress form is asked for.
pub struct Form {
    /// Grade this folder's lab files (a student's `labs/`) instead of the
    /// checkout's, on a scratch copy, in the sandbox where there is one.
    pub labs: Option<PathBuf>,
    /// Also write the GitHub Classroom result here.
    pub classroom: Option<PathBuf>,
    /// Write grader/given.txt from what the starters pass, and nothing else.
    pub write_given: bool,
}

pub fn run(kit: &Kit, settings: &Settings, form: &Form) -> anyhow::Result<()> {
    let lang = settings.lang;
    let labs = form.labs.clone().unwrap_or_else(|| kit.root.join("labs"));
    let grading = text!(en: "grading {dir}", es: "calificando {dir}", dir = labs.display());
    eprintln!("{}", grading.get(lang));
    let grade = match &form.labs {
        Some(dir) => grade_a_labs_folder(kit, settings, dir)?,
        None => match build_in_place(kit)? {
            Some(build) => grade_in_place(kit, &build, settings.timeout, lang)?,
            None => {
                let note = text!(
                    en: "a lab does not compile: grading the others on a scratch copy of the kit",
                    es: "un lab no compila: se califican los demás en una copia de trabajo del kit",
                );
                eprintln!("{}", note.get(lang));
                grade_on_a_copy(kit, settings)?
            }
        },
    };
    if form.write_given {
        let passed: Vec<(String, String)> = grade
            .labs
            .iter()
            .flat_map(|lab| {
                lab.tests
                    .iter()
                    .filter(|t| t.outcome == Outcome::Passed)
                    .map(|t| (lab.lab.clone(), t.name.clone()))
            })
            .collect();
        let path = kit::write_given(&kit.root, &passed)?;
        let wrote = text!(
            en: "wrote {path}: {tests} that the starters pass",
            es: "se escribió {path}: {tests_es} que pasan los esqueletos",
            path = path.display(),
            tests = count(passed.len(), "test", "tests"),
            tests_es = count(passed.len(), "test", "tests"),
        );
        println!("{}", wrote.get(lang));
        return Ok(());
    }
    let tests: Vec<Vec<String>> = grade
        .labs
        .iter()
        .map(|l| l.tests.iter().map(|t| t.name.clone()).collect())
        .collect();
    class::warn_if_given_is_stale(kit, &tests, lang);
    print!("{}", report::progress_table(&grade, lang));
    let given = grade
        .labs
        .iter()
        .flat_map(|l| &l.tests)
        .filter(|t| t.given)
        .count();
    if given > 0 {
        let note = text!(
            en: "({tests} check code the kit gave you, like --help: they are not counted. \
                 Details: cargo test --test labN)",
            es: "({tests_es} {revisan} código que el kit ya te dio, como --help: no cuentan. \
                 Detalles: cargo test --test labN)",
            tests = count(given, "test", "tests"),
            tests_es = count(given, "test", "tests"),
            revisan = crate::lang::plural(given, "revisa", "revisan"),
        );
        println!("\n{}", note.get(lang));
    }
    if let Some(path) = &form.classroom {
        let result = classroom::result(&grade);
        files::write(path, serde_json::to_string_pretty(&result)? + "\n")?;
        let wrote = text!(en: "wrote {path}", es: "se escribió {path}", path = path.display());
        eprintln!("{}", wrote.get(lang));
    }
    Ok(())
}

/// A student's `labs/` folder (the Classroom workflow's checkout of their
/// repository), graded as the class form grades a hand-in: its files
/// only, on a scratch copy of this kit, in the sandbox where there is one.
/// Nothing else of the student's repository is read.
fn grade_a_labs_folder(kit: &Kit, settings: &Settings, dir: &Path) -> anyhow::Result<StudentGrade> {
    let lang = settings.lang;
    let mut budget = Budget::default();
    let entries = archive::read_hand_in(dir, "labs", &mut budget)?;
    let files: Vec<(PathBuf, Vec<u8>)> = entries
        .into_iter()
        .filter_map(|entry| match entry.kind {
            Kind::File(Some(bytes)) if entry.path.ends_with(".rs") => {
                Some((PathBuf::from(entry.path), bytes))
            }
            _ => None,
        })
        .collect();
    let sandbox = Sandbox::detect(settings.sandbox, &kit.root);
    if let Some(warning) = sandbox.warning(lang) {
        eprintln!("{warning}");
    }
    // Untrusted code on the runner: the class form's limits too.
    let limits = &settings.limits;
    eprintln!("{}", limits.summary(lang));
    let (tests, slots) = class::prepare(kit, &sandbox, limits, &settings.scratch, 1, &[], lang)?;
    let cx = Context {
        kit,
        sandbox: &sandbox,
        tests: &tests,
        limit: settings.timeout,
        limits,
        lang,
        skip: &[],
    };
    grading::grade(&slots[0], &cx, &kit_name(kit), "labs/".into(), files)
}

/// `cargo test --no-run`, as the student's `cargo test` builds: `None`
/// when a program does not compile (its errors are for the fallback).
fn build_in_place(kit: &Kit) -> anyhow::Result<Option<Build>> {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command
        .args([
            "test",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(&kit.root);
    // The variables `cargo run` set for the grader itself; the student's
    // own settings (CARGO_TARGET_DIR, RUSTFLAGS, ...) stay, as their
    // `cargo test` sees them.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key == "CARGO"
            || key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || key.starts_with("CARGO_BIN_")
            || key.starts_with("CARGO_CRATE_")
            || key.starts_with("CARGO_PRIMARY_")
            || key.starts_with("__CARGO")
        {
            command.env_remove(key.as_ref());
        }
    }
    // Cargo's progress and errors go to the console, as in `cargo test`.
    let out = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo")?;
    let build = Build::read(
        &String::from_utf8_lossy(&out.stdout),
        out.status.success(),
        String::new(),
    );
    let complete = kit
        .labs
        .iter()
        .all(|lab| build.test_executables.contains_key(&lab.name));
    Ok((out.status.success() && complete).then_some(build))
}

/// Each lab's test binary, as `cargo test` runs it; its failure messages
/// in `lang`, the table's.
fn grade_in_place(
    kit: &Kit,
    build: &Build,
    limit: Duration,
    lang: Lang,
) -> anyhow::Result<StudentGrade> {
    let sandbox = Sandbox::None("the progress form runs the student's own code".into());
    let limits = Limits::off();
    let mut labs = Vec::new();
    let mut tests = Vec::new();
    for lab in &kit.labs {
        let executable = &build.test_executables[&lab.name];
        let mut list = sandbox.test(
            &kit.root,
            &kit.root,
            executable,
            &["--list", "--format", "terse"],
            &limits,
            &limits.tests,
        );
        let listed =
            procs::run_with_limit(&mut list, Duration::from_secs(60), &limits, &limits.tests)?;
        tests.push(crate::libtest::parse_list(&listed.stdout));
    }
    let cx = Context {
        kit,
        sandbox: &sandbox,
        tests: &tests,
        limit,
        limits: &limits,
        lang,
        skip: &[],
    };
    for (lab, names) in kit.labs.iter().zip(&tests) {
        let executable = &build.test_executables[&lab.name];
        let mut command = sandbox.test(
            &kit.root,
            &kit.root,
            executable,
            &["--format", "pretty"],
            &limits,
            &limits.tests,
        );
        command
            .env("RUST_TEST_THREADS", crate::run::TEST_THREADS)
            .env(LANG_VAR, lang.code());
        let out = procs::run_with_limit(&mut command, limit, &limits, &limits.tests)?;
        labs.push(grading::lab_result(&cx, lab, names, &out, &|t| {
            t.to_string()
        }));
    }
    Ok(StudentGrade {
        id: kit_name(kit),
        found_in: Ok("labs/".into()),
        labs,
        seconds: 0.0,
        problems: Vec::new(),
        name: None,
        files: Vec::new(),
    })
}

/// The fallback: a scratch copy with stubs for what does not compile.
fn grade_on_a_copy(kit: &Kit, settings: &Settings) -> anyhow::Result<StudentGrade> {
    let (limit, lang) = (settings.timeout, settings.lang);
    let sandbox = Sandbox::None("the progress form runs the student's own code".into());
    let slot = Slot::take(&settings.scratch)?;
    slot.copy_kit(kit, &[])?;
    let stubs: Vec<_> = kit
        .labs
        .iter()
        .flat_map(|lab| &lab.files)
        .map(|file| (std::path::PathBuf::from(file), b"fn main() {}\n".to_vec()))
        .collect();
    slot.put_labs(&stubs)?;
    let limits = Limits::off();
    let build = slot.build(&sandbox, &limits)?;
    let mut tests = Vec::new();
    for lab in &kit.labs {
        let executable = build
            .test_executables
            .get(&lab.name)
            .with_context(|| format!("cargo built no test executable for tests/{}.rs", lab.name))?;
        tests.push(slot.list_tests(&sandbox, executable, &limits)?);
    }
    let cx = Context {
        kit,
        sandbox: &sandbox,
        tests: &tests,
        limit,
        limits: &limits,
        lang,
        skip: &[],
    };
    grading::grade(
        &slot,
        &cx,
        &kit_name(kit),
        "labs/".into(),
        kit.starters.clone(),
    )
}

fn kit_name(kit: &Kit) -> String {
    kit.root
        .file_name()
        .map_or("labs".into(), |n| n.to_string_lossy().into_owned())
}
