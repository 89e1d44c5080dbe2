//! `--roster FILE`: the class list an instructor exports (from a school
//! system, a spreadsheet, GitHub Classroom), a CSV with the id, the name
//! and, if there is one, the GitHub user of each student. Every person on
//! it gets a row of the gradebook, "no hand-in" when nothing matched them;
//! a hand-in matches a person by their id, name or GitHub user, written
//! the way downloads name folders (`sockets-lab-anagarcia`, a Classroom
//! download; `Ana García_123_assignsubmission_file_`, Moodle's).

use std::path::Path;

use anyhow::{Context, bail};

use crate::order::spanish_order;
use crate::submission::Student;

pub struct Roster {
    pub people: Vec<Person>,
}

pub struct Person {
    pub id: String,
    pub name: String,
    pub github: Option<String>,
}

/// Reads the roster: comma- or semicolon-separated (a spreadsheet in
/// Spanish saves with `;`), quoted or not, with or without a header row
/// that names the columns (`id`/`clave`/`matrícula`, `name`/`nombre`,
/// `github`/`usuario`); without one the columns are id, name, GitHub user.
pub fn read(path: &Path) -> anyhow::Result<Roster> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read the roster {}", path.display()))?;
    let roster = parse(&text);
    if roster.people.is_empty() {
        bail!("the roster {} has nobody on it", path.display());
    }
    Ok(roster)
}

fn parse(text: &str) -> Roster {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut rows = records(text, delimiter).into_iter();
    let mut columns = (0, 1, Some(2));
    let header: Vec<String> = rows.clone().next().unwrap_or_default();
    let find = |words: &[&str]| {
        header
            .iter()
            .position(|h| words.contains(&fold(h).as_str()))
    };
    let id = find(&[
        "id",
        "clave",
        "matricula",
        "student",
        "alumno",
        "cuenta",
        "numero de cuenta",
    ]);
    let name = find(&[
        "name",
        "nombre",
        "full name",
        "nombre completo",
        "alumno nombre",
    ]);
    let github = find(&[
        "github",
        "github user",
        "github username",
        "usuario",
        "usuario de github",
    ]);
    if id.is_some() || name.is_some() || github.is_some() {
        rows.next();
        columns = (id.unwrap_or(0), name.unwrap_or(1), github);
    }
    let people = rows
        .filter_map(|row| {
            let field = |i: usize| row.get(i).map(|f| f.trim().to_string()).unwrap_or_default();
            let id = field(columns.0);
            if id.is_empty() {
                return None;
            }
            let github = columns.2.map(field).filter(|g| !g.is_empty());
            Some(Person {
                name: field(columns.1),
                id,
                github,
            })
        })
        .collect();
    Roster { people }
}

/// The CSV's rows, fields unquoted (`"a, b"`, `"say ""hi"""`).
fn records(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => row.push(std::mem::take(&mut field)),
            '\n' if !quoted => {
                row.push(std::mem::take(&mut field));
                if row.iter().any(|f| !f.trim().is_empty()) {
                    rows.push(std::mem::take(&mut row));
                }
                row.clear();
            }
            '\r' if !quoted => {}
            c => field.push(c),
        }
    }
    row.push(field);
    if row.iter().any(|f| !f.trim().is_empty()) {
        rows.push(row);
    }
    rows
}

/// Lower case, accents taken off, every run of other characters one `-`:
/// `Ana García_123` is `ana-garcia-123`.
fn fold(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c => c,
        };
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

impl Person {
    /// Whether a hand-in's name (its folder or archive) is this person's.
    fn owns(&self, hand_in: &str) -> bool {
        let hand_in = fold(hand_in);
        let is_word = |word: &str| {
            !word.is_empty()
                && (hand_in == word
                    || hand_in.starts_with(&format!("{word}-"))
                    || hand_in.ends_with(&format!("-{word}"))
                    || hand_in.contains(&format!("-{word}-")))
        };
        let id = fold(&self.id);
        let name = fold(&self.name);
        let github = self.github.as_deref().map(fold).unwrap_or_default();
        (id.len() >= 3 && is_word(&id))
            || (!name.is_empty() && (hand_in == name || hand_in.starts_with(&format!("{name}-"))))
            || is_word(&github)
    }
}

/// The students to grade: everyone on the roster, in its order, with the
/// hand-ins that are theirs (none: "no hand-in"), then the hand-ins that
/// match nobody, said so.
pub fn assign(roster: &Roster, hand_ins: Vec<Student>) -> Vec<Student> {
    let mut students: Vec<Student> = roster
        .people
        .iter()
        .map(|person| Student {
            id: person.id.clone(),
            sources: Vec::new(),
            notes: Vec::new(),
            name: Some(person.name.clone()),
        })
        .collect();
    let mut strangers = Vec::new();
    for hand_in in hand_ins {
        match roster.people.iter().position(|p| p.owns(&hand_in.id)) {
            Some(i) => {
                let student = &mut students[i];
                if hand_in.id != student.id {
                    student.notes.push(text!(
                        en: "handed in as `{hand_in}`",
                        es: "entregó como `{hand_in}`",
                        hand_in = &hand_in.id,
                    ));
                }
                student.sources.extend(hand_in.sources);
                student.notes.extend(hand_in.notes);
            }
            None => {
                let mut stranger = hand_in;
                stranger.notes.push(text!(
                    en: "this hand-in matches nobody on the roster",
                    es: "esta entrega no corresponde a nadie de la lista del grupo",
                ));
                strangers.push(stranger);
            }
        }
    }
    strangers.sort_by(|a, b| spanish_order(&a.id, &b.id));
    students.extend(strangers);
    students
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roster_is_read_with_commas_or_semicolons_a_header_or_none() {
        let roster = parse(
            "\u{feff}Matrícula;Nombre;Usuario\n\"A01\";\"García, Ana\";anagarcia\n\nA02;Beto;\n",
        );
        let people: Vec<(&str, &str, Option<&str>)> = roster
            .people
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str(), p.github.as_deref()))
            .collect();
        assert_eq!(
            people,
            [
                ("A01", "García, Ana", Some("anagarcia")),
                ("A02", "Beto", None)
            ]
        );
        let bare = parse("ana,Ana García\r\nbeto,Beto Ruiz,bruiz\r\n");
        assert_eq!(bare.people.len(), 2);
        assert_eq!(bare.people[1].github.as_deref(), Some("bruiz"));
    }

    #[test]
    fn a_hand_in_is_matched_by_id_name_or_github_user_as_downloads_name_it() {
        let ana = Person {
            id: "A0123".into(),
            name: "Ana García".into(),
            github: Some("anagarcia".into()),
        };
        for hand_in in [
            "A0123",
            "a0123.zip-stem",
            "sockets-lab-anagarcia",
            "Ana García_5531_assignsubmission_file_",
            "ana garcia",
        ] {
            assert!(ana.owns(hand_in), "{hand_in}");
        }
        for hand_in in ["sockets-lab-anagarcia2", "Ana Garcíaz", "beto"] {
            assert!(!ana.owns(hand_in), "{hand_in}");
        }
    }
}
