//! A markdown document as the checks read it: its headings, its sections,
//! its code blocks, and its prose (what a reader reads as words: no code, no
//! link targets, no HTML comments).

pub fn headings<'a>(doc: &'a str, prefix: &str) -> Vec<&'a str> {
    outside_code(doc)
        .filter(|line| line.starts_with(prefix))
        .collect()
}

/// The lines of a markdown document that are not inside a code block.
pub fn outside_code(doc: &str) -> impl Iterator<Item = &str> {
    let mut in_code = false;
    doc.lines().filter(move |line| {
        if line.starts_with("```") {
            in_code = !in_code;
            return false;
        }
        !in_code
    })
}

pub fn code_blocks(doc: &str) -> usize {
    doc.lines().filter(|line| line.starts_with("```")).count() / 2
}

/// The prose of each line of a markdown document, with its number: code
/// blocks, inline code (also when it goes on to the next line of its
/// paragraph), link targets and HTML comments left out.
pub fn prose_lines(doc: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut in_code = false;
    // the backticks of an inline code span still open from a line before
    let mut open = None;
    for (number, line) in doc.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            open = None;
            continue;
        }
        if line.trim().is_empty() {
            open = None;
        }
        if !in_code {
            lines.push((number + 1, prose_of(line, &mut open)));
        }
    }
    lines
}

/// The words of a markdown document's prose, each with its line number.
pub fn prose_words(doc: &str) -> Vec<(usize, String)> {
    let mut words = Vec::new();
    for (number, prose) in prose_lines(doc) {
        for word in prose.split(|c: char| !c.is_alphanumeric()) {
            if !word.is_empty() {
                words.push((number, word.to_string()));
            }
        }
    }
    words
}

/// A line without its inline code, link targets, HTML comments and
/// ~~struck out~~ words (the glossary strikes out the words not to use).
/// `open` holds the backticks of a code span that the line before left
/// open, and is left holding those this line leaves open.
pub fn prose_of(line: &str, open: &mut Option<usize>) -> String {
    // a word in place of what is left out, so that "a `read` por" is not
    // read as "a por"
    const LEFT_OUT: &str = " code ";
    let mut prose = String::new();
    let mut rest = line;
    if let Some(run) = *open {
        let Some(end) = closing_backticks(rest, run) else {
            return LEFT_OUT.to_string();
        };
        prose.push_str(LEFT_OUT);
        rest = &rest[end..];
        *open = None;
    }
    while let Some(start) = rest.find(['`', '<', ']', '~']) {
        let (before, from) = rest.split_at(start);
        prose.push_str(before);
        prose.push_str(LEFT_OUT);
        if from.starts_with('`') {
            let run = from.len() - from.trim_start_matches('`').len();
            let Some(end) = closing_backticks(&from[run..], run) else {
                *open = Some(run);
                return prose;
            };
            rest = &from[run + end..];
            continue;
        }
        let end = match from.as_bytes()[0] {
            b'<' if from.starts_with("<!--") => from.find("-->").map(|i| i + 3),
            b']' if from.starts_with("](") => from.find(')').map(|i| i + 1),
            b'~' if from.starts_with("~~") => from[2..].find("~~").map(|i| i + 4),
            _ => Some(1),
        };
        // an unclosed one: the rest of the line is a comment (or a target)
        rest = end.map_or("", |end| &from[end..]);
    }
    prose.push_str(rest);
    prose
}

/// Where the code span that `run` backticks opened ends in `text`: just
/// after the next run of as many backticks.
pub fn closing_backticks(text: &str, run: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(i) = text[at..].find('`') {
        let start = at + i;
        let len = text[start..].len() - text[start..].trim_start_matches('`').len();
        if len == run {
            return Some(start + len);
        }
        at = start + len;
    }
    None
}
