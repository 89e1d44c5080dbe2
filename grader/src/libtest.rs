//! Reads what a test binary prints (libtest's `pretty` format): which tests
//! passed, which failed, and for each failure the message a student can act
//! on; and, for the kit's CI (.ci/handout), the result of every test target
//! in the log of a whole `cargo test`. The one reader of libtest's text in
//! the kit: nothing else parses it.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(String),
    /// The test never reported: the time limit, or a build that failed.
    NotRun(String),
}

/// The names `--list` prints (`name: test` lines), in its order.
pub fn parse_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// Each test that reported `ok` or `FAILED`, with its failure message.
pub fn parse_run(stdout: &str) -> BTreeMap<String, Outcome> {
    let mut outcomes = BTreeMap::new();
    let mut blocks: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut block: Option<&str> = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... ok") {
                outcomes.insert(name.to_string(), Outcome::Passed);
                continue;
            }
            if let Some(name) = rest.strip_suffix(" ... FAILED") {
                outcomes.insert(name.to_string(), Outcome::Failed(String::new()));
                continue;
            }
        }
        // The report of a failure: `---- name stdout ----`, then what the
        // test printed and its panic, up to the next report or the list
        // of failures that closes them.
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"))
        {
            block = Some(name);
            continue;
        }
        if line == "failures:" {
            block = None;
            continue;
        }
        if let Some(name) = block {
            blocks.entry(name.to_string()).or_default().push(line);
        }
    }
    for (name, lines) in blocks {
        if let Some(Outcome::Failed(message)) = outcomes.get_mut(&name) {
            *message = panic_message(&lines);
        }
    }
    outcomes
}

/// Longest message kept: enough for what was expected, what came, and the
/// program's own stderr (where a starter's `todo!` says which step to read).
const MAX_LINES: usize = 25;
const MAX_CHARS: usize = 2500;

/// The message of a test's panic, without libtest's header (`thread
/// 'name' panicked at tests/lab1.rs:5:9:`, or since Rust 1.91 `thread
/// 'name' (3781) panicked at ...`) or the backtrace note, cut to a length a
/// student reads.
fn panic_message(lines: &[&str]) -> String {
    let start = lines
        .iter()
        .position(|l| l.starts_with("thread '") && l.contains(" panicked at "))
        .map_or(0, |i| i + 1);
    let mut kept = Vec::new();
    for line in lines[start..].iter().skip_while(|l| l.trim().is_empty()) {
        if line.starts_with("note: run with `RUST_BACKTRACE")
            || line.starts_with("stack backtrace:")
        {
            break;
        }
        kept.push(*line);
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    let mut message = String::new();
    for (i, line) in kept.iter().enumerate() {
        if i == MAX_LINES || message.len() + line.len() > MAX_CHARS {
            message.push_str("[...]\n");
            break;
        }
        message.push_str(line);
        message.push('\n');
    }
    message.trim_end().to_string()
}

/// What a starter's `todo!` said, if the message quotes it:
/// `step 4: read the whole answer; see docs/en/lab2.md, step 4`.
pub fn todo_hint(message: &str) -> Option<&str> {
    message
        .lines()
        .find_map(|line| line.split_once("not yet implemented: "))
        .map(|(_, hint)| hint.trim())
}

/// The walkthrough step a `todo!` points to: `4` in `paso 4: ...; mira
/// docs/es/lab2.md, paso 4 / step 4: ...`, read from its start, since the
/// tests quote a program's stderr with long lines cut short; or in an older
/// starter's `step 4: ...; see docs/en/lab2.md, step 4`.
pub fn step_of(hint: &str) -> Option<u32> {
    let number = |text: &str| -> Option<u32> {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    ["paso ", "step "]
        .iter()
        .find_map(|word| number(hint.strip_prefix(word)?))
        .or_else(|| number(hint.rsplit_once(", step ")?.1))
}

/// One test target's result in a `cargo test` log.
#[derive(Debug, PartialEq)]
pub struct TargetResult {
    /// As cargo names it: `tests/lab1.rs`, `unittests src/main.rs`.
    pub target: String,
    /// `ok` or `FAILED`, or `none` when it never reported (it did not build,
    /// or crashed).
    pub result: String,
    pub passed: usize,
    pub failed: usize,
    /// The tests that reported `ok`, in the order they did.
    pub passing: Vec<String>,
}

/// The test targets a `cargo test` log (its stdout and stderr together)
/// ran, in order, with their results.
pub fn parse_cargo_log(log: &str) -> Vec<TargetResult> {
    let mut targets: Vec<TargetResult> = Vec::new();
    for line in log.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            // `Running tests/lab1.rs (target/debug/deps/lab1-...)`
            let target = rest.rsplit_once(" (").map_or(rest, |(t, _)| t).trim();
            targets.push(TargetResult {
                target: target.to_string(),
                result: "none".into(),
                passed: 0,
                failed: 0,
                passing: Vec::new(),
            });
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" ... ok"))
        {
            if let Some(last) = targets.last_mut().filter(|t| t.result == "none") {
                last.passing.push(name.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("test result: ") {
            let Some(last) = targets.last_mut().filter(|t| t.result == "none") else {
                continue;
            };
            let (result, counts) = rest.split_once(". ").unwrap_or((rest, ""));
            last.result = result.to_string();
            for part in counts.split("; ") {
                match part.split_once(' ') {
                    Some((n, "passed")) => last.passed = n.parse().unwrap_or(0),
                    Some((n, "failed")) => last.failed = n.parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `cargo test -- --format pretty` printed on Rust 1.95: a thread
    /// id after the test's name in every panic's header.
    const RUST_1_95: &str = include_str!("testdata/libtest-1.95.txt");

    #[test]
    fn every_tests_outcome_is_read() {
        let outcomes = parse_run(RUST_1_95);
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes["server::passes"], Outcome::Passed);
        assert!(matches!(outcomes["server::asserts"], Outcome::Failed(_)));
    }

    #[test]
    fn a_message_has_no_thread_header_and_no_blank_line_on_top() {
        let outcomes = parse_run(RUST_1_95);
        let Outcome::Failed(message) = &outcomes["server::fails_with_a_message"] else {
            panic!("{outcomes:?}");
        };
        assert_eq!(
            message,
            "expected \"hola\" from lab1_client within 5s, got the end of its output\n\
             stderr of lab1_client:\n  \
             not yet implemented: step 2: echo; see docs/en/lab1.md, step 2"
        );
        let Outcome::Failed(message) = &outcomes["server::asserts"] else {
            panic!("{outcomes:?}");
        };
        assert!(
            message.starts_with("assertion `left == right` failed: one is not two"),
            "{message}"
        );
        assert!(!message.contains("RUST_BACKTRACE"), "{message}");
    }

    #[test]
    fn the_old_header_without_a_thread_id_is_taken_off_too() {
        let old = RUST_1_95.replace("' (29249) panicked", "' panicked");
        let Outcome::Failed(message) = &parse_run(&old)["server::fails_with_a_message"] else {
            panic!();
        };
        assert!(message.starts_with("expected \"hola\""), "{message}");
    }

    #[test]
    fn a_todo_hint_names_its_step() {
        let hint = todo_hint("x\n  not yet implemented: step 2: echo; see docs/en/lab1.md, step 2");
        assert_eq!(hint, Some("step 2: echo; see docs/en/lab1.md, step 2"));
        assert_eq!(step_of(hint.unwrap()), Some(2));
    }

    #[test]
    fn the_step_is_read_from_a_todo_cut_short() {
        // As the tests quote a long line of a program's stderr.
        let message = "lab2_server's stderr:\n    not yet implemented: paso 1: escucha y \
                       atiende a un cliente a la vez; mira docs/es/lab2.md, pa… (190 bytes)";
        assert_eq!(todo_hint(message).and_then(step_of), Some(1));
    }

    #[test]
    fn a_list_gives_the_tests_names() {
        assert_eq!(
            parse_list("server::a: test\nclient::b: test\n\n2 tests, 0 benchmarks\n"),
            ["server::a", "client::b"]
        );
    }

    #[test]
    fn a_cargo_log_gives_each_targets_result() {
        let log = format!(
            "   Compiling sockets-lab v0.1.0\n     Running tests/lab1.rs (target/debug/deps/lab1-0a1b)\n{RUST_1_95}\
             \x20    Running tests/lab2.rs (target/debug/deps/lab2-2c3d)\nerror: test failed\n\
             \x20    Running unittests src/main.rs (target/debug/deps/grade-4e5f)\n\
             test result: ok. 7 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n"
        );
        assert_eq!(
            parse_cargo_log(&log),
            [
                TargetResult {
                    target: "tests/lab1.rs".into(),
                    result: "FAILED".into(),
                    passed: 1,
                    failed: 2,
                    passing: vec!["server::passes".into()],
                },
                TargetResult {
                    target: "tests/lab2.rs".into(),
                    result: "none".into(),
                    passed: 0,
                    failed: 0,
                    passing: vec![],
                },
                TargetResult {
                    target: "unittests src/main.rs".into(),
                    result: "ok".into(),
                    passed: 7,
                    failed: 0,
                    passing: vec![],
                },
            ]
        );
    }
}
