//! Grading as a teacher would: every way the docs accept to hand in.

use super::*;

#[test]
fn a_student_with_the_reference_solutions_scores_100_in_every_lab() {
    assert_every_lab("correct", "100");
}

#[test]
fn a_student_who_handed_in_the_untouched_starters_scores_0() {
    assert_lab1("starter", "0");
    assert_eq!(lab_status("starter", "lab1"), "untouched");
    let results: Vec<&str> = student("starter")["labs"]["lab1"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["result"].as_str().unwrap())
        .collect();
    assert!(
        results
            .iter()
            .all(|r| *r == "not run" || *r == "given, not run"),
        "an untouched lab's tests are not run: {results:?}"
    );
}

#[test]
fn an_untouched_labs_feedback_is_one_paragraph_that_says_where_to_start() {
    let text = feedback("starter");
    assert!(
        text.contains("You have not changed this lab's files yet")
            && text.contains("Start with docs/en/lab1.md, \"Step 1\""),
        "{text}"
    );
    assert!(
        text.contains("Empieza por docs/es/lab1.md, «Paso 1»"),
        "{text}"
    );
    assert!(!text.contains("todo!"), "no failing test quoted:\n{text}");
    assert!(
        text.lines().count() < 60,
        "{} lines:\n{text}",
        text.lines().count()
    );
}

#[test]
fn a_hand_in_that_could_not_be_read_says_so_once_in_the_graders_language() {
    let text = feedback("bomb");
    assert!(text.contains("Nothing was graded"), "{text}");
    assert!(
        text.contains("No se calificó nada: no se pudo leer"),
        "{text}"
    );
    assert!(
        text.contains("¿una bomba zip?"),
        "the reason in Spanish too:\n{text}"
    );
    assert!(!text.contains("No entregaste ningún archivo"), "{text}");
}

#[test]
fn a_kit_copied_whole_is_graded_by_its_labs_folder_not_its_solutions() {
    assert_eq!(
        student("starter")["found_in"],
        "starter: sockets-lab-main/labs"
    );
}

#[test]
fn a_student_who_rewrote_the_tests_is_graded_by_the_kits_tests() {
    assert_lab1("cheater", "0");
    let names: Vec<&str> = student("cheater")["labs"]["lab1"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"everything_passes"), "{names:?}");
    assert!(names.len() > 5, "lab 1 has only {names:?}");
}

#[test]
fn a_lab_that_does_not_compile_scores_0_and_the_other_labs_are_graded() {
    assert_lab1("broken", "100");
    assert_eq!(row("broken")["lab2"], "0");
    assert_eq!(lab_status("broken", "lab2"), "did not compile");
    assert_eq!(problems("broken"), "", "its stub is no change to the kit");
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
    assert_lab1("zipped", "100");
    assert_eq!(
        student("zipped")["found_in"],
        "zipped.zip: sockets-lab-main/labs"
    );
}

#[test]
fn a_zip_left_inside_a_students_folder_is_unpacked() {
    assert_eq!(
        student("partial")["found_in"],
        "partial/sockets-lab-main.zip: sockets-lab-main/labs"
    );
    assert_lab1("partial", "100");
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
    assert!(
        problems("empty").contains("no lab files found"),
        "{:?}",
        row("empty")
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
fn of_two_copies_of_the_kit_the_newest_is_graded_and_the_choice_said() {
    assert_lab1("twocopies", "100");
    assert_eq!(
        student("twocopies")["found_in"],
        "twocopies: sockets-lab-main (1)/labs"
    );
    assert!(
        problems("twocopies").contains("several copies"),
        "{}",
        problems("twocopies")
    );
}

#[test]
fn a_folder_and_a_zip_of_one_student_are_one_hand_in_and_the_newest_is_graded() {
    assert_lab1("both", "100");
    assert_eq!(
        student("both")["found_in"],
        "both.zip: sockets-lab-main/labs"
    );
    assert!(
        problems("both").contains("`both: labs`"),
        "{}",
        problems("both")
    );
}

#[test]
fn lab_files_renamed_by_the_system_are_graded_under_the_kits_names() {
    assert_lab1("Ángela", "100");
    let problems = problems("Ángela");
    assert!(
        problems.contains("`labs/Lab1_Server.rs` was graded as `labs/lab1_server.rs`"),
        "{problems}"
    );
    assert!(
        problems.contains("`labs/lab1_client (1).rs` was graded as"),
        "{problems}"
    );
}

#[test]
fn lab_files_elsewhere_are_graded_when_labs_holds_the_untouched_starters() {
    assert_lab1("elsewhere", "100");
    assert_eq!(
        student("elsewhere")["found_in"],
        "elsewhere: sockets-lab/src"
    );
    assert!(
        problems("elsewhere").contains("the one with the most work")
            && problems("elsewhere").contains("`elsewhere: sockets-lab/labs` (0)"),
        "{}",
        problems("elsewhere")
    );
    assert!(
        !problems("elsewhere").contains("newest"),
        "{}",
        problems("elsewhere")
    );
}

#[test]
fn of_copies_the_one_with_the_most_work_is_graded_whatever_their_times() {
    // The work older than the starters beside it.
    assert_lab1("newerstarters", "100");
    // Two copies unpacked in the same second.
    assert_lab1("samesecond", "100");
    assert_eq!(student("samesecond")["found_in"], "samesecond: b/labs");
}

#[test]
fn a_whole_kit_is_graded_by_its_labs_never_its_bare_starters() {
    assert_eq!(
        student("wholekit")["found_in"],
        "wholekit: sockets-lab-main/labs"
    );
    assert_eq!(lab_status("wholekit", "lab1"), "untouched");
    assert!(
        !problems("wholekit").contains("labs-bare"),
        "{}",
        problems("wholekit")
    );
}

#[test]
fn a_tar_gz_with_a_target_folder_over_the_budget_is_graded() {
    assert_lab1("bigtarget", "100");
    assert!(
        !problems("bigtarget").contains("zip bomb"),
        "{}",
        problems("bigtarget")
    );
}

#[test]
fn grades_already_in_out_are_said_and_replaced() {
    let graded = graded();
    assert!(
        !graded.out.join("feedback/ghost.md").exists(),
        "old feedback left"
    );
    assert!(
        graded.console.contains("already held grades"),
        "{}",
        graded.console
    );
}

#[test]
fn counts_agree_with_their_nouns() {
    let graded = graded();
    let mut texts = vec![graded.console.clone(), graded.unsafe_console.clone()];
    for entry in fs::read_dir(graded.out.join("feedback")).unwrap() {
        texts.push(read(&entry.unwrap().path()));
    }
    for text in texts {
        for wrong in [
            " 1 students",
            " 1 alumnos",
            "(1 problems",
            "(1 avisos",
            "Y 1 tests",
            "And 1 more failing tests",
        ] {
            assert!(!text.contains(wrong), "{wrong:?} in:\n{text}");
        }
    }
}

#[test]
fn reference_solutions_and_identical_pairs_are_flagged_not_graded_down() {
    assert_every_lab("correct", "100");
    assert!(
        row("correct")["copies"].contains("lab 1: the reference solution"),
        "{:?}",
        row("correct")
    );
    let twin = &row("twin-a")["copies"];
    assert!(twin.contains("lab 1: identical to twin-b's"), "{twin}");
    assert!(!twin.contains("reference"), "{twin}");
    assert!(
        !row("broken")["copies"].contains("twin"),
        "{:?}",
        row("broken")
    );
    let report = read(&graded().out.join("copies.md"));
    assert!(
        report.contains("- twin-a: lab 1: identical to twin-b's"),
        "{report}"
    );
    assert!(
        graded().console.contains("possible copies"),
        "{}",
        graded().console
    );
    let dolos = fs::read(graded().out.join("dolos.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(dolos)).unwrap();
    let mut info = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("info.csv").unwrap(), &mut info).unwrap();
    assert!(info.starts_with("filename,full_name,label\n"), "{info}");
    assert!(info.contains("\"twin-a/labs/lab1_server.rs\""), "{info}");
    assert!(zip.by_name("twin-a/labs/lab1_server.rs").is_ok());
}

#[test]
fn a_roster_gives_absent_students_a_row_and_lists_strangers() {
    let graded = graded();
    let csv = read(&graded.unsafe_out.join("grades.csv"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("student,name,lab1"), "{csv}");
    let absent = lines
        .iter()
        .find(|l| l.starts_with("ausente,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        absent.contains("Aurelio Ausente") && absent.contains("no hand-in"),
        "{absent}"
    );
    assert!(
        lines.last().unwrap().starts_with("stranger,,")
            && lines
                .last()
                .unwrap()
                .contains("matches nobody on the roster"),
        "{csv}"
    );
    assert!(
        graded.unsafe_console.contains("stranger"),
        "{}",
        graded.unsafe_console
    );
    let daemon = student_in(&graded.unsafe_grades, "daemon");
    assert_eq!(daemon["name"], "Dana Daemon");
}

#[test]
fn build_outputs_and_large_files_are_skipped_not_held_against_the_student() {
    assert_lab1("large", "100");
    let problems = problems("large");
    assert!(
        problems.contains("`sockets-lab-main/labs/notes.rs` is over 1 MiB"),
        "{problems}"
    );
    assert!(!problems.contains("target"), "{problems}");
}

#[test]
fn a_tar_gz_and_a_zip_in_capitals_are_graded() {
    assert_lab1("tarred", "100");
    assert_lab1("capitals", "100");
}

#[test]
fn an_archive_the_grader_cannot_open_gets_a_row_with_the_reason() {
    assert_every_lab("rarred", "0");
    assert!(
        problems("rarred").contains(".rar archive"),
        "{}",
        problems("rarred")
    );
}

#[test]
fn a_symbolic_link_is_not_followed_and_the_feedback_says_why() {
    let lab1: f64 = row("zoe")["lab1"].parse().unwrap();
    assert!(lab1 < 100.0, "its server is a link, not graded: {lab1}");
    let text = feedback("zoe");
    assert!(
        text.contains("`labs/lab1_server.rs` is a symbolic link"),
        "{text}"
    );
    assert!(text.contains("es un enlace simbólico"), "{text}");
}

#[test]
fn a_zip_bomb_stops_early_with_a_reason() {
    assert_every_lab("bomb", "0");
    assert!(
        problems("bomb").contains("zip bomb"),
        "{}",
        problems("bomb")
    );
    let seconds = student("bomb")["seconds"].as_f64().unwrap();
    assert!(seconds < 40.0, "unpacking took {seconds} s");
}

#[test]
fn a_lab_using_a_crate_the_kit_lacks_says_only_the_kits_crates_are_there() {
    assert_lab1("rand-user", "0");
    assert_eq!(lab_status("rand-user", "lab1"), "did not compile");
    let problems = problems("rand-user");
    assert!(
        problems.contains("the crate `rand`, which the kit does not have"),
        "{problems}"
    );
    assert!(problems.contains("clap"), "{problems}");
}
