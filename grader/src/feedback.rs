//! feedback/STUDENT.md: for each lab its score, each failing test with its
//! message, the compiler's errors where a lab did not build, and the
//! walkthrough section to read next; in Spanish, in English, or both. The
//! tests' messages are in the one language the tests ran in: a section in
//! the other language says so. A lab left untouched gets one paragraph
//! that says where to start, and a hand-in that could not be read no lab
//! sections at all.

use std::fmt::Write as _;

use crate::grading::{self, LabGrade, Status, StudentGrade};
use crate::lang::{Lang, count};
use crate::libtest::Outcome;
use crate::limits::Hit;

/// Failing tests shown with their message; the rest by name only.
const MAX_MESSAGES: usize = 8;

/// The whole file: each language in `langs`, one after the other; the
/// tests' messages it quotes are in `messages`. `warning` (one per
/// language) says that no sandbox was used.
pub fn feedback(
    student: &StudentGrade,
    langs: &[Lang],
    messages: Lang,
    warning: &dyn Fn(Lang) -> Option<String>,
) -> String {
    langs
        .iter()
        .map(|&lang| feedback_in(student, lang, messages, warning(lang)))
        .collect::<Vec<_>>()
        .join("\n---\n\n")
}

fn feedback_in(
    student: &StudentGrade,
    lang: Lang,
    messages: Lang,
    warning: Option<String>,
) -> String {
    let mut out = String::new();
    if let Some(warning) = warning {
        let _ = writeln!(out, "> **{warning}**\n");
    }
    let (id, total) = (&student.id, student.total());
    let head = text!(
        en: "# {id}: feedback on the sockets-lab labs\n\nGrade: **{total}** out of 100 (the mean of the labs).\n",
        es: "# {id}: retroalimentación de los labs de sockets-lab\n\nCalificación: **{total}** de 100 (el promedio de los labs).\n",
    );
    let _ = writeln!(out, "{}", head.get(lang));
    match &student.found_in {
        Ok(found_in) => {
            let from = text!(
                en: "Lab files taken from `{found_in}`\n",
                es: "Archivos de los labs tomados de `{found_in}`\n",
            );
            let _ = writeln!(out, "{}", from.get(lang));
        }
        Err(why) => {
            let why = why.get(lang);
            let nothing = text!(
                en: "Nothing was graded: {why}. Every lab scores 0.\n",
                es: "No se calificó nada: {why}. Todos los labs valen 0.\n",
            );
            let _ = writeln!(out, "{}", nothing.get(lang));
        }
    }
    if !student.problems.is_empty() {
        let about = text!(en: "About what you handed in:\n", es: "Sobre lo que entregaste:\n");
        let _ = writeln!(out, "{}", about.get(lang));
        for problem in &student.problems {
            let _ = writeln!(out, "- {}", problem.get(lang));
        }
        out.push('\n');
    }
    if student.found_in.is_err() {
        return out;
    }
    let failing = student
        .labs
        .iter()
        .any(|lab| lab.failures().next().is_some() && matches!(lab.status, Status::Graded));
    if failing && lang != messages {
        let note = text!(
            en: "The messages of the failing tests are quoted below as the tests wrote them: \
                 in Spanish, the language they ran in (SOCKETS_LAB_LANG=es).\n",
            es: "Los mensajes de los tests que fallan se citan abajo tal como los escribieron \
                 los tests: en inglés, el idioma en que corrieron (SOCKETS_LAB_LANG no decía es).\n",
        );
        let _ = writeln!(out, "{}", note.get(lang));
    }
    for lab in &student.labs {
        lab_section(&mut out, lab, lang);
    }
    out
}

/// A lab's section: its heading, what was not handed in, what it left
/// running, why its tests did not run (if they did not), the tests that
/// fail, those that passed only alone, the given tests.
fn lab_section(out: &mut String, lab: &LabGrade, lang: Lang) {
    heading(out, lab, lang);
    if let Some(paragraph) = untouched(lab, lang) {
        let _ = writeln!(out, "{paragraph}\n");
        return;
    }
    missing_files(out, lab, lang);
    leftovers(out, lab, lang);
    limits(out, lab, lang);
    if !status(out, lab, lang) {
        return;
    }
    failures(out, lab, lang);
    passed_alone(out, lab, lang);
    given(out, lab, lang);
}

fn heading(out: &mut String, lab: &LabGrade, lang: Lang) {
    let (number, score, passed) = (lab.number, lab.score(), lab.passed());
    let scored = lab.scored().count();
    let title = text!(
        en: "## Lab {number}: {score} ({passed} of {scored})\n",
        es: "## Lab {number}: {score} ({passed} de {scored})\n",
        scored = count(scored, "test", "tests"),
    );
    let _ = writeln!(out, "{}", title.get(lang));
}

/// The one paragraph of a lab whose files are the starters.
fn untouched(lab: &LabGrade, lang: Lang) -> Option<String> {
    if !matches!(lab.status, Status::Untouched) {
        return None;
    }
    let number = lab.number;
    let text = match lab.first_step {
        Some(step) => text!(
            en: "You have not changed this lab's files yet: they are the starters, so its tests \
                 were not run and it scores 0. Start with docs/en/lab{number}.md, \"Step {step}\"; \
                 `cargo test --test lab{number}` then tells you how far you got.",
            es: "Todavía no cambiaste los archivos de este lab: son los esqueletos, así que no se \
                 corrieron sus tests y vale 0. Empieza por docs/es/lab{number}.md, «Paso {step}»; \
                 luego `cargo test --test lab{number}` te dice cuánto llevas.",
        ),
        None => text!(
            en: "You have not changed this lab's files yet: they are the starters, so its tests \
                 were not run and it scores 0. Start with docs/en/contract.md and \
                 docs/en/lab{number}.md, \"How it is graded\".",
            es: "Todavía no cambiaste los archivos de este lab: son los esqueletos, así que no se \
                 corrieron sus tests y vale 0. Empieza por docs/es/contract.md y \
                 docs/es/lab{number}.md, «Cómo se califica».",
        ),
    };
    Some(text.get(lang).to_string())
}

fn missing_files(out: &mut String, lab: &LabGrade, lang: Lang) {
    for file in &lab.missing {
        let text = text!(
            en: "`labs/{file}` was not handed in: the starter was graded in its place.\n",
            es: "No entregaste `labs/{file}`: se calificó el esqueleto en su lugar.\n",
        );
        let _ = writeln!(out, "{}", text.get(lang));
    }
}

fn leftovers(out: &mut String, lab: &LabGrade, lang: Lang) {
    if lab.leftovers.is_empty() {
        return;
    }
    let text = text!(
        en: "These processes of your programs were still running when this lab's tests ended \
             (the grader stopped them; a program should end everything it starts):",
        es: "Estos procesos de tus programas seguían corriendo cuando terminaron los tests de \
             este lab (el calificador los detuvo; un programa debe terminar todo lo que inicia):",
    );
    let _ = writeln!(out, "{}\n", text.get(lang));
    for process in &lab.leftovers {
        let _ = writeln!(out, "- `{process}`");
    }
    out.push('\n');
}

/// What each limit the lab's tests hit means for the student, first seen
/// first.
fn limits(out: &mut String, lab: &LabGrade, lang: Lang) {
    for &hit in &lab.limits {
        let name = hit.name(lang);
        let text = match hit {
            Hit::Memory(_) => text!(
                en: "Your programs hit the limit of **{name}** that this lab's tests have, all \
                     their programs together: the system stopped the one that asked for more. \
                     A correct program needs far less; look for memory that grows without end \
                     (a buffer never emptied, a vector that only grows). The tests below \
                     failed for it.",
                es: "Tus programas llegaron al límite de **{name}** que tienen los tests de este \
                     lab, todos sus programas juntos: el sistema detuvo al que pidió más. Un \
                     programa correcto necesita mucho menos; busca memoria que crece sin fin (un \
                     búfer que nunca se vacía, un vector que solo crece). Por eso fallaron los \
                     tests de abajo.",
            ),
            Hit::Processes(_) => text!(
                en: "Your programs hit the limit of **{name}** at once that this lab's tests \
                     have: the system refused them more. Look for a thread or a process started \
                     in a loop that never ends. The tests below failed for it.",
                es: "Tus programas llegaron al límite de **{name}** a la vez que tienen los tests \
                     de este lab: el sistema les negó más. Busca un hilo o un proceso que se \
                     inicia en un ciclo sin fin. Por eso fallaron los tests de abajo.",
            ),
            Hit::Disk(_) => text!(
                en: "Your programs wrote more than the limit of **{name}** that this lab's tests \
                     have (any one file, and all of /tmp together), so the tests were stopped \
                     and the lab scores 0. The lab's programs need to write no file at all.",
                es: "Tus programas escribieron más del límite de **{name}** que tienen los tests \
                     de este lab (un archivo, y todo /tmp junto), así que los tests se \
                     detuvieron y el lab vale 0. Los programas del lab no necesitan escribir \
                     ningún archivo.",
            ),
            Hit::CpuTime(_) => text!(
                en: "Your programs used more than the limit of **{name}** that this lab's tests \
                     have, all their programs together, so the tests were stopped and the lab \
                     scores 0. A correct program mostly waits (for a connection, a line); look \
                     for a loop that spins without waiting.",
                es: "Tus programas usaron más del límite de **{name}** que tienen los tests de \
                     este lab, todos sus programas juntos, así que los tests se detuvieron y el \
                     lab vale 0. Un programa correcto casi siempre espera (una conexión, una \
                     línea); busca un ciclo que da vueltas sin esperar.",
            ),
        };
        let _ = writeln!(out, "{}\n", text.get(lang));
    }
}

/// Why the lab's tests did not run, or were stopped; false when there is
/// nothing more to say of the lab.
fn status(out: &mut String, lab: &LabGrade, lang: Lang) -> bool {
    match &lab.status {
        Status::NotHandedIn => {
            let text = text!(
                en: "No file of this lab was handed in.\n",
                es: "No entregaste ningún archivo de este lab.\n",
            );
            let _ = writeln!(out, "{}", text.get(lang));
            false
        }
        Status::DidNotCompile(errors) => {
            for (file, errors) in errors {
                let text = text!(
                    en: "`{file}` does not compile, so this lab scores 0 and its tests did not run. The compiler said:",
                    es: "`{file}` no compila, así que este lab vale 0 y sus tests no se corrieron. El compilador dijo:",
                );
                let _ = writeln!(out, "{}\n\n```text\n{errors}\n```\n", text.get(lang));
            }
            false
        }
        Status::TimedOut(secs) => {
            let text = text!(
                en: "The tests of this lab did not finish within {secs} s and were stopped, so the \
                     lab scores 0: one of your programs kept a test waiting for ever (it never exits, \
                     never answers, or leaves a process behind that holds its output). The tests below \
                     that did not pass point to it.\n",
                es: "Los tests de este lab no terminaron en {secs} s y se detuvieron, así que el lab \
                     vale 0: uno de tus programas dejó a un test esperando sin fin (nunca termina, nunca \
                     contesta, o deja atrás un proceso que mantiene abierta su salida). Los tests de \
                     abajo que no pasaron te dicen cuál.\n",
            );
            let _ = writeln!(out, "{}", text.get(lang));
            true
        }
        Status::Failed(why) => {
            let text = text!(
                en: "The grader could not run this lab's tests:",
                es: "El calificador no pudo correr los tests de este lab:",
            );
            let _ = writeln!(out, "{}\n\n```text\n{why}\n```\n", text.get(lang));
            true
        }
        Status::Graded | Status::Untouched => true,
    }
}

/// Where to read next, and the failing tests, the first few with their message.
fn failures(out: &mut String, lab: &LabGrade, lang: Lang) {
    let failures: Vec<_> = lab.failures().collect();
    if failures.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            text!(en: "Every test passes.", es: "Todos los tests pasan.").get(lang)
        );
        return;
    }
    let next = walkthrough(lab);
    let text = text!(en: "Read next: {en}\n\nFailing tests:\n", es: "Lee ahora: {es}\n\nTests que fallan:\n", en = next.en, es = next.es);
    let _ = writeln!(out, "{}", text.get(lang));
    for failure in failures.iter().take(MAX_MESSAGES) {
        let message = match &failure.outcome {
            Outcome::Failed(message) if !message.is_empty() => message.clone(),
            Outcome::NotRun(why) => why.clone(),
            _ => text!(en: "(no message)", es: "(sin mensaje)")
                .get(lang)
                .to_string(),
        };
        let _ = writeln!(
            out,
            "- `{}`\n\n  ```text\n{}\n  ```\n",
            failure.name,
            indent(&message)
        );
    }
    if failures.len() > MAX_MESSAGES {
        let rest: Vec<String> = failures[MAX_MESSAGES..]
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect();
        let n = rest.len();
        let text = text!(
            en: "And {tests} more that {fail}: {list}\n",
            es: "Y {tests_es} más que {fallan}: {list}\n",
            tests = count(n, "test", "tests"),
            fail = crate::lang::plural(n, "fails", "fail"),
            tests_es = count(n, "test", "tests"),
            fallan = crate::lang::plural(n, "falla", "fallan"),
            list = rest.join(", "),
        );
        let _ = writeln!(out, "{}", text.get(lang));
    }
}

fn passed_alone(out: &mut String, lab: &LabGrade, lang: Lang) {
    if lab.passed_alone.is_empty() {
        return;
    }
    let number = lab.number;
    let text = text!(
        en: "Passed when run again by itself, after missing a deadline among this lab's tests \
             run at once (they count as passed): {list}. A computer busy with many tests can \
             make a program late; if one fails on yours too (`cargo test --test lab{number} -- \
             --exact NAME`), look at what your program waits for.\n",
        es: "Pasaron al correrlos otra vez, cada uno por su cuenta, tras pasarse de un plazo \
             entre los tests de este lab corridos a la vez (cuentan como pasados): {list}. Una \
             computadora ocupada con muchos tests puede retrasar a un programa; si alguno falla \
             también en la tuya (`cargo test --test lab{number} -- --exact NOMBRE`), revisa qué \
             espera tu programa.\n",
        list = lab.passed_alone.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", "),
    );
    let _ = writeln!(out, "{}", text.get(lang));
}

fn given(out: &mut String, lab: &LabGrade, lang: Lang) {
    let given: Vec<String> = lab
        .tests
        .iter()
        .filter(|t| t.given)
        .map(|t| format!("`{}`", t.name))
        .collect();
    if given.is_empty() {
        return;
    }
    let text = text!(
        en: "Given tests (the starters already pass them, so they score nothing): {list}\n",
        es: "Tests dados (el esqueleto ya los pasa, así que no cuentan): {list}\n",
        list = given.join(", "),
    );
    let _ = writeln!(out, "{}", text.get(lang));
}

/// The lowest step not done yet among the failing tests, or the section
/// on grading.
fn walkthrough(lab: &LabGrade) -> crate::lang::Text {
    let number = lab.number;
    match grading::lowest_step(lab) {
        Some((step, _)) => text!(
            en: "docs/en/lab{number}.md, \"Step {step}\".",
            es: "docs/es/lab{number}.md, «Paso {step}».",
        ),
        None => text!(
            en: "docs/en/lab{number}.md, \"How it is graded\" and \"Common errors\".",
            es: "docs/es/lab{number}.md, «Cómo se califica» y «Errores comunes».",
        ),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grading::TestResult;

    /// A student whose lab 1 fails one test, with a message in Spanish.
    fn failing_in_spanish() -> StudentGrade {
        StudentGrade {
            id: "ana".into(),
            found_in: Ok("ana: labs".into()),
            labs: vec![LabGrade {
                lab: "lab1".into(),
                number: 1,
                status: Status::Graded,
                tests: vec![TestResult {
                    name: "server::echoes_a_line_back_unchanged".into(),
                    given: false,
                    outcome: Outcome::Failed("se esperaban 5 bytes \"hola\\n\" ...".into()),
                }],
                missing: Vec::new(),
                leftovers: Vec::new(),
                first_step: Some(1),
                limits: Vec::new(),
                usage: None,
                passed_alone: Vec::new(),
            }],
            seconds: 1.0,
            problems: Vec::new(),
            name: None,
            files: Vec::new(),
        }
    }

    #[test]
    fn the_part_in_the_other_language_says_which_language_the_tests_wrote_in() {
        let text = feedback(
            &failing_in_spanish(),
            &[Lang::Es, Lang::En],
            Lang::Es,
            &|_| None,
        );
        let (spanish, english) = text.split_once("\n---\n").expect("two parts");
        assert!(!spanish.contains("SOCKETS_LAB_LANG"), "{text}");
        assert!(
            english.contains("quoted below as the tests wrote them: in Spanish"),
            "{text}"
        );
        assert!(english.contains("se esperaban 5 bytes"), "{text}");
    }

    #[test]
    fn one_language_only_needs_no_word_on_the_tests_language() {
        let text = feedback(&failing_in_spanish(), &[Lang::Es], Lang::Es, &|_| None);
        assert!(!text.contains("SOCKETS_LAB_LANG"), "{text}");
    }
}
