//! feedback/STUDENT.md: for each lab its score, each failing test with its
//! message, the compiler's errors where a lab did not build, and the
//! walkthrough section to read next; in Spanish, in English, or both. The
//! tests' messages are in the one language the tests ran in: a section in
//! the other language says so.

use std::fmt::Write as _;

use crate::grading::{LabGrade, Status, StudentGrade};
use crate::lang::Lang;
use crate::libtest::{self, Outcome};
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
    let _ = writeln!(
        out,
        "# {}: {}\n",
        student.id,
        lang.pick(
            "feedback on the sockets-lab labs",
            "retroalimentación de los labs de sockets-lab"
        )
    );
    let _ = writeln!(
        out,
        "{} **{}** {}\n",
        lang.pick("Grade:", "Calificación:"),
        student.total(),
        lang.pick(
            "out of 100 (the mean of the labs).",
            "de 100 (el promedio de los labs)."
        )
    );
    match &student.found_in {
        Ok(found_in) => {
            let _ = writeln!(
                out,
                "{} `{found_in}`\n",
                lang.pick("Lab files taken from", "Archivos de los labs tomados de")
            );
        }
        Err(why) => {
            let why = match lang {
                Lang::En => why.clone(),
                Lang::Es => problem_in_spanish(why),
            };
            let _ = writeln!(
                out,
                "{} {why}\n",
                lang.pick("Nothing was graded:", "No se calificó nada:")
            );
        }
    }
    if !student.problems.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            lang.pick("About what you handed in:", "Sobre lo que entregaste:")
        );
        for problem in &student.problems {
            let _ = writeln!(out, "- {}", problem.get(lang));
        }
        out.push('\n');
    }
    let failing = student
        .labs
        .iter()
        .any(|lab| lab.failures().next().is_some());
    if failing && lang != messages {
        let _ = writeln!(
            out,
            "{}\n",
            match lang {
                Lang::En =>
                    "The messages of the failing tests are quoted below as the tests \
                             wrote them: in Spanish, the language they ran in \
                             (SOCKETS_LAB_LANG=es).",
                Lang::Es =>
                    "Los mensajes de los tests que fallan se citan abajo tal como los \
                             escribieron los tests: en inglés, el idioma en que corrieron \
                             (SOCKETS_LAB_LANG no decía es).",
            }
        );
    }
    for lab in &student.labs {
        lab_section(&mut out, lab, lang);
    }
    out
}

fn lab_section(out: &mut String, lab: &LabGrade, lang: Lang) {
    let scored = lab.scored().count();
    let _ = writeln!(
        out,
        "## Lab {}: {} ({} {} {scored} tests)\n",
        lab.number,
        lab.score(),
        lab.passed(),
        lang.pick("of", "de")
    );
    for file in &lab.missing {
        let _ = writeln!(
            out,
            "{}\n",
            match lang {
                Lang::En =>
                    format!("`labs/{file}` was not handed in: the starter was graded in its place."),
                Lang::Es =>
                    format!("No entregaste `labs/{file}`: se calificó el esqueleto en su lugar."),
            }
        );
    }
    if !lab.leftovers.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            lang.pick(
                "These processes of your programs were still running when this lab's tests ended \
                 (the grader stopped them; a program should end everything it starts):",
                "Estos procesos de tus programas seguían corriendo cuando terminaron los tests de \
                 este lab (el calificador los detuvo; un programa debe terminar todo lo que inicia):"
            )
        );
        for process in &lab.leftovers {
            let _ = writeln!(out, "- `{process}`");
        }
        out.push('\n');
    }
    for &hit in &lab.limits {
        limit_paragraph(out, hit, lang);
    }
    match &lab.status {
        Status::NotHandedIn => {
            let _ = writeln!(
                out,
                "{}\n",
                lang.pick(
                    "No file of this lab was handed in.",
                    "No entregaste ningún archivo de este lab."
                )
            );
            return;
        }
        Status::DidNotCompile(errors) => {
            for (file, text) in errors {
                let _ = writeln!(
                    out,
                    "{}\n\n```text\n{text}\n```\n",
                    match lang {
                        Lang::En => format!(
                            "`{file}` does not compile, so this lab scores 0 and its tests did not run. The compiler said:"
                        ),
                        Lang::Es => format!(
                            "`{file}` no compila, así que este lab vale 0 y sus tests no se corrieron. El compilador dijo:"
                        ),
                    }
                );
            }
            return;
        }
        Status::TimedOut(secs) => {
            let _ = writeln!(
                out,
                "{}\n",
                match lang {
                    Lang::En => format!(
                        "The tests of this lab did not finish within {secs} s and were stopped, so the \
                         lab scores 0: one of your programs kept a test waiting for ever (it never exits, \
                         never answers, or leaves a process behind that holds its output). The tests below \
                         that did not pass point to it."
                    ),
                    Lang::Es => format!(
                        "Los tests de este lab no terminaron en {secs} s y se detuvieron, así que el lab \
                         vale 0: uno de tus programas dejó a un test esperando sin fin (nunca termina, nunca \
                         contesta, o deja atrás un proceso que mantiene abierta su salida). Los tests de \
                         abajo que no pasaron te dicen cuál."
                    ),
                }
            );
        }
        Status::Failed(why) => {
            let _ = writeln!(
                out,
                "{}\n\n```text\n{why}\n```\n",
                lang.pick(
                    "The grader could not run this lab's tests:",
                    "El calificador no pudo correr los tests de este lab:"
                )
            );
        }
        Status::Graded => {}
    }
    let failures: Vec<_> = lab.failures().collect();
    if failures.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            lang.pick("Every test passes.", "Todos los tests pasan.")
        );
    } else {
        let _ = writeln!(
            out,
            "{} {}\n",
            lang.pick("Read next:", "Lee ahora:"),
            walkthrough(lab, lang)
        );
        let _ = writeln!(
            out,
            "{}\n",
            lang.pick("Failing tests:", "Tests que fallan:")
        );
        for failure in failures.iter().take(MAX_MESSAGES) {
            let message = match &failure.outcome {
                Outcome::Failed(message) if !message.is_empty() => message.clone(),
                Outcome::NotRun(why) => why.clone(),
                _ => lang.pick("(no message)", "(sin mensaje)").to_string(),
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
            let _ = writeln!(
                out,
                "{} {}\n",
                match lang {
                    Lang::En => format!("And {} more failing tests:", rest.len()),
                    Lang::Es => format!("Y {} tests más que fallan:", rest.len()),
                },
                rest.join(", ")
            );
        }
    }
    let given: Vec<String> = lab
        .tests
        .iter()
        .filter(|t| t.given)
        .map(|t| format!("`{}`", t.name))
        .collect();
    if !given.is_empty() {
        let _ = writeln!(
            out,
            "{} {}\n",
            lang.pick(
                "Given tests (the starters already pass them, so they score nothing):",
                "Tests dados (el esqueleto ya los pasa, así que no cuentan):"
            ),
            given.join(", ")
        );
    }
}

/// What a limit that a lab's tests hit means for the student.
fn limit_paragraph(out: &mut String, hit: Hit, lang: Lang) {
    let name = hit.name(lang);
    let text = match (hit, lang) {
        (Hit::Memory(_), Lang::En) => format!(
            "Your programs hit the limit of **{name}** that this lab's tests have, all their \
             programs together: the system stopped the one that asked for more. A correct \
             program needs far less; look for memory that grows without end (a buffer never \
             emptied, a vector that only grows). The tests below failed for it."
        ),
        (Hit::Memory(_), Lang::Es) => format!(
            "Tus programas llegaron al límite de **{name}** que tienen los tests de este lab, \
             todos sus programas juntos: el sistema detuvo al que pidió más. Un programa \
             correcto necesita mucho menos; busca memoria que crece sin fin (un búfer que \
             nunca se vacía, un vector que solo crece). Por eso fallaron los tests de abajo."
        ),
        (Hit::Processes(_), Lang::En) => format!(
            "Your programs hit the limit of **{name}** at once that this lab's tests have: \
             the system refused them more. Look for a thread or a process started in a loop \
             that never ends. The tests below failed for it."
        ),
        (Hit::Processes(_), Lang::Es) => format!(
            "Tus programas llegaron al límite de **{name}** a la vez que tienen los tests de \
             este lab: el sistema les negó más. Busca un hilo o un proceso que se inicia en un \
             ciclo sin fin. Por eso fallaron los tests de abajo."
        ),
        (Hit::Disk(_), Lang::En) => format!(
            "Your programs wrote more than the limit of **{name}** that this lab's tests have \
             (any one file, and all of /tmp together), so the tests were stopped and the lab \
             scores 0. The lab's programs need to write no file at all."
        ),
        (Hit::Disk(_), Lang::Es) => format!(
            "Tus programas escribieron más del límite de **{name}** que tienen los tests de \
             este lab (un archivo, y todo /tmp junto), así que los tests se detuvieron y el lab \
             vale 0. Los programas del lab no necesitan escribir ningún archivo."
        ),
        (Hit::CpuTime(_), Lang::En) => format!(
            "Your programs used more than the limit of **{name}** that this lab's tests have, \
             all their programs together, so the tests were stopped and the lab scores 0. A \
             correct program mostly waits (for a connection, a line); look for a loop that \
             spins without waiting."
        ),
        (Hit::CpuTime(_), Lang::Es) => format!(
            "Tus programas usaron más del límite de **{name}** que tienen los tests de este \
             lab, todos sus programas juntos, así que los tests se detuvieron y el lab vale 0. \
             Un programa correcto casi siempre espera (una conexión, una línea); busca un ciclo \
             que da vueltas sin esperar."
        ),
    };
    let _ = writeln!(out, "{text}\n");
}

/// The step a starter's `todo!` points to (the lowest one among the failing
/// tests: the first step not done yet), or the section on grading.
fn walkthrough(lab: &LabGrade, lang: Lang) -> String {
    let step = lab
        .failures()
        .filter_map(|t| match &t.outcome {
            Outcome::Failed(message) => libtest::todo_hint(message).and_then(libtest::step_of),
            _ => None,
        })
        .min();
    let dir = lang.pick("en", "es");
    match (step, lang) {
        (Some(n), Lang::En) => format!("docs/{dir}/lab{}.md, \"Step {n}\".", lab.number),
        (Some(n), Lang::Es) => format!("docs/{dir}/lab{}.md, «Paso {n}».", lab.number),
        (None, Lang::En) => format!(
            "docs/{dir}/lab{}.md, \"How it is graded\" and \"Common errors\".",
            lab.number
        ),
        (None, Lang::Es) => format!(
            "docs/{dir}/lab{}.md, «Cómo se califica» y «Errores comunes».",
            lab.number
        ),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The grader's reasons for grading nothing (main.rs), in Spanish; the
/// details after the colon are the system's or cargo's, in English.
fn problem_in_spanish(why: &str) -> String {
    let known = [
        (
            "no lab files found",
            "no se encontró ningún archivo de los labs",
        ),
        ("could not read it", "no se pudo leer"),
        ("could not be graded", "no se pudo calificar"),
    ];
    for (en, es) in known {
        if let Some(rest) = why.strip_prefix(en) {
            return format!("{es}{rest}");
        }
    }
    why.to_string()
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
                limits: Vec::new(),
                usage: None,
            }],
            seconds: 1.0,
            problems: Vec::new(),
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
