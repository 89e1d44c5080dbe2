//! The Spanish of the docs is the Spanish of Mexico: no word only Spain
//! uses, «mira», not «ve», to send the reader to a link, and numbers written
//! 21,058 and 0.98, never 21.058 or 0,98 (see docs/es/glosario.md).

use crate::kit::{files_in, read};
use crate::markdown::{prose_lines, prose_words};

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
