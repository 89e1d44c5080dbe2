//! Without a sandbox: every output says so, and a hang or a daemon still
//! costs its lab only.

use super::*;

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
