//! The instructor's kit: which labs it has, which files make each lab, its
//! starters, and the manifest of "given" tests (those the untouched starters
//! already pass, which score nothing).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Where the manifest of given tests lives, relative to the kit.
pub const GIVEN_FILE: &str = "grader/given.txt";
/// The command that writes it again from what the starters pass.
pub const WRITE_GIVEN: &str = "cargo grade --write-given";

pub struct Kit {
    pub root: PathBuf,
    pub labs: Vec<Lab>,
    /// The files of the kit's own `labs/` folder (relative to it): the
    /// starters, which stand in for any lab file a student did not hand in.
    pub starters: Vec<(PathBuf, Vec<u8>)>,
    /// `(lab, test)` pairs from grader/given.txt; `None` without the file.
    pub given: Option<BTreeSet<(String, String)>>,
    /// The crates the labs may use: the `[dependencies]` of the kit's
    /// Cargo.toml (`tokio_util` for `tokio-util`, as code names it).
    pub dependencies: Vec<String>,
    /// The kit's own top-level folders but `labs/` (`labs-bare`, `tests`,
    /// `solutions`, ...): in a whole kit handed in, none is the student's work.
    pub folders: Vec<String>,
    /// The reference solutions (`solutions/lab1_server.rs`, ...) by the lab
    /// file they solve, when the kit has them (an instructor's kit does, a
    /// handout does not).
    pub solutions: Vec<(String, Vec<u8>)>,
}

pub struct Lab {
    /// `lab1`: the name of its test file (tests/lab1.rs) and of its CSV column.
    pub name: String,
    pub number: u32,
    /// The file names of its programs in `labs/` (`lab1_server.rs`, ...).
    pub files: Vec<String>,
    /// The first step of its walkthrough the starters ask for (the lowest
    /// `TODO (step N)`); `None` for starters without steps (labs-bare/).
    pub first_step: Option<u32>,
}

impl Kit {
    /// Finds the labs: one per tests/labN.rs, made of the labs/labN_*.rs files.
    pub fn open(root: &Path) -> anyhow::Result<Kit> {
        let root = std::path::absolute(root)?;
        if !root.is_dir() {
            bail!("no kit at {}", root.display());
        }
        let mut labs = Vec::new();
        for name in file_names(&root.join("tests"))? {
            let Some(number) = lab_number(&name, ".rs") else {
                continue;
            };
            let prefix = format!("lab{number}_");
            let files: Vec<String> = file_names(&root.join("labs"))?
                .into_iter()
                .filter(|f| f.starts_with(&prefix) && f.ends_with(".rs"))
                .collect();
            if files.is_empty() {
                bail!("tests/{name} has no programs in labs/ (no labs/{prefix}*.rs)");
            }
            let first_step = files
                .iter()
                .filter_map(|f| fs::read_to_string(root.join("labs").join(f)).ok())
                .filter_map(|text| lowest_step(&text))
                .min();
            labs.push(Lab {
                name: format!("lab{number}"),
                number,
                files,
                first_step,
            });
        }
        labs.sort_by_key(|lab| lab.number);
        if labs.is_empty() {
            bail!(
                "{} has no tests/labN.rs: is it a checkout of the kit?",
                root.display()
            );
        }
        let mut starters = Vec::new();
        read_tree(&root.join("labs"), Path::new(""), &mut starters)?;
        let given = read_given(&root.join(GIVEN_FILE))?;
        let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
        let mut folders = Vec::new();
        for entry in fs::read_dir(&root)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_dir() && name != "labs" {
                folders.push(name);
            }
        }
        let solutions = labs
            .iter()
            .flat_map(|lab| &lab.files)
            .filter_map(|f| Some((f.clone(), fs::read(root.join("solutions").join(f)).ok()?)))
            .collect();
        Ok(Kit {
            root,
            labs,
            starters,
            given,
            dependencies: dependencies(&manifest),
            folders,
            solutions,
        })
    }

    /// Whether `bytes` are the starter of the lab file `file` (line ends
    /// aside: a Windows editor may have written CRLF).
    pub fn is_starter(&self, file: &str, bytes: &[u8]) -> bool {
        let normal = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
        self.starters
            .iter()
            .any(|(rel, starter)| rel == Path::new(file) && normal(starter) == normal(bytes))
    }

    /// The lab a file of `labs/` belongs to (`lab2_server.rs` is lab 2's).
    pub fn lab_of_file(&self, file_name: &str) -> Option<&Lab> {
        self.labs
            .iter()
            .find(|lab| lab.files.iter().any(|f| f == file_name))
    }

    pub fn has_dependency(&self, name: &str) -> bool {
        self.dependencies.iter().any(|d| d == name)
    }

    pub fn is_given(&self, lab: &str, test: &str) -> bool {
        self.given
            .as_ref()
            .is_some_and(|given| given.contains(&(lab.to_string(), test.to_string())))
    }
}

/// The names under `[dependencies]` (`clap = ...`, `tokio.workspace = true`),
/// as code spells them.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.starts_with('#') {
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let name = key
                .split('.')
                .next()
                .unwrap_or(key)
                .trim()
                .trim_matches('"');
            if !name.is_empty() {
                names.push(name.replace('-', "_"));
            }
        }
    }
    names
}

/// The lowest `TODO (step N)` of a starter.
pub fn lowest_step(text: &str) -> Option<u32> {
    text.split("TODO (step ")
        .skip(1)
        .filter_map(|rest| rest.split(')').next()?.trim().parse().ok())
        .min()
}

/// `lab12` from `lab12.rs` (with suffix ".rs").
pub fn lab_number(name: &str, suffix: &str) -> Option<u32> {
    name.strip_prefix("lab")?.strip_suffix(suffix)?.parse().ok()
}

fn file_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Every file under `dir`, with its path relative to `dir`.
fn read_tree(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            read_tree(&entry.path(), &rel, out)?;
        } else {
            out.push((rel, fs::read(entry.path())?));
        }
    }
    Ok(())
}

/// One `labN test_name` pair a line; `#` starts a comment.
fn read_given(path: &Path) -> anyhow::Result<Option<BTreeSet<(String, String)>>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let mut given = BTreeSet::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(' ') {
            Some((lab, test)) => given.insert((lab.to_string(), test.trim().to_string())),
            None => bail!("{}: `{line}` is not `labN test_name`", path.display()),
        };
    }
    Ok(Some(given))
}

/// Writes the manifest: the tests the starters pass, lab by lab.
pub fn write_given(root: &Path, passed: &[(String, String)]) -> anyhow::Result<PathBuf> {
    let mut text = format!(
        "# The tests that the untouched starters in labs/ already pass (such as\n\
         # --help and --version): they check code the kit gave, so the\n\
         # grader scores them as \"given\" and they count for nothing.\n\
         # Written by `{WRITE_GIVEN}`;\n\
         # .ci/run checks that it matches what the starters pass.\n"
    );
    for (lab, test) in passed {
        text.push_str(&format!("{lab} {test}\n"));
    }
    let path = root.join(GIVEN_FILE);
    fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labs_dependencies_are_read_from_the_manifest() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nclap.workspace = true\n\
                        # a comment\ntokio-util = { workspace = true }\n\n[dev-dependencies]\nlibc = \"0.2\"\n";
        assert_eq!(dependencies(manifest), ["clap", "tokio_util"]);
    }
}
