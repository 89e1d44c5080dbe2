//! The grader's own tests: one generated class graded once in the sandbox
//! by the `grade` binary, one smaller class without it, and the progress
//! form on a checkout; one behaviour of the result checked per test.
//! Run: `cargo test -p sockets-lab-grader` (it builds and grades the
//! classes: about a minute warm, more the first time). It grades with the
//! kit's reference solutions/, so it needs them: it is no part of a
//! handout's grading.
//!
//! Every student hands in the least that shows their case, mostly lab 1
//! only, so the class grades fast. The honest ways to hand in are in
//! `write_class`; the attacks (class/attacks.rs) each hand in a lab 1
//! server that attacks first and then is the starter or the solution.

mod class;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use wait_timeout::ChildExt;

use class::{
    KIT, copy_kit, hog_tag, lab_files, labs, processes_with, read, snapshot, token, write_class,
    write_limits_class, write_unsafe_class,
};

/// Each lab's tests may run this long in the sandboxed class.
const LAB_LIMIT: &str = "60";
/// In the class without a sandbox, where one student's lab hangs.
const HANG_LIMIT: &str = "4";
/// One grader run, cold (nothing built yet) on a loaded 2-core machine.
const RUN_DEADLINE: Duration = Duration::from_secs(900);
/// The classes are graded one at a time: the limits class's programs are
/// meant to load the machine.
static ONE_CLASS_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What the class's runs left, read once for all the tests.
struct Graded {
    root: PathBuf,
    submissions: PathBuf,
    /// The copy of the kit the class was graded with, as it was before.
    kit: PathBuf,
    kit_before: BTreeMap<PathBuf, Vec<u8>>,
    out: PathBuf,
    /// What the class run printed on its terminal (stderr and /dev/tty).
    console: String,
    csv: String,
    grades: Value,
    before: BTreeMap<PathBuf, Vec<u8>>,
    /// The class graded without a sandbox.
    unsafe_out: PathBuf,
    unsafe_console: String,
    unsafe_grades: Value,
    /// The progress form, in Spanish, on a checkout whose lab 1 is done.
    table: String,
    classroom: Value,
    /// Processes still running after the runs, by command line.
    processes_after: Vec<String>,
}

fn graded() -> &'static Graded {
    static GRADED: OnceLock<Graded> = OnceLock::new();
    GRADED.get_or_init(grade_the_classes)
}

fn grade_the_classes() -> Graded {
    let _one = ONE_CLASS_AT_A_TIME.lock();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade-class");
    let _ = fs::remove_dir_all(&root);
    // The instructor's kit, a copy: the attacks must leave it unchanged.
    let kit = root.join("instructors-kit");
    copy_kit(Path::new(KIT), &kit, true);
    let kit_before = snapshot(&kit);
    let submissions = root.join("submissions");
    write_class(&root, &submissions);
    let before = snapshot(&submissions);
    let out = root.join("out");
    // An earlier run's grades, one of them of a student no longer there.
    class::write(&out.join("feedback/ghost.md"), "old feedback");
    class::write(&out.join("grades.csv"), "old grades");
    let scratch = Path::new(KIT).join("target/grade-tests");

    let (_, console) = run_grader(
        &kit,
        &[
            submissions.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--jobs",
            "2",
            "--timeout",
            LAB_LIMIT,
            "--kit",
            kit.to_str().unwrap(),
            "--scratch",
            scratch.join("sandbox").to_str().unwrap(),
        ],
        true,
        // An English class (the kit's .cargo/config.toml says `es`): the
        // console, the gradebook and the tests' messages in English, the
        // feedback in both languages.
        &[("SOCKETS_LAB_LANG", "en")],
    );
    let csv = read(&out.join("grades.csv"));
    let grades =
        serde_json::from_str(&read(&out.join("grades.json"))).expect("grades.json is JSON");

    // Without a sandbox: a program that never lets its tests finish, and
    // the daemon, which only the run's marker finds there.
    let unsafe_submissions = root.join("unsafe-submissions");
    write_unsafe_class(&unsafe_submissions);
    let roster = root.join("roster-of-the-unsafe-class.csv");
    class::write(
        &roster,
        "\u{feff}Clave;Nombre\nhangs;Hugo Hangs\ndaemon;Dana Daemon\nausente;Aurelio Ausente\n",
    );
    let unsafe_out = root.join("unsafe-out");
    let (_, unsafe_console) = run_grader(
        &kit,
        &[
            unsafe_submissions.to_str().unwrap(),
            "--out",
            unsafe_out.to_str().unwrap(),
            "--timeout",
            HANG_LIMIT,
            "--no-sandbox",
            "--roster",
            roster.to_str().unwrap(),
            "--kit",
            kit.to_str().unwrap(),
            "--scratch",
            scratch.join("no-sandbox").to_str().unwrap(),
        ],
        false,
        &[("SOCKETS_LAB_LANG", "en")],
    );
    let unsafe_grades =
        serde_json::from_str(&read(&unsafe_out.join("grades.json"))).expect("grades.json is JSON");

    // The progress form, on a checkout of the kit whose student finished
    // lab 1 only, in the target folder its `cargo test` would use.
    let checkout = root.join("checkout");
    copy_kit(Path::new(KIT), &checkout, false);
    for file in lab_files(1) {
        fs::copy(
            Path::new(KIT).join("solutions").join(&file),
            checkout.join("labs").join(&file),
        )
        .unwrap();
    }
    let classroom_file = root.join("classroom.json");
    let (table, _) = run_grader(
        &checkout,
        &[
            "--kit",
            checkout.to_str().unwrap(),
            "--classroom",
            classroom_file.to_str().unwrap(),
        ],
        false,
        &[
            (
                "CARGO_TARGET_DIR",
                scratch.join("checkout").to_str().unwrap(),
            ),
            ("SOCKETS_LAB_LANG", "es"),
        ],
    );
    let classroom =
        serde_json::from_str(&read(&classroom_file)).expect("the Classroom result is JSON");
    Graded {
        root,
        submissions,
        kit,
        kit_before,
        out,
        console,
        csv,
        grades,
        before,
        unsafe_out,
        unsafe_console,
        unsafe_grades,
        table,
        classroom,
        processes_after: processes_with(&token()),
    }
}

/// Runs `grade` in `dir` with `args`, to its end or the deadline; its
/// stdout and what it printed on its terminal. `on_a_terminal`: under
/// `script`, so that it has a terminal a program could write to.
fn run_grader(
    dir: &Path,
    args: &[&str],
    on_a_terminal: bool,
    env: &[(&str, &str)],
) -> (String, String) {
    let grade = env!("CARGO_BIN_EXE_grade");
    let script = Path::new("/usr/bin/script");
    let mut command = if on_a_terminal && script.exists() {
        let line: Vec<String> = std::iter::once(grade)
            .chain(args.iter().copied())
            .map(|a| format!("'{a}'"))
            .collect();
        let mut command = Command::new(script);
        // stdout and stderr both go to the terminal; script copies it.
        command.args(["-q", "-e", "-c", &line.join(" "), "/dev/null"]);
        command
    } else {
        let mut command = Command::new(grade);
        command.args(args);
        command
    };
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("could not start grade");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let stderr = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = match child.wait_timeout(RUN_DEADLINE).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "grade {args:?} did not finish within {} s; stderr:\n{}",
                RUN_DEADLINE.as_secs(),
                stderr.join().unwrap()
            );
        }
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        status.success(),
        "grade {args:?} failed ({status}); stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    if on_a_terminal && script.exists() {
        (String::new(), stdout)
    } else {
        (stdout, stderr)
    }
}

// ---------------------------------------------------------------------------
// Reading the results

fn student_in<'a>(grades: &'a Value, id: &str) -> &'a Value {
    grades["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["student"] == id)
        .unwrap_or_else(|| panic!("no {id} in grades.json:\n{grades:#}"))
}

fn student(id: &str) -> &'static Value {
    student_in(&graded().grades, id)
}

/// `student`'s row of grades.csv, by column.
fn row(id: &str) -> BTreeMap<String, String> {
    let csv = graded().csv.trim_start_matches('\u{feff}');
    let mut lines = csv.lines();
    let header = fields(lines.next().unwrap());
    let line = lines
        .map(fields)
        .find(|fields| fields.first().map(String::as_str) == Some(id))
        .unwrap_or_else(|| panic!("no row for {id} in grades.csv:\n{csv}"));
    header.into_iter().zip(line).collect()
}

/// The fields of a line of CSV: a field in quotes may hold commas, and
/// `""` for a quote.
fn fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

fn lab_status(id: &str, lab: &str) -> String {
    student(id)["labs"][lab]["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn feedback(id: &str) -> String {
    read(&graded().out.join(format!("feedback/{id}.md")))
}

/// The problems of a student's row, but the warning that the class ran
/// without a sandbox (on a machine without one; see `sandboxed`).
fn problems(id: &str) -> String {
    let problems = &row(id)["problems"];
    match problems.find(NO_SANDBOX) {
        Some(at) => problems[..at].trim_end_matches("; ").to_string(),
        None => problems.clone(),
    }
}

/// What the grader's console and problems say when it finds no sandbox.
const NO_SANDBOX: &str = "WARNING: no sandbox";

/// Whether the class ran in the sandbox, for the tests of what only the
/// sandbox protects against. Where the machine has none (no bubblewrap, no
/// user namespaces; macOS and Windows never), such a test says on the
/// terminal that it is skipped and why, and passes, so that the kit's own
/// test command passes there too; with SOCKETS_LAB_REQUIRE_SANDBOX=1 in the
/// environment (CI sets it) it fails instead.
fn sandboxed(test: &str) -> bool {
    let console = &graded().console;
    let Some(warning) = console.lines().find(|line| line.contains(NO_SANDBOX)) else {
        return true;
    };
    if std::env::var_os("SOCKETS_LAB_REQUIRE_SANDBOX").is_some() {
        panic!("{test} needs the grader's sandbox, and this machine has none: {warning}");
    }
    // "WARNING: no sandbox (WHY). Students' programs ran ...": the why.
    let why = warning
        .split_once(". Students'")
        .map_or(warning, |(head, _)| head);
    // Straight to the terminal: libtest captures only print! and eprint!.
    let _ = writeln!(
        std::io::stderr(),
        "{test}: skipped, {why}; SOCKETS_LAB_REQUIRE_SANDBOX=1 makes this a failure"
    );
    false
}

#[track_caller]
fn assert_lab1(id: &str, score: &str) {
    assert_eq!(
        row(id)["lab1"],
        score,
        "{id}'s lab 1 in grades.csv: {:?}\n{}",
        row(id),
        feedback(id)
    );
}

#[track_caller]
fn assert_every_lab(id: &str, score: &str) {
    let row = row(id);
    for lab in labs() {
        assert_eq!(row[&lab], score, "{id}'s {lab}: {row:?}\n{}", feedback(id));
    }
    assert_eq!(row["total"], score, "{id}'s total; the row: {row:?}");
}

// ---------------------------------------------------------------------------
// Grading as a teacher would

#[test]
fn a_student_with_the_reference_solutions_scores_100_in_every_lab() {
    assert_every_lab("correct", "100");
}

#[test]
fn a_student_who_handed_in_the_untouched_starters_scores_0() {
    assert_lab1("starter", "0");
    assert_eq!(lab_status("starter", "lab1"), "untouched");
    let results: Vec<&str> = student("starter")["labs"]["lab1"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["result"].as_str().unwrap())
        .collect();
    assert!(
        results
            .iter()
            .all(|r| *r == "not run" || *r == "given, not run"),
        "an untouched lab's tests are not run: {results:?}"
    );
}

#[test]
fn an_untouched_labs_feedback_is_one_paragraph_that_says_where_to_start() {
    let text = feedback("starter");
    assert!(
        text.contains("You have not changed this lab's files yet")
            && text.contains("Start with docs/en/lab1.md, \"Step 1\""),
        "{text}"
    );
    assert!(
        text.contains("Empieza por docs/es/lab1.md, «Paso 1»"),
        "{text}"
    );
    assert!(!text.contains("todo!"), "no failing test quoted:\n{text}");
    assert!(
        text.lines().count() < 60,
        "{} lines:\n{text}",
        text.lines().count()
    );
}

#[test]
fn a_hand_in_that_could_not_be_read_says_so_once_in_the_graders_language() {
    let text = feedback("bomb");
    assert!(text.contains("Nothing was graded"), "{text}");
    assert!(
        text.contains("No se calificó nada: no se pudo leer"),
        "{text}"
    );
    assert!(
        text.contains("¿una bomba zip?"),
        "the reason in Spanish too:\n{text}"
    );
    assert!(!text.contains("No entregaste ningún archivo"), "{text}");
}

#[test]
fn a_kit_copied_whole_is_graded_by_its_labs_folder_not_its_solutions() {
    assert_eq!(
        student("starter")["found_in"],
        "starter: sockets-lab-main/labs"
    );
}

#[test]
fn a_student_who_rewrote_the_tests_is_graded_by_the_kits_tests() {
    assert_lab1("cheater", "0");
    let names: Vec<&str> = student("cheater")["labs"]["lab1"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"everything_passes"), "{names:?}");
    assert!(names.len() > 5, "lab 1 has only {names:?}");
}

#[test]
fn a_lab_that_does_not_compile_scores_0_and_the_other_labs_are_graded() {
    assert_lab1("broken", "100");
    assert_eq!(row("broken")["lab2"], "0");
    assert_eq!(lab_status("broken", "lab2"), "did not compile");
    assert_eq!(problems("broken"), "", "its stub is no change to the kit");
    let text = feedback("broken");
    assert!(
        text.contains("`labs/lab2_server.rs` does not compile"),
        "{text}"
    );
    assert!(text.contains("error[E0308]: mismatched types"), "{text}");
    assert!(
        text.contains("\"not a number\""),
        "the error should quote the line:\n{text}"
    );
}

#[test]
fn a_zip_of_a_repository_download_is_unpacked_and_graded() {
    assert_lab1("zipped", "100");
    assert_eq!(
        student("zipped")["found_in"],
        "zipped.zip: sockets-lab-main/labs"
    );
}

#[test]
fn a_zip_left_inside_a_students_folder_is_unpacked() {
    assert_eq!(
        student("partial")["found_in"],
        "partial/sockets-lab-main.zip: sockets-lab-main/labs"
    );
    assert_lab1("partial", "100");
}

#[test]
fn a_file_not_handed_in_is_graded_as_its_starter_and_a_lab_not_handed_in_scores_0() {
    let lab2: f64 = row("partial")["lab2"].parse().unwrap();
    assert!(
        0.0 < lab2 && lab2 < 100.0,
        "lab 2's server is done, its client is not: {lab2}"
    );
    let text = feedback("partial");
    assert!(
        text.contains(
            "`labs/lab2_client.rs` was not handed in: the starter was graded in its place."
        ),
        "{text}"
    );
    for lab in labs().iter().skip(2) {
        assert_eq!(lab_status("partial", lab), "not handed in");
        assert_eq!(row("partial")[lab], "0");
    }
}

#[test]
fn an_empty_folder_scores_0_is_reported_and_the_run_goes_on() {
    assert_every_lab("empty", "0");
    assert!(
        problems("empty").contains("no lab files found"),
        "{:?}",
        row("empty")
    );
    let console = &graded().console;
    assert!(
        console.contains("empty: no lab files found"),
        "the console said:\n{console}"
    );
    assert!(
        feedback("empty").contains("no lab files found"),
        "{}",
        feedback("empty")
    );
}

#[test]
fn of_two_copies_of_the_kit_the_newest_is_graded_and_the_choice_said() {
    assert_lab1("twocopies", "100");
    assert_eq!(
        student("twocopies")["found_in"],
        "twocopies: sockets-lab-main (1)/labs"
    );
    assert!(
        problems("twocopies").contains("several copies"),
        "{}",
        problems("twocopies")
    );
}

#[test]
fn a_folder_and_a_zip_of_one_student_are_one_hand_in_and_the_newest_is_graded() {
    assert_lab1("both", "100");
    assert_eq!(
        student("both")["found_in"],
        "both.zip: sockets-lab-main/labs"
    );
    assert!(
        problems("both").contains("`both: labs`"),
        "{}",
        problems("both")
    );
}

#[test]
fn lab_files_renamed_by_the_system_are_graded_under_the_kits_names() {
    assert_lab1("Ángela", "100");
    let problems = problems("Ángela");
    assert!(
        problems.contains("`labs/Lab1_Server.rs` was graded as `labs/lab1_server.rs`"),
        "{problems}"
    );
    assert!(
        problems.contains("`labs/lab1_client (1).rs` was graded as"),
        "{problems}"
    );
}

#[test]
fn lab_files_elsewhere_are_graded_when_labs_holds_the_untouched_starters() {
    assert_lab1("elsewhere", "100");
    assert_eq!(
        student("elsewhere")["found_in"],
        "elsewhere: sockets-lab/src"
    );
    assert!(
        problems("elsewhere").contains("the one with the most work")
            && problems("elsewhere").contains("`elsewhere: sockets-lab/labs` (0)"),
        "{}",
        problems("elsewhere")
    );
    assert!(
        !problems("elsewhere").contains("newest"),
        "{}",
        problems("elsewhere")
    );
}

#[test]
fn of_copies_the_one_with_the_most_work_is_graded_whatever_their_times() {
    // The work older than the starters beside it.
    assert_lab1("newerstarters", "100");
    // Two copies unpacked in the same second.
    assert_lab1("samesecond", "100");
    assert_eq!(student("samesecond")["found_in"], "samesecond: b/labs");
}

#[test]
fn a_whole_kit_is_graded_by_its_labs_never_its_bare_starters() {
    assert_eq!(
        student("wholekit")["found_in"],
        "wholekit: sockets-lab-main/labs"
    );
    assert_eq!(lab_status("wholekit", "lab1"), "untouched");
    assert!(
        !problems("wholekit").contains("labs-bare"),
        "{}",
        problems("wholekit")
    );
}

#[test]
fn a_tar_gz_with_a_target_folder_over_the_budget_is_graded() {
    assert_lab1("bigtarget", "100");
    assert!(
        !problems("bigtarget").contains("zip bomb"),
        "{}",
        problems("bigtarget")
    );
}

#[test]
fn grades_already_in_out_are_said_and_replaced() {
    let graded = graded();
    assert!(
        !graded.out.join("feedback/ghost.md").exists(),
        "old feedback left"
    );
    assert!(
        graded.console.contains("already held grades"),
        "{}",
        graded.console
    );
}

#[test]
fn counts_agree_with_their_nouns() {
    let graded = graded();
    let mut texts = vec![graded.console.clone(), graded.unsafe_console.clone()];
    for entry in fs::read_dir(graded.out.join("feedback")).unwrap() {
        texts.push(read(&entry.unwrap().path()));
    }
    for text in texts {
        for wrong in [
            " 1 students",
            " 1 alumnos",
            "(1 problems",
            "(1 avisos",
            "Y 1 tests",
            "And 1 more failing tests",
        ] {
            assert!(!text.contains(wrong), "{wrong:?} in:\n{text}");
        }
    }
}

#[test]
fn reference_solutions_and_identical_pairs_are_flagged_not_graded_down() {
    assert_every_lab("correct", "100");
    assert!(
        row("correct")["copies"].contains("lab 1: the reference solution"),
        "{:?}",
        row("correct")
    );
    let twin = &row("twin-a")["copies"];
    assert!(twin.contains("lab 1: identical to twin-b's"), "{twin}");
    assert!(!twin.contains("reference"), "{twin}");
    assert!(
        !row("broken")["copies"].contains("twin"),
        "{:?}",
        row("broken")
    );
    let report = read(&graded().out.join("copies.md"));
    assert!(
        report.contains("- twin-a: lab 1: identical to twin-b's"),
        "{report}"
    );
    assert!(
        graded().console.contains("possible copies"),
        "{}",
        graded().console
    );
    let dolos = fs::read(graded().out.join("dolos.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(dolos)).unwrap();
    let mut info = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("info.csv").unwrap(), &mut info).unwrap();
    assert!(info.starts_with("filename,full_name,label\n"), "{info}");
    assert!(info.contains("\"twin-a/labs/lab1_server.rs\""), "{info}");
    assert!(zip.by_name("twin-a/labs/lab1_server.rs").is_ok());
}

#[test]
fn a_roster_gives_absent_students_a_row_and_lists_strangers() {
    let graded = graded();
    let csv = read(&graded.unsafe_out.join("grades.csv"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("student,name,lab1"), "{csv}");
    let absent = lines
        .iter()
        .find(|l| l.starts_with("ausente,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        absent.contains("Aurelio Ausente") && absent.contains("no hand-in"),
        "{absent}"
    );
    assert!(
        lines.last().unwrap().starts_with("stranger,,")
            && lines
                .last()
                .unwrap()
                .contains("matches nobody on the roster"),
        "{csv}"
    );
    assert!(
        graded.unsafe_console.contains("stranger"),
        "{}",
        graded.unsafe_console
    );
    let daemon = student_in(&graded.unsafe_grades, "daemon");
    assert_eq!(daemon["name"], "Dana Daemon");
}

#[test]
fn build_outputs_and_large_files_are_skipped_not_held_against_the_student() {
    assert_lab1("large", "100");
    let problems = problems("large");
    assert!(
        problems.contains("`sockets-lab-main/labs/notes.rs` is over 1 MiB"),
        "{problems}"
    );
    assert!(!problems.contains("target"), "{problems}");
}

#[test]
fn a_tar_gz_and_a_zip_in_capitals_are_graded() {
    assert_lab1("tarred", "100");
    assert_lab1("capitals", "100");
}

#[test]
fn an_archive_the_grader_cannot_open_gets_a_row_with_the_reason() {
    assert_every_lab("rarred", "0");
    assert!(
        problems("rarred").contains(".rar archive"),
        "{}",
        problems("rarred")
    );
}

#[test]
fn a_symbolic_link_is_not_followed_and_the_feedback_says_why() {
    let lab1: f64 = row("zoe")["lab1"].parse().unwrap();
    assert!(lab1 < 100.0, "its server is a link, not graded: {lab1}");
    let text = feedback("zoe");
    assert!(
        text.contains("`labs/lab1_server.rs` is a symbolic link"),
        "{text}"
    );
    assert!(text.contains("es un enlace simbólico"), "{text}");
}

#[test]
fn a_zip_bomb_stops_early_with_a_reason() {
    assert_every_lab("bomb", "0");
    assert!(
        problems("bomb").contains("zip bomb"),
        "{}",
        problems("bomb")
    );
    let seconds = student("bomb")["seconds"].as_f64().unwrap();
    assert!(seconds < 40.0, "unpacking took {seconds} s");
}

#[test]
fn a_lab_using_a_crate_the_kit_lacks_says_only_the_kits_crates_are_there() {
    assert_lab1("rand-user", "0");
    assert_eq!(lab_status("rand-user", "lab1"), "did not compile");
    let problems = problems("rand-user");
    assert!(
        problems.contains("the crate `rand`, which the kit does not have"),
        "{problems}"
    );
    assert!(problems.contains("clap"), "{problems}");
}

// ---------------------------------------------------------------------------
// The attacks: none changes a grade or leaves a process

#[test]
fn a_program_that_rewrites_the_next_labs_tests_changes_no_grade() {
    assert_eq!(
        row("rewrites-lab2")["lab2"],
        "0",
        "{}",
        feedback("rewrites-lab2")
    );
    let tests = student("rewrites-lab2")["labs"]["lab2"]["tests"]
        .as_array()
        .unwrap()
        .len();
    assert!(tests > 5, "lab 2 graded with {tests} tests");
}

#[test]
fn a_program_cannot_write_the_instructors_kit() {
    if !sandboxed("a_program_cannot_write_the_instructors_kit") {
        return;
    }
    let graded = graded();
    let after = snapshot(&graded.kit);
    let changed: Vec<_> = after
        .keys()
        .chain(graded.kit_before.keys())
        .filter(|p| after.get(*p) != graded.kit_before.get(*p))
        .filter(|p| !p.starts_with(graded.kit.join("target")))
        .collect();
    assert!(
        changed.is_empty(),
        "the instructor's kit changed: {changed:?}"
    );
    assert_lab1("writes-the-kit", "100");
}

#[test]
fn results_forged_through_proc_change_no_grade() {
    if !sandboxed("results_forged_through_proc_change_no_grade") {
        return;
    }
    assert_lab1("forges", "0");
}

#[test]
fn a_daemon_left_behind_is_killed_with_its_lab() {
    let graded = graded();
    assert!(
        graded.processes_after.is_empty(),
        "still running after the grader: {:?}",
        graded.processes_after
    );
    assert_lab1("daemon", "100");
}

#[test]
fn a_program_cannot_leak_other_files_into_its_feedback() {
    if !sandboxed("a_program_cannot_leak_other_files_into_its_feedback") {
        return;
    }
    let text = feedback("leaks");
    assert!(
        text.contains("LEAK-ATTEMPT"),
        "the program's stderr is quoted:\n{text}"
    );
    for secret in ["root:x:0:0", "ROSTER-SECRET", "CORRECT-STUDENT-SECRET"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
}

#[test]
fn a_program_cannot_write_on_the_instructors_terminal() {
    if !sandboxed("a_program_cannot_write_on_the_instructors_terminal") {
        return;
    }
    let console = &graded().console;
    assert!(
        !console.contains("FAKE-PROGRESS-LINE"),
        "the console said:\n{console}"
    );
    assert_lab1("tty", "100");
}

#[test]
fn no_instructor_path_shows_in_any_feedback() {
    let graded = graded();
    for entry in fs::read_dir(graded.out.join("feedback")).unwrap() {
        let text = read(&entry.unwrap().path());
        for path in [
            &graded.root,
            Path::new(KIT),
            Path::new(env!("CARGO_MANIFEST_DIR")),
        ] {
            let shown = path.to_string_lossy();
            assert!(!text.contains(shown.as_ref()), "{shown} in:\n{text}");
        }
    }
}

#[test]
fn test_messages_have_no_libtest_thread_header() {
    let text = feedback("partial");
    assert!(!text.contains("panicked at tests/"), "{text}");
    assert!(text.contains("expected"), "{text}");
}

#[test]
fn the_tests_messages_are_in_the_graders_language_and_the_other_part_says_so() {
    // The class ran with SOCKETS_LAB_LANG=en: the tests wrote in English,
    // the English part comes first, and the Spanish part, which quotes
    // them as they came, says so.
    let text = feedback("partial");
    let (english, spanish) = text.split_once("\n---\n").expect("two parts");
    assert!(english.contains("Grade:"), "English first:\n{text}");
    assert!(
        english.contains("lab2_client stopped at the todo! of step"),
        "the starter's todo! said first:\n{text}"
    );
    assert!(!english.contains("the tests wrote them"), "{text}");
    assert!(
        spanish.contains("tal como los escribieron los tests: en inglés"),
        "{text}"
    );
    assert!(!text.contains("se esperaba"), "{text}");
}

// ---------------------------------------------------------------------------
// The outputs

#[test]
fn the_gradebook_has_a_bom_a_column_per_lab_and_a_row_per_student_in_spanish_order() {
    let csv = &graded().csv;
    assert!(csv.starts_with('\u{feff}'), "no byte order mark");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("student,{},total,problems,copies", labs().join(","))
    );
    let ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    let position = |id: &str| ids.iter().position(|i| *i == id).unwrap();
    assert!(position("Ángela") < position("both"), "{ids:?}");
    assert!(position("twocopies") < position("zoe"), "{ids:?}");
    assert_eq!(ids.len(), 30, "every hand-in has a row: {ids:?}");
}

#[test]
fn grades_json_has_the_csvs_figures_and_every_tests_result() {
    let correct = student("correct");
    assert_eq!(correct["total"], 100.0);
    for lab in labs() {
        let lab = &correct["labs"][&lab];
        let tests = lab["tests"].as_array().unwrap();
        assert!(!tests.is_empty());
        assert!(
            tests
                .iter()
                .all(|t| t["result"] == "passed" || t["result"] == "given"),
            "{lab:#}"
        );
        assert_eq!(lab["passed"], lab["scored"]);
    }
    let problems = student("rarred")["problems"].to_string();
    assert!(problems.contains(".rar archive"), "{problems}");
}

#[test]
fn feedback_comes_in_spanish_and_in_english() {
    let text = feedback("starter");
    assert!(text.contains("Calificación: **0** de 100"), "{text}");
    assert!(text.contains("Grade: **0** out of 100"), "{text}");
    let partial = feedback("partial");
    assert!(
        partial.contains("Lee ahora: docs/es/lab2.md, «Paso"),
        "{partial}"
    );
    assert!(
        partial.contains("Read next: docs/en/lab2.md, \"Step"),
        "{partial}"
    );
}

#[test]
fn nothing_under_submissions_is_changed() {
    let graded = graded();
    let after = snapshot(&graded.submissions);
    let changed: Vec<_> = after
        .keys()
        .chain(graded.before.keys())
        .filter(|path| after.get(*path) != graded.before.get(*path))
        .collect();
    assert!(changed.is_empty(), "grading changed {changed:?}");
}

#[test]
fn with_a_sandbox_no_output_warns() {
    if !sandboxed("with_a_sandbox_no_output_warns") {
        return;
    }
    assert!(
        !graded().console.contains("WARNING: no sandbox"),
        "{}",
        graded().console
    );
    assert!(!feedback("correct").contains("no sandbox"));
}

// ---------------------------------------------------------------------------
// Without a sandbox

#[test]
fn without_a_sandbox_every_output_says_so_loudly() {
    let graded = graded();
    assert!(
        graded.unsafe_console.contains("WARNING: no sandbox"),
        "{}",
        graded.unsafe_console
    );
    assert!(
        graded
            .unsafe_console
            .contains("docs/en/instructors.md#grade-in-a-container")
    );
    let csv = read(&graded.unsafe_out.join("grades.csv"));
    assert!(
        csv.lines().skip(1).all(|l| l.contains("no sandbox")),
        "{csv}"
    );
    assert!(
        graded.unsafe_grades["warning"]
            .as_str()
            .unwrap()
            .contains("no sandbox")
    );
    let text = read(&graded.unsafe_out.join("feedback/daemon.md"));
    assert!(text.contains("ADVERTENCIA: sin sandbox"), "{text}");
}

#[test]
fn a_program_that_never_lets_its_tests_finish_costs_its_lab_only() {
    let hangs = student_in(&graded().unsafe_grades, "hangs");
    assert_eq!(hangs["labs"]["lab1"]["status"], "timed out", "{hangs:#}");
    assert_eq!(hangs["labs"]["lab1"]["score"], 0.0);
    let text = read(&graded().unsafe_out.join("feedback/hangs.md"));
    assert!(
        text.contains(&format!("did not finish within {HANG_LIMIT} s")),
        "{text}"
    );
}

#[test]
fn without_a_sandbox_a_daemon_left_behind_is_listed_and_killed() {
    let daemon = student_in(&graded().unsafe_grades, "daemon");
    let leftovers = daemon["labs"]["lab1"]["leftovers"].to_string();
    assert!(leftovers.contains(&token()), "{daemon:#}");
    let text = read(&graded().unsafe_out.join("feedback/daemon.md"));
    assert!(
        text.contains("still running when this lab's tests ended"),
        "{text}"
    );
    assert!(
        graded().processes_after.is_empty(),
        "{:?}",
        graded().processes_after
    );
}

// ---------------------------------------------------------------------------
// The progress form

#[test]
fn the_progress_form_prints_a_row_per_lab_in_spanish_with_what_to_do_next() {
    let table = &graded().table;
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("lab")).collect();
    assert_eq!(
        rows.len(),
        labs().len() + 1,
        "a header and a row per lab:\n{table}"
    );
    assert!(rows[0].contains("tests que pasan"), "in Spanish:\n{table}");
    assert!(rows[1].contains("100%"), "lab 1 is done:\n{table}");
    assert!(rows[2].contains("0%"), "lab 2 is not:\n{table}");
    assert!(
        table.contains("lee docs/es/lab2.md, «Paso"),
        "the step of lab 2 in the Spanish walkthrough:\n{table}"
    );
    assert!(!table.contains("docs/en/"), "{table}");
}

#[test]
fn the_progress_form_runs_the_tests_in_its_language() {
    // With SOCKETS_LAB_LANG=es, the tests' messages, quoted in the
    // Classroom result, are Spanish.
    let tests = graded().classroom["tests"].as_array().unwrap();
    let lab2 = tests
        .iter()
        .find(|t| t["name"] == "lab2 server::answers_a_line_with_the_same_line")
        .unwrap_or_else(|| panic!("no such test: {tests:#?}"));
    let message = lab2["message"].as_str().unwrap();
    assert!(
        message.contains("se detuvo en el todo! del paso") && message.contains("se esperaba"),
        "{message}"
    );
}

#[test]
fn the_classroom_result_gives_a_point_per_scored_test() {
    let result = &graded().classroom;
    assert_eq!(result["version"], 1);
    assert_eq!(result["status"], "fail", "only lab 1 is done");
    let tests = result["tests"].as_array().unwrap();
    assert_eq!(result["max_score"], tests.len());
    let points: u64 = tests.iter().map(|t| t["score"].as_u64().unwrap()).sum();
    let lab1 = tests
        .iter()
        .filter(|t| t["name"].as_str().unwrap().starts_with("lab1 "))
        .count();
    assert_eq!(
        points, lab1 as u64,
        "a point for each of lab 1's tests, none for the others"
    );
    for test in tests {
        assert!(
            test["status"] == "pass" || !test["message"].as_str().unwrap().is_empty(),
            "a failing test without its message: {test:#}"
        );
    }
}

// ---------------------------------------------------------------------------
// Limits: programs that try to take the computer, graded beside a correct
// hand-in, with limits small enough for a shared 2-core machine

/// The limits the class is graded with (`--memory`, `--processes`,
/// `--disk`, `--cpu-time`): far above what a correct lab 1 or 2 uses (at
/// most about 30 MiB, 170 processes and threads, nothing written, 0.3 s of
/// CPU); and `--build-memory`, above what a build of a student's files
/// uses (about 400 MiB, 650 MiB from cold on 2 cores).
const MEMORY_MIB: u64 = 128;
const PROCESSES: &str = "400";
const DISK_MIB: &str = "16";
const CPU_SECS: &str = "2";
const BUILD_MEMORY_MIB: &str = "1024";

/// The class graded with small limits, and the memory hog as seen from
/// outside the sandbox while it ran.
struct Limited {
    out: PathBuf,
    console: String,
    grades: Value,
    hog: HogSeen,
}

/// The memory hog's processes, sampled from /proc every few milliseconds.
/// What a program holds of its own is its anonymous and shared memory
/// (RssAnon, RssShmem); its resident size (VmRSS, and its peak VmHWM) also
/// counts the pages of its executable and the C library, which it shares
/// with every process that uses them and which are charged to whichever
/// read them first, so the hog's VmHWM may pass its limit by those (about
/// 100 KiB) without the run holding more.
#[derive(Default)]
struct HogSeen {
    /// How many of its processes were seen.
    processes: usize,
    /// The most memory of their own all of them held at once, in KiB.
    own_kib: u64,
    /// The largest resident peak (VmHWM) of any of them, in KiB.
    resident_peak_kib: u64,
}

fn limited() -> &'static Limited {
    static LIMITED: OnceLock<Limited> = OnceLock::new();
    LIMITED.get_or_init(grade_the_limits_class)
}

fn grade_the_limits_class() -> Limited {
    let _one = ONE_CLASS_AT_A_TIME.lock();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("limits-class");
    let _ = fs::remove_dir_all(&root);
    let submissions = root.join("submissions");
    write_limits_class(&submissions);
    let out = root.join("out");
    let scratch = Path::new(KIT).join("target/grade-tests/sandbox");
    let memory = MEMORY_MIB.to_string();
    let done = AtomicBool::new(false);
    let (console, hog) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| watch_the_hog(&done));
        let (_, console) = run_grader(
            Path::new(KIT),
            &[
                submissions.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--jobs",
                "2",
                "--timeout",
                LAB_LIMIT,
                "--memory",
                &memory,
                "--processes",
                PROCESSES,
                "--disk",
                DISK_MIB,
                "--cpu-time",
                CPU_SECS,
                "--build-memory",
                BUILD_MEMORY_MIB,
                "--kit",
                KIT,
                "--scratch",
                scratch.to_str().unwrap(),
            ],
            false,
            &[("SOCKETS_LAB_LANG", "en")],
        );
        done.store(true, Ordering::Relaxed);
        (console, watcher.join().unwrap())
    });
    let grades =
        serde_json::from_str(&read(&out.join("grades.json"))).expect("grades.json is JSON");
    Limited {
        out,
        console,
        grades,
        hog,
    }
}

/// Samples the processes whose name (their first argument) ends with the
/// hog's tag until `done`.
fn watch_the_hog(done: &AtomicBool) -> HogSeen {
    let tag = hog_tag();
    let mut seen = HogSeen::default();
    let mut pids = std::collections::BTreeSet::new();
    let kib = |status: &str, key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    while !done.load(Ordering::Relaxed) {
        let mut own = 0;
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let name = cmdline.split(|&b| b == 0).next().unwrap_or_default();
            if !name.ends_with(tag.as_bytes()) {
                continue;
            }
            let status = fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            pids.insert(entry.file_name());
            seen.resident_peak_kib = seen.resident_peak_kib.max(kib(&status, "VmHWM:"));
            own += kib(&status, "RssAnon:") + kib(&status, "RssShmem:");
        }
        seen.own_kib = seen.own_kib.max(own);
        // A sample, not a synchronisation: the hog is measured while it runs.
        std::thread::sleep(Duration::from_millis(2));
    }
    seen.processes = pids.len();
    seen
}

/// Whether the class ran with a control group per run, for the tests of
/// what only the kernel's counters report. Where there is none (no
/// bubblewrap, not root with cgroup v1, no delegated cgroup v2; macOS and
/// Windows never), such a test says on the terminal that it is skipped
/// and why, and passes; with SOCKETS_LAB_REQUIRE_SANDBOX=1 it fails.
fn with_control_groups(test: &str) -> Option<&'static Limited> {
    if !cfg!(target_os = "linux") {
        return skip(test, "the grader's limits are Linux only".into());
    }
    let limited = limited();
    let line = limited
        .console
        .lines()
        .find(|l| l.starts_with("limits per lab's tests"))
        .unwrap_or("no limits line");
    if limited.console.contains(NO_SANDBOX) || !line.contains("cgroup") {
        return skip(test, line.to_string());
    }
    Some(limited)
}

fn skip(test: &str, why: String) -> Option<&'static Limited> {
    if std::env::var_os("SOCKETS_LAB_REQUIRE_SANDBOX").is_some() {
        panic!("{test} needs the grader's sandbox and its control groups: {why}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "{test}: skipped, {why}; SOCKETS_LAB_REQUIRE_SANDBOX=1 makes this a failure"
    );
    None
}

fn limited_lab1(limited: &Limited, id: &str) -> &'static str {
    let lab = &student_in(&limited.grades, id)["labs"]["lab1"];
    let score = lab["score"].as_f64().unwrap();
    if score == 100.0 {
        "100"
    } else if score == 0.0 {
        "0"
    } else {
        "partial"
    }
}

fn limited_feedback(limited: &Limited, id: &str) -> String {
    read(&limited.out.join(format!("feedback/{id}.md")))
}

/// A hostile hand-in's lab 1 fails, and its feedback (in both languages)
/// and its problems name the limit it hit.
#[track_caller]
fn assert_fails_with_the_limit_named(limited: &Limited, id: &str, en: &str, es: &str) {
    let text = limited_feedback(limited, id);
    assert_ne!(
        limited_lab1(limited, id),
        "100",
        "{id} passed lab 1:\n{text}"
    );
    assert!(
        text.contains(&format!("limit of **{en}**")),
        "{en} not named:\n{text}"
    );
    assert!(
        text.contains(&format!("límite de **{es}**")),
        "{es} not named:\n{text}"
    );
    let student = student_in(&limited.grades, id);
    let limits = student["labs"]["lab1"]["limits"].as_array().unwrap();
    assert!(limits.iter().any(|l| l == en), "{student:#}");
    let problems = student["problems"].to_string();
    assert!(
        problems.contains(&format!("lab 1: hit the limit of {en}")),
        "{problems}"
    );
}

#[test]
fn under_limits_a_correct_hand_in_keeps_its_100_beside_programs_that_take_the_computer() {
    let Some(limited) = with_control_groups(
        "under_limits_a_correct_hand_in_keeps_its_100_beside_programs_that_take_the_computer",
    ) else {
        return;
    };
    let correct = student_in(&limited.grades, "correct");
    assert_eq!(
        limited_lab1(limited, "correct"),
        "100",
        "{correct:#}\n{}",
        limited_feedback(limited, "correct")
    );
    assert_eq!(correct["problems"], serde_json::json!([]), "{correct:#}");
    assert!(
        limited
            .console
            .contains("memory (128 MiB), processes and threads (400)"),
        "the console names the limits:\n{}",
        limited.console
    );
}

#[test]
fn a_memory_hog_fails_its_lab_with_the_memory_limit_named_and_never_holds_more() {
    let Some(limited) = with_control_groups(
        "a_memory_hog_fails_its_lab_with_the_memory_limit_named_and_never_holds_more",
    ) else {
        return;
    };
    assert_fails_with_the_limit_named(
        limited,
        "memory-hog",
        "memory (128 MiB)",
        "memoria (128 MiB)",
    );
    let hog = &limited.hog;
    assert!(hog.processes > 0, "the hog was never seen from outside");
    let limit_kib = MEMORY_MIB * 1024;
    assert!(
        hog.own_kib <= limit_kib,
        "seen from outside, the hog's copies held {} KiB of their own at once, over the limit \
         of {limit_kib} KiB (resident peak {} KiB)",
        hog.own_kib,
        hog.resident_peak_kib
    );
    // It did try: the samples saw it grow most of the way to the limit.
    assert!(hog.own_kib > limit_kib / 2, "{} KiB", hog.own_kib);
    let usage = &student_in(&limited.grades, "memory-hog")["labs"]["lab1"]["usage"];
    assert!(
        usage["memory_mib"].as_u64().unwrap() <= MEMORY_MIB,
        "the run's own peak, as the kernel counted it: {usage}"
    );
}

#[test]
fn a_fork_bomb_fails_its_lab_with_the_process_limit_named() {
    let Some(limited) =
        with_control_groups("a_fork_bomb_fails_its_lab_with_the_process_limit_named")
    else {
        return;
    };
    assert_fails_with_the_limit_named(
        limited,
        "fork-bomb",
        "processes and threads (400)",
        "procesos e hilos (400)",
    );
}

#[test]
fn a_disk_filler_is_stopped_and_scores_0_with_the_disk_limit_named() {
    let Some(limited) =
        with_control_groups("a_disk_filler_is_stopped_and_scores_0_with_the_disk_limit_named")
    else {
        return;
    };
    assert_fails_with_the_limit_named(limited, "disk-filler", "disk (16 MiB)", "disco (16 MiB)");
    assert_eq!(limited_lab1(limited, "disk-filler"), "0");
}

#[test]
fn a_cpu_spinner_is_stopped_and_scores_0_with_the_cpu_limit_named() {
    let Some(limited) =
        with_control_groups("a_cpu_spinner_is_stopped_and_scores_0_with_the_cpu_limit_named")
    else {
        return;
    };
    assert_fails_with_the_limit_named(
        limited,
        "cpu-spinner",
        "CPU time (2 s)",
        "tiempo de CPU (2 s)",
    );
    assert_eq!(limited_lab1(limited, "cpu-spinner"), "0");
}

#[test]
fn a_program_whose_build_takes_the_memory_fails_its_lab_and_the_others_are_graded() {
    let Some(limited) = with_control_groups(
        "a_program_whose_build_takes_the_memory_fails_its_lab_and_the_others_are_graded",
    ) else {
        return;
    };
    let student = student_in(&limited.grades, "build-hog");
    let text = limited_feedback(limited, "build-hog");
    assert_eq!(
        student["labs"]["lab1"]["status"], "did not compile",
        "{text}"
    );
    assert_eq!(student["labs"]["lab1"]["score"], 0.0, "{text}");
    assert_eq!(student["labs"]["lab2"]["score"], 100.0, "{text}");
    let named = "lab 1: the build of labs/lab1_server.rs hit its limit of memory (1024 MiB)";
    assert!(
        student["problems"].to_string().contains(named),
        "{student:#}"
    );
    assert!(text.contains(named), "{text}");
    assert!(
        text.contains("llegó a su límite de memoria (1024 MiB)"),
        "{text}"
    );
}
