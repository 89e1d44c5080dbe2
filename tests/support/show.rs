//! How failure messages quote what came: whole when it is short, and when it
//! is long (a 64 KiB line, hundreds of lines glued together, two sets of
//! fifty) its length, its first bytes and where it parts from what was
//! expected, so that a student can read the message and act on it.

use std::collections::BTreeSet;
use std::process::ExitStatus;

use super::lang::text;

/// At most this many characters of one text are quoted in a message.
const SHOWN: usize = 80;
/// At most this many items of a set are listed in a message.
const LISTED: usize = 3;

/// Bytes as a readable quote: in full when short, else their start and how
/// many there are. Bytes that are not UTF-8 show as U+FFFD.
pub fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(SHOWN) {
        None => format!("{text:?}"),
        Some((end, _)) => text!(
            en: "{start:?}... ({len} bytes in all)",
            es: "{start:?}... ({len} bytes en total)",
            start = &text[..end],
            len = bytes.len(),
        ),
    }
}

/// "expected A, got B from WHERE", quoted so that a long pair shows where
/// they part; `from` says where B came from (`from lab2_server`, `de
/// lab2_server`), in the run's language.
pub fn mismatch(expected: &str, got: &str, from: &str) -> String {
    let (expected, got) = (expected.as_bytes(), got.as_bytes());
    let said = |expected: &[u8], got: &[u8], parted: &str| {
        text!(
            en: "expected {expected}, got {got} {from}{parted}",
            es: "se esperaba {expected}, pero llegó {got} {from}{parted}",
            expected = quote(expected),
            got = quote(got),
        )
    };
    if expected.len() <= SHOWN && got.len() <= SHOWN {
        return said(expected, got, "");
    }
    let at = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    let parted = match at {
        // the quotes above already show where they part
        0 => String::new(),
        _ => text!(
            en: "; they differ from byte {at} on: expected {there} there, got {instead}",
            es: "; difieren desde el byte {at}: ahí se esperaba {there} y llegó {instead}",
            there = quote(&expected[at..]),
            instead = quote(&got[at..]),
        ),
    };
    said(expected, got, &parted)
}

/// What sets `expected` and `got` differ by: how many items are missing and
/// how many came unexpected, with the first few of each.
pub fn set_difference(expected: &BTreeSet<String>, got: &BTreeSet<String>) -> String {
    let list = |items: Vec<&String>| {
        let mut shown: Vec<String> = items
            .iter()
            .take(LISTED)
            .map(|item| quote(item.as_bytes()))
            .collect();
        if items.len() > LISTED {
            shown.push(text!(
                en: "and {more} more",
                es: "y {more} más",
                more = items.len() - LISTED,
            ));
        }
        shown.join(", ")
    };
    let missing: Vec<&String> = expected.difference(got).collect();
    let unexpected: Vec<&String> = got.difference(expected).collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(text!(
            en: "{n} missing: {items}",
            es: "{n} que faltan: {items}",
            n = missing.len(),
            items = list(missing),
        ));
    }
    if !unexpected.is_empty() {
        parts.push(text!(
            en: "{n} unexpected: {items}",
            es: "{n} de más: {items}",
            n = unexpected.len(),
            items = list(unexpected),
        ));
    }
    match parts.is_empty() {
        true => text!(en: "the same items", es: "los mismos elementos"),
        false => parts.join("; "),
    }
}

/// At most this many lines of a program's output are quoted in a message.
const TAIL: usize = 20;

/// A program's output under its header: indented, its last TAIL lines at
/// most (a panic or an error is at the end), each cut to a readable length.
pub fn excerpt(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let skipped = lines.len().saturating_sub(TAIL);
    let mut shown = String::new();
    if skipped > 0 {
        shown.push_str(&text!(
            en: "    ... ({skipped} earlier lines)\n",
            es: "    ... ({skipped} líneas anteriores)\n",
        ));
    }
    for line in &lines[skipped..] {
        match line.char_indices().nth(2 * SHOWN) {
            None => shown.push_str(&format!("    {line}\n")),
            Some((end, _)) => shown.push_str(&text!(
                en: "    {start}... ({len} bytes in all)\n",
                es: "    {start}... ({len} bytes en total)\n",
                start = &line[..end],
                len = line.len(),
            )),
        }
    }
    shown
}

/// How a program exited, as a message says it: `exit status: 101` in
/// English, `estado 101` in Spanish (a signal as the system names it).
pub fn exit(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => text!(en: "exit status: {code}", es: "estado {code}"),
        None => status.to_string(),
    }
}
