//! The grader's own tests: one generated class, graded once by the `grade`
//! binary, and one behaviour of the result checked per test.
//! Run: `cargo test -p sockets-lab-grader` (it builds and grades a class: a
//! minute or two, more the first time). It grades with the kit's reference
//! solutions/, so it needs them: it is no part of a handout's grading.
//!
//! The class: `correct` (the reference solutions in a labs/ folder),
//! `starter` (a whole kit one level deeper, with the untouched starters in
//! labs/ and the solutions in a solutions/ folder it must not take),
//! `cheater` (starters, and tests/ and Cargo.toml rewritten to pass
//! anything), `broken` (the bare lab files, lab 2's server not compiling),
//! `zipped.zip` (the solutions in a repository download's layout),
//! `partial` (such a zip left in the student's folder, with lab 1 and half
//! of lab 2), `empty`, and `hangs` (a lab 1 client that leaves a process
//! holding its output, so lab 1's tests never finish).

#[allow(dead_code)]
#[path = "../src/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "../src/unzip.rs"]
mod unzip;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use json::Json;
use wait_timeout::ChildExt;

/// Each lab's tests may run this long; only `hangs` should need it all.
const LAB_LIMIT: &str = "20";
/// The whole class, cold (nothing built yet) on a loaded 2-core machine.
const CLASS_DEADLINE: Duration = Duration::from_secs(600);

/// The kit: the workspace this package is in (grader/ is one of its members).
const KIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

struct Graded {
    submissions: PathBuf,
    out: PathBuf,
    /// What the class run printed on stderr.
    console: String,
    csv: String,
    grades: Json,
    /// The snapshot of SUBMISSIONS taken before grading.
    before: BTreeMap<PathBuf, Vec<u8>>,
    /// The progress form, run on a checkout whose lab 1 is done.
    table: String,
    classroom: Json,
}

fn graded() -> &'static Graded {
    static GRADED: OnceLock<Graded> = OnceLock::new();
    GRADED.get_or_init(grade_the_class)
}

fn grade_the_class() -> Graded {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade-class");
    let _ = fs::remove_dir_all(&root);
    let submissions = root.join("submissions");
    let out = root.join("out");
    write_class(&submissions);
    let before = snapshot(&submissions);

    let (_, console) = run_grader(&[
        submissions.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        "2",
        "--timeout",
        LAB_LIMIT,
    ]);
    let csv = read(&out.join("grades.csv"));
    let grades = Json::parse(&read(&out.join("grades.json"))).expect("grades.json is JSON");

    // The progress form, on a checkout of the kit whose student finished
    // lab 1 only; the scratch folder is the one the class used.
    let checkout = root.join("checkout");
    copy_kit(Path::new(KIT), &checkout);
    for file in lab_files(1) {
        fs::copy(
            Path::new(KIT).join("solutions").join(&file),
            checkout.join("labs").join(&file),
        )
        .unwrap();
    }
    let classroom_file = root.join("classroom.json");
    let (table, _) = run_grader(&[
        "--kit",
        checkout.to_str().unwrap(),
        "--scratch",
        Path::new(KIT).join("target/grade").to_str().unwrap(),
        "--classroom",
        classroom_file.to_str().unwrap(),
    ]);
    let classroom = Json::parse(&read(&classroom_file)).expect("the Classroom result is JSON");
    Graded {
        submissions,
        out,
        console,
        csv,
        grades,
        before,
        table,
        classroom,
    }
}

/// Runs `grade` with `args`, to its end or the deadline; its stdout and stderr.
fn run_grader(args: &[&str]) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grade"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("could not start grade");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let stderr = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = match child.wait_timeout(CLASS_DEADLINE).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "grade {args:?} did not finish within {} s; stderr:\n{}",
                CLASS_DEADLINE.as_secs(),
                stderr.join().unwrap()
            );
        }
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        status.success(),
        "grade {args:?} failed ({status}); stderr:\n{stderr}"
    );
    (stdout, stderr)
}

// ---------------------------------------------------------------------------
// The class

fn write_class(submissions: &Path) {
    let kit = Path::new(KIT);
    let all_files = || (1..=labs().len()).flat_map(|n| lab_files(n as u32));

    let correct = submissions.join("correct/labs");
    for file in all_files() {
        copy(&kit.join("solutions").join(&file), &correct.join(&file));
    }

    let starter = submissions.join("starter/sockets-lab-main");
    copy_kit(kit, &starter);
    for file in all_files() {
        copy(
            &kit.join("solutions").join(&file),
            &starter.join("solutions").join(&file),
        );
    }

    let cheater = submissions.join("cheater");
    copy_kit(kit, &cheater);
    for lab in labs() {
        fs::write(
            cheater.join(format!("tests/{lab}.rs")),
            "#[test]\nfn everything_passes() {}\n",
        )
        .unwrap();
    }
    let manifest = fs::read_to_string(kit.join("Cargo.toml")).unwrap();
    fs::write(
        cheater.join("Cargo.toml"),
        manifest.replace("[dev-dependencies]", "[dev-dependencies]\n# edited"),
    )
    .unwrap();

    let broken = submissions.join("broken");
    for file in all_files() {
        copy(&kit.join("solutions").join(&file), &broken.join(&file));
    }
    let mut server = fs::read_to_string(broken.join("lab2_server.rs")).unwrap();
    server.push_str("\nfn half_done() -> u32 {\n    \"not a number\"\n}\n");
    fs::write(broken.join("lab2_server.rs"), server).unwrap();

    let zipped: Vec<(String, Vec<u8>)> = all_files()
        .map(|file| {
            let bytes = fs::read(kit.join("solutions").join(&file)).unwrap();
            (format!("sockets-lab-main/labs/{file}"), bytes)
        })
        .chain([(
            "sockets-lab-main/README.md".to_string(),
            b"# sockets-lab\n".to_vec(),
        )])
        .collect();
    write_zip(&submissions.join("zipped.zip"), &zipped);

    // A repository download left zipped inside the student's folder, with
    // lab 1 done, lab 2's server done (its client not handed in), and
    // nothing of labs 3 and later.
    let partial: Vec<(String, Vec<u8>)> = lab_files(1)
        .into_iter()
        .chain(["lab2_server.rs".to_string()])
        .map(|file| {
            let bytes = fs::read(kit.join("solutions").join(&file)).unwrap();
            (format!("sockets-lab-main/labs/{file}"), bytes)
        })
        .collect();
    write_zip(&submissions.join("partial/sockets-lab-main.zip"), &partial);

    fs::create_dir_all(submissions.join("empty")).unwrap();

    let hangs = submissions.join("hangs/labs");
    copy(
        &kit.join("solutions/lab1_server.rs"),
        &hangs.join("lab1_server.rs"),
    );
    fs::write(
        hangs.join("lab1_client.rs"),
        "// Starts a copy of itself that keeps stdout open for ever (parked): a\n\
         // test that reads this program's output to its end waits for ever.\n\
         fn main() {\n    \
             if std::env::args().any(|a| a == \"--linger\") {\n        \
                 loop { std::thread::park(); }\n    \
             }\n    \
             let me = std::env::current_exe().unwrap();\n    \
             let _ = std::process::Command::new(me).arg(\"--linger\").spawn();\n\
         }\n",
    )
    .unwrap();
}

/// The labs of the kit, from its tests/labN.rs files.
fn labs() -> Vec<String> {
    let mut numbers: Vec<u32> = fs::read_dir(Path::new(KIT).join("tests"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_prefix("lab")?.strip_suffix(".rs")?.parse().ok()
        })
        .collect();
    numbers.sort();
    numbers.iter().map(|n| format!("lab{n}")).collect()
}

/// Lab `n`'s program files in labs/ (`lab1_server.rs`, ...).
fn lab_files(n: u32) -> Vec<String> {
    let prefix = format!("lab{n}_");
    let mut files: Vec<String> = fs::read_dir(Path::new(KIT).join("labs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with(&prefix) && f.ends_with(".rs"))
        .collect();
    files.sort();
    files
}

/// The kit as a student's checkout has it: everything but its build
/// outputs, its history and the solutions.
fn copy_kit(kit: &Path, to: &Path) {
    for entry in fs::read_dir(kit).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["target", ".git", "solutions"]
            .iter()
            .any(|skip| name == *skip)
        {
            continue;
        }
        copy_tree(&entry.path(), &to.join(&name));
    }
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        copy(from, to);
    }
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, to).unwrap_or_else(|e| panic!("could not copy {}: {e}", from.display()));
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()))
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.insert(path.clone(), Vec::new());
                stack.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A zip with deflated entries, as a repository download is.
fn write_zip(path: &Path, files: &[(String, Vec<u8>)]) {
    fn field(out: &mut Vec<u8>, values: &[u32], widths: &[usize]) {
        for (value, width) in values.iter().zip(widths) {
            out.extend_from_slice(&value.to_le_bytes()[..*width]);
        }
    }
    let (mut zip, mut directory) = (Vec::new(), Vec::new());
    for (name, bytes) in files {
        let packed = miniz_oxide::deflate::compress_to_vec(bytes, 6);
        let (crc, offset) = (unzip::crc32(bytes), zip.len() as u32);
        let (packed_len, len, name_len) =
            (packed.len() as u32, bytes.len() as u32, name.len() as u32);
        // signature, version, flags, method (8: deflate), time, date, crc,
        // sizes, name length, extra length
        field(
            &mut zip,
            &[
                0x0403_4b50,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                packed_len,
                len,
                name_len,
                0,
            ],
            &[4, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2],
        );
        zip.extend_from_slice(name.as_bytes());
        zip.extend_from_slice(&packed);
        // the same, as the central directory has it, with the entry's offset
        field(
            &mut directory,
            &[
                0x0201_4b50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                packed_len,
                len,
                name_len,
                0,
                0,
                0,
                0,
                0,
                offset,
            ],
            &[4, 2, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2, 2, 2, 2, 4, 4],
        );
        directory.extend_from_slice(name.as_bytes());
    }
    let (count, at, size) = (files.len() as u32, zip.len() as u32, directory.len() as u32);
    zip.extend_from_slice(&directory);
    field(
        &mut zip,
        &[0x0605_4b50, 0, 0, count, count, size, at, 0],
        &[4, 2, 2, 2, 2, 4, 4, 2],
    );
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, zip).unwrap();
}

// ---------------------------------------------------------------------------
// Reading the results

fn student(id: &str) -> &'static Json {
    let grades = &graded().grades;
    grades
        .get("students")
        .as_array()
        .iter()
        .find(|s| s.get("student").as_str() == Some(id))
        .unwrap_or_else(|| panic!("no {id} in grades.json:\n{}", grades.pretty()))
}

/// `student`'s row of grades.csv, by column.
fn row(id: &str) -> BTreeMap<String, String> {
    let mut lines = graded().csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let line = lines
        .find(|l| l.split(',').next() == Some(id))
        .unwrap_or_else(|| panic!("no row for {id} in grades.csv:\n{}", graded().csv));
    header
        .iter()
        .map(|h| h.to_string())
        .zip(line.split(',').map(str::to_string))
        .collect()
}

fn lab_status(id: &str, lab: &str) -> String {
    student(id)
        .get("labs")
        .get(lab)
        .get("status")
        .as_str()
        .unwrap()
        .to_string()
}

fn feedback(id: &str) -> String {
    read(&graded().out.join(format!("feedback/{id}.md")))
}

fn number(value: &Json) -> f64 {
    match value {
        Json::Number(n) => *n,
        other => panic!("not a number: {other:?}"),
    }
}

#[track_caller]
fn assert_every_lab(id: &str, score: &str) {
    let row = row(id);
    for lab in labs() {
        assert_eq!(
            row[&lab],
            score,
            "{id}'s {lab} in grades.csv; the row: {row:?}\n{}",
            feedback(id)
        );
    }
    assert_eq!(row["total"], score, "{id}'s total; the row: {row:?}");
}

// ---------------------------------------------------------------------------
// The behaviours

#[test]
fn a_student_with_the_reference_solutions_scores_100_in_every_lab() {
    assert_every_lab("correct", "100");
}

#[test]
fn a_student_who_handed_in_the_untouched_starters_scores_0() {
    assert_every_lab("starter", "0");
}

#[test]
fn the_tests_the_starters_pass_are_listed_as_given_and_score_nothing() {
    let lab1 = student("starter").get("labs").get("lab1");
    let results: Vec<&str> = lab1
        .get("tests")
        .as_array()
        .iter()
        .map(|t| t.get("result").as_str().unwrap())
        .collect();
    assert!(
        results.contains(&"given"),
        "no given test in the starter's lab 1: {results:?}"
    );
    assert!(
        !results.contains(&"passed"),
        "a scored test passed against the starter: {results:?}"
    );
    assert!(
        feedback("starter").contains("Given tests"),
        "{}",
        feedback("starter")
    );
}

#[test]
fn a_kit_copied_whole_is_graded_by_its_labs_folder_not_its_solutions() {
    let found_in = student("starter").get("found_in").as_str().unwrap();
    assert_eq!(found_in, "starter: sockets-lab-main/labs");
}

#[test]
fn a_student_who_rewrote_the_tests_is_graded_by_the_kits_tests() {
    assert_every_lab("cheater", "0");
    let lab1 = student("cheater").get("labs").get("lab1").get("tests");
    let names: Vec<&str> = lab1
        .as_array()
        .iter()
        .map(|t| t.get("name").as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"everything_passes"),
        "the student's own test was run: {names:?}"
    );
    assert!(names.len() > 5, "lab 1 has only {names:?}");
}

#[test]
fn a_lab_that_does_not_compile_scores_0_and_the_other_labs_are_graded() {
    let row = row("broken");
    for lab in labs() {
        let expected = if lab == "lab2" { "0" } else { "100" };
        assert_eq!(
            row[&lab],
            expected,
            "broken's {lab}; the row: {row:?}\n{}",
            feedback("broken")
        );
    }
    assert_eq!(lab_status("broken", "lab2"), "did not compile");
}

#[test]
fn the_compilers_errors_go_into_the_feedback() {
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
    assert_every_lab("zipped", "100");
    let found_in = student("zipped").get("found_in").as_str().unwrap();
    assert_eq!(found_in, "zipped.zip: sockets-lab-main/labs");
}

#[test]
fn a_zip_left_inside_a_students_folder_is_unpacked() {
    let found_in = student("partial").get("found_in").as_str().unwrap();
    assert_eq!(
        found_in,
        "partial/sockets-lab-main.zip: sockets-lab-main/labs"
    );
    assert_eq!(row("partial")["lab1"], "100", "{}", feedback("partial"));
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
    assert_eq!(
        student("empty").get("problem").as_str(),
        Some("no lab files found")
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
fn a_program_that_never_lets_its_tests_finish_costs_its_lab_only() {
    assert_eq!(
        lab_status("hangs", "lab1"),
        "timed out",
        "{}",
        feedback("hangs")
    );
    assert_eq!(row("hangs")["lab1"], "0");
    let text = feedback("hangs");
    assert!(
        text.contains(&format!("did not finish within {LAB_LIMIT} s")),
        "{text}"
    );
    // The students after it were graded: the run went on.
    assert_every_lab("zipped", "100");
}

#[test]
fn the_gradebook_has_a_column_per_lab_and_a_row_per_student_in_order() {
    let mut lines = graded().csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("student,{},total", labs().join(","))
    );
    let ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "broken", "cheater", "correct", "empty", "hangs", "partial", "starter", "zipped"
        ]
    );
}

#[test]
fn grades_json_has_the_csvs_figures_and_every_tests_result() {
    let correct = student("correct");
    assert_eq!(correct.get("total"), &Json::Number(100.0));
    for lab in labs() {
        let lab = correct.get("labs").get(&lab);
        let tests = lab.get("tests").as_array();
        assert!(!tests.is_empty());
        assert!(
            tests
                .iter()
                .all(|t| matches!(t.get("result").as_str(), Some("passed" | "given"))),
            "{}",
            lab.pretty()
        );
        assert_eq!(lab.get("passed"), lab.get("scored"));
    }
}

#[test]
fn feedback_comes_in_spanish_and_in_english() {
    let text = feedback("starter");
    assert!(text.contains("Calificación: **0** de 100"), "{text}");
    assert!(text.contains("Grade: **0** out of 100"), "{text}");
    assert!(
        text.contains("Lee ahora: docs/es/lab1.md, «Paso 1»."),
        "{text}"
    );
    assert!(
        text.contains("Read next: docs/en/lab1.md, \"Step 1\"."),
        "{text}"
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
fn the_progress_form_prints_a_row_per_lab_with_what_to_do_next() {
    let table = &graded().table;
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("lab")).collect();
    assert_eq!(
        rows.len(),
        labs().len() + 1,
        "a header and a row per lab:\n{table}"
    );
    assert!(rows[1].contains("100%"), "lab 1 is done:\n{table}");
    assert!(rows[2].contains("0%"), "lab 2 is not:\n{table}");
    assert!(
        table.contains("see docs/en/lab2.md, step"),
        "the starter's hint for lab 2:\n{table}"
    );
}

#[test]
fn the_classroom_result_gives_a_point_per_scored_test() {
    let result = &graded().classroom;
    assert_eq!(result.get("version"), &Json::Number(1.0));
    assert_eq!(
        result.get("status").as_str(),
        Some("fail"),
        "only lab 1 is done"
    );
    let tests = result.get("tests").as_array();
    assert_eq!(result.get("max_score"), &Json::Number(tests.len() as f64));
    let points: f64 = tests.iter().map(|t| number(t.get("score"))).sum();
    let lab1: Vec<&Json> = tests
        .iter()
        .filter(|t| t.get("name").as_str().unwrap().starts_with("lab1 "))
        .collect();
    assert_eq!(
        points,
        lab1.len() as f64,
        "a point for each of lab 1's tests, none for the others"
    );
    for test in tests {
        let passed = test.get("status").as_str() == Some("pass");
        let message = test.get("message").as_str().unwrap();
        assert!(
            passed || !message.is_empty(),
            "a failing test without its message: {}",
            test.pretty()
        );
    }
}
