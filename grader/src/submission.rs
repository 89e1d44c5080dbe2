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
use crate::lang::Text;

pub struct Student {
    /// The entry's name (an archive's without its extension).
    pub id: String,
    /// The folders and archives handed in under that name.
    pub sources: Vec<PathBuf>,
    /// Entries with that name that cannot be read (a .rar, a PDF).
    pub unreadable: Vec<Text>,
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

/// One student per name in `dir` (a folder, an archive, or both), by id.
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
                Some(ext) => Text::new(
                    format!(
                        "`{name}` is a {ext} archive, which the grader cannot open: ask for a .zip (or .tar.gz)"
                    ),
                    format!(
                        "`{name}` es un archivo {ext}, que el calificador no puede abrir: pide un .zip (o .tar.gz)"
                    ),
                ),
                None => Text::new(
                    format!(
                        "`{name}` is neither a folder nor a .zip or .tar.gz: nothing in it was graded"
                    ),
                    format!(
                        "`{name}` no es una carpeta ni un .zip o .tar.gz: no se calificó nada de él"
                    ),
                ),
            };
            (id, Some(problem))
        };
        let student = students.entry(id.clone()).or_insert_with(|| Student {
            id,
            sources: Vec::new(),
            unreadable: Vec::new(),
        });
        match problem {
            Some(problem) => student.unreadable.push(problem),
            None => student.sources.push(path),
        }
    }
    let mut students: Vec<Student> = students.into_values().collect();
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
    modified: i64,
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
    let mut problems = student.unreadable.clone();
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
    // A whole kit's solutions/ are the kit's, not the student's work.
    copies.retain(|c| {
        !c.folder
            .split('/')
            .any(|p| p.eq_ignore_ascii_case("solutions"))
    });
    let (labs, others): (Vec<&Copy>, Vec<&Copy>) = copies
        .iter()
        .partition(|c| last_part(&c.folder).eq_ignore_ascii_case("labs"));
    let chosen = match newest(&labs) {
        Some(labs_copy) if is_untouched(kit, labs_copy) => {
            let worked: Vec<&Copy> = others
                .iter()
                .copied()
                .filter(|c| !is_untouched(kit, c))
                .collect();
            match newest(&worked) {
                Some(other) => {
                    problems.push(Text::new(
                        format!(
                            "`{}` holds the untouched starters: the lab files in `{}` were graded instead",
                            labs_copy.label(),
                            other.label()
                        ),
                        format!(
                            "`{}` tiene los esqueletos sin tocar: se calificaron en su lugar los archivos de `{}`",
                            labs_copy.label(),
                            other.label()
                        ),
                    ));
                    other
                }
                None => labs_copy,
            }
        }
        Some(labs_copy) => labs_copy,
        None => match newest(&others) {
            Some(other) => other,
            None => return Ok(None),
        },
    };
    // (Already said when the untouched starters were passed over.)
    let passed_over = problems.len() > student.unreadable.len();
    let rivals: Vec<String> = copies
        .iter()
        .filter(|_| !passed_over)
        .filter(|c| !std::ptr::eq(*c, chosen))
        .filter(|c| labs.is_empty() || last_part(&c.folder).eq_ignore_ascii_case("labs"))
        .map(|c| format!("`{}`", c.label()))
        .collect();
    if !rivals.is_empty() {
        problems.push(Text::new(
            format!(
                "several copies of the labs: graded the newest, `{}`; left {}",
                chosen.label(),
                rivals.join(", ")
            ),
            format!(
                "varias copias de los labs: se calificó la más reciente, `{}`; quedaron fuera {}",
                chosen.label(),
                rivals.join(", ")
            ),
        ));
    }
    let files = take_files(kit, chosen, &mut problems);
    Ok(Some(LabFiles {
        files,
        found_in: chosen.label(),
        problems,
    }))
}

/// The copy changed last (its newest lab file).
fn newest<'a, 'b>(list: &[&'b Copy<'a>]) -> Option<&'b Copy<'a>> {
    list.iter().copied().max_by_key(|c| (c.modified, c.label()))
}

/// Every lab file of the copy equal to the kit's starter (line ends aside).
fn is_untouched(kit: &Kit, copy: &Copy) -> bool {
    let normal = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
    copy.entries.iter().all(|entry| {
        let (_, name) = folder_of(&entry.path);
        let Some(name) = labfiles::canonical(name) else {
            return true;
        };
        let Some((_, starter)) = kit
            .starters
            .iter()
            .find(|(rel, _)| *rel == Path::new(&name))
        else {
            return true;
        };
        matches!(&entry.kind, Kind::File(Some(bytes)) if normal(bytes) == normal(starter))
    })
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
                    problems.push(Text::new(
                        format!("`{shown}` was graded as `labs/{to}`"),
                        format!("`{shown}` se calificó como `labs/{to}`"),
                    ));
                }
            }
            Kind::File(None) if to.to_lowercase().ends_with(".rs") => problems.push(Text::new(
                format!(
                    "`{shown}` is over {} MiB ({} MiB), too large for lab code: left out",
                    archive::MAX_FILE >> 20,
                    entry.size >> 20
                ),
                format!(
                    "`{shown}` pesa más de {} MiB ({} MiB), demasiado para código de un lab: se dejó fuera",
                    archive::MAX_FILE >> 20,
                    entry.size >> 20
                ),
            )),
            Kind::File(None) => {}
            Kind::Link => problems.push(Text::new(
                format!(
                    "`{shown}` is a symbolic link: the grader does not follow links (they could point \
                     anywhere on its computer), so it was not graded; hand in the file itself"
                ),
                format!(
                    "`{shown}` es un enlace simbólico: el calificador no sigue enlaces (podrían \
                     apuntar a cualquier lugar de su computadora), así que no se calificó; entrega el \
                     archivo mismo"
                ),
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
            problems.push(Text::new(
                format!(
                    "several files for `labs/{to}`: graded the newest, `{}`; left {}",
                    entry.path,
                    others.join(", ")
                ),
                format!(
                    "varios archivos para `labs/{to}`: se calificó el más reciente, `{}`; quedaron fuera {}",
                    entry.path,
                    others.join(", ")
                ),
            ));
        }
    }
    files
}
