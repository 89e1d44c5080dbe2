//! What the walkthroughs quote from the code: snippets of the starters
//! (never of the solutions: the code a student writes appears only as hints
//! with blanks), the places where a starter's todo! panics, the messages it
//! prints, and the tests whose failures they show.

use std::path::Path;

use crate::kit::{LANGUAGES, check_each, files_in, number, read, todo_messages};

/// Every doc of every language: (language, file name).
fn docs() -> Vec<(&'static str, String)> {
    LANGUAGES
        .iter()
        .flat_map(|(language, _)| {
            files_in(&format!("docs/{language}"))
                .into_iter()
                .map(move |name| (*language, name))
        })
        .collect()
}

/// Snippets show code a starter gives (`<!-- snippet: labs/FILE.rs -->`),
/// checked against the starter. The code a student writes appears only as
/// hints and skeletons with blanks: never a snippet of a solution.
#[test]
fn every_snippet_appears_in_the_file_it_names() {
    check_each(docs(), |(language, name)| {
        let path = format!("docs/{language}/{name}");
        let doc = read(&path);
        let mut lines = doc.lines();
        while let Some(line) = lines.next() {
            let Some(source) = line
                .trim()
                .strip_prefix("<!-- snippet: ")
                .and_then(|rest| rest.strip_suffix(" -->"))
            else {
                continue;
            };
            let program = source
                .strip_prefix("labs/")
                .or_else(|| source.strip_prefix("solutions/"))
                .and_then(|file| file.strip_suffix(".rs"))
                .unwrap_or_else(|| {
                    panic!(
                        "{path}: a snippet names {source}, not labs/FILE.rs or solutions/FILE.rs"
                    )
                });
            assert!(
                source.starts_with("labs/"),
                "{path}: a snippet of {source} prints the code a student writes: show code \
                     the starter gives (mark it labs/{program}.rs), and the rest as hints with \
                     blanks"
            );
            assert_eq!(
                lines.next().map(str::trim),
                Some("```rust"),
                "{path}: a snippet marker for {source} must be followed by a ```rust block"
            );
            let snippet: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            check_snippet(&path, source, &snippet);
        }
    });
}

/// Each run of lines between `// ...` markers must stand in `source`, in
/// order, line for line (ignoring indentation).
fn check_snippet(doc: &str, source: &str, snippet: &[&str]) {
    let code = read(source);
    let code: Vec<&str> = code.lines().map(str::trim).collect();
    let mut from = 0;
    for run in snippet.split(|line| line.trim() == "// ...") {
        let run: Vec<&str> = run.iter().map(|line| line.trim()).collect();
        if run.iter().all(|line| line.is_empty()) {
            continue;
        }
        let found = (from..code.len().saturating_sub(run.len() - 1))
            .find(|&start| code[start..start + run.len()] == run[..]);
        match found {
            Some(start) => from = start + run.len(),
            None => panic!(
                "{doc}: this snippet does not appear in {source} (or not in this order):\n{}",
                run.join("\n")
            ),
        }
    }
}

#[test]
fn every_panic_a_doc_quotes_is_where_the_code_panics() {
    check_each(docs(), |(language, name)| {
        {
            let path = format!("docs/{language}/{name}");
            let doc = read(&path);
            check_quoted_todo_messages(&path, &doc);
            for (number, line) in doc.lines().enumerate() {
                if let Some(test) = quoted_test_panic(line) {
                    check_test_panic(&path, number + 1, test);
                }
                for quoted in line.split("panicked at labs/").skip(1) {
                    // lab1_client.rs:70:5: -> ("lab1_client.rs", 70, 5)
                    let mut parts = quoted.splitn(3, ':');
                    let (Some(file), Some(row), Some(rest)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        panic!(
                            "{path}:{}: no FILE:LINE:COLUMN after `panicked at`",
                            number + 1
                        );
                    };
                    let row: usize = row.parse().unwrap();
                    let column = self::number(rest, &path) as usize;
                    let starter = read(format!("labs/{file}"));
                    let code = starter.lines().nth(row - 1).unwrap_or("");
                    assert!(
                        code.get(column - 1..)
                            .is_some_and(|c| c.starts_with("todo!")),
                        "{path}:{}: quotes a panic at labs/{file}:{row}:{column}, but there is no \
                         todo! there; the starter's todo! lines are:\n{}",
                        number + 1,
                        todo_locations(&starter, file)
                    );
                }
            }
        }
    });
}

/// Every `not yet implemented: ...` a doc quotes is what a starter's
/// `todo!` prints (of the doc's own lab, for a walkthrough): a whole line of
/// output in a code block word for word; in a sentence, its pieces between
/// `...` in order. `step N: ...`, with a letter N, stands for any step.
fn check_quoted_todo_messages(path: &str, doc: &str) {
    const PANIC: &str = "not yet implemented: ";
    let lab = Path::new(path)
        .file_stem()
        .and_then(|stem| stem.to_str()?.strip_prefix("lab"))
        .map(|number| format!("lab{number}_"));
    let messages: Vec<String> = files_in("labs")
        .into_iter()
        .filter(|name| lab.as_ref().is_none_or(|lab| name.starts_with(lab)))
        .flat_map(|name| todo_messages(&read(format!("labs/{name}"))))
        .map(|(_, message)| message)
        .collect();
    let mut in_code = false;
    for (number, line) in doc.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let quotes: Vec<(&str, bool)> = match in_code {
            true => line
                .trim()
                .strip_prefix(PANIC)
                .map(|quote| (quote, true))
                .into_iter()
                .collect(),
            false => line
                .split(&format!("`{PANIC}"))
                .skip(1)
                .map(|rest| (rest.split('`').next().unwrap_or(rest), false))
                .collect(),
        };
        for (quote, whole) in quotes {
            if quote.starts_with("step N:") || quote.starts_with("paso N:") {
                continue;
            }
            let found = messages.iter().any(|message| match whole {
                true => message == quote,
                false => {
                    let mut rest = message.as_str();
                    quote
                        .split('…')
                        .flat_map(|piece| piece.split("..."))
                        .all(|piece| {
                            let piece = piece.trim();
                            match rest.find(piece) {
                                Some(at) => {
                                    rest = &rest[at + piece.len()..];
                                    true
                                }
                                None => false,
                            }
                        })
                }
            });
            assert!(
                found,
                "{path}:{}: quotes `{PANIC}{quote}`, which no starter's todo! prints; they print:\n    {}",
                number + 1,
                messages.join("\n    ")
            );
        }
    }
}

/// `thread 'server::echoes_a_line_back_unchanged' (20762) panicked at
/// tests/lab1.rs:34:16:` -> ("echoes_a_line_back_unchanged", "lab1.rs", 34)
fn quoted_test_panic(line: &str) -> Option<(&str, &str, usize)> {
    let name = line.trim().strip_prefix("thread '")?.split('\'').next()?;
    let place = line.split("panicked at tests/").nth(1)?;
    let mut parts = place.split(':');
    let (file, row) = (parts.next()?, parts.next()?.parse().ok()?);
    Some((name.rsplit("::").next()?, file, row))
}

fn check_test_panic(doc: &str, doc_line: usize, (name, file, row): (&str, &str, usize)) {
    let tests = read(format!("tests/{file}"));
    let lines: Vec<&str> = tests.lines().collect();
    let start = lines
        .iter()
        .position(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("pub ").unwrap_or(line);
            line.starts_with(&format!("fn {name}("))
        })
        .unwrap_or_else(|| {
            panic!("{doc}:{doc_line}: quotes the test {name}, which tests/{file} does not have")
        });
    let end = (start + 1..lines.len())
        .find(|&i| {
            let line = lines[i].trim_start();
            line.starts_with("fn ") || line.starts_with("pub fn ") || line == "#[test]"
        })
        .unwrap_or(lines.len());
    assert!(
        (start + 1..=end).contains(&row),
        "{doc}:{doc_line}: quotes a panic of {name} at tests/{file}:{row}, but that test's \
         function spans lines {}..={end}: run the test again and quote what it prints",
        start + 1
    );
}

fn todo_locations(starter: &str, file: &str) -> String {
    starter
        .lines()
        .enumerate()
        .filter_map(|(row, code)| {
            let column = code.find("todo!")?;
            Some(format!("    labs/{file}:{}:{}", row + 1, column + 1))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
