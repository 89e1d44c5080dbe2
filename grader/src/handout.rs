//! `cargo grade --handout DIR`: the students' kit made from the
//! instructor's, in a folder of its own. Everything of the kit but what
//! `LEFT_OUT` names, the GitHub Classroom workflow added, and, with
//! `--offline`, the crates vendored (`vendor/`, and the lines that tell
//! cargo to take them from there); with `--zip`, also `DIR.zip` beside it.
//!
//! Running it again into the same folder makes the same handout: the
//! folder's old contents go (its `.git/` stays, so DIR may be a clone of
//! the assignment's template repository), and the vendoring starts from the
//! kit's own `.cargo/config.toml` with any earlier `[source]` lines taken
//! out. A folder that holds something else is refused, never emptied.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::lang::{Lang, Text, count};

/// What the instructor's kit has and a student's must not, by path from the
/// kit's root (a folder leaves out all it holds).
pub const LEFT_OUT: &[&str] = &[
    // The reference solutions.
    "solutions",
    // The maintainers' tool that writes labs/ from solutions/ (it needs
    // them); also taken out of the workspace's members.
    "dev",
    // The kit's own CI: its scripts, and its GitHub workflow, which needs
    // solutions/ and would fail in every student's repository.
    ".ci",
    ".github/workflows/ci.yml",
    // Crates vendored into the kit itself: --offline vendors them again.
    "vendor",
    // Build outputs and history.
    "target",
    ".git",
];

/// The workflow that grades a student's repository on every push (its
/// source lives in the grader, so the kit's own repository never runs it).
const CLASSROOM_WORKFLOW: &str = include_str!("../classroom.yml");
const CLASSROOM_PATH: &str = ".github/workflows/classroom.yml";

pub struct Options {
    pub offline: bool,
    pub zip: bool,
}

/// Makes the handout in `dir` from the kit at `kit`; what it did, to print.
pub fn make(kit: &Path, dir: &Path, options: &Options) -> anyhow::Result<Vec<Text>> {
    let kit = std::path::absolute(kit)?;
    let dir = std::path::absolute(dir)?;
    check_destination(&kit, &dir)?;
    let files = kit_files(&kit, &dir)?;
    clear(&dir)?;
    for rel in &files {
        let to = dir.join(rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(kit.join(rel), &to)
            .with_context(|| format!("could not copy {} to {}", rel.display(), to.display()))?;
    }
    let mut done = vec![text!(
        en: "copied {files} of the kit to {shown}, leaving out {left}",
        es: "se copiaron {archivos} del kit a {shown}, sin {left}",
        files = count(files.len(), "file", "files"),
        archivos = count(files.len(), "archivo", "archivos"),
        shown = dir.display(),
        left = LEFT_OUT.join(", "),
    )];
    let manifest =
        fs::read_to_string(dir.join("Cargo.toml")).context("the kit has no Cargo.toml")?;
    let trimmed = without_members(&manifest, LEFT_OUT);
    if trimmed != manifest {
        fs::write(dir.join("Cargo.toml"), trimmed)?;
        // The lock file still lists what the members left out needed:
        // cargo trims it (the versions of everything else stay).
        cargo(&dir, &["metadata", "--format-version", "1"])
            .context("could not bring Cargo.lock up to date")?;
        done.push(text!(
            en: "took the left-out folders out of Cargo.toml's workspace members",
            es: "se quitaron de los miembros del workspace en Cargo.toml las carpetas que no van",
        ));
    }
    let workflow = dir.join(CLASSROOM_PATH);
    fs::create_dir_all(workflow.parent().unwrap_or(&dir))?;
    fs::write(&workflow, CLASSROOM_WORKFLOW)?;
    done.push(text!(
        en: "added the GitHub Classroom workflow, {CLASSROOM_PATH}",
        es: "se agregó el workflow de GitHub Classroom, {CLASSROOM_PATH}",
    ));
    let config = dir.join(".cargo/config.toml");
    let settings = fs::read_to_string(&config).unwrap_or_default();
    let clean = without_sources(&settings);
    if clean != settings {
        fs::write(&config, &clean)?;
    }
    if options.offline {
        // Not --quiet: cargo 1.95 then leaves out the lines this needs.
        let lines = cargo(&dir, &["vendor", "--locked", "vendor"])
            .context("could not vendor the crates (cargo vendor)")?;
        if !lines.contains("[source.") {
            bail!("cargo vendor did not print the [source] lines that point cargo to vendor/");
        }
        fs::write(
            &config,
            format!("{}\n{VENDORED}\n{}", clean.trim_end(), lines.trim()) + "\n",
        )?;
        done.push(text!(
            en: "vendored the crates into vendor/ ({size} MB): students build with no network",
            es: "se copiaron los crates a vendor/ ({size} MB): los alumnos compilan sin red",
            size = tree_size(&dir.join("vendor")) >> 20,
        ));
    }
    if options.zip {
        let zip = zip_path(&dir);
        write_zip(&dir, &zip)?;
        done.push(text!(
            en: "zipped it into {shown}",
            es: "se comprimió en {shown}",
            shown = zip.display(),
        ));
    }
    Ok(done)
}

/// What `--offline` writes above the lines `cargo vendor` prints.
const VENDORED: &str = "\n# The crates the kit needs, vendored into vendor/ by `cargo grade --handout \
                        DIR --offline`:\n# cargo takes them from there, never from the network.";

/// DIR must not be the kit, hold it, or be a folder with other things in it.
fn check_destination(kit: &Path, dir: &Path) -> anyhow::Result<()> {
    if kit.starts_with(dir) {
        bail!(
            "{} is the kit or a folder that holds it: choose a new folder for the handout",
            dir.display()
        );
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".git")
        .collect();
    let is_handout = dir.join("Cargo.toml").is_file()
        && dir.join("labs").is_dir()
        && !dir.join("solutions").exists();
    if !names.is_empty() && !is_handout {
        bail!(
            "{} already holds files and is not a handout made earlier: choose a new folder \
             (nothing was changed)",
            dir.display()
        );
    }
    Ok(())
}

/// Empties `dir` (but its `.git/`), or makes it.
fn clear(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == ".git" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        }
        .with_context(|| format!("could not remove {}", path.display()))?;
    }
    Ok(())
}

/// The kit's files, relative to it, but what `LEFT_OUT` names: the files
/// git tracks in a checkout (so nothing an instructor keeps in it, like
/// students' hand-ins, comes along), else every file under it.
fn kit_files(kit: &Path, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let tracked = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(kit)
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success() && !out.stdout.is_empty());
    let mut files: Vec<PathBuf> = match tracked {
        Some(out) => String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .filter(|rel| kit.join(rel).is_file())
            .collect(),
        None => {
            let mut files = Vec::new();
            walk(kit, Path::new(""), dir, &mut files)?;
            files
        }
    };
    files.retain(|rel| !is_left_out(rel));
    files.sort();
    Ok(files)
}

fn walk(root: &Path, rel: &Path, skip: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let here = root.join(rel);
    for entry in
        fs::read_dir(&here).with_context(|| format!("could not read {}", here.display()))?
    {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if entry.path() == skip || is_left_out(&rel) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &rel, skip, out)?;
        } else if kind.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

fn is_left_out(rel: &Path) -> bool {
    LEFT_OUT.iter().any(|left| rel.starts_with(left))
}

/// The manifest with the left-out folders taken out of `[workspace]`'s
/// `members` and `default-members` (each a list of quoted paths, on one
/// line or several); the rest as it was, comments included.
fn without_members(manifest: &str, left_out: &[&str]) -> String {
    let mut out = String::new();
    let mut in_workspace = false;
    let mut in_list = false;
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && !in_list {
            in_workspace = trimmed == "[workspace]";
        }
        let starts_list = in_workspace
            && ["members", "default-members"].iter().any(|key| {
                trimmed
                    .strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            });
        if !(starts_list || in_list) {
            out.push_str(line);
            continue;
        }
        in_list = !trimmed.contains(']');
        let mut kept = line.to_string();
        for left in left_out {
            for form in [
                format!("\"{left}\", "),
                format!(", \"{left}\""),
                format!("\"{left}\","),
            ] {
                kept = kept.replace(&form, "");
            }
            kept = kept.replace(&format!("\"{left}\""), "");
        }
        if !kept.trim().is_empty() || line.trim().is_empty() {
            out.push_str(&kept);
        }
    }
    out
}

/// A cargo configuration without its `[source...]` tables (what an earlier
/// `cargo vendor` added), so that vendoring again starts clean.
fn without_sources(config: &str) -> String {
    let mut out = String::new();
    let mut in_source = false;
    for line in config.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_source = trimmed.starts_with("[source.") || trimmed == "[source]";
        }
        if !in_source && !VENDORED.lines().any(|v| !v.is_empty() && v == trimmed) {
            out.push_str(line);
        }
    }
    out.trim_end().to_string() + "\n"
}

/// `cargo ARGS` in `dir`; its stdout.
fn cargo(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.args(args).current_dir(dir);
    crate::sandbox::outer_cargo_env_removed(&mut command);
    let out = command.stderr(Stdio::piped()).output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tree_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(kind) if kind.is_dir() => tree_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// `DIR.zip`, beside DIR.
pub fn zip_path(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "handout".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!("{name}.zip"))
}

/// A zip of `dir`'s files under a folder of its name, as a repository
/// download is (its build outputs and history left out).
fn write_zip(dir: &Path, zip: &Path) -> anyhow::Result<()> {
    let top = dir
        .file_name()
        .map_or_else(|| "handout".into(), |n| n.to_string_lossy().into_owned());
    let mut files = Vec::new();
    walk(dir, Path::new(""), Path::new(""), &mut files)?;
    files.sort();
    let file =
        fs::File::create(zip).with_context(|| format!("could not write {}", zip.display()))?;
    let mut writer = zip::ZipWriter::new(file);
    for rel in files {
        let name = format!("{top}/{}", rel.to_string_lossy().replace('\\', "/"));
        let mut options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            options = options.unix_permissions(fs::metadata(dir.join(&rel))?.permissions().mode());
        }
        writer.start_file(name, options)?;
        writer.write_all(&fs::read(dir.join(&rel))?)?;
    }
    writer.finish()?;
    Ok(())
}

/// What `make` did, one line each, in `lang`.
pub fn summary(done: &[Text], lang: Lang) -> String {
    done.iter()
        .map(|t| format!("- {}\n", t.get(lang)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_out_members_leave_the_workspace_on_one_line_or_several() {
        let one = "[package]\nname = \"x\"\n\n[workspace]\nmembers = [\"grader\", \"dev\", \"tap\"]\n\
                   default-members = [\".\"]\n";
        assert_eq!(
            without_members(one, LEFT_OUT),
            "[package]\nname = \"x\"\n\n[workspace]\nmembers = [\"grader\", \"tap\"]\n\
             default-members = [\".\"]\n"
        );
        let first = "[workspace]\nmembers = [\"dev\", \"grader\"]\n";
        assert_eq!(
            without_members(first, LEFT_OUT),
            "[workspace]\nmembers = [\"grader\"]\n"
        );
        let several = "[workspace]\nmembers = [\n    \"grader\",\n    \"dev\",\n    \"tap\",\n]\n\
                       [dependencies]\ndev = \"1\"\n";
        assert_eq!(
            without_members(several, LEFT_OUT),
            "[workspace]\nmembers = [\n    \"grader\",\n    \"tap\",\n]\n[dependencies]\ndev = \"1\"\n"
        );
        let untouched = "[workspace]\nmembers = [\"grader\", \"tap\"]\n";
        assert_eq!(without_members(untouched, LEFT_OUT), untouched);
    }

    #[test]
    fn vendoring_again_starts_from_a_configuration_without_sources() {
        let config = format!(
            "[env]\nX = \"1\"\n{VENDORED}\n[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n\
             [source.vendored-sources]\ndirectory = \"vendor\"\n\n[alias]\ngrade = \"run\"\n"
        );
        assert_eq!(
            without_sources(&config),
            "[env]\nX = \"1\"\n\n[alias]\ngrade = \"run\"\n"
        );
    }
}
