//! Reads what a student handed in, a folder or an archive (.zip, .tar.gz,
//! .tgz, and archives inside those), as one list of entries: each file's
//! path, time and, for the files that may be lab code (`.rs`) or an archive
//! to look into, its bytes.
//!
//! Nothing is ever extracted by the name an entry claims: the caller picks
//! entries and decides where their bytes go. Build outputs and version
//! control (`target/`, `.git/`, `__MACOSX/`, ...) are never read. What is
//! read (lab code, archives inside) goes through a budget of bytes per
//! hand-in, and everything, a .tar.gz's skipped entries included (a
//! compressed stream must be read through), through a budget of time, so
//! that a zip bomb (entries that inflate to gigabytes, or all point at the
//! same data) stops early with a reason instead of filling the memory or
//! holding the class up, while a large `target/` costs nothing but the
//! seconds to inflate it. The `zip` crate reads the zip directory (zip64,
//! links, data descriptors); `tar` and `flate2` read .tar.gz.

use std::fs;
use std::io::{Cursor, Read, Seek};
use std::path::{Component, Path};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

use crate::lang::Text;

/// Larger `.rs` files are not lab code (generated data, a video renamed):
/// listed, never read.
pub const MAX_FILE: u64 = 1 << 20;
/// An archive inside a hand-in is read into memory up to this size.
const MAX_NESTED: u64 = 64 << 20;
/// The bytes of lab code and archives read for one hand-in.
const MAX_BYTES: u64 = 1 << 30;
/// The time one hand-in may take to read.
const MAX_TIME: Duration = Duration::from_secs(30);
/// How deep archives inside archives are opened.
const MAX_NESTING: usize = 2;
/// How deep folders are walked (`ana/a/b/c/labs`).
const MAX_DEPTH: usize = 8;
/// Folders never read: build outputs, version control, a Mac's resource forks.
pub const SKIPPED: &[&str] = &[
    "target",
    ".git",
    "node_modules",
    "__MACOSX",
    ".idea",
    ".vscode",
];

/// One file (or link) of a hand-in.
#[derive(Debug)]
pub struct Entry {
    /// Where it is, for the instructor: `ana.zip`, `ana/repo.zip`.
    pub source: String,
    /// Its `/`-separated path inside the source.
    pub path: String,
    /// Nanoseconds since 1970 (for a zip, its local time read as UTC, to
    /// the 2 s a zip keeps).
    pub modified: i64,
    pub size: u64,
    pub kind: Kind,
}

#[derive(Debug)]
pub enum Kind {
    /// Its bytes when it may be lab code and is small enough, else `None`.
    File(Option<Vec<u8>>),
    /// A symbolic link, never followed.
    Link,
}

/// The time and bytes left to read one hand-in.
pub struct Budget {
    deadline: Instant,
    bytes_left: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(MAX_TIME, MAX_BYTES)
    }
}

impl Budget {
    pub fn new(time: Duration, bytes: u64) -> Budget {
        Budget {
            deadline: Instant::now() + time,
            bytes_left: bytes,
        }
    }

    fn check_time(&self) -> std::io::Result<()> {
        if Instant::now() > self.deadline {
            return Err(std::io::Error::other(OverBudget(text!(
                en: "reading it took over {secs} s (a zip bomb?)",
                es: "leerla tardó más de {secs} s (¿una bomba zip?)",
                secs = MAX_TIME.as_secs(),
            ))));
        }
        Ok(())
    }

    fn spend(&mut self, bytes: u64) -> std::io::Result<()> {
        self.check_time()?;
        match self.bytes_left.checked_sub(bytes) {
            Some(left) => self.bytes_left = left,
            None => {
                return Err(std::io::Error::other(OverBudget(text!(
                    en: "it unpacks to over {gib} GiB of lab code and archives (a zip bomb?)",
                    es: "descomprimida pasa de {gib} GiB de código de los labs y archivos comprimidos (¿una bomba zip?)",
                    gib = MAX_BYTES >> 30,
                ))));
            }
        }
        Ok(())
    }
}

/// Why a hand-in's reading stopped (its time or bytes ran out), in both
/// languages.
#[derive(Debug)]
pub struct OverBudget(pub Text);

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.en)
    }
}

impl std::error::Error for OverBudget {}

/// The budget that ran out, if that is why `error` happened.
pub fn over_budget(error: &anyhow::Error) -> Option<&Text> {
    error.chain().find_map(|cause| {
        let io = cause.downcast_ref::<std::io::Error>()?;
        Some(&io.get_ref()?.downcast_ref::<OverBudget>()?.0)
    })
}

/// A reader that checks the time on every read: a .tar.gz's stream, read
/// through its skipped entries too.
struct Timed<'a, R> {
    inner: R,
    budget: &'a Budget,
}

impl<R: Read> Read for Timed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.budget.check_time()?;
        self.inner.read(buf)
    }
}

/// A reader that spends the budget on every byte it gives.
struct Metered<'a, R> {
    inner: R,
    budget: &'a mut Budget,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.spend(n as u64)?;
        Ok(n)
    }
}

/// The kinds of archive read, by how a name ends (any case).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Zip,
    TarGz,
}

impl Format {
    pub fn of(name: &str) -> Option<Format> {
        let lower = name.to_lowercase();
        if lower.ends_with(".zip") {
            Some(Format::Zip)
        } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            Some(Format::TarGz)
        } else {
            None
        }
    }

    /// `ana` from `ana.zip`, `ana.TAR.GZ`, `ana.tgz`.
    pub fn strip(name: &str) -> Option<&str> {
        let lower = name.to_lowercase();
        [".tar.gz", ".tgz", ".zip"]
            .iter()
            .find(|ext| lower.ends_with(*ext))
            .map(|ext| &name[..name.len() - ext.len()])
    }
}

/// Whether a name may be lab code or an archive to look into: read it.
fn wanted(path: &str) -> bool {
    path.to_lowercase().ends_with(".rs") || Format::of(path).is_some()
}

fn limit_for(path: &str) -> u64 {
    if Format::of(path).is_some() {
        MAX_NESTED
    } else {
        MAX_FILE
    }
}

/// A path inside a hand-in that can be recreated safely and is worth
/// reading: relative, no `..`, nothing under a skipped folder, no Mac
/// resource fork (`._lab1_server.rs`).
pub fn is_readable_path(path: &str) -> bool {
    let ok = Path::new(path).components().all(|c| {
        matches!(c, Component::Normal(part)
            if !part.to_string_lossy().starts_with("._")
                && !SKIPPED.contains(&part.to_string_lossy().as_ref()))
    });
    ok && !path.is_empty()
}

/// Every entry of a folder or an archive, archives inside it included.
pub fn read_hand_in(path: &Path, label: &str, budget: &mut Budget) -> anyhow::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    if path.is_dir() {
        walk(path, "", label, 0, budget, &mut entries)?;
    } else {
        let format = Format::of(&path.to_string_lossy())
            .with_context(|| format!("{label} is not an archive the grader reads"))?;
        let file = fs::File::open(path).with_context(|| format!("could not read {label}"))?;
        read_archive(file, format, label, budget, &mut entries)
            .with_context(|| format!("could not unpack {label}"))?;
    }
    open_nested(&mut entries, budget, 1)?;
    Ok(entries)
}

/// Opens the archives among `entries` (and those inside them, to
/// `MAX_NESTING`), adding their entries after the others.
fn open_nested(entries: &mut Vec<Entry>, budget: &mut Budget, depth: usize) -> anyhow::Result<()> {
    if depth > MAX_NESTING {
        return Ok(());
    }
    let mut inner = Vec::new();
    for entry in entries.iter() {
        let (Some(format), Kind::File(Some(bytes))) = (Format::of(&entry.path), &entry.kind) else {
            continue;
        };
        let sep = if entry.source.contains(':') { " " } else { "/" };
        let label = format!("{}{sep}{}", entry.source, entry.path);
        let mut found = Vec::new();
        // A damaged archive inside a hand-in is just not looked into.
        if read_archive(
            Cursor::new(bytes.as_slice()),
            format,
            &label,
            budget,
            &mut found,
        )
        .is_ok()
        {
            inner.extend(found);
        }
    }
    open_nested(&mut inner, budget, depth + 1)?;
    entries.extend(inner);
    Ok(())
}

fn read_archive<R: Read + Seek>(
    reader: R,
    format: Format,
    label: &str,
    budget: &mut Budget,
    out: &mut Vec<Entry>,
) -> anyhow::Result<()> {
    match format {
        Format::Zip => read_zip(reader, label, budget, out),
        Format::TarGz => read_tar_gz(reader, label, budget, out),
    }
}

fn read_zip<R: Read + Seek>(
    reader: R,
    label: &str,
    budget: &mut Budget,
    out: &mut Vec<Entry>,
) -> anyhow::Result<()> {
    let mut zip = zip::ZipArchive::new(reader).context("not a zip file")?;
    for index in 0..zip.len() {
        let mut file = zip.by_index(index)?;
        // Names with `..` or a root, or with backslashes as a Windows tool
        // writes them: only the safe ones, with `/`.
        let Some(name) = file.enclosed_name() else {
            continue;
        };
        let path = name.to_string_lossy().replace('\\', "/");
        if file.is_dir() || !is_readable_path(&path) {
            continue;
        }
        let modified = file.last_modified().map_or(0, |t| {
            civil_to_unix(
                t.year().into(),
                t.month().into(),
                t.day().into(),
                t.hour().into(),
                t.minute().into(),
                t.second().into(),
            ) * 1_000_000_000
        });
        let size = file.size();
        let kind = if file.is_symlink() {
            Kind::Link
        } else if wanted(&path) && size <= limit_for(&path) {
            Kind::File(Some(read_capped(&mut file, limit_for(&path), budget)?))
        } else {
            Kind::File(None)
        };
        out.push(Entry {
            source: label.to_string(),
            path,
            modified,
            size,
            kind,
        });
    }
    Ok(())
}

fn read_tar_gz<R: Read>(
    reader: R,
    label: &str,
    budget: &mut Budget,
    out: &mut Vec<Entry>,
) -> anyhow::Result<()> {
    let deadline = Budget {
        deadline: budget.deadline,
        bytes_left: 0,
    };
    let timed = Timed {
        inner: flate2::read::GzDecoder::new(reader),
        budget: &deadline,
    };
    let mut archive = tar::Archive::new(timed);
    for entry in archive.entries().context("not a .tar.gz file")? {
        let mut entry = entry?;
        let header = entry.header();
        let kind = header.entry_type();
        let Ok(path) = entry.path() else {
            continue;
        };
        let path = path.to_string_lossy().trim_start_matches("./").to_string();
        if !(kind.is_file() || kind.is_symlink()) || !is_readable_path(&path) {
            continue;
        }
        let modified = (header.mtime().unwrap_or(0) as i64).saturating_mul(1_000_000_000);
        let size = header.size().unwrap_or(0);
        let kind = if kind.is_symlink() {
            Kind::Link
        } else if wanted(&path) && size <= limit_for(&path) {
            Kind::File(Some(read_capped(&mut entry, limit_for(&path), budget)?))
        } else {
            Kind::File(None)
        };
        out.push(Entry {
            source: label.to_string(),
            path,
            modified,
            size,
            kind,
        });
    }
    Ok(())
}

/// An entry's bytes, never more than `limit` (a size its header may lie about).
fn read_capped(reader: &mut impl Read, limit: u64, budget: &mut Budget) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    Metered {
        inner: reader.take(limit + 1),
        budget,
    }
    .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        bail!("an entry is larger than its header says");
    }
    Ok(bytes)
}

/// A folder's files, as `/`-separated paths; links are listed, not followed.
fn walk(
    dir: &Path,
    rel: &str,
    label: &str,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<Entry>,
) -> anyhow::Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut items: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("could not read {label}/{rel}"))?
        .collect::<Result<_, _>>()?;
    items.sort_by_key(|e| e.file_name());
    for item in items {
        let name = item.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if !is_readable_path(&path) {
            continue;
        }
        let kind = item.file_type()?;
        if kind.is_dir() {
            walk(&item.path(), &path, label, depth + 1, budget, out)?;
            continue;
        }
        let meta = fs::symlink_metadata(item.path())?;
        let modified = meta
            .modified()
            .unwrap_or(SystemTime::UNIX_EPOCH)
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        let entry_kind = if kind.is_symlink() {
            Kind::Link
        } else if !kind.is_file() {
            continue;
        } else if wanted(&path) && meta.len() <= limit_for(&path) {
            let mut file = fs::File::open(item.path())?;
            Kind::File(Some(read_capped(&mut file, limit_for(&path), budget)?))
        } else {
            Kind::File(None)
        };
        out.push(Entry {
            source: label.to_string(),
            path,
            modified,
            size: meta.len(),
            kind: entry_kind,
        });
    }
    Ok(())
}

/// Seconds since 1970 of a calendar date and time (proleptic Gregorian).
fn civil_to_unix(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hour * 3600 + minute * 60 + second
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn read(bytes: Vec<u8>, format: Format) -> anyhow::Result<Vec<Entry>> {
        let mut out = Vec::new();
        let mut budget = Budget::default();
        read_archive(Cursor::new(bytes), format, "ana.zip", &mut budget, &mut out)?;
        Ok(out)
    }

    fn content(entry: &Entry) -> Option<&[u8]> {
        match &entry.kind {
            Kind::File(Some(bytes)) => Some(bytes),
            _ => None,
        }
    }

    #[test]
    fn a_zip_gives_its_lab_files_and_leaves_out_build_outputs() {
        let zip = zip_of(&[
            ("repo-main/labs/lab1_server.rs", b"fn main() {}\n"),
            ("repo-main/target/debug/big.rs", b"junk"),
            ("repo-main/__MACOSX/labs/._lab1_server.rs", b"fork"),
            ("repo-main/README.md", b"# hi"),
        ]);
        let entries = read(zip, Format::Zip).unwrap();
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["repo-main/labs/lab1_server.rs", "repo-main/README.md"]
        );
        assert_eq!(content(&entries[0]), Some(&b"fn main() {}\n"[..]));
        assert!(content(&entries[1]).is_none(), "only .rs files are read");
    }

    #[test]
    fn a_zip_entry_that_climbs_out_is_left_out() {
        let zip = zip_of(&[
            ("../../etc/lab1_server.rs", b"x"),
            ("labs/lab1_server.rs", b"y"),
        ]);
        let entries = read(zip, Format::Zip).unwrap();
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["labs/lab1_server.rs"]);
    }

    #[test]
    fn a_zip_written_with_windows_separators_is_read_with_slashes() {
        let zip = zip_of(&[
            ("kit\\labs\\lab1_server.rs", b"x"),
            ("..\\..\\evil.rs", b"y"),
        ]);
        let entries = read(zip, Format::Zip).unwrap();
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["kit/labs/lab1_server.rs"]);
    }

    #[test]
    fn a_large_lab_file_is_listed_but_not_read() {
        let big = vec![b'/'; (MAX_FILE + 10) as usize];
        let entries = read(zip_of(&[("labs/lab1_server.rs", &big)]), Format::Zip).unwrap();
        assert_eq!(entries[0].size, MAX_FILE + 10);
        assert!(content(&entries[0]).is_none());
    }

    #[test]
    fn a_tar_gz_is_read_like_a_zip() {
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        header.set_mtime(1_700_000_000);
        header.set_mode(0o644);
        tar.append_data(&mut header, "kit/labs/lab1_client.rs", &b"hola\n"[..])
            .unwrap();
        let bytes = tar.into_inner().unwrap().finish().unwrap();
        let entries = read(bytes, Format::TarGz).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].path, "kit/labs/lab1_client.rs");
        assert_eq!(entries[0].modified, 1_700_000_000 * 1_000_000_000);
        assert_eq!(content(&entries[0]), Some(&b"hola\n"[..]));
    }

    #[test]
    fn archive_names_are_known_whatever_their_case() {
        assert_eq!(Format::strip("Ana.ZIP"), Some("Ana"));
        assert_eq!(Format::strip("beto.tar.gz"), Some("beto"));
        assert_eq!(Format::strip("carla.TGZ"), Some("carla"));
        assert_eq!(Format::strip("dani.rar"), None);
        assert_eq!(Format::of("x/Repo.Zip"), Some(Format::Zip));
    }

    #[test]
    fn unpacking_stops_when_the_budget_is_spent() {
        // A stream of zeros that inflates far past the budget.
        let zeros = vec![0u8; 4 << 20];
        let zip = zip_of(&[("labs/a.zip", &zeros)]);
        let mut out = Vec::new();
        let mut budget = Budget::new(Duration::from_secs(30), 1 << 20);
        let err = read_archive(
            Cursor::new(zip),
            Format::Zip,
            "bomb.zip",
            &mut budget,
            &mut out,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("zip bomb"), "{err:#}");
    }

    #[test]
    fn a_zip_time_is_read_as_seconds_since_1970() {
        assert_eq!(civil_to_unix(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(civil_to_unix(2024, 3, 1, 12, 0, 0), 1_709_294_400);
    }
}
