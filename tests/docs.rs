//! The walkthroughs checked for what can drift from the code:
//! - every lab has a walkthrough in English and in Spanish, and the index of
//!   each language links to it;
//! - both languages have the same sections and the same number of code blocks;
//! - the steps of a walkthrough (`### Step N` / `### Paso N`) are exactly the
//!   `TODO (step N)` markers of the lab's starters, and every starter's
//!   `todo!` points to that step of its own lab's walkthrough, in Spanish and
//!   in English;
//! - every binary a doc names exists in Cargo.toml;
//! - every Rust snippet marked `<!-- snippet: labs/FILE.rs -->` appears in
//!   that starter (a line `// ...` in a snippet stands for lines left out),
//!   and snippets of solutions appear only where a walkthrough may still
//!   print the code a student writes;
//! - every panic location a doc quotes from a starter (`panicked at
//!   labs/FILE.rs:LINE:COLUMN`) is where that starter's `todo!` stands, every
//!   `not yet implemented: ...` it quotes is what such a `todo!` prints, and
//!   every failing test a doc quotes panics inside that test's function;
//! - the walkthroughs print at most a quarter of the lines a student writes
//!   (labs 2 to 5; lab 1 is reported, not limited);
//! - the Spanish prose is the Spanish of Mexico: no word only Spain uses,
//!   «mira», not «ve», to send the reader to a link, and numbers written
//!   21,058 and 0.98, never 21.058 or 0,98 (see docs/es/glosario.md).

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

/// The message of every `todo!` of a starter, with the line of its `todo!`
/// (rustfmt may put the message on the next line).
fn todo_messages(starter: &str) -> Vec<(usize, String)> {
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
fn points_to_both_walkthroughs(message: &str, lab: u32, step: u32) -> bool {
    message.starts_with(&format!("paso {step}: "))
        && message.contains(&format!(
            "; mira docs/es/lab{lab}.md, paso {step} / step {step}: "
        ))
        && message.ends_with(&format!("; see docs/en/lab{lab}.md, step {step}"))
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

/// Snippets show code a starter gives (`<!-- snippet: labs/FILE.rs -->`),
/// checked against the starter. The code a student writes appears only as
/// hints and skeletons, so a snippet of a solution
/// (`<!-- snippet: solutions/FILE.rs -->`) is allowed only in lab 1 (the
/// first contact, where the last hint of a step may be its code).
#[test]
fn every_snippet_appears_in_the_file_it_names() {
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
                let program = source
                    .strip_prefix("labs/")
                    .or_else(|| source.strip_prefix("solutions/"))
                    .and_then(|file| file.strip_suffix(".rs"))
                    .unwrap_or_else(|| {
                        panic!("{path}: a snippet names {source}, not labs/FILE.rs or solutions/FILE.rs")
                    });
                if source.starts_with("solutions/") {
                    assert!(
                        program.starts_with("lab1_"),
                        "{path}: a snippet of {source} prints the code a student writes: show \
                         code the starter gives (mark it labs/{program}.rs), and the rest as \
                         hints with blanks"
                    );
                }
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

#[test]
fn every_panic_a_doc_quotes_is_where_the_code_panics() {
    for (language, _) in LANGUAGES {
        for name in files_in(&format!("docs/{language}")) {
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
    }
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
        .position(|line| line.trim_start().starts_with(&format!("fn {name}(")))
        .unwrap_or_else(|| {
            panic!("{doc}:{doc_line}: quotes the test {name}, which tests/{file} does not have")
        });
    let end = (start + 1..lines.len())
        .find(|&i| lines[i].trim_start().starts_with("fn ") || lines[i].trim() == "#[test]")
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

/// Words and phrases of Spain's Spanish, and what Mexico says instead
/// (docs/es/glosario.md). Whole words, any case.
const SPAIN_ONLY: &[(&str, &str)] = &[
    ("fichero", "archivo"),
    ("ficheros", "archivos"),
    ("ordenador", "computadora"),
    ("ordenadores", "computadoras"),
    ("portátil", "laptop"),
    ("portátiles", "laptops"),
    ("intro", "Enter"),
    ("línea de órdenes", "línea de comandos"),
    ("asignatura", "materia"),
    ("asignaturas", "materias"),
    ("profesorado", "los profesores"),
    ("hace suspender", "hace reprobar"),
    ("hacer suspender", "hacer reprobar"),
    ("suspenso", "reprobado"),
    ("cómo de", "qué tan"),
    ("sale a cuenta", "conviene"),
    ("salir a cuenta", "convenir"),
    ("a por", "por"),
    ("vosotros", "ustedes"),
    ("vosotras", "ustedes"),
    ("vuestro", "su"),
    ("vuestra", "su"),
    ("vuestros", "sus"),
    ("vuestras", "sus"),
    ("os", "les (ustedes)"),
    ("coger", "tomar"),
    ("coge", "toma"),
    ("montículo", "heap"),
    ("manejador", "handle"),
    ("manejadores", "handles"),
    ("reinicio", "reset (RST)"),
    ("reinicios", "resets (RST)"),
    ("medio cierre", "semicierre"),
    ("hebra", "hilo"),
    ("hebras", "hilos"),
    ("enchufe", "socket"),
    ("fallo", "falla"),
    ("fallos", "fallas"),
    ("pulsa", "presiona"),
    ("pulsar", "presionar"),
    ("pulsas", "presionas"),
    ("añadir", "agregar"),
    ("añade", "agrega"),
    ("añades", "agregas"),
    ("añaden", "agregan"),
    ("añadimos", "agregamos"),
    ("añadido", "agregado"),
    ("añadida", "agregada"),
    ("añadidos", "agregados"),
    ("añadidas", "agregadas"),
    ("añadiendo", "agregando"),
    ("añádele", "agrégale"),
    ("añádelo", "agrégalo"),
    ("trozo", "pedazo"),
    ("trozos", "pedazos"),
    ("a tirones", "a jalones"),
    ("echa un vistazo", "mira, revisa"),
    ("echar un vistazo", "mirar, revisar"),
    ("échale un vistazo", "míralo, revísalo"),
];

/// The prose of each line of a markdown document, with its number: code
/// blocks, inline code (also when it goes on to the next line of its
/// paragraph), link targets and HTML comments left out.
fn prose_lines(doc: &str) -> Vec<(usize, String)> {
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
fn prose_words(doc: &str) -> Vec<(usize, String)> {
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
fn prose_of(line: &str, open: &mut Option<usize>) -> String {
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
fn closing_backticks(text: &str, run: usize) -> Option<usize> {
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

/// The lines where the prose says «ve» right before a link (`ve [Errores
/// comunes](...)`), the link possibly on the next line: the glossary's
/// «mira» is what Mexico says there.
fn sent_to_a_link_with_ve(doc: &str) -> Vec<usize> {
    let lines: Vec<(usize, String)> = prose_lines(doc);
    let mut found = Vec::new();
    for (i, (number, prose)) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map_or("", |(_, line)| line.trim_start());
        for (at, _) in prose.match_indices("ve").chain(prose.match_indices("Ve")) {
            let starts_a_word = !prose[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let after = &prose[at + 2..];
            let link_follows = match after.trim() {
                "" => next.starts_with('['),
                text => text.starts_with('[') && after.starts_with(char::is_whitespace),
            };
            if starts_a_word && link_follows {
                found.push(*number);
            }
        }
    }
    found
}

/// Why a number is written the Spain way (21.058, 0,98, 10 000), if it is.
fn spain_number(token: &str) -> Option<String> {
    let groups: Vec<&str> = token.split(['.', ',']).collect();
    // 0.125 is a decimal number however it is read, not thousands
    let thousands = |sep: char| {
        token.contains(sep)
            && !groups[0].starts_with('0')
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
    };
    if token.contains('.') && !token.contains(',') && thousands('.') {
        return Some(token.replace('.', ","));
    }
    if token.contains(',') && !token.contains('.') && !thousands(',') {
        return Some(token.replace(',', "."));
    }
    None
}

/// Numbers of a line's prose, as `digits[.,]digits...` tokens; and the
/// Spain-style ones among them, with the Mexican way to write them.
fn spain_numbers(prose: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let chars: Vec<char> = prose.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && (chars[i - 1].is_alphanumeric())) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (matches!(chars[i], '.' | ',' | ' ' | '\u{a0}' | '\u{202f}')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        if chars.get(i).is_some_and(|c| c.is_alphanumeric()) {
            continue; // 2x, 64KiB, 1e6: not a plain number
        }
        let token: String = chars[start..i].iter().collect();
        // 10 000: a space between groups of three
        for (n, piece) in token.split([' ', '\u{a0}', '\u{202f}']).enumerate() {
            if n > 0 && piece.len() == 3 && piece.chars().all(|c| c.is_ascii_digit()) {
                found.push((
                    token.clone(),
                    token.replace([' ', '\u{a0}', '\u{202f}'], ","),
                ));
                break;
            }
        }
        for piece in token.split([' ', '\u{a0}', '\u{202f}']) {
            if let Some(mexican) = spain_number(piece) {
                found.push((piece.to_string(), mexican));
            }
        }
    }
    found
}

#[test]
fn the_spanish_docs_are_written_in_the_spanish_of_mexico() {
    let mut docs: Vec<(String, String)> = files_in("docs/es")
        .into_iter()
        .filter(|name| name.ends_with(".md"))
        .map(|name| (format!("docs/es/{name}"), read(format!("docs/es/{name}"))))
        .collect();
    // The Spanish paragraph of the README: its `> **En español.**` quote.
    let readme = read("README.md");
    let spanish: String = readme
        .lines()
        .map(
            |line| match line.starts_with("> ") && readme.contains("> **En español.**") {
                true => line,
                false => "",
            },
        )
        .collect::<Vec<_>>()
        .join("\n");
    docs.push(("README.md".to_string(), spanish));
    let mut problems = Vec::new();
    for (path, doc) in &docs {
        let words = prose_words(doc);
        for (spain, mexico) in SPAIN_ONLY {
            let phrase: Vec<&str> = spain.split(' ').collect();
            for (i, window) in words.windows(phrase.len()).enumerate() {
                let matches =
                    window
                        .iter()
                        .zip(&phrase)
                        .all(|((_, word), expected)| match *expected {
                            // "os" is a pronoun only in lower case (OS, macOS are not)
                            "os" => word == "os",
                            _ => word.to_lowercase() == *expected,
                        });
                // "os error 98", an error number, not the pronoun
                let os_error =
                    *spain == "os" && words.get(i + 1).is_some_and(|(_, w)| w == "error");
                if matches && !os_error {
                    problems.push((
                        path.clone(),
                        window[0].0,
                        format!("«{spain}» is Spain's Spanish; in Mexico: «{mexico}»"),
                    ));
                }
            }
        }
        for number in sent_to_a_link_with_ve(doc) {
            problems.push((
                path.clone(),
                number,
                "«ve [...]», to send the reader to a link, reads as «go»; in Mexico: «mira [...]»"
                    .to_string(),
            ));
        }
        for (number, prose) in prose_lines(doc) {
            for (spain, mexico) in spain_numbers(&prose) {
                problems.push((
                    path.clone(),
                    number,
                    format!("the number «{spain}» is written as in Spain; in Mexico: «{mexico}»"),
                ));
            }
        }
    }
    problems.sort();
    let problems: Vec<String> = problems
        .iter()
        .map(|(path, line, problem)| format!("{path}:{line}: {problem}"))
        .collect();
    assert!(
        problems.is_empty(),
        "the Spanish docs use words or numbers of Spain's Spanish (docs/es/glosario.md says \
         which words to use):\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------
// How much of what a student writes the walkthroughs print

/// The most a walkthrough of labs 2 to 5 may print, in percent, of the lines
/// a student writes (issue 19): a step teaches with hints and skeletons, it
/// does not dictate.
const SHARE_LIMIT: usize = 25;

/// The lines of a program that count, trimmed: not blank, not comments, not
/// a line of brackets alone (`}`, `});`), not `use` declarations (naming the
/// imports is the walkthrough's job, not dictation).
fn code_lines(source: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut in_use = false;
    for line in source.lines().map(str::trim) {
        if in_use || line.starts_with("use ") {
            in_use = !line.ends_with(';');
            continue;
        }
        let only_brackets = line.chars().all(|c| "{}()[];,".contains(c));
        if only_brackets || line.starts_with("//") {
            continue;
        }
        lines.push(line);
    }
    lines
}

/// A line as compared between starter and solution: the starter's
/// `_stream` is the solution's `stream`, and a `mut` added is not a line
/// written.
fn as_compared(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let after_word = out
            .chars()
            .last()
            .is_some_and(|p| p.is_alphanumeric() || p == '_');
        if !after_word && rest.starts_with("mut ") {
            rest = &rest["mut ".len()..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        let starts_a_name = rest.starts_with(|n: char| n.is_ascii_lowercase());
        if !(c == '_' && !after_word && starts_a_name) {
            out.push(c);
        }
    }
    out
}

/// What the student writes: the solution's lines that a longest common
/// subsequence with the starter's leaves out (lines added or changed).
fn written_lines<'a>(starter: &str, solution: &'a str) -> Vec<&'a str> {
    let given: Vec<String> = code_lines(starter).into_iter().map(as_compared).collect();
    let solved = code_lines(solution);
    let compared: Vec<String> = solved.iter().map(|l| as_compared(l)).collect();
    let (n, m) = (given.len(), compared.len());
    // common[i][j]: the longest common subsequence of given[i..], compared[j..]
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = match given[i] == compared[j] {
                true => common[i + 1][j + 1] + 1,
                false => common[i + 1][j].max(common[i][j + 1]),
            };
        }
    }
    let (mut i, mut j, mut written) = (0, 0, Vec::new());
    while j < m {
        if i < n && given[i] == compared[j] {
            (i, j) = (i + 1, j + 1);
        } else if i < n && common[i + 1][j] >= common[i][j + 1] {
            i += 1;
        } else {
            written.push(solved[j]);
            j += 1;
        }
    }
    written
}

/// One program's measure: the lines its student writes, and how many of
/// them each language's walkthrough prints.
struct Share {
    program: String,
    written: Vec<String>,
    shown: [Vec<String>; 2],
}

impl Share {
    fn percent(&self, language: usize) -> usize {
        (self.shown[language].len() * 100).div_ceil(self.written.len().max(1))
    }
}

/// Every program's share. A written line counts as printed when the
/// walkthrough holds it, trimmed, anywhere: in a code block, a hint or a
/// sentence's inline code.
fn shares() -> Vec<Share> {
    files_in("solutions")
        .into_iter()
        .filter_map(|name| {
            let program = name.strip_suffix(".rs")?.to_string();
            let lab = program.split('_').next()?.to_string();
            let starter = read(format!("labs/{name}"));
            let solution = read(format!("solutions/{name}"));
            let written: Vec<String> = written_lines(&starter, &solution)
                .into_iter()
                .map(String::from)
                .collect();
            let shown = LANGUAGES.map(|(language, _)| {
                let doc = read(format!("docs/{language}/{lab}.md"));
                written
                    .iter()
                    .filter(|line| doc.contains(line.as_str()))
                    .cloned()
                    .collect()
            });
            Some(Share {
                program,
                written,
                shown,
            })
        })
        .collect()
}

fn share_table(shares: &[Share]) -> String {
    let mut table = format!(
        "{:<13} {:>13} {:>17} {:>17}\n",
        "program", "lines written", "shown in docs/en", "shown in docs/es"
    );
    for share in shares {
        let cell = |language: usize| {
            format!(
                "{} ({}%)",
                share.shown[language].len(),
                share.percent(language)
            )
        };
        table += &format!(
            "{:<13} {:>13} {:>17} {:>17}\n",
            share.program,
            share.written.len(),
            cell(0),
            cell(1)
        );
    }
    table
}

/// Prints the table (`cargo test --features solutions --test docs
/// walkthroughs_print -- --nocapture`), and fails for a program of labs 2 to
/// 5 over the limit in either language. Lab 1, the first contact, may show
/// more: it is reported, not limited.
#[test]
fn the_walkthroughs_print_at_most_a_quarter_of_what_a_student_writes() {
    let shares = shares();
    let table = share_table(&shares);
    println!("{table}");
    let mut problems = Vec::new();
    for share in &shares {
        if share.program.starts_with("lab1_") {
            continue;
        }
        for (index, (language, _)) in LANGUAGES.iter().enumerate() {
            if share.percent(index) > SHARE_LIMIT {
                problems.push(format!(
                    "docs/{language}/{}.md prints {}% of the lines a student writes for {} \
                     (at most {SHARE_LIMIT}%): give hints and skeletons instead; printed:\n    {}",
                    share.program.split('_').next().unwrap(),
                    share.percent(index),
                    share.program,
                    share.shown[index].join("\n    ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}\n\n{table}", problems.join("\n"));
}
