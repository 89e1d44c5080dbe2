//! Lines as text (labs 2 to 5): the contract's line limit, the goodbye
//! word, and what the bytes of a line show as.

/// The longest line a program reads (the contract's 64 KiB), not counting
/// its `\n`. A real server would make this limit configurable.
pub const MAX_LINE: usize = 64 * 1024;

/// Whether a line is the goodbye word: `adios` or `adiós`, whatever the
/// white space around it and the case of its ASCII letters.
pub fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    // eq_ignore_ascii_case folds A-Z only, as the contract says: "Adiós" is
    // a goodbye; "ADIÓS" is not (Ó is not ASCII), and the tests leave it free.
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}

/// The text of a line, without its `\n` (or telnet's and Windows' `\r\n`):
/// a byte that is not UTF-8 becomes U+FFFD (�) instead of an error.
pub fn text_of(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// `text` with every control character but tab shown as U+FFFD too (labs 4
/// and 5): a `\r` in mid-line or an escape sequence from one client must not
/// move the cursor, or rewrite lines, on the others' screens.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => c,
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect()
}
