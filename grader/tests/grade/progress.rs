//! The progress form a student runs, and the GitHub Classroom result.

use super::*;

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
