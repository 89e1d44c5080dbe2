//! Writing what the grader produces: a file and the folders it needs.

use std::fs;
use std::path::Path;

use anyhow::Context;

pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))
}
