//! The walkthroughs against the labs: one in each language for every lab,
//! listed in the index, with the same sections in the same order; its steps
//! are the starters' TODOs; a student reaches step 1 quickly, and every step
//! ends with a checkpoint; every binary a doc names exists.

use std::collections::BTreeSet;
use std::path::Path;

use crate::kit::{
    LANGUAGES, check_each, doc_pairs, files_in, labs, number, points_to_both_walkthroughs, read,
    todo_messages, walkthroughs,
};
use crate::markdown::{code_blocks, headings, outside_code, prose_words};

#[test]
fn every_lab_has_a_walkthrough_in_both_languages_listed_in_the_index() {
    check_each(walkthroughs(), |(lab, _, language, _)| {
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
    });
}

#[test]
fn both_languages_have_the_same_sections_and_code_blocks() {
    check_each(doc_pairs(), |(name, en, es)| {
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
    });
}

#[test]
fn no_doc_has_the_same_section_twice() {
    check_each(doc_pairs(), |(name, en, es)| {
        for (language, doc) in [("en", &en), ("es", &es)] {
            let sections = headings(doc, "## ");
            for (i, heading) in sections.iter().enumerate() {
                assert!(
                    !sections[..i].contains(heading),
                    "docs/{language}/{name}: the section `{heading}` comes twice"
                );
            }
        }
    });
}

#[test]
fn the_steps_of_each_walkthrough_are_the_todos_of_its_starters() {
    check_each(labs(), |lab| {
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
            }
            for (row, message) in &todo_messages(&starter) {
                let place = format!("labs/{name}:{row}");
                let step = number(message.strip_prefix("paso ").unwrap_or(message), &place);
                assert!(
                    todos.contains(&step),
                    "{place}: the todo! names step {step}, which no `TODO (step {step})` marks"
                );
                assert!(
                    points_to_both_walkthroughs(message, lab, step),
                    "{place}: `todo!(\"{message}\")` should read \
                     \"paso {step}: ...; mira docs/es/lab{lab}.md, paso {step} / \
                     step {step}: ...; see docs/en/lab{lab}.md, step {step}\""
                );
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
    });
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

/// The sections of every lab's walkthrough, in this order: English, Spanish.
const SECTIONS: [(&str, &str); 7] = [
    ("Goal", "Objetivo"),
    ("The steps", "Los pasos"),
    ("Run it", "Ejecútalo"),
    ("How it is graded", "Cómo se califica"),
    ("Common errors", "Errores comunes"),
    ("What the given code does", "Lo que hace el código dado"),
    ("Going further", "Para ir más lejos"),
];

/// The most words of prose a student reads before step 1: the ideas come
/// inside the steps that need them.
const WORDS_BEFORE_STEP_1: usize = 800;

/// What starts the paragraph that ends every step: a command the student
/// runs, and what it prints when the step is right.
const CHECKPOINT: [&str; 2] = ["**Check it.**", "**Compruébalo.**"];

/// What a hint's `<summary>` says: `Hint 2`, or `Pista 2`.
const HINT: [&str; 2] = ["Hint", "Pista"];

#[test]
fn every_walkthrough_has_its_sections_in_order() {
    check_each(walkthroughs(), |(lab, index, language, _)| {
        let path = format!("docs/{language}/lab{lab}.md");
        let doc = read(&path);
        let found: Vec<&str> = headings(&doc, "## ")
            .iter()
            .map(|heading| heading.trim_start_matches("## ").trim())
            .collect();
        let expected: Vec<&str> = SECTIONS.iter().map(|(en, es)| [*en, *es][index]).collect();
        assert_eq!(
            found, expected,
            "{path}: its `## ` sections must be these, in this order"
        );
    });
}

#[test]
fn every_walkthrough_reaches_step_1_within_800_words() {
    check_each(walkthroughs(), |(lab, _, language, word)| {
        let path = format!("docs/{language}/lab{lab}.md");
        let doc = read(&path);
        let step_1 = format!("### {word} 1");
        let before: String = doc
            .lines()
            .take_while(|line| !line.starts_with(&step_1))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(before.len() < doc.len(), "{path}: no `{step_1}` heading");
        let words = prose_words(&before).len();
        // `-- --nocapture` shows every walkthrough's count.
        println!("{path}: {words} words before `{step_1}`");
        assert!(
            words <= WORDS_BEFORE_STEP_1,
            "{path}: {words} words of prose before `{step_1}` (at most \
                 {WORDS_BEFORE_STEP_1}): move the ideas into the steps that need them"
        );
    });
}

/// The lines of each step of a walkthrough, outside code blocks: from its
/// `### Step N` heading to the next heading.
fn steps<'a>(doc: &'a str, word: &str) -> Vec<(String, Vec<&'a str>)> {
    let mut steps: Vec<(String, Vec<&str>)> = Vec::new();
    let mut in_step = false;
    for line in outside_code(doc) {
        if line.starts_with("#") {
            in_step = line.starts_with(&format!("### {word} "));
            if in_step {
                steps.push((line.trim_start_matches("### ").to_string(), Vec::new()));
            }
            continue;
        }
        if let (true, Some((_, lines))) = (in_step, steps.last_mut()) {
            lines.push(line);
        }
    }
    steps
}

#[test]
fn every_step_ends_with_a_checkpoint() {
    check_each(walkthroughs(), |(lab, index, language, word)| {
        let path = format!("docs/{language}/lab{lab}.md");
        let doc = read(&path);
        let checkpoint = CHECKPOINT[index];
        for (step, lines) in steps(&doc, word) {
            let at = lines.iter().rposition(|line| line.starts_with(checkpoint));
            let Some(at) = at else {
                panic!(
                    "{path}, «{step}»: no paragraph starting `{checkpoint}`: end every step \
                         with a checkpoint the student can run"
                );
            };
            let last_hint = lines.iter().rposition(|line| line.contains("</details>"));
            assert!(
                last_hint.is_none_or(|hint| hint < at),
                "{path}, «{step}»: the checkpoint comes after the hints"
            );
            let paragraph: String = lines[at..]
                .iter()
                .take_while(|line| !line.trim().is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let runs = ["`cargo ", "`nc ", "`ncat "]
                .iter()
                .any(|command| paragraph.contains(command));
            assert!(
                runs,
                "{path}, «{step}»: its checkpoint names no command to run (`cargo test \
                     ...`, `cargo run ...`, `nc ...`):\n{paragraph}"
            );
        }
    });
}

#[test]
fn every_hint_is_folded_and_the_strongest_is_a_skeleton_with_blanks() {
    check_each(walkthroughs(), |(lab, index, language, word)| {
        {
            let path = format!("docs/{language}/lab{lab}.md");
            let doc = read(&path);
            // The hints of each step, whole (code blocks included).
            let mut step = String::new();
            let mut hints: Vec<(String, Vec<String>)> = Vec::new();
            let mut open: Option<Vec<String>> = None;
            for line in doc.lines() {
                if line.starts_with(&format!("### {word} ")) {
                    step = line.trim_start_matches("### ").to_string();
                }
                if let Some(hint) = open.as_mut() {
                    hint.push(line.to_string());
                    if line.contains("</details>") {
                        hints.push((step.clone(), open.take().unwrap_or_default()));
                    }
                } else if line.contains("<details>") {
                    open = Some(vec![line.to_string()]);
                }
            }
            for (step, hint) in &hints {
                let text = hint.join("\n");
                let summary = text
                    .split("<summary>")
                    .nth(1)
                    .and_then(|rest| rest.split("</summary>").next())
                    .unwrap_or_default();
                let numbered = summary
                    .strip_prefix(HINT[index])
                    .and_then(|rest| rest.trim().split(':').next())
                    .is_some_and(|number| number.trim().parse::<u32>().is_ok());
                assert!(
                    numbered,
                    "{path}, «{step}»: a folded hint's summary is `{} N`, not `{summary}`",
                    HINT[index]
                );
                let whole = [
                    "whole", "complete", "entera", "entero", "completa", "completo",
                ];
                assert!(
                    !whole
                        .iter()
                        .any(|word| summary.to_lowercase().contains(word)),
                    "{path}, «{step}»: `{summary}`: a hint is never a step's whole code"
                );
            }
            // The last hint of each step, if any hint of it shows code.
            let mut seen = Vec::new();
            for (step, _) in &hints {
                if seen.contains(step) {
                    continue;
                }
                seen.push(step.clone());
                let of_step: Vec<&Vec<String>> = hints
                    .iter()
                    .filter(|(s, _)| s == step)
                    .map(|(_, hint)| hint)
                    .collect();
                let shows_code = of_step
                    .iter()
                    .any(|hint| hint.iter().any(|line| line.starts_with("```rust")));
                let last = of_step
                    .last()
                    .map(|hint| hint.join("\n"))
                    .unwrap_or_default();
                assert!(
                    !shows_code || last.contains("____"),
                    "{path}, «{step}»: its strongest hint (the last) is a skeleton with blanks \
                     (`____`) where the student's code goes"
                );
            }
        }
    });
}

#[test]
fn every_todo_of_a_starter_speaks_both_languages() {
    for name in files_in("labs") {
        let starter = read(format!("labs/{name}"));
        let steps = |word: &str| -> Vec<u32> {
            let mut steps: Vec<u32> = starter
                .lines()
                .filter_map(|line| line.split(&format!("TODO ({word} ")).nth(1))
                .map(|rest| number(rest, &name))
                .collect();
            steps.sort();
            steps
        };
        assert_eq!(
            steps("step"),
            steps("paso"),
            "labs/{name}: each `// TODO (step N)` has its `// TODO (paso N)`"
        );
    }
}
