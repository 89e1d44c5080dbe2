//! The outputs: the gradebook, grades.json, the feedback.

use super::*;

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
