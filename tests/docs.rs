//! The walkthroughs checked for what can drift from the code:
//! - every lab has a walkthrough in English and in Spanish, and the index of
//!   each language links to it;
//! - both languages have the same sections and the same number of code blocks;
//! - the steps of a walkthrough (`### Step N` / `### Paso N`) are exactly the
//!   `TODO (step N)` markers of the lab's starters, and every starter's
//!   `todo!` points to the walkthrough of its own lab;
//! - every binary a doc names exists in Cargo.toml;
//! - every Rust snippet marked `<!-- snippet: solutions/FILE.rs -->` appears
//!   in that file (a line `// ...` in a snippet stands for lines left out).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const LANGUAGES: [(&str, &str); 2] = [("en", "Step"), ("es", "Paso")];

/// The lab numbers, from the starters in labs/ (`lab3_server.rs` -> 3).
fn labs() -> BTreeSet<u32> {
    files_in("labs")
        .iter()
        .filter_map(|name| name.strip_prefix("lab")?.split('_').next()?.parse().ok())
        .collect()
}

fn files_in(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("could not list {dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()))
}

/// The docs of every language, for every walkthrough file in docs/en.
fn doc_pairs() -> Vec<(String, String, String)> {
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

fn headings<'a>(doc: &'a str, prefix: &str) -> Vec<&'a str> {
    outside_code(doc)
        .filter(|line| line.starts_with(prefix))
        .collect()
}

/// The lines of a markdown document that are not inside a code block.
fn outside_code(doc: &str) -> impl Iterator<Item = &str> {
    let mut in_code = false;
    doc.lines().filter(move |line| {
        if line.starts_with("```") {
            in_code = !in_code;
            return false;
        }
        !in_code
    })
}

fn code_blocks(doc: &str) -> usize {
    doc.lines().filter(|line| line.starts_with("```")).count() / 2
}

#[test]
fn every_lab_has_a_walkthrough_in_both_languages_listed_in_the_index() {
    for lab in labs() {
        for (language, _) in LANGUAGES {
            let path = format!("docs/{language}/lab{lab}.md");
            assert!(
                Path::new(&path).exists(),
                "lab {lab} has no walkthrough {path}"
            );
            let index = read(format!("docs/{language}/README.md"));
            assert!(
                index.contains(&format!("(lab{lab}.md)")),
                "docs/{language}/README.md does not link to lab{lab}.md"
            );
        }
    }
}

#[test]
fn both_languages_have_the_same_sections_and_code_blocks() {
    for (name, en, es) in doc_pairs() {
        for level in ["## ", "### "] {
            let (en_count, es_count) = (headings(&en, level).len(), headings(&es, level).len());
            assert_eq!(
                en_count, es_count,
                "{name}: docs/en has {en_count} `{level}` headings, docs/es has {es_count}"
            );
        }
        let (en_blocks, es_blocks) = (code_blocks(&en), code_blocks(&es));
        assert_eq!(
            en_blocks, es_blocks,
            "{name}: docs/en has {en_blocks} code blocks, docs/es has {es_blocks}"
        );
    }
}

#[test]
fn the_steps_of_each_walkthrough_are_the_todos_of_its_starters() {
    for lab in labs() {
        let mut todos = BTreeSet::new();
        for name in files_in("labs") {
            if !name.starts_with(&format!("lab{lab}_")) {
                continue;
            }
            let starter = read(format!("labs/{name}"));
            for line in starter.lines() {
                if let Some(rest) = line.split("TODO (step ").nth(1) {
                    todos.insert(number(rest, &name));
                }
                if let Some(rest) = line.split("todo!(\"step ").nth(1) {
                    let step = number(rest, &name);
                    let pointer = format!("docs/en/lab{lab}.md, step {step}");
                    assert!(
                        line.contains(&pointer),
                        "labs/{name}: `{}` should point to {pointer}",
                        line.trim()
                    );
                }
            }
        }
        for (language, word) in LANGUAGES {
            let doc = read(format!("docs/{language}/lab{lab}.md"));
            let steps: BTreeSet<u32> = headings(&doc, &format!("### {word} "))
                .iter()
                .map(|heading| {
                    number(
                        &heading[word.len() + 5..],
                        &format!("{language}/lab{lab}.md"),
                    )
                })
                .collect();
            assert_eq!(
                steps, todos,
                "docs/{language}/lab{lab}.md has steps {steps:?}, the starters of lab {lab} have TODOs for steps {todos:?}"
            );
        }
    }
}

fn number(text: &str, place: &str) -> u32 {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{place}: no step number in {text:?}"))
}

#[test]
fn every_binary_the_docs_name_exists() {
    let manifest = read("Cargo.toml");
    let mut docs = vec![("README.md".to_string(), read("README.md"))];
    for (language, _) in LANGUAGES {
        for name in files_in(&format!("docs/{language}")) {
            docs.push((
                format!("docs/{language}/{name}"),
                read(format!("docs/{language}/{name}")),
            ));
        }
    }
    for (path, doc) in docs {
        for word in doc.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            // lab3_server, lab3_client_sol; not labN_server, a placeholder in prose
            let is_binary = word.starts_with("lab")
                && word.as_bytes().get(3).is_some_and(u8::is_ascii_digit)
                && (word.contains("_server") || word.contains("_client"));
            if is_binary {
                assert!(
                    manifest.contains(&format!("name = \"{word}\"")),
                    "{path} names the binary {word}, which Cargo.toml does not build"
                );
            }
        }
    }
}

#[test]
fn every_snippet_from_a_solution_appears_in_it() {
    for (language, _) in LANGUAGES {
        for name in files_in(&format!("docs/{language}")) {
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
        }
    }
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
