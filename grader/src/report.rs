//! What the grader writes: the gradebook (grades.csv, grades.json), the
//! GitHub Classroom result, and the progress table a student sees.

use std::fmt::Write as _;

use crate::feedback::Lang;
use crate::grading::{LabGrade, Status, StudentGrade};
use crate::json::Json;
use crate::libtest::{self, Outcome};

/// `student,lab1,...,total`, one row per student (already sorted by id).
pub fn csv(labs: &[String], students: &[StudentGrade]) -> String {
    let mut out = String::from("student");
    for lab in labs {
        out.push(',');
        out.push_str(lab);
    }
    out.push_str(",total\n");
    for student in students {
        out.push_str(&csv_field(&student.id));
        for lab in &student.labs {
            let _ = write!(out, ",{}", lab.score());
        }
        let _ = writeln!(out, ",{}", student.total());
    }
    out
}

/// Quoted when it must be; a leading `=`, `+`, `-` or `@` would make a
/// spreadsheet read the id as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The same figures as the CSV, and every test's result.
pub fn json(labs: &[String], students: &[StudentGrade]) -> Json {
    let students = students.iter().map(|student| {
        let mut fields = vec![("student", Json::from(student.id.as_str()))];
        match &student.found_in {
            Ok(found_in) => fields.push(("found_in", found_in.as_str().into())),
            Err(why) => fields.push(("problem", why.as_str().into())),
        }
        fields.push(("total", student.total().into()));
        fields.push(("seconds", student.seconds.into()));
        fields.push((
            "labs",
            Json::object(
                student
                    .labs
                    .iter()
                    .map(|lab| (lab.lab.clone(), lab_json(lab))),
            ),
        ));
        Json::object(fields)
    });
    Json::object([
        (
            "labs",
            Json::Array(labs.iter().map(|l| l.as_str().into()).collect()),
        ),
        ("students", Json::Array(students.collect())),
    ])
}

fn lab_json(lab: &LabGrade) -> Json {
    let tests = lab.tests.iter().map(|test| {
        let result = match (&test.outcome, test.given) {
            (Outcome::Passed, false) => "passed",
            (_, false) => "failed",
            (Outcome::Passed, true) => "given",
            (_, true) => "given, failed",
        };
        Json::object([
            ("name", test.name.as_str().into()),
            ("result", result.into()),
        ])
    });
    Json::object([
        ("score", lab.score().into()),
        ("passed", lab.passed().into()),
        ("scored", lab.scored().count().into()),
        ("status", status_word(&lab.status).into()),
        ("tests", Json::Array(tests.collect())),
    ])
}

fn status_word(status: &Status) -> &'static str {
    match status {
        Status::Graded => "graded",
        Status::NotHandedIn => "not handed in",
        Status::DidNotCompile(_) => "did not compile",
        Status::TimedOut(_) => "timed out",
        Status::Failed(_) => "grader error",
    }
}

/// The result GitHub Classroom's grading reporter reads from a runner
/// (`version`, `status`, `max_score`, `tests` with `name`, `status`,
/// `score`, `message`). Each scored test is worth one point, so the points
/// add up exactly; given tests are left out, as they score nothing.
pub fn classroom(student: &StudentGrade) -> Json {
    let mut tests = Vec::new();
    for lab in &student.labs {
        let timed_out = matches!(lab.status, Status::TimedOut(_));
        for test in lab.scored() {
            let (status, score, message) = match &test.outcome {
                Outcome::Passed if timed_out => ("fail", 0, not_run_message(lab, "")),
                Outcome::Passed => ("pass", 1, String::new()),
                Outcome::Failed(message) => ("fail", 0, message.clone()),
                Outcome::NotRun(why) => ("fail", 0, not_run_message(lab, why)),
            };
            tests.push(Json::object([
                ("name", format!("{} {}", lab.lab, test.name).into()),
                ("status", status.into()),
                ("score", Json::from(score as usize)),
                ("message", message.into()),
            ]));
        }
    }
    let max = tests.len();
    let all_passed = student.labs.iter().all(|lab| lab.score() == 100.0);
    Json::object([
        ("version", Json::from(1usize)),
        ("status", if all_passed { "pass" } else { "fail" }.into()),
        ("max_score", max.into()),
        ("tests", Json::Array(tests)),
    ])
}

fn not_run_message(lab: &LabGrade, why: &str) -> String {
    match &lab.status {
        Status::DidNotCompile(errors) => errors
            .iter()
            .map(|(file, text)| format!("{file} did not compile:\n{text}"))
            .collect::<Vec<_>>()
            .join("\n\n"),
        Status::TimedOut(secs) => {
            format!(
                "the lab's tests did not finish within {secs} s and were stopped: the lab scores 0"
            )
        }
        _ => why.to_string(),
    }
}

/// One row per lab: tests passed out of the scored ones, the percentage,
/// and what to do next (the first failing test and its message's hint).
pub fn progress_table(student: &StudentGrade, lang: Lang) -> String {
    let mut out = String::new();
    let (lab_h, score_h, passed_h, next_h) = match lang {
        Lang::En => ("lab", "score", "tests passed", "first failing test"),
        Lang::Es => ("lab", "calif.", "tests que pasan", "primer test que falla"),
    };
    let _ = writeln!(out, "{lab_h:<6} {score_h:>6}  {passed_h:<16} {next_h}");
    for lab in &student.labs {
        let of = match lang {
            Lang::En => "of",
            Lang::Es => "de",
        };
        let passed = format!("{} {of} {}", lab.passed(), lab.scored().count());
        let _ = write!(out, "{:<6} {:>5}%  {passed:<16} ", lab.lab, lab.score());
        let _ = writeln!(out, "{}", next_step(lab, lang));
    }
    let _ = writeln!(out, "{:<6} {:>5}%", "total", student.total());
    out
}

/// The first failing test (in the order the tests are listed) and the first
/// line of its message, or the starter's hint when the message quotes one.
fn next_step(lab: &LabGrade, lang: Lang) -> String {
    match &lab.status {
        Status::NotHandedIn => return lang.pick("(no files)", "(sin archivos)").to_string(),
        Status::DidNotCompile(errors) => {
            let files: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
            return format!(
                "{}: {}",
                lang.pick("does not compile", "no compila"),
                files.join(", ")
            );
        }
        Status::TimedOut(secs) => {
            return format!(
                "{} ({secs} s)",
                lang.pick(
                    "stopped at the time limit",
                    "se detuvo en el límite de tiempo"
                )
            );
        }
        _ => {}
    }
    let Some(failure) = lab.failures().next() else {
        return String::new();
    };
    let message = match &failure.outcome {
        Outcome::Failed(message) => libtest::todo_hint(message)
            .or_else(|| message.lines().next())
            .unwrap_or("")
            .to_string(),
        Outcome::NotRun(why) => why.clone(),
        Outcome::Passed => String::new(),
    };
    format!("{}\n{:<32}{message}", failure.name, "")
}
