//! Reads the .zip files students hand in (a repository download, or a
//! folder zipped by hand): the list of entries, and one entry's bytes.
//!
//! Only what such zips use: entries stored or compressed with deflate, no
//! encryption, no zip64 (archives over 4 GiB). Nothing is ever extracted
//! by the name an entry claims: the caller picks entries and decides where
//! their bytes go. miniz_oxide does the inflating; the directory is read
//! here (the `zip` crate would bring a dozen crates into every student's
//! build of the kit).

use std::path::Path;

use anyhow::{Context, bail, ensure};

/// Larger than any kit a student could hand in; stops a zip bomb early.
const MAX_ARCHIVE: u64 = 256 << 20;
const MAX_ENTRY: usize = 64 << 20;

pub struct Archive {
    data: Vec<u8>,
    entries: Vec<Entry>,
}

struct Entry {
    name: String,
    method: u16,
    crc: u32,
    compressed: usize,
    size: usize,
    local_header: usize,
}

impl Archive {
    pub fn open(path: &Path) -> anyhow::Result<Archive> {
        let len = std::fs::metadata(path)
            .with_context(|| format!("could not read {}", path.display()))?
            .len();
        ensure!(
            len <= MAX_ARCHIVE,
            "{} is larger than 256 MiB",
            path.display()
        );
        let data =
            std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
        Archive::from_bytes(data).with_context(|| format!("could not unpack {}", path.display()))
    }

    pub fn from_bytes(data: Vec<u8>) -> anyhow::Result<Archive> {
        let end = find_end_of_directory(&data).context("not a zip file")?;
        let count = u16_at(&data, end + 10)? as usize;
        let mut at = u32_at(&data, end + 16)? as usize;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            ensure!(u32_at(&data, at)? == 0x0201_4b50, "damaged zip directory");
            let flags = u16_at(&data, at + 8)?;
            let name_len = u16_at(&data, at + 28)? as usize;
            let extra_len = u16_at(&data, at + 30)? as usize;
            let comment_len = u16_at(&data, at + 32)? as usize;
            let name = data
                .get(at + 46..at + 46 + name_len)
                .context("damaged zip directory")?;
            let entry = Entry {
                name: String::from_utf8_lossy(name).replace('\\', "/"),
                method: u16_at(&data, at + 10)?,
                crc: u32_at(&data, at + 16)?,
                compressed: u32_at(&data, at + 20)? as usize,
                size: u32_at(&data, at + 24)? as usize,
                local_header: u32_at(&data, at + 42)? as usize,
            };
            ensure!(flags & 1 == 0, "{} is encrypted", entry.name);
            ensure!(
                entry.compressed != u32::MAX as usize && entry.local_header != u32::MAX as usize,
                "zip64 archives are not supported"
            );
            entries.push(entry);
            at += 46 + name_len + extra_len + comment_len;
        }
        Ok(Archive { data, entries })
    }

    /// The names of the entries (folders end with `/`), as stored.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    pub fn read(&self, name: &str) -> anyhow::Result<Vec<u8>> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name == name)
            .with_context(|| format!("no {name} in the zip"))?;
        let at = entry.local_header;
        ensure!(
            u32_at(&self.data, at)? == 0x0403_4b50,
            "damaged entry {name}"
        );
        let start =
            at + 30 + u16_at(&self.data, at + 26)? as usize + u16_at(&self.data, at + 28)? as usize;
        let raw = self
            .data
            .get(start..start + entry.compressed)
            .with_context(|| format!("damaged entry {name}"))?;
        ensure!(entry.size <= MAX_ENTRY, "{name} is larger than 64 MiB");
        let bytes = match entry.method {
            0 => raw.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, entry.size)
                .map_err(|e| anyhow::anyhow!("could not inflate {name}: {e}"))?,
            other => bail!("{name} uses compression method {other}; only deflate is supported"),
        };
        ensure!(
            bytes.len() == entry.size && crc32(&bytes) == entry.crc,
            "{name} is damaged (its checksum does not match)"
        );
        Ok(bytes)
    }
}

/// The "end of central directory" record: the last 22 bytes, or earlier
/// when the archive has a comment (at most 65,535 bytes long).
fn find_end_of_directory(data: &[u8]) -> Option<usize> {
    let last = data.len().checked_sub(22)?;
    let first = last.saturating_sub(u16::MAX as usize);
    (first..=last)
        .rev()
        .find(|&at| data[at..at + 4] == [0x50, 0x4b, 0x05, 0x06])
}

fn u16_at(data: &[u8], at: usize) -> anyhow::Result<u16> {
    let bytes = data.get(at..at + 2).context("damaged zip file")?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn u32_at(data: &[u8], at: usize) -> anyhow::Result<u32> {
    let bytes = data.get(at..at + 4).context("damaged zip file")?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// The CRC-32 that zip stores for every entry (IEEE polynomial, bit by bit:
/// lab files are small).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
