//! The attacks: none changes a grade or leaves a process.

use super::*;

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
