//! Reads what a test binary prints (libtest's `pretty` format): which tests
//! passed, which failed, and for each failure the message a student can act
//! on.

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

/// The message of a test's panic, without the test's thread name or the
/// backtrace note, cut to a length a student reads.
fn panic_message(lines: &[&str]) -> String {
    let start = lines
        .iter()
        .position(|l| l.starts_with("thread '") && l.contains("' panicked at "))
        .map_or(0, |i| i + 1);
    let mut kept = Vec::new();
    for line in &lines[start..] {
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

/// The walkthrough step a `todo!` points to (`4` in `... lab2.md, step 4`).
pub fn step_of(hint: &str) -> Option<u32> {
    let (_, after) = hint.rsplit_once(", step ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
