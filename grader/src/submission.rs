//! Finds each student's lab files in what the instructor downloaded: a
//! folder per student (a whole copy of the kit, possibly one level deeper,
//! just a `labs/` folder, or the lab files themselves), or a .zip of any of
//! those. Only reads: nothing under SUBMISSIONS is changed.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use crate::kit::Kit;
use crate::unzip::Archive;

pub struct Student {
    /// The folder's name (or the zip's, without `.zip`).
    pub id: String,
    pub path: PathBuf,
}

/// The files a student handed in for `labs/`, by path relative to it.
pub struct LabFiles {
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Where they were found, for the instructor: `ana.zip: repo-main/labs`.
    pub found_in: String,
}

/// Larger files are not lab code (a build output, a video): left out.
const MAX_FILE: usize = 1 << 20;
/// Folders never searched: build outputs and version control.
const SKIPPED: &[&str] = &["target", ".git", "node_modules", "__MACOSX"];
/// How deep lab files may sit in a student's folder (`ana/a/b/c/labs`).
const MAX_DEPTH: usize = 6;

/// One student per folder or .zip in `dir`, sorted by id.
pub fn list_students(dir: &Path) -> anyhow::Result<Vec<Student>> {
    let mut students = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let id = if entry.path().is_dir() {
            name
        } else if let Some(id) = name.strip_suffix(".zip") {
            id.to_string()
        } else {
            eprintln!(
                "note: {} is neither a folder nor a .zip: skipped",
                entry.path().display()
            );
            continue;
        };
        students.push(Student {
            id,
            path: entry.path(),
        });
    }
    students.sort_by(|a, b| a.id.cmp(&b.id));
    // A folder and a zip of the same name would be the same student twice.
    students.dedup_by(|b, a| {
        let same = a.id == b.id;
        if same {
            eprintln!(
                "note: {} and {} are both {}: grading the first",
                a.path.display(),
                b.path.display(),
                a.id
            );
        }
        same
    });
    Ok(students)
}

/// A student's lab files, or `None` when there are none anywhere in it.
pub fn find_lab_files(kit: &Kit, path: &Path) -> anyhow::Result<Option<LabFiles>> {
    let label = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if path.is_dir() {
        let mut names = Vec::new();
        list_folder(path, "", 0, &mut names)?;
        search(kit, &Tree::Folder(path), &names, &label, 0)
    } else {
        search_zip(kit, path, &label, 0)
    }
}

/// Where the candidate names come from, to read the chosen ones.
enum Tree<'a> {
    Folder(&'a Path),
    Zip(&'a Archive),
}

impl Tree<'_> {
    fn read(&self, name: &str) -> anyhow::Result<Vec<u8>> {
        match self {
            Tree::Folder(root) => Ok(fs::read(root.join(name))?),
            Tree::Zip(archive) => archive.read(name),
        }
    }
}

fn search_zip(
    kit: &Kit,
    path: &Path,
    label: &str,
    depth: usize,
) -> anyhow::Result<Option<LabFiles>> {
    let archive = Archive::open(path)?;
    let names: Vec<String> = archive
        .names()
        .filter(|n| !n.ends_with('/'))
        .map(str::to_string)
        .collect();
    search(kit, &Tree::Zip(&archive), &names, label, depth)
}

/// Picks the folder that holds the lab files: one named `labs` if there is
/// one (a whole kit also has `solutions/`, with the same file names), else
/// the shallowest folder that has any of the kit's lab file names. Failing
/// that, looks inside the zips it holds (a repository download left zipped
/// in the student's folder).
fn search(
    kit: &Kit,
    tree: &Tree,
    names: &[String],
    label: &str,
    depth: usize,
) -> anyhow::Result<Option<LabFiles>> {
    let names: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| is_safe(n))
        .collect();
    let folders = names.iter().filter_map(|name| {
        let (folder, file) = name.rsplit_once('/').unwrap_or(("", name));
        kit.lab_of_file(file).map(|_| folder)
    });
    let best = folders.min_by_key(|folder| {
        let named_labs = *folder == "labs" || folder.ends_with("/labs");
        (
            !named_labs,
            folder.matches('/').count(),
            folder.len(),
            folder.to_string(),
        )
    });
    if let Some(folder) = best {
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        let recursive = folder == "labs" || folder.ends_with("/labs");
        let mut files = Vec::new();
        for name in &names {
            let Some(rel) = name.strip_prefix(&prefix) else {
                continue;
            };
            if !recursive && rel.contains('/') {
                continue;
            }
            let bytes = tree.read(name)?;
            if bytes.len() > MAX_FILE {
                eprintln!("note: {label}: {name} is over 1 MiB: left out");
                continue;
            }
            files.push((PathBuf::from(rel), bytes));
        }
        let found_in = if folder.is_empty() {
            label.to_string()
        } else {
            format!("{label}: {folder}")
        };
        return Ok(Some(LabFiles { files, found_in }));
    }
    if depth < 2 {
        for name in names.iter().filter(|n| n.ends_with(".zip")) {
            let inner = match tree {
                Tree::Folder(root) => {
                    search_zip(kit, &root.join(name), &format!("{label}/{name}"), depth + 1)
                }
                Tree::Zip(archive) => {
                    let archive = Archive::from_bytes(archive.read(name)?)?;
                    let inner: Vec<String> = archive
                        .names()
                        .filter(|n| !n.ends_with('/'))
                        .map(str::to_string)
                        .collect();
                    search(
                        kit,
                        &Tree::Zip(&archive),
                        &inner,
                        &format!("{label}: {name}"),
                        depth + 1,
                    )
                }
            };
            if let Some(found) = inner? {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// A relative path with no `..`, no root, and nothing from a Mac's resource
/// forks (`._lab1_server.rs`): safe to recreate under the scratch kit.
fn is_safe(name: &str) -> bool {
    Path::new(name)
        .components()
        .all(|c| matches!(c, Component::Normal(part) if !part.to_string_lossy().starts_with("._")))
        && !name.split('/').any(|part| SKIPPED.contains(&part))
}

/// The files under `dir`, as `/`-separated paths relative to the student's
/// folder, leaving out build outputs and version control.
fn list_folder(dir: &Path, rel: &str, depth: usize, out: &mut Vec<String>) -> anyhow::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("could not read {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        // Symbolic links are not followed: a student's link could point
        // anywhere on the instructor's computer.
        let kind = entry.file_type()?;
        if kind.is_dir() && !SKIPPED.contains(&name.as_str()) {
            list_folder(&entry.path(), &path, depth + 1, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}
