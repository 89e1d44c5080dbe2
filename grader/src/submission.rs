//! Finds each student's lab files in what the instructor downloaded: one
//! entry per student, a folder or an archive (.zip, .tar.gz, .tgz, any
//! case), or both with the same name; inside, a whole copy of the kit
//! (maybe one level deeper, maybe several copies), just a `labs/` folder,
//! the lab files themselves, or an archive of any of those. Every entry of
//! SUBMISSIONS is a student in the gradebook, even one that cannot be read
//! (then with the reason). Only reads: nothing under SUBMISSIONS changes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::archive::{self, Budget, Entry, Format, Kind};
use crate::kit::Kit;
use crate::labfiles;
use crate::lang::{Text, count, plural};
use crate::order::spanish_order;

pub struct Student {
    /// The entry's name (an archive's without its extension).
    pub id: String,
    /// The folders and archives handed in under that name.
    pub sources: Vec<PathBuf>,
    /// Entries with that name that cannot be read (a .rar, a PDF), and
    /// what the roster says of the hand-in.
    pub notes: Vec<Text>,
    /// The name on the roster; `None` without one, or for a hand-in that
    /// matches nobody on it.
    pub name: Option<String>,
}

/// The files a student handed in for `labs/`, by path relative to it.
pub struct LabFiles {
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Where they were found, for the instructor: `ana.zip: repo-main/labs`.
    pub found_in: String,
    /// What the instructor and the student should know about how.
    pub problems: Vec<Text>,
}

/// Archives the grader cannot open, by how their names end.
const OTHER_ARCHIVES: &[&str] = &[
    ".rar", ".7z", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar", ".gz", ".bz2", ".xz", ".zst",
];
/// Files a system leaves in a folder: not a student.
const SYSTEM_FILES: &[&str] = &["thumbs.db", "desktop.ini"];

/// One student per name in `dir` (a folder, an archive, or both), in the
/// order a Spanish reader expects.
pub fn list_students(dir: &Path) -> anyhow::Result<Vec<Student>> {
    let mut students: BTreeMap<String, Student> = BTreeMap::new();
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || SYSTEM_FILES.contains(&name.to_lowercase().as_str()) {
            continue;
        }
        let path = entry.path();
        let (id, problem) = if path.is_dir() {
            (name.clone(), None)
        } else if let Some(id) = Format::strip(&name) {
            (id.to_string(), None)
        } else {
            let lower = name.to_lowercase();
            let other = OTHER_ARCHIVES.iter().find(|ext| lower.ends_with(*ext));
            let id = match other {
                Some(ext) => name[..name.len() - ext.len()].to_string(),
                None => name
                    .rsplit_once('.')
                    .map_or(name.clone(), |(stem, _)| stem.to_string()),
            };
            let problem = match other {
                Some(ext) => text!(
                    en: "`{name}` is a {ext} archive, which the grader cannot open: ask for a .zip (or .tar.gz)",
                    es: "`{name}` es un archivo {ext}, que el calificador no puede abrir: pide un .zip (o .tar.gz)",
                ),
                None => text!(
                    en: "`{name}` is neither a folder nor a .zip or .tar.gz: nothing in it was graded",
                    es: "`{name}` no es una carpeta ni un .zip o .tar.gz: no se calificó nada de él",
                ),
            };
            (id, Some(problem))
        };
        let student = students.entry(id.clone()).or_insert_with(|| Student {
            id,
            sources: Vec::new(),
            notes: Vec::new(),
            name: None,
        });
        match problem {
            Some(problem) => student.notes.push(problem),
            None => student.sources.push(path),
        }
    }
    let mut students: Vec<Student> = students.into_values().collect();
    students.sort_by(|a, b| spanish_order(&a.id, &b.id));
    for student in &mut students {
        student.sources.sort();
    }
    Ok(students)
}

/// One folder of lab files among what a student handed in.
struct Copy<'a> {
    source: &'a str,
    folder: String,
    /// Its entries: the lab files, and for a `labs/` folder all it holds.
    entries: Vec<&'a Entry>,
    /// Its newest lab file's time, in nanoseconds since 1970.
    modified: i64,
    /// How many of its lab files differ from the starters.
    work: usize,
}

impl Copy<'_> {
    fn label(&self) -> String {
        if self.folder.is_empty() {
            self.source.to_string()
        } else {
            format!("{}: {}", self.source, self.folder)
        }
    }
}

fn folder_of(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn last_part(folder: &str) -> &str {
    folder.rsplit('/').next().unwrap_or(folder)
}

/// A student's lab files, `Ok(None)` when there are none anywhere, or why
/// the hand-in could not be read.
pub fn find_lab_files(kit: &Kit, student: &Student) -> anyhow::Result<Option<LabFiles>> {
    let mut problems = student.notes.clone();
    let mut entries = Vec::new();
    let mut budget = Budget::default();
    for source in &student.sources {
        let label = source
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        entries.extend(archive::read_hand_in(source, &label, &mut budget)?);
    }
    let is_lab_file = |entry: &Entry| {
        let (_, name) = folder_of(&entry.path);
        labfiles::canonical(name).is_some_and(|n| kit.lab_of_file(&n).is_some())
    };
    // The folders that hold lab files, each a copy of the student's labs.
    let mut copies: Vec<Copy> = Vec::new();
    for entry in entries.iter().filter(|e| is_lab_file(e)) {
        let (folder, _) = folder_of(&entry.path);
        match copies
            .iter_mut()
            .find(|c| c.source == entry.source && c.folder == folder)
        {
            Some(copy) => {
                copy.entries.push(entry);
                copy.modified = copy.modified.max(entry.modified);
            }
            None => copies.push(Copy {
                source: &entry.source,
                folder: folder.to_string(),
                entries: vec![entry],
                modified: entry.modified,
                work: 0,
            }),
        }
    }
    // A `labs/` folder brings all it holds (helper modules too).
    for copy in &mut copies {
        if last_part(&copy.folder).eq_ignore_ascii_case("labs") {
            let prefix = format!("{}/", copy.folder);
            copy.entries = entries
                .iter()
                .filter(|e| e.source == copy.source && e.path.starts_with(&prefix))
                .collect();
        }
    }
    // The kit's own folders (labs-bare/, solutions/, tests/, ...) are the
    // kit's, not the student's work: of a whole kit only labs/ is.
    copies.retain(|c| {
        !c.folder
            .split('/')
            .any(|part| kit.folders.iter().any(|f| f.eq_ignore_ascii_case(part)))
    });
    // The copy with the most work (lab files changed from the starters);
    // among equals a `labs/` folder, then the newest.
    for copy in &mut copies {
        copy.work = work(kit, copy);
    }
    let Some(chosen) = copies.iter().max_by_key(|c| {
        let is_labs = last_part(&c.folder).eq_ignore_ascii_case("labs");
        (c.work, is_labs, c.modified, c.label())
    }) else {
        return Ok(None);
    };
    let rivals: Vec<&Copy> = copies
        .iter()
        .filter(|c| !std::ptr::eq(*c, chosen))
        .collect();
    if !rivals.is_empty() {
        let tie = rivals.iter().any(|c| c.work == chosen.work);
        let left: Vec<String> = rivals
            .iter()
            .map(|c| format!("`{}` ({})", c.label(), c.work))
            .collect();
        let left = left.join(", ");
        problems.push(text!(
            en: "several copies of the labs: graded `{label}`, the one with the most work ({changed} changed from the starters){newest}; left out {left}",
            es: "varias copias de los labs: se calificó `{label}`, la que tiene más trabajo ({cambiados} de los esqueletos){reciente}; quedaron fuera {left}",
            label = chosen.label(),
            changed = count(chosen.work, "lab file", "lab files"),
            cambiados = format!("{} {}", count(chosen.work, "archivo", "archivos"), plural(chosen.work, "cambiado", "cambiados")),
            newest = if tie { ", the newest of those" } else { "" },
            reciente = if tie { ", la más reciente de esas" } else { "" },
        ));
    }
    let files = take_files(kit, chosen, &mut problems);
    Ok(Some(LabFiles {
        files,
        found_in: chosen.label(),
        problems,
    }))
}

/// How many of the copy's lab files differ from the kit's starters.
fn work(kit: &Kit, copy: &Copy) -> usize {
    copy.entries
        .iter()
        .filter(|entry| {
            let (_, name) = folder_of(&entry.path);
            let Some(name) = labfiles::canonical(name).filter(|n| kit.lab_of_file(n).is_some())
            else {
                return false;
            };
            matches!(&entry.kind, Kind::File(Some(bytes)) if !kit.is_starter(&name, bytes))
        })
        .count()
}

/// The copy's files by their path under `labs/`, lab files under the
/// kit's names; what was renamed, left out or a link, said in `problems`.
fn take_files(kit: &Kit, copy: &Copy, problems: &mut Vec<Text>) -> Vec<(PathBuf, Vec<u8>)> {
    let prefix = if copy.folder.is_empty() {
        String::new()
    } else {
        format!("{}/", copy.folder)
    };
    // The newest entry for each path it will have.
    let mut chosen: BTreeMap<String, &Entry> = BTreeMap::new();
    for entry in &copy.entries {
        let rel = entry.path.strip_prefix(&prefix).unwrap_or(&entry.path);
        let (dir, name) = folder_of(rel);
        let kit_name =
            labfiles::canonical(name).filter(|n| dir.is_empty() && kit.lab_of_file(n).is_some());
        let to = kit_name.unwrap_or_else(|| rel.to_string());
        match chosen.get(&to) {
            Some(other) if other.modified > entry.modified => {}
            _ => {
                chosen.insert(to, entry);
            }
        }
    }
    let mut files = Vec::new();
    for (to, entry) in &chosen {
        let shown = &entry.path;
        let rel = entry.path.strip_prefix(&prefix).unwrap_or(&entry.path);
        match &entry.kind {
            Kind::File(Some(bytes)) => {
                files.push((PathBuf::from(to), bytes.clone()));
                if rel != to {
                    problems.push(text!(
                        en: "`{shown}` was graded as `labs/{to}`",
                        es: "`{shown}` se calificó como `labs/{to}`",
                    ));
                }
            }
            Kind::File(None) if to.to_lowercase().ends_with(".rs") => problems.push(text!(
                en: "`{shown}` is over {max} MiB ({size} MiB), too large for lab code: left out",
                es: "`{shown}` pesa más de {max} MiB ({size} MiB), demasiado para código de un lab: se dejó fuera",
                max = archive::MAX_FILE >> 20,
                size = entry.size >> 20,
            )),
            Kind::File(None) => {}
            Kind::Link => problems.push(text!(
                en: "`{shown}` is a symbolic link: the grader does not follow links (they could point \
                     anywhere on its computer), so it was not graded; hand in the file itself",
                es: "`{shown}` es un enlace simbólico: el calificador no sigue enlaces (podrían \
                     apuntar a cualquier lugar de su computadora), así que no se calificó; entrega el \
                     archivo mismo",
            )),
        }
    }
    // Two files for one lab file: the newest was taken.
    for (to, entry) in &chosen {
        let others: Vec<String> = copy
            .entries
            .iter()
            .filter(|e| !std::ptr::eq(**e, *entry))
            .filter(|e| {
                let rel = e.path.strip_prefix(&prefix).unwrap_or(&e.path);
                let (dir, name) = folder_of(rel);
                dir.is_empty() && labfiles::canonical(name).as_deref() == Some(to.as_str())
            })
            .map(|e| format!("`{}`", e.path))
            .collect();
        if !others.is_empty() {
            problems.push(text!(
                en: "several files for `labs/{to}`: graded the newest, `{path}`; left {others}",
                es: "varios archivos para `labs/{to}`: se calificó el más reciente, `{path}`; quedaron fuera {others}",
                path = &entry.path,
                others = others.join(", "),
            ));
        }
    }
    files
}
