//! The kit's files as the checks read them: its labs, starters, solutions and
//! walkthroughs.

use std::collections::BTreeSet;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

pub const LANGUAGES: [(&str, &str); 2] = [("en", "Step"), ("es", "Paso")];

/// The lab numbers, from the starters in labs/ (`lab3_server.rs` -> 3).
pub fn labs() -> BTreeSet<u32> {
    files_in("labs")
        .iter()
        .filter_map(|name| name.strip_prefix("lab")?.split('_').next()?.parse().ok())
        .collect()
}

pub fn files_in(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("could not list {dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()))
}

/// The docs of every language, for every walkthrough file in docs/en.
pub fn doc_pairs() -> Vec<(String, String, String)> {
    files_in("docs/en")
        .into_iter()
        .filter(|name| name.ends_with(".md"))
        .map(|name| {
            let en = read(format!("docs/en/{name}"));
            let es = read(format!("docs/es/{name}"));
            (name, en, es)
        })
        .collect()
}

/// The message of every `todo!` of a starter, with the line of its `todo!`
/// (rustfmt may put the message on the next line).
pub fn todo_messages(starter: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = starter.lines().collect();
    let mut messages = Vec::new();
    for (row, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with("todo!(") {
            continue;
        }
        let rest = lines[row..].join("\n");
        let message = rest
            .split_once('"')
            .and_then(|(_, after)| after.split_once('"'))
            .map(|(message, _)| message.to_string())
            .unwrap_or_default();
        messages.push((row + 1, message));
    }
    messages
}

/// Whether a `todo!` message names its step and the walkthrough of its own
/// lab in both languages:
/// `paso 4: ...; mira docs/es/lab2.md, paso 4 / step 4: ...; see docs/en/lab2.md, step 4`.
/// (The grader reads the step from the last `, step N`.)
pub fn points_to_both_walkthroughs(message: &str, lab: u32, step: u32) -> bool {
    message.starts_with(&format!("paso {step}: "))
        && message.contains(&format!(
            "; mira docs/es/lab{lab}.md, paso {step} / step {step}: "
        ))
        && message.ends_with(&format!("; see docs/en/lab{lab}.md, step {step}"))
}

pub fn number(text: &str, place: &str) -> u32 {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{place}: no step number in {text:?}"))
}

/// Every lab's walkthrough in every language: (lab, index of the language
/// in LANGUAGES, the language, its word for a step).
pub fn walkthroughs() -> Vec<(u32, usize, &'static str, &'static str)> {
    labs()
        .into_iter()
        .flat_map(|lab| {
            LANGUAGES
                .iter()
                .enumerate()
                .map(move |(index, (language, word))| (lab, index, *language, *word))
        })
        .collect()
}

/// Runs `check` on every item, and fails once with the failures of all of
/// them: whoever fixes one walkthrough sees its own failures, whatever the
/// state of the others.
pub fn check_each<T>(items: impl IntoIterator<Item = T>, check: impl Fn(T)) {
    let failures: Vec<String> = items
        .into_iter()
        .filter_map(|item| {
            let failure = panic::catch_unwind(AssertUnwindSafe(|| check(item))).err()?;
            Some(match failure.downcast::<String>() {
                Ok(message) => *message,
                Err(failure) => failure
                    .downcast::<&str>()
                    .map_or_else(|_| "a check failed".to_string(), |m| m.to_string()),
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
