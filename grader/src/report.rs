//! What the grader writes: the gradebook (grades.csv, grades.json), the
//! GitHub Classroom result, and the progress table a student sees.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

use crate::grading::{LabGrade, Status, StudentGrade};
use crate::lang::Lang;
use crate::libtest::{self, Outcome};
use crate::limits::Usage;

/// The order a Spanish reader expects of names: accents and case do not
/// count (`Ángela` among the A's, `émilie` before `Zoe`), and `ñ` comes
/// after `n`; the id itself breaks ties.
pub fn spanish_order(a: &str, b: &str) -> std::cmp::Ordering {
    sort_key(a).cmp(&sort_key(b)).then_with(|| a.cmp(b))
}

fn sort_key(id: &str) -> String {
    id.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a".to_string(),
            'é' | 'è' | 'ê' | 'ë' => "e".to_string(),
            'í' | 'ì' | 'î' | 'ï' => "i".to_string(),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => "o".to_string(),
            'ú' | 'ù' | 'û' | 'ü' => "u".to_string(),
            'ç' => "c".to_string(),
            // After every n-word, before o: "n" then a character past "z".
            'ñ' => "n\u{7f}".to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// `student,lab1,...,total,problems`, one row per student (already
/// sorted). It starts with a UTF-8 byte order mark: without it Excel,
/// as most instructors open a CSV, reads the file in the computer's
/// legacy code page and shows "JosÃ© PÃ©rez" for "José Pérez".
pub fn csv(
    labs: &[String],
    students: &[StudentGrade],
    lang: Lang,
    warning: Option<&str>,
) -> String {
    let mut out = String::from("\u{feff}student");
    for lab in labs {
        out.push(',');
        out.push_str(lab);
    }
    out.push_str(",total,problems\n");
    for student in students {
        out.push_str(&csv_field(&student.id));
        for lab in &student.labs {
            let _ = write!(out, ",{}", lab.score());
        }
        let _ = write!(out, ",{},", student.total());
        out.push_str(&csv_field(&problems(student, lang, warning).join("; ")));
        out.push('\n');
    }
    out
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
        list.insert(0, why.clone());
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
    found_in: Option<&'a str>,
    total: f64,
    seconds: f64,
    problems: Vec<String>,
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
    tests: Vec<TestJson<'a>>,
}

#[derive(Serialize)]
struct TestJson<'a> {
    name: &'a str,
    result: &'static str,
}

pub fn json<'a>(
    labs: &'a [String],
    students: &'a [StudentGrade],
    lang: Lang,
    warning: Option<&'a str>,
) -> Gradebook<'a> {
    let students = students
        .iter()
        .map(|student| StudentJson {
            student: &student.id,
            found_in: student.found_in.as_deref().ok(),
            total: student.total(),
            seconds: student.seconds,
            problems: problems(student, lang, warning),
            labs: student
                .labs
                .iter()
                .map(|lab| (lab.lab.as_str(), lab_json(lab, lang)))
                .collect(),
        })
        .collect();
    Gradebook {
        labs,
        warning,
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
                (_, false) => "failed",
                (Outcome::Passed, true) => "given",
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
        tests,
    }
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
/// `score`, `message`), for one student's repository. Each scored test is
/// worth one point, so the points add up exactly; given tests are left
/// out, as they score nothing.
pub fn classroom(student: &StudentGrade) -> serde_json::Value {
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
            tests.push(json!({
                "name": format!("{} {}", lab.lab, test.name),
                "status": status,
                "score": score,
                "message": message,
            }));
        }
    }
    let all_passed = student.labs.iter().all(|lab| lab.score() == 100.0);
    json!({
        "version": 1,
        "status": if all_passed { "pass" } else { "fail" },
        "max_score": tests.len(),
        "tests": tests,
    })
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
        Outcome::Failed(message) => match libtest::todo_hint(message) {
            // The starters' hints name the English walkthrough; a Spanish
            // reader is sent to the Spanish one, at the same step.
            Some(hint) => match (lang, libtest::step_of(hint)) {
                (Lang::Es, Some(step)) => format!(
                    "te falta el paso {step}: lee {}/lab{}.md, «Paso {step}»",
                    lang.docs(),
                    lab.number
                ),
                _ => hint.to_string(),
            },
            None => message.lines().next().unwrap_or("").to_string(),
        },
        Outcome::NotRun(why) => why.clone(),
        Outcome::Passed => String::new(),
    };
    format!("{}\n{:<32}{message}", failure.name, "")
}

#[cfg(test)]
mod tests {
    use super::*;
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
                limits: Vec::new(),
                usage: None,
            }],
            seconds: 1.0,
            problems,
        }
    }

    #[test]
    fn ids_sort_as_a_spanish_reader_expects() {
        let mut ids = vec![
            "Zoe", "Ángela", "ñoño", "nadia", "Óscar", "beto", "Émilie", "oscar",
        ];
        ids.sort_by(|a, b| spanish_order(a, b));
        assert_eq!(
            ids,
            [
                "Ángela", "beto", "Émilie", "nadia", "ñoño", "oscar", "Óscar", "Zoe"
            ]
        );
    }

    #[test]
    fn the_csv_starts_with_a_byte_order_mark_and_has_a_problems_column() {
        let rows = [
            student("José Pérez Núñez", vec![]),
            student("=cmd", vec![Text::new("a, \"b\"", "a, «b»")]),
        ];
        let csv = csv(&["lab1".into()], &rows, Lang::En, None);
        assert!(
            csv.starts_with("\u{feff}student,lab1,total,problems\n"),
            "{csv}"
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[1], "José Pérez Núñez,50,50,");
        assert_eq!(lines[2], "'=cmd,50,50,\"a, \"\"b\"\"\"");
    }

    #[test]
    fn without_a_sandbox_every_row_says_so() {
        let rows = [student("ana", vec![])];
        let csv = csv(
            &["lab1".into()],
            &rows,
            Lang::En,
            Some("WARNING: no sandbox"),
        );
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .ends_with(",WARNING: no sandbox"),
            "{csv}"
        );
        let json =
            serde_json::to_value(json(&["lab1".into()], &rows, Lang::En, Some("W"))).unwrap();
        assert_eq!(json["warning"], "W");
        assert_eq!(json["students"][0]["problems"][0], "W");
    }
}
