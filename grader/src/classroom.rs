//! The result GitHub Classroom's grading reporter reads from a runner
//! (`version`, `status`, `max_score`, `tests` with `name`, `status`,
//! `score`, `message`), for one student's repository. Each scored test is
//! worth one point, so the points add up exactly; given tests are left
//! out, as they score nothing.
//!
//! The reporter reads it, base64, from one environment variable, and Linux
//! refuses a single one over 128 KiB ("Argument list too long"): the
//! messages are cut so that the whole result stays under `MAX_BYTES`
//! whatever the repository (an untouched one fails every test), and the
//! points are never touched.

use serde_json::{Value, json};

use crate::grading::{LabGrade, Status, StudentGrade};
use crate::libtest::Outcome;

/// The result's size at most, as JSON: base64 makes it 80,000 bytes, under
/// the 100,000 the workflow's step allows itself and Linux's 131,072.
pub const MAX_BYTES: usize = 60_000;
/// A message is cut to this many characters, or to the most that fits.
const MAX_MESSAGE: usize = 1_500;

struct Test {
    name: String,
    passed: bool,
    message: String,
}

pub fn result(student: &StudentGrade) -> Value {
    let mut tests = Vec::new();
    for lab in &student.labs {
        let timed_out = matches!(lab.status, Status::TimedOut(_));
        let mut said = false;
        for test in lab.scored() {
            let passed = test.outcome == Outcome::Passed && !timed_out;
            let message = match (&test.outcome, lab_message(lab)) {
                (Outcome::Passed, None) => String::new(),
                (Outcome::Failed(message), None) => message.clone(),
                (Outcome::NotRun(why), None) => why.clone(),
                // Said once for the lab, then pointed to.
                (_, Some(message)) if !said => {
                    said = true;
                    message
                }
                (_, Some(_)) => format!("lab {}: as above", lab.number),
            };
            tests.push(Test {
                name: format!("{} {}", lab.lab, test.name),
                passed,
                message,
            });
        }
    }
    let all_passed = student.labs.iter().all(|lab| lab.score() == 100.0);
    let value = |limit: usize| {
        json!({
            "version": 1,
            "status": if all_passed { "pass" } else { "fail" },
            "max_score": tests.len(),
            "tests": tests.iter().map(|t| json!({
                "name": t.name,
                "status": if t.passed { "pass" } else { "fail" },
                "score": u32::from(t.passed),
                "message": cut(&t.message, limit),
            })).collect::<Vec<_>>(),
        })
    };
    let fits = |limit: usize| value(limit).to_string().len() <= MAX_BYTES;
    if fits(MAX_MESSAGE) {
        return value(MAX_MESSAGE);
    }
    // The longest cut that fits: fits(low) holds, fits(high) does not.
    let (mut low, mut high) = (0, MAX_MESSAGE);
    while high - low > 1 {
        let middle = (low + high) / 2;
        if fits(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    value(low)
}

/// What a lab whose tests did not run (or were stopped) says, once.
fn lab_message(lab: &LabGrade) -> Option<String> {
    let n = lab.number;
    match &lab.status {
        Status::DidNotCompile(errors) => Some(
            errors
                .iter()
                .map(|(file, text)| format!("{file} did not compile:\n{text}"))
                .collect::<Vec<_>>()
                .join("\n\n"),
        ),
        Status::TimedOut(secs) => Some(format!(
            "lab {n}: the tests did not finish within {secs} s and were stopped: the lab scores 0"
        )),
        Status::Untouched => Some(match lab.first_step {
            Some(step) => format!(
                "lab {n} is untouched (the starters): start at docs/es/lab{n}.md, «Paso {step}» \
                 (docs/en/lab{n}.md, \"Step {step}\")"
            ),
            None => format!("lab {n} is untouched (the starters)"),
        }),
        Status::NotHandedIn => Some(format!("lab {n}: no file handed in")),
        Status::Graded | Status::Failed(_) => None,
    }
}

/// `text` cut to `limit` characters, said so.
fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let kept: String = text.chars().take(limit).collect();
    format!("{kept}[...]")
}
