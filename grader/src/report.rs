//! What the grader writes: the gradebook (grades.csv, grades.json), the
//! GitHub Classroom result, and the progress table a student sees.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::copies::Copies;
use crate::grading::{self, LabGrade, Status, StudentGrade};
use crate::lang::{Lang, Text};
use crate::libtest::Outcome;
use crate::limits::Usage;

/// What the gradebook is made of: the labs' names, the students in the
/// order of the rows, the copies found, the language of the problems, and
/// the warning when there was no sandbox.
pub struct Book<'a> {
    pub labs: &'a [String],
    pub students: &'a [StudentGrade],
    pub copies: &'a Copies,
    pub lang: Lang,
    pub warning: Option<&'a str>,
}

impl Book<'_> {
    /// With a roster, every row has a name column.
    fn has_names(&self) -> bool {
        self.students.iter().any(|s| s.name.is_some())
    }
}

/// `student[,name],lab1,...,total,problems,copies`, one row per student
/// (already in order). It starts with a UTF-8 byte order mark: without it
/// Excel, as most instructors open a CSV, reads the file in the computer's
/// legacy code page and shows "JosÃ© PÃ©rez" for "José Pérez".
pub fn csv(book: &Book) -> String {
    let mut out = String::from("\u{feff}student");
    if book.has_names() {
        out.push_str(",name");
    }
    for lab in book.labs {
        out.push(',');
        out.push_str(lab);
    }
    out.push_str(",total,problems,copies\n");
    for student in book.students {
        out.push_str(&csv_field(&student.id));
        if book.has_names() {
            out.push(',');
            out.push_str(&csv_field(student.name.as_deref().unwrap_or("")));
        }
        for lab in &student.labs {
            let _ = write!(out, ",{}", lab.score());
        }
        let _ = write!(out, ",{},", student.total());
        out.push_str(&csv_field(
            &problems(student, book.lang, book.warning).join("; "),
        ));
        out.push(',');
        out.push_str(&csv_field(&copies_of(book, student).join("; ")));
        out.push('\n');
    }
    out
}

fn copies_of(book: &Book, student: &StudentGrade) -> Vec<String> {
    book.copies
        .of(&student.id)
        .iter()
        .map(|t| t.get(book.lang).to_string())
        .collect()
}

/// Everything an instructor should know about a student's grade, one
/// sentence each: why nothing was graded, how the hand-in was read, and the
/// missing sandbox.
pub fn problems(student: &StudentGrade, lang: Lang, warning: Option<&str>) -> Vec<String> {
    let mut list: Vec<String> = student
        .problems
        .iter()
        .map(|p| p.get(lang).to_string())
        .collect();
    if let Err(why) = &student.found_in {
        list.insert(0, why.get(lang).to_string());
    }
    if let Some(warning) = warning {
        list.push(warning.to_string());
    }
    list
}

/// Quoted when it must be. An id is the folder's name as it is, so that
/// it still finds the folder, except that a leading `=`, `+`, `-` or `@`
/// gets a `'` before it: a spreadsheet would run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// grades.json: the same figures as the CSV, and every test's result.
#[derive(Serialize)]
pub struct Gradebook<'a> {
    labs: &'a [String],
    /// The warning when students' programs ran without a sandbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<&'a str>,
    students: Vec<StudentJson<'a>>,
}

#[derive(Serialize)]
struct StudentJson<'a> {
    student: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    found_in: Option<&'a str>,
    total: f64,
    seconds: f64,
    problems: Vec<String>,
    copies: Vec<String>,
    labs: BTreeMap<&'a str, LabJson<'a>>,
}

#[derive(Serialize)]
struct LabJson<'a> {
    score: f64,
    passed: usize,
    scored: usize,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    leftovers: &'a Vec<String>,
    /// The limits its tests' run hit (`memory (256 MiB)`), and what the
    /// run used where a control group counted it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    limits: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
    /// Tests that failed among the others and passed when run alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    passed_alone: &'a Vec<String>,
    tests: Vec<TestJson<'a>>,
}

#[derive(Serialize)]
struct TestJson<'a> {
    name: &'a str,
    result: &'static str,
}

pub fn json<'a>(book: &'a Book) -> Gradebook<'a> {
    let students = book
        .students
        .iter()
        .map(|student| StudentJson {
            student: &student.id,
            name: student.name.as_deref(),
            found_in: student.found_in.as_deref().ok(),
            total: student.total(),
            seconds: student.seconds,
            problems: problems(student, book.lang, book.warning),
            copies: copies_of(book, student),
            labs: student
                .labs
                .iter()
                .map(|lab| (lab.lab.as_str(), lab_json(lab, book.lang)))
                .collect(),
        })
        .collect();
    Gradebook {
        labs: book.labs,
        warning: book.warning,
        students,
    }
}

fn lab_json(lab: &LabGrade, lang: Lang) -> LabJson<'_> {
    let tests = lab
        .tests
        .iter()
        .map(|test| TestJson {
            name: &test.name,
            result: match (&test.outcome, test.given) {
                (Outcome::Passed, false) => "passed",
                (Outcome::NotRun(_), false) => "not run",
                (_, false) => "failed",
                (Outcome::Passed, true) => "given",
                (Outcome::NotRun(_), true) => "given, not run",
                (_, true) => "given, failed",
            },
        })
        .collect();
    LabJson {
        score: lab.score(),
        passed: lab.passed(),
        scored: lab.scored().count(),
        status: status_word(&lab.status),
        leftovers: &lab.leftovers,
        limits: lab.limits.iter().map(|hit| hit.name(lang)).collect(),
        usage: lab.usage,
        passed_alone: &lab.passed_alone,
        tests,
    }
}

fn status_word(status: &Status) -> &'static str {
    match status {
        Status::Graded => "graded",
        Status::NotHandedIn => "not handed in",
        Status::Untouched => "untouched",
        Status::DidNotCompile(_) => "did not compile",
        Status::TimedOut(_) => "timed out",
        Status::Failed(_) => "grader error",
    }
}

/// One row per lab: tests passed out of the scored ones, the percentage,
/// and what to do next: the lowest step of the walkthrough not done yet.
pub fn progress_table(student: &StudentGrade, lang: Lang) -> String {
    let mut out = String::new();
    let head = text!(
        en: "{lab:<6} {score:>6}  {passed:<16} what to do next",
        es: "{lab:<6} {calif:>6}  {pasan:<16} lo que sigue",
        lab = "lab",
        score = "score",
        passed = "tests passed",
        calif = "calif.",
        pasan = "tests que pasan",
    );
    let _ = writeln!(out, "{}", head.get(lang));
    for lab in &student.labs {
        let passed = text!(
            en: "{p} of {n}",
            es: "{p} de {n}",
            p = lab.passed(),
            n = lab.scored().count(),
        );
        let _ = write!(
            out,
            "{:<6} {:>5}%  {:<16} ",
            lab.lab,
            lab.score(),
            passed.get(lang)
        );
        let _ = writeln!(out, "{}", next_step(lab).get(lang));
    }
    let _ = writeln!(out, "{:<6} {:>5}%", "total", student.total());
    out
}

/// What the row of a lab says to do next: the lowest step not done yet
/// (the starters' `todo!`s name their step), with the failing test that
/// shows it; else the first failing test and the first line of its message.
fn next_step(lab: &LabGrade) -> Text {
    let number = lab.number;
    match &lab.status {
        Status::NotHandedIn => return text!(en: "(no files)", es: "(sin archivos)"),
        Status::Untouched => {
            return match lab.first_step {
                Some(step) => text!(
                    en: "untouched: start at docs/en/lab{number}.md, \"Step {step}\"",
                    es: "sin tocar: empieza en docs/es/lab{number}.md, «Paso {step}»",
                ),
                None => text!(en: "untouched", es: "sin tocar"),
            };
        }
        Status::DidNotCompile(errors) => {
            let files: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
            let files = files.join(", ");
            return text!(en: "does not compile: {files}", es: "no compila: {files}");
        }
        Status::TimedOut(secs) => {
            return text!(
                en: "stopped at the time limit ({secs} s)",
                es: "se detuvo en el límite de tiempo ({secs} s)",
            );
        }
        Status::Graded | Status::Failed(_) => {}
    }
    let pad = " ".repeat(32);
    if let Some((step, test)) = grading::lowest_step(lab) {
        let name = &test.name;
        return text!(
            en: "step {step} is next: read docs/en/lab{number}.md, \"Step {step}\"\n{pad}{name}",
            es: "te falta el paso {step}: lee docs/es/lab{number}.md, «Paso {step}»\n{pad}{name}",
        );
    }
    let Some(failure) = lab.failures().next() else {
        return text!(en: "", es: "");
    };
    let name = &failure.name;
    let message = match &failure.outcome {
        Outcome::Failed(message) => message.lines().next().unwrap_or("").to_string(),
        Outcome::NotRun(why) => why.clone(),
        Outcome::Passed => String::new(),
    };
    text!(en: "{name}\n{pad}{message}", es: "{name}\n{pad}{message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copies::Copies;
    use crate::grading::TestResult;
    use crate::lang::Text;

    fn student(id: &str, problems: Vec<Text>) -> StudentGrade {
        StudentGrade {
            id: id.into(),
            found_in: Ok(format!("{id}: labs")),
            labs: vec![LabGrade {
                lab: "lab1".into(),
                number: 1,
                status: Status::Graded,
                tests: vec![
                    TestResult {
                        name: "a".into(),
                        given: false,
                        outcome: Outcome::Passed,
                    },
                    TestResult {
                        name: "b".into(),
                        given: false,
                        outcome: Outcome::Failed("no".into()),
                    },
                ],
                missing: Vec::new(),
                leftovers: Vec::new(),
                first_step: Some(1),
                limits: Vec::new(),
                usage: None,
                passed_alone: Vec::new(),
            }],
            seconds: 1.0,
            problems,
            name: None,
            files: Vec::new(),
        }
    }

    fn book<'a>(
        rows: &'a [StudentGrade],
        copies: &'a Copies,
        warning: Option<&'a str>,
    ) -> Book<'a> {
        static LABS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        Book {
            labs: LABS.get_or_init(|| vec!["lab1".into()]),
            students: rows,
            copies,
            lang: Lang::En,
            warning,
        }
    }

    #[test]
    fn the_csv_starts_with_a_byte_order_mark_and_has_problems_and_copies_columns() {
        let rows = [
            student("José Pérez Núñez", vec![]),
            student("=cmd", vec![text!(en: "a, \"b\"", es: "a, «b»")]),
        ];
        let copies = Copies::default();
        let csv = csv(&book(&rows, &copies, None));
        assert!(
            csv.starts_with("\u{feff}student,lab1,total,problems,copies\n"),
            "{csv}"
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[1], "José Pérez Núñez,50,50,,");
        assert_eq!(lines[2], "'=cmd,50,50,\"a, \"\"b\"\"\",");
    }

    #[test]
    fn with_a_roster_every_row_has_a_name() {
        let mut rows = [student("A01", vec![]), student("stranger", vec![])];
        rows[0].name = Some("Ana García".into());
        let copies = Copies::default();
        let csv = csv(&book(&rows, &copies, None));
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].ends_with("student,name,lab1,total,problems,copies"),
            "{csv}"
        );
        assert_eq!(lines[1], "A01,Ana García,50,50,,");
        assert_eq!(lines[2], "stranger,,50,50,,");
    }

    #[test]
    fn without_a_sandbox_every_row_says_so() {
        let rows = [student("ana", vec![])];
        let copies = Copies::default();
        let csv = csv(&book(&rows, &copies, Some("WARNING: no sandbox")));
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .ends_with(",WARNING: no sandbox,"),
            "{csv}"
        );
        let book = book(&rows, &copies, Some("W"));
        let json = serde_json::to_value(json(&book)).unwrap();
        assert_eq!(json["warning"], "W");
        assert_eq!(json["students"][0]["problems"][0], "W");
    }
}
