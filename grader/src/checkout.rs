//! The progress form: this checkout's labs/, graded as the student's own
//! `cargo test` grades them, a table on stdout, exit status 0. One build,
//! `cargo test --no-run`, in the target folder that `cargo test` uses (so
//! right after one it rebuilds nothing), then each lab's test binary. Only
//! when a lab does not compile does it fall back to a scratch copy with a
//! stub in place of that lab's programs, so the other labs still show.
//! This is the student's own code on the student's own computer: no sandbox.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;

use crate::grading::{self, Context, StudentGrade};
use crate::kit::{self, Kit};
use crate::lang::{LANG_VAR, Lang};
use crate::libtest::Outcome;
use crate::limits::Limits;
use crate::procs;
use crate::run::{Build, Slot};
use crate::sandbox::Sandbox;
use crate::{Args, class, report, write};

pub fn run(args: &Args, kit: &Kit, lang: Lang) -> anyhow::Result<()> {
    eprintln!(
        "{} {}",
        lang.pick("grading", "calificando"),
        kit.root.join("labs").display()
    );
    let limit = Duration::from_secs(args.timeout);
    let grade = match build_in_place(kit)? {
        Some(build) => grade_in_place(kit, &build, limit, lang)?,
        None => {
            eprintln!(
                "{}",
                lang.pick(
                    "a lab does not compile: grading the others on a scratch copy of the kit",
                    "un lab no compila: se califican los demás en una copia de trabajo del kit"
                )
            );
            grade_on_a_copy(args, kit, limit, lang)?
        }
    };
    if args.write_given {
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
        println!(
            "{}",
            match lang {
                Lang::En => format!(
                    "wrote {}: {} tests that the starters pass",
                    path.display(),
                    passed.len()
                ),
                Lang::Es => format!(
                    "se escribió {}: {} tests que pasan los esqueletos",
                    path.display(),
                    passed.len()
                ),
            }
        );
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
        let result = report::classroom(&grade);
        write(path, &(serde_json::to_string_pretty(&result)? + "\n"))?;
        eprintln!("{} {}", lang.pick("wrote", "se escribió"), path.display());
    }
    Ok(())
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
    })
}

/// The fallback: a scratch copy with stubs for what does not compile.
fn grade_on_a_copy(
    args: &Args,
    kit: &Kit,
    limit: Duration,
    lang: Lang,
) -> anyhow::Result<StudentGrade> {
    let sandbox = Sandbox::None("the progress form runs the student's own code".into());
    let scratch = crate::scratch_dir(args, kit)?;
    let slot = Slot::take(&scratch)?;
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
