//! Hand-ins that copy: lab files that are the kit's reference solutions
//! (after layout and comments are set aside), and pairs of students whose
//! work on a lab is identical or nearly so. Only what a student wrote
//! counts (the code the starters give is the same for everyone); what is
//! found goes to the console, a column of the gradebook and copies.md,
//! for the instructor to look at: a flag, never a grade. The hand-ins are
//! also written as Dolos (a plagiarism detector for programming
//! assignments) reads them, to go further.

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::grading::StudentGrade;
use crate::kit::{Kit, Lab};
use crate::lang::{Lang, Text, count};
use crate::similarity::{fingerprints, likeness, normalise, tokens};

pub const REPORT: &str = "copies.md";
pub const DOLOS: &str = "dolos.zip";

/// Two students' work on a lab is flagged from this likeness up.
const NEARLY: f64 = 0.9;
/// Work smaller than this many fingerprints is too little to compare.
const SMALLEST: usize = 20;

#[derive(Default)]
pub struct Copies {
    /// Students who handed in the reference: (student, lab, its files).
    reference: Vec<(String, u32, Vec<String>)>,
    /// Pairs: (student, student, lab, likeness; 1 when identical).
    pairs: Vec<(String, String, u32, f64)>,
}

/// One student's written work on a lab: its files that differ from the
/// starters, normalised, and their fingerprints not in the starters.
struct Work {
    normal: String,
    prints: HashSet<u64>,
}

pub fn find(kit: &Kit, grades: &[StudentGrade]) -> Copies {
    let mut reference = Vec::new();
    let mut pairs = Vec::new();
    for lab in &kit.labs {
        let solutions: BTreeMap<&str, String> = kit
            .solutions
            .iter()
            .filter(|(file, _)| lab.files.contains(file))
            .map(|(file, bytes)| (file.as_str(), normalise(&String::from_utf8_lossy(bytes))))
            .collect();
        let mut works: Vec<(&str, Work)> = Vec::new();
        for grade in grades {
            let written = written_files(kit, lab, grade);
            let copied: Vec<String> = written
                .iter()
                .filter(|(file, text)| solutions.get(file.as_str()) == Some(&normalise(text)))
                .map(|(file, _)| file.clone())
                .collect();
            if !copied.is_empty() {
                reference.push((grade.id.clone(), lab.number, copied));
            }
            if let Some(work) = work(kit, lab, &written) {
                works.push((&grade.id, work));
            }
        }
        for (i, (a, work_a)) in works.iter().enumerate() {
            for (b, work_b) in &works[i + 1..] {
                let alike = if work_a.normal == work_b.normal {
                    1.0
                } else {
                    likeness(&work_a.prints, &work_b.prints)
                };
                if alike >= NEARLY {
                    pairs.push((a.to_string(), b.to_string(), lab.number, alike));
                }
            }
        }
    }
    Copies { reference, pairs }
}

/// The student's files of `lab` that are not its starters, as text.
fn written_files(kit: &Kit, lab: &Lab, grade: &StudentGrade) -> Vec<(String, String)> {
    grade
        .files
        .iter()
        .filter_map(|(rel, bytes)| {
            let file = rel.to_str()?;
            (lab.files.iter().any(|f| f == file) && !kit.is_starter(file, bytes)).then(|| {
                (
                    file.to_string(),
                    String::from_utf8_lossy(bytes).into_owned(),
                )
            })
        })
        .collect()
}

fn work(kit: &Kit, lab: &Lab, written: &[(String, String)]) -> Option<Work> {
    let starters: HashSet<u64> = kit
        .starters
        .iter()
        .filter(|(rel, _)| lab.files.iter().any(|f| Path::new(f) == rel))
        .flat_map(|(_, bytes)| fingerprints(&tokens(&String::from_utf8_lossy(bytes))))
        .collect();
    let mut normal = String::new();
    let mut prints = HashSet::new();
    for (_, text) in written {
        normal.push_str(&normalise(text));
        normal.push('\n');
        prints.extend(fingerprints(&tokens(text)).difference(&starters));
    }
    (prints.len() >= SMALLEST).then_some(Work { normal, prints })
}

impl Copies {
    /// What was found about one student, a sentence each.
    pub fn of(&self, id: &str) -> Vec<Text> {
        let mut found: Vec<Text> = self
            .reference
            .iter()
            .filter(|(student, _, _)| student == id)
            .map(|(_, lab, files)| {
                text!(
                    en: "lab {lab}: the reference solution ({files})",
                    es: "lab {lab}: la solución de referencia ({files})",
                    files = files.join(", "),
                )
            })
            .collect();
        for (a, b, lab, alike) in &self.pairs {
            let other = if a == id {
                b
            } else if b == id {
                a
            } else {
                continue;
            };
            found.push(pair_text(other, *lab, *alike));
        }
        found
    }

    /// The console's line, when something was found.
    pub fn summary(&self) -> Option<Text> {
        if self.reference.is_empty() && self.pairs.is_empty() {
            return None;
        }
        let students: HashSet<&str> = self.reference.iter().map(|(s, _, _)| s.as_str()).collect();
        let (n, p) = (students.len(), self.pairs.len());
        Some(text!(
            en: "possible copies: {students} handed in reference solutions, {pairs} of students with identical or nearly identical labs: see {REPORT} and the copies column of grades.csv",
            es: "posibles copias: {alumnos} entregaron soluciones de referencia, {pares} de alumnos con labs idénticos o casi: mira {REPORT} y la columna copies de grades.csv",
            students = count(n, "student", "students"),
            pairs = count(p, "pair", "pairs"),
            alumnos = count(n, "alumno", "alumnos"),
            pares = count(p, "par", "pares"),
        ))
    }

    /// copies.md: what was found, and how to look further.
    pub fn report(&self, lang: Lang) -> String {
        let mut out = String::new();
        let head = text!(
            en: "# Possible copies\n\nA flag for you to look at, not a grade: nothing here changed a score. \
                 Only what each student wrote counts (the code the starters give is the same for \
                 everyone); layout and comments are set aside. The hand-ins are also in {DOLOS}, \
                 as Dolos reads them (`dolos run -f web {DOLOS}`, or upload it to Dolos' web app), \
                 to compare them further.\n",
            es: "# Posibles copias\n\nUna señal para que la revises, no una calificación: nada de aquí cambió \
                 una nota. Solo cuenta lo que escribió cada alumno (el código que dan los esqueletos es \
                 el mismo para todos); no cuentan el formato ni los comentarios. Las entregas también \
                 están en {DOLOS}, como las lee Dolos (`dolos run -f web {DOLOS}`, o súbelo a la \
                 aplicación web de Dolos), para compararlas más a fondo.\n",
        );
        out.push_str(head.get(lang));
        let title = text!(
            en: "\n## The reference solutions handed in\n",
            es: "\n## Soluciones de referencia entregadas\n",
        );
        out.push_str(title.get(lang));
        if self.reference.is_empty() {
            out.push_str(text!(en: "\nNone.\n", es: "\nNinguna.\n").get(lang));
        }
        for (student, lab, files) in &self.reference {
            out.push_str(&format!("\n- {student}, lab {lab}: {}", files.join(", ")));
        }
        let title = text!(
            en: "\n\n## Students whose work on a lab is identical or nearly so\n",
            es: "\n\n## Alumnos con trabajo idéntico o casi idéntico en un lab\n",
        );
        out.push_str(title.get(lang));
        if self.pairs.is_empty() {
            out.push_str(text!(en: "\nNone.\n", es: "\nNinguno.\n").get(lang));
        }
        for (a, b, lab, alike) in &self.pairs {
            out.push_str(&format!(
                "\n- {a}: {}",
                pair_text(b, *lab, *alike).get(lang)
            ));
        }
        out.push('\n');
        out
    }
}

fn pair_text(other: &str, lab: u32, alike: f64) -> Text {
    if alike >= 1.0 {
        text!(
            en: "lab {lab}: identical to {other}'s",
            es: "lab {lab}: idéntico al de {other}",
        )
    } else {
        let percent = (alike * 100.0).floor();
        text!(
            en: "lab {lab}: {percent}% alike with {other}'s",
            es: "lab {lab}: {percent}% igual al de {other}",
        )
    }
}

/// The hand-ins as Dolos reads them: a zip with `info.csv` at its root
/// (`filename`, `full_name`, `label`), each student's lab files that are
/// not the starters under `ID/labs/`, and the reference solutions under
/// `reference/` (label `reference`), so that copies of them show too.
pub fn write_dolos(path: &Path, kit: &Kit, grades: &[StudentGrade]) -> anyhow::Result<()> {
    let mut files: Vec<(String, String, String, Vec<u8>)> = Vec::new();
    for (file, bytes) in &kit.solutions {
        let label = "reference".to_string();
        files.push((
            format!("reference/{file}"),
            label.clone(),
            label,
            bytes.clone(),
        ));
    }
    for grade in grades {
        for lab in &kit.labs {
            for (file, text) in written_files(kit, lab, grade) {
                let name = grade.name.clone().unwrap_or_else(|| grade.id.clone());
                files.push((
                    format!("{}/labs/{file}", grade.id),
                    name,
                    lab.name.clone(),
                    text.into_bytes(),
                ));
            }
        }
    }
    let out = std::fs::File::create(path)
        .with_context(|| format!("could not write {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut info = String::from("filename,full_name,label\n");
    for (name, full_name, label, bytes) in &files {
        info.push_str(&format!(
            "{},{},{}\n",
            quoted(name),
            quoted(full_name),
            quoted(label)
        ));
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    zip.start_file("info.csv", options)?;
    zip.write_all(info.as_bytes())?;
    zip.finish()?;
    Ok(())
}

fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}
