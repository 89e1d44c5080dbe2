//! The GitHub Classroom workflow, run here as GitHub would run it: the
//! handout (`grade --handout`) is a student repository's first commit, as
//! Classroom makes it; the student's commit finishes lab 1 and tries one
//! way to forge the grade from outside `labs/`; the workflow's own `run:`
//! steps (read from the handout's .github/workflows/classroom.yml) then
//! grade it. Every attempt must report the points of the same honest work.
//! Run: `cargo test -p sockets-lab-grader --test classroom`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Condvar, Mutex, OnceLock};

use serde_json::Value;

const KIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// What the reporter's step may take: the workflow's own bound, under
/// Linux's 131,072 bytes for one environment string.
const MAX_OUTPUT: usize = 100_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("classroom")
}

/// The handout, made once.
fn handout() -> &'static Path {
    static HANDOUT: OnceLock<PathBuf> = OnceLock::new();
    HANDOUT.get_or_init(|| {
        let dir = root().join("handout");
        let _ = fs::remove_dir_all(root());
        run(Command::new(env!("CARGO_BIN_EXE_grade")).args([
            "--handout",
            dir.to_str().unwrap(),
            "--kit",
            KIT,
        ]));
        dir
    })
}

fn run(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    run(Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir))
}

/// Two workspaces, so that two workflow runs go at once and each builds the
/// grader once (its path is part of what cargo compiles): a run takes a
/// free one, waiting for one to be given back.
struct Workspaces {
    free: Mutex<Vec<PathBuf>>,
    given_back: Condvar,
}

struct Workspace(PathBuf);

impl std::ops::Deref for Workspace {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let spaces = workspaces();
        spaces
            .free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.0.clone());
        spaces.given_back.notify_one();
    }
}

fn workspaces() -> &'static Workspaces {
    static SPACES: OnceLock<Workspaces> = OnceLock::new();
    SPACES.get_or_init(|| Workspaces {
        free: Mutex::new((0..2).map(|i| root().join(format!("runner-{i}"))).collect()),
        given_back: Condvar::new(),
    })
}

fn workspace() -> Workspace {
    let spaces = workspaces();
    let mut free = spaces.free.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(path) = free.pop() {
            return Workspace(path);
        }
        free = spaces
            .given_back
            .wait(free)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// The workflow's steps with `run:`, in order: (working directory, script).
fn steps(workflow: &str) -> Vec<(Option<String>, String)> {
    let mut steps = Vec::new();
    let mut dir = None;
    let mut lines = workflow.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("- name:") || trimmed.starts_with("- uses:") {
            dir = None;
        }
        if let Some(d) = trimmed.strip_prefix("working-directory:") {
            dir = Some(d.trim().to_string());
        }
        if trimmed == "run: |" {
            let indent = line.len() - line.trim_start().len();
            let mut script = String::new();
            while let Some(next) = lines.peek() {
                let inner = next.len() - next.trim_start().len();
                if !next.trim().is_empty() && inner <= indent {
                    break;
                }
                script.push_str(next.get(indent + 2..).unwrap_or(""));
                script.push('\n');
                lines.next();
            }
            steps.push((dir.clone(), script));
        }
    }
    steps
}

/// A student's repository: the handout as its first commit, then `change`
/// (lab 1 finished, and the attempt) as the student's commit. The
/// workflow's steps run on it; the result the reporter would read, and
/// its size as the step passes it.
fn classroom(name: &str, change: impl FnOnce(&Path)) -> (Value, usize) {
    let repo = root().join("repos").join(name);
    let _ = fs::remove_dir_all(&repo);
    copy_tree(handout(), &repo);
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(
        &repo,
        &["commit", "-q", "-m", "Initial commit (GitHub Classroom)"],
    );
    change(&repo);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "--allow-empty", "-m", "my work"]);

    let space = workspace();
    let _ = fs::remove_dir_all(space.join("submitted"));
    fs::create_dir_all(&*space).unwrap();
    git(
        &space,
        &[
            "clone",
            "-q",
            "--no-local",
            repo.to_str().unwrap(),
            "submitted",
        ],
    );
    // The runner's `sudo` (the sandbox step): here bubblewrap is there or not.
    let bin = space.join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::write(bin.join("sudo"), "#!/bin/sh\nexit 0\n").unwrap();
    set_executable(&bin.join("sudo"));
    let output = space.join("github-output");
    fs::write(&output, "").unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let workflow = fs::read_to_string(handout().join(".github/workflows/classroom.yml")).unwrap();
    for (dir, script) in steps(&workflow) {
        let at = match dir {
            Some(d) => space.join(d),
            None => space.to_path_buf(),
        };
        run(Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(at)
            .env("PATH", &path)
            .env("GITHUB_OUTPUT", &output)
            // One build of the kit's crates per workspace, for every run of
            // the tests: the grader's binary holds its kit's path, and its
            // scratch slots live in this folder, so two workspaces never
            // share one.
            .env("CARGO_TARGET_DIR", target_dir(&space))
            .env_remove("RUSTFLAGS"));
    }
    let outputs = fs::read_to_string(&output).unwrap();
    let result = outputs
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("result="))
        .expect("the grading step wrote no result")
        .to_string();
    let mut decode = Command::new("base64");
    decode
        .arg("-d")
        .arg(write_temp(&space.join("result.b64"), &result));
    let json = run(&mut decode);
    (
        serde_json::from_str(&json).expect("the result is JSON"),
        result.len(),
    )
}

/// The target folder of a workspace's runs (`runner-0`), kept between runs
/// of the tests.
fn target_dir(space: &Path) -> PathBuf {
    let name = space.file_name().unwrap_or_default();
    Path::new(KIT).join("target/classroom-tests").join(name)
}

fn write_temp(path: &Path, text: &str) -> PathBuf {
    fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let to = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Lab 1 finished: the reference solutions copied over its starters.
fn finish_lab1(repo: &Path) {
    for name in ["lab1_server.rs", "lab1_client.rs"] {
        fs::copy(
            Path::new(KIT).join("solutions").join(name),
            repo.join("labs").join(name),
        )
        .unwrap();
    }
}

/// Each test's points, by name.
fn points(result: &Value) -> BTreeMap<String, u64> {
    result["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["score"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The honest repository's points: lab 1's tests, nothing else.
fn honest() -> &'static BTreeMap<String, u64> {
    static HONEST: OnceLock<BTreeMap<String, u64>> = OnceLock::new();
    HONEST.get_or_init(|| {
        let (result, _) = classroom("honest", finish_lab1);
        let points = points(&result);
        let lab1: u64 = points
            .iter()
            .filter(|(n, _)| n.starts_with("lab1 "))
            .map(|(_, p)| p)
            .sum();
        let others: u64 = points
            .iter()
            .filter(|(n, _)| !n.starts_with("lab1 "))
            .map(|(_, p)| p)
            .sum();
        assert!(
            lab1 > 5 && others == 0,
            "lab 1 done, nothing else: {result:#}"
        );
        points
    })
}

/// The attempt, on top of lab 1 finished, reports the honest points.
#[track_caller]
fn keeps_the_true_grade(name: &str, attempt: impl FnOnce(&Path)) {
    let (result, _) = classroom(name, |repo| {
        finish_lab1(repo);
        attempt(repo);
    });
    assert_eq!(
        &points(&result),
        honest(),
        "{name} changed the grade: {result:#}"
    );
}

fn append(path: &Path, text: &str) {
    let old = fs::read_to_string(path).unwrap_or_default();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, old + text).unwrap();
}

#[test]
fn an_untouched_repository_reports_every_test_within_what_the_reporter_takes() {
    let (result, size) = classroom("untouched", |_| {});
    assert!(size < MAX_OUTPUT, "the step's output is {size} bytes");
    let points = points(&result);
    assert_eq!(points.len(), honest().len(), "every scored test is listed");
    assert_eq!(points.values().sum::<u64>(), 0);
    assert_eq!(result["max_score"], honest().len());
}

#[test]
fn a_cargo_runner_in_the_students_config_changes_no_grade() {
    keeps_the_true_grade("runner", |repo| {
        append(
            &repo.join(".cargo/config.toml"),
            "\n[target.'cfg(all())']\nrunner = \"./fake.sh\"\n",
        );
        fs::write(
            repo.join("fake.sh"),
            "#!/bin/sh\necho 'test all ... ok'\nexit 0\n",
        )
        .unwrap();
        set_executable(&repo.join("fake.sh"));
    });
}

#[test]
fn rustflags_in_the_students_config_change_no_grade() {
    keeps_the_true_grade("rustflags", |repo| {
        append(
            &repo.join(".cargo/config.toml"),
            "\n[build]\nrustflags = [\"-C\", \"link-arg=-Wl,--a-flag-that-breaks-every-link\"]\n",
        );
    });
}

#[test]
fn a_source_replacement_in_the_students_config_changes_no_grade() {
    keeps_the_true_grade("source", |repo| {
        append(
            &repo.join(".cargo/config.toml"),
            "\n[source.crates-io]\nreplace-with = \"forged\"\n\n[source.forged]\ndirectory = \"forged-crates\"\n",
        );
        fs::create_dir_all(repo.join("forged-crates")).unwrap();
        fs::write(repo.join("forged-crates/README"), "no crates here\n").unwrap();
    });
}

#[test]
fn a_target_dir_in_the_students_config_changes_no_grade() {
    let forged = root().join("forged-target");
    let _ = fs::remove_dir_all(&forged);
    let setting = format!("\n[build]\ntarget-dir = \"{}\"\n", forged.display());
    keeps_the_true_grade("target-dir", |repo| {
        append(&repo.join(".cargo/config.toml"), &setting);
    });
    assert!(
        !forged.exists(),
        "cargo built into the student's target-dir"
    );
}

#[test]
fn an_alias_in_the_students_config_changes_no_grade() {
    keeps_the_true_grade("alias", |repo| {
        append(
            &repo.join(".cargo/config.toml"),
            "\n[alias]\ngrade = [\"run\", \"--quiet\", \"--manifest-path\", \"forged/Cargo.toml\", \"--\"]\n",
        );
        fs::create_dir_all(repo.join("forged/src")).unwrap();
        fs::write(
            repo.join("forged/Cargo.toml"),
            "[package]\nname = \"forged\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .unwrap();
        fs::write(
            repo.join("forged/src/main.rs"),
            r###"fn main() {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--classroom").unwrap();
    let all = r#"{"version":1,"status":"pass","max_score":1,"tests":[{"name":"all","status":"pass","score":1,"message":""}]}"#;
    std::fs::write(&args[at + 1], all).unwrap();
}
"###,
        )
        .unwrap();
    });
}

#[test]
fn a_build_script_that_rewrites_the_tests_changes_no_grade() {
    keeps_the_true_grade("build-rs", |repo| {
        fs::write(
            repo.join("build.rs"),
            "fn main() {\n    for lab in 1..=5 {\n        let _ = std::fs::write(format!(\"tests/lab{lab}.rs\"), \"#[test] fn all_good() {}\\n\");\n    }\n}\n",
        )
        .unwrap();
    });
}

#[test]
fn a_changed_cargo_toml_changes_no_grade() {
    keeps_the_true_grade("cargo-toml", |repo| {
        let manifest = fs::read_to_string(repo.join("Cargo.toml")).unwrap();
        let mut forged =
            manifest.replacen("publish = false", "publish = false\nautotests = false", 1);
        for lab in 1..=5 {
            forged.push_str(&format!(
                "\n[[test]]\nname = \"lab{lab}\"\npath = \"tests/forged.rs\"\n"
            ));
        }
        fs::write(repo.join("Cargo.toml"), forged).unwrap();
        fs::write(repo.join("tests/forged.rs"), "#[test]\nfn all_good() {}\n").unwrap();
    });
}

#[test]
fn a_changed_cargo_lock_changes_no_grade() {
    keeps_the_true_grade("cargo-lock", |repo| {
        let lock = fs::read_to_string(repo.join("Cargo.lock")).unwrap();
        let forged: String = lock
            .lines()
            .map(|l| match l.strip_prefix("checksum = \"") {
                Some(_) => "checksum = \"0000000000000000000000000000000000000000000000000000000000000000\"".to_string(),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        fs::write(repo.join("Cargo.lock"), forged + "\n").unwrap();
    });
}

#[test]
fn tests_rewritten_to_pass_change_no_grade() {
    keeps_the_true_grade("tests", |repo| {
        for lab in 1..=5 {
            fs::write(
                repo.join(format!("tests/lab{lab}.rs")),
                "#[test]\nfn all_good() {}\n",
            )
            .unwrap();
        }
    });
}

#[test]
fn a_grader_changed_to_pass_everything_changes_no_grade() {
    keeps_the_true_grade("grader", |repo| {
        let source = repo.join("grader/src/classroom.rs");
        let code = fs::read_to_string(&source).unwrap();
        let forged = code.replace(
            "let passed = test.outcome == Outcome::Passed && !timed_out;",
            "let passed = true;",
        );
        assert_ne!(code, forged, "the grader's line to forge moved");
        fs::write(&source, forged).unwrap();
        let given = repo.join("grader/given.txt");
        append(&given, "lab2 server::answers_a_line_with_the_same_line\n");
    });
}
