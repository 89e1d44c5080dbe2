//! What a program's stderr says about how it stopped, said first in a
//! failure message: at a starter's `todo!` (the step still to write, and
//! where its walkthrough is), or at another panic (a bug in the program).
//!
//! Issue 19: a lab 4 client whose step-6 `todo!` ended the program while
//! its other thread was printing failed with "an unfinished line ... with no
//! \n", with the `todo!` only at the end of a long message, and sent the
//! student looking for a printing bug that was not there.

use super::lang::{docs, text};

/// One panic as Rust prints it: `thread 'main' (8926) panicked at
/// labs/lab1_server.rs:86:5:`, then its message on the next line.
struct Panic<'a> {
    place: &'a str,
    message: &'a str,
}

/// What a `todo!` prints before its own message.
const TODO: &str = "not yet implemented";

/// How a program stopped, as a failure message says it first.
pub(super) struct Lead {
    pub text: String,
    /// At a starter's `todo!`: the step is what is missing, more than
    /// whatever a test's hint guesses.
    pub at_a_todo: bool,
}

/// The sentence that leads a failure message about `name` when `stderr`
/// shows it panicked: at a `todo!`, the lowest step still to write (the
/// first to do), else the first panic.
pub(super) fn lead(name: &str, stderr: &str) -> Option<Lead> {
    let panics = panics(stderr);
    let todo = panics
        .iter()
        .filter(|panic| panic.message.starts_with(TODO))
        .min_by_key(|panic| step_of(panic.message).unwrap_or(u32::MAX));
    if let Some(todo) = todo {
        let place = todo.place;
        let (docs, lab) = (docs(), lab_of(name));
        let text = match step_of(todo.message) {
            Some(step) => text!(
                en: "{name} stopped at the todo! of step {step} ({place}): write that step \
                     first (see {docs}/lab{lab}.md, step {step}); this failure most likely \
                     comes from it.",
                es: "{name} se detuvo en el todo! del paso {step} ({place}): escribe primero \
                     ese paso (mira {docs}/lab{lab}.md, paso {step}); lo más probable es que \
                     esta falla venga de ahí.",
            ),
            None => text!(
                en: "{name} stopped at a todo! ({place}; its stderr, at the end, says what to \
                     write): this failure most likely comes from it.",
                es: "{name} se detuvo en un todo! ({place}; su stderr, al final, dice qué \
                     falta): lo más probable es que esta falla venga de ahí.",
            ),
        };
        return Some(Lead {
            text,
            at_a_todo: true,
        });
    }
    let first = panics.first()?;
    let place = first.place;
    let text = text!(
        en: "{name} panicked ({place}; its stderr, at the end, says why): a panic is a bug in \
             the program, and the likeliest cause of this failure.",
        es: "{name} entró en pánico ({place}; su stderr, al final, dice por qué): un pánico es \
             un error del programa, y lo más probable es que esta falla venga de ahí.",
    );
    Some(Lead {
        text,
        at_a_todo: false,
    })
}

/// Every panic in `stderr`, in the order they were printed.
fn panics(stderr: &str) -> Vec<Panic<'_>> {
    let lines: Vec<&str> = stderr.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let (_, place) = line.split_once(" panicked at ")?;
            line.trim_start().starts_with("thread '").then_some(())?;
            Some(Panic {
                place: place.trim().trim_end_matches(':'),
                message: lines.get(i + 1).map_or("", |message| message.trim()),
            })
        })
        .collect()
}

/// The step a starter's `todo!` names: `... lab2.md, step 4` or `paso 4`.
fn step_of(message: &str) -> Option<u32> {
    ["step ", "paso "].iter().find_map(|word| {
        message.match_indices(word).find_map(|(at, _)| {
            let digits: String = message[at + word.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
    })
}

/// The lab a program belongs to: `4` for `lab4_client`.
fn lab_of(name: &str) -> String {
    name.strip_prefix("lab")
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}
