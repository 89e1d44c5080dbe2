//! How much of each program the student writes, and how much of that the
//! walkthroughs print.
//!
//! What a student writes is measured as issue 23 measured it: the code lines
//! of `solutions/X` (not blank, not comments) that the untouched `labs/X`
//! lacks, by a longest common subsequence of the two files' lines. Over the
//! whole program: the modules of `given/` it uses count in its total, since
//! moving code there is not writing less of it.

use std::collections::BTreeSet;

use crate::kit::{LANGUAGES, files_in, read};

/// The least share of its code lines a student writes in a lab 1 program,
/// in percent: the first lab is the whole of a small socket program.
const LAB_1_LEAST: usize = 60;
/// The least share for every other program.
const LEAST: usize = 40;
/// The most a walkthrough may print, in percent, of the lines a student
/// writes (issue 19): a step teaches with hints and skeletons, it does not
/// dictate.
const PRINTED_MOST: usize = 25;

/// The code lines of a source file, trimmed: not blank, not comments.
fn program_lines(source: &str) -> Vec<&str> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect()
}

/// The solution's code lines that a longest common subsequence with the
/// starter's leaves out: what the student writes (or changes).
fn written_lines<'a>(starter: &str, solution: &'a str) -> Vec<&'a str> {
    let given = program_lines(starter);
    let solved = program_lines(solution);
    let (n, m) = (given.len(), solved.len());
    // common[i][j]: the longest common subsequence of given[i..], solved[j..]
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = match given[i] == solved[j] {
                true => common[i + 1][j + 1] + 1,
                false => common[i + 1][j].max(common[i][j + 1]),
            };
        }
    }
    let (mut i, mut j, mut written) = (0, 0, Vec::new());
    while j < m {
        if i < n && given[i] == solved[j] {
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

/// The modules of `given/` a program uses: those it names (`given::tasks`)
/// and those whose items it imports through the library's re-exports
/// (`pub use close::linger;` in given/lib.rs).
fn given_modules(solution: &str) -> BTreeSet<String> {
    let modules: Vec<String> = files_in("given")
        .into_iter()
        .filter_map(|name| Some(name.strip_suffix(".rs")?.to_string()))
        .filter(|name| name != "lib")
        .collect();
    let library = read("given/lib.rs");
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .map(String::from)
            .collect()
    };
    // What the program says after `given::`, up to the end of each use.
    let mut named = BTreeSet::new();
    for (at, _) in solution.match_indices("given::") {
        let rest = &solution[at + "given::".len()..];
        let end = rest.find([';', '(']).unwrap_or(rest.len());
        named.extend(words(&rest[..end]));
    }
    modules
        .into_iter()
        .filter(|module| {
            named.contains(module)
                || library.lines().any(|line| {
                    line.trim_start()
                        .strip_prefix(&format!("pub use {module}::"))
                        .is_some_and(|items| words(items).iter().any(|item| named.contains(item)))
                })
        })
        .collect()
}

/// Whether a written line says something a walkthrough could dictate: not
/// brackets alone, not an import (naming the imports is the walkthrough's
/// job), not a signature (given: the student only takes the `_` off a
/// name), not a line too short to dictate anything (`Ok(())`, `break;`).
fn tells(line: &str) -> bool {
    let signature = ["fn ", "async fn ", "pub fn ", "pub async fn "]
        .iter()
        .any(|start| line.starts_with(start));
    !line.chars().all(|c| "{}()[];,".contains(c))
        && !line.starts_with("use ")
        && !signature
        && line.chars().filter(|c| !c.is_whitespace()).count() >= 8
}

/// One program's measure.
struct Share {
    program: String,
    /// The lines its student writes.
    written: Vec<String>,
    /// Its code lines, and those of the given modules it uses.
    total: usize,
    given: BTreeSet<String>,
    /// Of the written lines that say something, those each language's
    /// walkthrough prints, anywhere: a code block, a hint, a sentence's
    /// inline code.
    telling: Vec<String>,
    printed: [Vec<String>; 2],
}

impl Share {
    fn written_percent(&self) -> usize {
        self.written.len() * 100 / self.total.max(1)
    }

    fn printed_percent(&self, language: usize) -> usize {
        (self.printed[language].len() * 100).div_ceil(self.telling.len().max(1))
    }

    fn least(&self) -> usize {
        match self.program.starts_with("lab1_") {
            true => LAB_1_LEAST,
            false => LEAST,
        }
    }
}

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
            let given = given_modules(&solution);
            let total = program_lines(&solution).len()
                + given
                    .iter()
                    .map(|module| program_lines(&read(format!("given/{module}.rs"))).len())
                    .sum::<usize>();
            let telling: Vec<String> = written.iter().filter(|line| tells(line)).cloned().collect();
            let printed = LANGUAGES.map(|(language, _)| {
                let doc = read(format!("docs/{language}/{lab}.md"));
                telling
                    .iter()
                    .filter(|line| doc.contains(line.as_str()))
                    .cloned()
                    .collect()
            });
            Some(Share {
                program,
                written,
                total,
                given,
                telling,
                printed,
            })
        })
        .collect()
}

fn table(shares: &[Share]) -> String {
    let mut table = format!(
        "{:<13} {:>7} {:>7} {:>6}  {:<32} {:>8} {:>8}\n",
        "program", "writes", "of", "share", "given modules counted", "docs/en", "docs/es"
    );
    for share in shares {
        let printed = |language: usize| {
            format!(
                "{}/{} {}%",
                share.printed[language].len(),
                share.telling.len(),
                share.printed_percent(language)
            )
        };
        table += &format!(
            "{:<13} {:>7} {:>7} {:>5}%  {:<32} {:>8} {:>8}\n",
            share.program,
            share.written.len(),
            share.total,
            share.written_percent(),
            share.given.iter().cloned().collect::<Vec<_>>().join(", "),
            printed(0),
            printed(1),
        );
    }
    table
}

/// Prints the table (`cargo test --features solutions --test docs shares --
/// --nocapture`), and fails for a program whose student writes less than
/// its lab's share.
#[test]
fn every_program_is_mostly_written_by_its_student() {
    let shares = shares();
    let table = table(&shares);
    println!("{table}");
    let short: Vec<String> = shares
        .iter()
        .filter(|share| share.written_percent() < share.least())
        .map(|share| {
            format!(
                "{}: the student writes {} of {} code lines ({}%), less than {}%: move what \
                 the lab teaches from the given code into the student's steps",
                share.program,
                share.written.len(),
                share.total,
                share.written_percent(),
                share.least()
            )
        })
        .collect();
    assert!(short.is_empty(), "{}\n\n{table}", short.join("\n"));
}

/// Lab 1 is the socket calls themselves: its starters leave the bind and
/// the accept loop to the student.
#[test]
fn lab_1s_starters_leave_bind_and_accept_to_the_student() {
    for name in files_in("labs") {
        if !name.starts_with("lab1_") {
            continue;
        }
        let starter = read(format!("labs/{name}"));
        for call in ["bind(", "incoming()", "accept()", ".accept("] {
            let code = program_lines(&starter)
                .into_iter()
                .find(|line| line.contains(call));
            assert!(
                code.is_none(),
                "labs/{name} calls {call} in `{}`: in lab 1 the student writes it",
                code.unwrap_or_default()
            );
        }
    }
}

/// Fails for a walkthrough that prints more than a quarter of the lines a
/// student writes, in either language.
#[test]
fn the_walkthroughs_print_at_most_a_quarter_of_what_a_student_writes() {
    let shares = shares();
    let table = table(&shares);
    let mut problems = Vec::new();
    for share in &shares {
        for (index, (language, _)) in LANGUAGES.iter().enumerate() {
            if share.printed_percent(index) > PRINTED_MOST {
                problems.push(format!(
                    "docs/{language}/{}.md prints {}% of the lines a student writes for {} \
                     (at most {PRINTED_MOST}%): give hints and skeletons instead; printed:\n    {}",
                    share.program.split('_').next().unwrap_or_default(),
                    share.printed_percent(index),
                    share.program,
                    share.printed[index].join("\n    ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}\n\n{table}", problems.join("\n"));
}
