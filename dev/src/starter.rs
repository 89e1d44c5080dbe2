//! A starter, written from its solution.
//!
//! A solution marks what the student writes with a block of comments at the
//! start of it, in both languages:
//!
//! ```text
//! fn handle_client(mut stream: TcpStream) -> io::Result<()> {
//!     // STEP 2: echo what the client sends
//!     //   In a loop, read ... (what to write, for the starter's TODO)
//!     // PASO 2: devuelve lo que envía el cliente
//!     //   En un bucle, lee ...
//!     let mut buf = [0; 1024];
//!     ...
//! }
//! ```
//!
//! The student's part runs from the marker to the end of the function's
//! body. In the starter it becomes the TODO comments, in both languages,
//! and a `todo!` that names the step and its walkthrough, in the form the
//! tests and the grader read (`paso 2: ...; mira docs/es/lab1.md, paso 2 /
//! step 2: ...; see docs/en/lab1.md, step 2`). A parameter the rest of the
//! function no longer uses gets a `_` (and loses its `mut`), so that the
//! starter compiles without warnings; the TODO says so.
//!
//! A line that ends in `// step N` (an import only the student's code needs,
//! say) is left out of the starter. The header's `Run it` commands name the
//! student's programs instead of the reference ones, and a line after the
//! header lets names be unused until the steps call them.
//!
//! Everything else is copied as it is: what the student does not write is
//! the same in both files by construction.

use std::fmt;

/// What a solution holds that cannot make a starter: the line (1-based)
/// and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub why: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

/// Put after the header: until the student's steps call them, some given
/// names are unused, and a starter should compile without warnings.
const ALLOW_UNUSED: &str = "\
// EN: Until your steps use them, some names below are unused: the line
//     after this comment keeps the compiler quiet about them. When you
//     finish, delete it and this comment, and the compiler shows you
//     anything left unused.
// ES: Hasta que tus pasos los usen, algunos nombres de abajo no se usan: la
//     línea después de este comentario hace que el compilador no avise de
//     ellos. Cuando termines, bórrala junto con este comentario, y el
//     compilador te muestra lo que quede sin usar.
#![allow(dead_code, unused_imports)]";

/// ALLOW_UNUSED, for a program that imports the kit's helpers.
const ALLOW_UNUSED_GIVEN: &str = "\
// EN: Until your steps use them, some names below (and some of the kit's
//     helpers imported from given/) are unused: the line after this
//     comment keeps the compiler quiet about them. When you finish, delete
//     it and this comment, and the compiler shows you anything left unused.
// ES: Hasta que tus pasos los usen, algunos nombres de abajo (y algunas de
//     las ayudas del kit que se importan de given/) no se usan: la línea
//     después de este comentario hace que el compilador no avise de ellos.
//     Cuando termines, bórrala junto con este comentario, y el compilador
//     te muestra lo que quede sin usar.
#![allow(dead_code, unused_imports)]";

/// The starter of lab `lab`'s program whose solution is `solution`
/// (before rustfmt: the caller formats it).
pub fn starter_of(solution: &str, lab: u32) -> Result<String, Problem> {
    let lines: Vec<&str> = solution.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut header_done = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if !header_done && !line.starts_with("//!") {
            header_done = true;
            out.push(String::new());
            let allow = match solution.contains("use given::") {
                true => ALLOW_UNUSED_GIVEN,
                false => ALLOW_UNUSED,
            };
            out.extend(allow.lines().map(String::from));
        }
        if line.starts_with("//!") {
            out.push(students_command(line));
            i += 1;
            continue;
        }
        if student_only_line(line).is_some() {
            i += 1;
            continue;
        }
        if let Some((step, _)) = marker(line, "STEP") {
            let region = Region::read(&lines, i, step)?;
            region.write_starter(&mut out, lab, i)?;
            i = region.end;
            continue;
        }
        out.push(line.to_string());
        i += 1;
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

/// `cargo run --features solutions --bin lab1_server_sol` as the student
/// runs it: `cargo run --bin lab1_server`.
fn students_command(line: &str) -> String {
    line.replace("cargo run --features solutions --bin ", "cargo run --bin ")
        .replace("_sol", "")
}

/// The step of a line that ends in `// step N`, the mark of a line only
/// the student's code needs.
fn student_only_line(line: &str) -> Option<u32> {
    let (code, comment) = line.rsplit_once("// step ")?;
    if code.trim().is_empty() || code.trim_start().starts_with("//") {
        return None;
    }
    comment.trim().parse().ok()
}

/// `// STEP 3: title` (with `word` STEP or PASO): the step and its title.
fn marker<'a>(line: &'a str, word: &str) -> Option<(u32, &'a str)> {
    let rest = line.trim_start().strip_prefix("// ")?.strip_prefix(word)?;
    let (number, title) = rest.strip_prefix(' ')?.split_once(": ")?;
    Some((number.parse().ok()?, title.trim()))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// One step's marker and the code it marks.
struct Region {
    step: u32,
    indent: usize,
    en: Said,
    es: Said,
    /// The line after the student's part: the `}` that ends the function.
    end: usize,
}

/// A title and what to write, in one language.
struct Said {
    title: String,
    details: Vec<String>,
}

impl Region {
    /// The region whose `// STEP` marker is line `at`.
    fn read(lines: &[&str], at: usize, step: u32) -> Result<Region, Problem> {
        let problem = |line: usize, why: String| Problem {
            line: line + 1,
            why,
        };
        let depth = indent(lines[at]);
        let (en, next) = said(lines, at, "STEP", depth);
        let Some((es_step, _)) = lines.get(next).and_then(|line| marker(line, "PASO")) else {
            return Err(problem(
                next,
                format!("`// STEP {step}` must be followed by `// PASO {step}: ...`"),
            ));
        };
        if es_step != step {
            return Err(problem(
                next,
                format!("STEP {step} is followed by PASO {es_step}"),
            ));
        }
        let (es, code) = said(lines, next, "PASO", depth);
        // The student's part ends where the function's body does: at the
        // first line less indented than the marker, its `}`.
        let end = (code..lines.len())
            .find(|&j| !lines[j].trim().is_empty() && indent(lines[j]) < depth)
            .ok_or_else(|| problem(at, format!("step {step}: its function never ends")))?;
        if lines[end].trim() != "}" {
            return Err(problem(
                end,
                format!(
                    "step {step} must run to the end of a function's body, not of `{}`",
                    lines[end].trim()
                ),
            ));
        }
        if (code..end).any(|j| marker(lines[j], "STEP").is_some()) {
            return Err(problem(at, format!("step {step}: one function, one step")));
        }
        Ok(Region {
            step,
            indent: depth,
            en,
            es,
            end,
        })
    }

    /// The TODOs and the `todo!` in place of the student's part, and the
    /// parameters it alone used renamed in the signature already in `out`.
    fn write_starter(&self, out: &mut Vec<String>, lab: u32, at: usize) -> Result<(), Problem> {
        let renamed = rename_unused_parameters(out, self.indent).ok_or_else(|| Problem {
            line: at + 1,
            why: format!(
                "step {}: the marker must stand in a function's body",
                self.step
            ),
        })?;
        let pad = " ".repeat(self.indent);
        let step = self.step;
        for (said, word, drop_underscore) in [
            (
                &self.en,
                "step",
                "(Drop the `_` from a parameter's name when you use it.)",
            ),
            (
                &self.es,
                "paso",
                "(Quítale el `_` al nombre de un parámetro cuando lo uses.)",
            ),
        ] {
            out.push(format!("{pad}// TODO ({word} {step}): {}.", said.title));
            for detail in &said.details {
                out.push(format!("{pad}//   {detail}"));
            }
            if renamed {
                out.push(format!("{pad}//   {drop_underscore}"));
            }
        }
        out.push(format!(
            "{pad}todo!(\"paso {step}: {es}; mira docs/es/lab{lab}.md, paso {step} / step {step}: \
             {en}; see docs/en/lab{lab}.md, step {step}\")",
            es = self.es.title,
            en = self.en.title,
        ));
        Ok(())
    }
}

/// A marker line's title and the detail lines under it (`//   ...`); and
/// the line after them.
fn said(lines: &[&str], at: usize, word: &str, indent: usize) -> (Said, usize) {
    let title = marker(lines[at], word)
        .map_or("", |(_, title)| title)
        .to_string();
    let prefix = format!("{}//   ", " ".repeat(indent));
    let mut details = Vec::new();
    let mut next = at + 1;
    while let Some(detail) = lines.get(next).and_then(|line| line.strip_prefix(&prefix)) {
        details.push(detail.trim_end().to_string());
        next += 1;
    }
    (Said { title, details }, next)
}

/// Renames, in the function being written at the end of `out` (whose body
/// is indented `body`), every parameter its given lines do not use:
/// `mut stream: TcpStream` becomes `_stream: TcpStream`. True when one was
/// renamed; None when `out` ends in no function's body.
fn rename_unused_parameters(out: &mut [String], body: usize) -> Option<bool> {
    let outer = body.checked_sub(4)?;
    let is_fn_line = |line: &str| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(fn_at) = words.iter().position(|w| *w == "fn") else {
            return false;
        };
        indent(line) == outer
            && words[..fn_at]
                .iter()
                .all(|w| matches!(*w, "pub" | "pub(crate)" | "async" | "const" | "unsafe"))
    };
    let start = (0..out.len()).rev().find(|&j| is_fn_line(&out[j]))?;
    // The signature: up to the line whose `{` opens the body.
    let mut depth = 0i32;
    let mut signature_end = None;
    for (j, line) in out.iter().enumerate().skip(start) {
        for c in line.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ => {}
            }
        }
        if depth == 0 && line.trim_end().ends_with('{') {
            signature_end = Some(j);
            break;
        }
    }
    let signature_end = signature_end?;
    // Nothing between the body's start and the marker may be outside it.
    if out[signature_end + 1..]
        .iter()
        .any(|line| !line.trim().is_empty() && indent(line) < body)
    {
        return None;
    }
    let signature = out[start..=signature_end].join("\n");
    let given_body = out[signature_end + 1..].join("\n");
    let mut renamed = false;
    for name in parameter_names(&signature) {
        if uses_word(&given_body, &name) {
            continue;
        }
        for line in &mut out[start..=signature_end] {
            if let Some(new) = rename_parameter(line, &name) {
                *line = new;
                renamed = true;
                break;
            }
        }
    }
    Some(renamed)
}

/// The names of a signature's parameters (`self` aside).
fn parameter_names(signature: &str) -> Vec<String> {
    let Some(open) = signature.find('(') else {
        return Vec::new();
    };
    let mut depth = 0;
    let mut names = Vec::new();
    let mut current = String::new();
    for c in signature[open + 1..].chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | ']' if depth == 0 => break,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                names.extend(parameter_name(&current));
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    names.extend(parameter_name(&current));
    names
}

/// `mut stream: TcpStream` -> `stream`.
fn parameter_name(parameter: &str) -> Option<String> {
    let (pattern, _) = parameter.split_once(':')?;
    let name = pattern.trim().trim_start_matches("mut ").trim();
    (!name.is_empty() && name != "self" && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| name.to_string())
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `text` holds `word` as a whole word.
fn uses_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

/// `line` with the parameter `name` (`mut name: ` or `name: `) renamed
/// `_name`, if the line declares it.
fn rename_parameter(line: &str, name: &str) -> Option<String> {
    let declared = format!("{name}: ");
    let at = line
        .match_indices(&declared)
        .map(|(at, _)| at)
        .find(|&at| !line[..at].chars().next_back().is_some_and(is_word_char))?;
    let before = &line[..at];
    let before = before.strip_suffix("mut ").unwrap_or(before);
    Some(format!("{before}_{name}: {}", &line[at + declared.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLUTION: &str = "\
//! Lab 1: an echo server.
//!
//!     terminal 1: cargo run --features solutions --bin lab1_server_sol

use std::io::{self, Read, Write}; // step 2
use std::net::TcpStream;

/// Echoes.
fn handle_client(mut stream: TcpStream, name: &str) -> io::Result<()> {
    eprintln!(\"{name} connected\");
    // STEP 2: echo what the client sends
    //   In a loop, read and write back.
    // PASO 2: devuelve lo que envía el cliente
    //   En un bucle, lee y devuelve.
    let mut buf = [0; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n])?;
    }
}

fn given() {}
";

    #[test]
    fn the_students_part_becomes_todos_in_both_languages_and_a_todo() {
        let starter = starter_of(SOLUTION, 1).unwrap();
        assert!(starter.contains(
            "fn handle_client(_stream: TcpStream, name: &str) -> io::Result<()> {\n    \
             eprintln!(\"{name} connected\");\n    \
             // TODO (step 2): echo what the client sends.\n    \
             //   In a loop, read and write back.\n    \
             //   (Drop the `_` from a parameter's name when you use it.)\n    \
             // TODO (paso 2): devuelve lo que envía el cliente.\n    \
             //   En un bucle, lee y devuelve.\n    \
             //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)\n    \
             todo!(\"paso 2: devuelve lo que envía el cliente; mira docs/es/lab1.md, paso 2 / \
             step 2: echo what the client sends; see docs/en/lab1.md, step 2\")\n}\n\nfn given() {}\n"
        ), "{starter}");
        assert!(!starter.contains("stream.read"), "{starter}");
    }

    #[test]
    fn lines_only_the_student_needs_are_left_out() {
        let starter = starter_of(SOLUTION, 1).unwrap();
        assert!(!starter.contains("use std::io"), "{starter}");
        assert!(starter.contains("use std::net::TcpStream;"), "{starter}");
    }

    #[test]
    fn the_header_runs_the_students_programs_and_unused_names_are_allowed() {
        let starter = starter_of(SOLUTION, 1).unwrap();
        assert!(starter.contains("//!     terminal 1: cargo run --bin lab1_server\n"));
        let header_end = starter.find("\n\n").unwrap();
        assert!(starter[header_end..].contains("#![allow(dead_code, unused_imports)]"));
    }

    #[test]
    fn a_signature_over_several_lines_is_renamed_line_by_line() {
        let solution = "\
fn next(
    listener: &TcpListener,
    mut keyboard: Receiver<String>,
) -> Option<u32> {
    // STEP 1: wait
    // PASO 1: espera
    listener.accept();
    keyboard.recv()
}
";
        let starter = starter_of(solution, 5).unwrap();
        assert!(
            starter.contains("    _listener: &TcpListener,\n    _keyboard: Receiver<String>,\n")
        );
    }

    #[test]
    fn a_marker_without_its_spanish_half_is_a_problem() {
        let solution = "fn f() {\n    // STEP 1: do it\n    g();\n}\n";
        let problem = starter_of(solution, 1).unwrap_err();
        assert_eq!(problem.line, 3);
        assert!(problem.why.contains("PASO 1"), "{problem}");
    }

    #[test]
    fn a_marker_inside_a_loop_is_a_problem() {
        let solution = "\
fn f() {
    loop {
        // STEP 1: do it
        // PASO 1: hazlo
        g();
    }
}
";
        let problem = starter_of(solution, 1).unwrap_err();
        assert!(problem.why.contains("function's body"), "{problem}");
    }
}
