//! Reading what the grader wrote: a student's grades, row, feedback and
//! problems.

use super::*;

pub fn student_in<'a>(grades: &'a Value, id: &str) -> &'a Value {
    grades["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["student"] == id)
        .unwrap_or_else(|| panic!("no {id} in grades.json:\n{grades:#}"))
}

pub fn student(id: &str) -> &'static Value {
    student_in(&graded().grades, id)
}

/// `student`'s row of grades.csv, by column.
pub fn row(id: &str) -> BTreeMap<String, String> {
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
pub fn fields(line: &str) -> Vec<String> {
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

pub fn lab_status(id: &str, lab: &str) -> String {
    student(id)["labs"][lab]["status"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn feedback(id: &str) -> String {
    read(&graded().out.join(format!("feedback/{id}.md")))
}

/// The problems of a student's row, but the warning that the class ran
/// without a sandbox (on a machine without one; see `sandboxed`).
pub fn problems(id: &str) -> String {
    let problems = &row(id)["problems"];
    match problems.find(NO_SANDBOX) {
        Some(at) => problems[..at].trim_end_matches("; ").to_string(),
        None => problems.clone(),
    }
}

/// What the grader's console and problems say when it finds no sandbox.
pub const NO_SANDBOX: &str = "WARNING: no sandbox";

/// Whether the class ran in the sandbox, for the tests of what only the
/// sandbox protects against. Where the machine has none (no bubblewrap, no
/// user namespaces; macOS and Windows never), such a test says on the
/// terminal that it is skipped and why, and passes, so that the kit's own
/// test command passes there too; with SOCKETS_LAB_REQUIRE_SANDBOX=1 in the
/// environment (CI sets it) it fails instead.
pub fn sandboxed(test: &str) -> bool {
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
pub fn assert_lab1(id: &str, score: &str) {
    assert_eq!(
        row(id)["lab1"],
        score,
        "{id}'s lab 1 in grades.csv: {:?}\n{}",
        row(id),
        feedback(id)
    );
}

#[track_caller]
pub fn assert_every_lab(id: &str, score: &str) {
    let row = row(id);
    for lab in labs() {
        assert_eq!(row[&lab], score, "{id}'s {lab}: {row:?}\n{}", feedback(id));
    }
    assert_eq!(row["total"], score, "{id}'s total; the row: {row:?}");
}
