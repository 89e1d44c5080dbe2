//! `dev`: the kit maintainers' tool (`cargo dev`, .cargo/config.toml).
//!
//!     cargo dev starters            # write labs/ from solutions/
//!     cargo dev starters --check    # fail if labs/ is not what it writes (CI)
//!
//! `solutions/labN_*.rs` is the one source of each lab program: the student's
//! part is marked in it (starter.rs says how), and the starter in `labs/` is
//! written from it, never by hand. It needs `solutions/`, so it is not part
//! of the kit an instructor hands out.

mod starter;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

/// The kit maintainers' tool.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Write every starter in labs/ from its solution in solutions/
    Starters {
        /// Write nothing: fail if a starter is not what would be written
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let kit = kit_root();
    match args.command {
        Task::Starters { check } => starters(&kit, check),
    }
}

/// The kit: the workspace this package (dev/) belongs to.
fn kit_root() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    package.parent().unwrap_or(package).to_path_buf()
}

/// Writes (or, with `check`, compares) the starter of every solution.
fn starters(kit: &Path, check: bool) -> anyhow::Result<()> {
    let solutions = kit.join("solutions");
    if !solutions.is_dir() {
        bail!(
            "{} is missing: this is a kit handed out without the solutions, and the starters \
             are written from them",
            solutions.display()
        );
    }
    let mut names: Vec<String> = fs::read_dir(&solutions)
        .with_context(|| format!("could not list {}", solutions.display()))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("lab") && name.ends_with(".rs"))
        .collect();
    names.sort();
    let mut stale = Vec::new();
    for name in &names {
        let lab = lab_of(name).with_context(|| format!("{name}: no lab number in its name"))?;
        let path = solutions.join(name);
        let solution = fs::read_to_string(&path)
            .with_context(|| format!("could not read {}", path.display()))?;
        let written = starter::starter_of(&solution, lab)
            .map_err(|problem| anyhow::anyhow!("solutions/{name}, {problem}"))?;
        let written = rustfmt(&written).with_context(|| format!("labs/{name}"))?;
        let target = kit.join("labs").join(name);
        let current = fs::read_to_string(&target).unwrap_or_default();
        if current == written {
            continue;
        }
        if check {
            stale.push(format!("labs/{name}"));
        } else {
            fs::write(&target, written)
                .with_context(|| format!("could not write {}", target.display()))?;
            println!("wrote labs/{name}");
        }
    }
    if !stale.is_empty() {
        bail!(
            "not what `cargo dev starters` writes from solutions/: {}. Run it, and commit what \
             it writes (edit the solution, never the starter)",
            stale.join(", ")
        );
    }
    if check {
        println!(
            "ok: the {} starters in labs/ are written from solutions/",
            names.len()
        );
    }
    Ok(())
}

/// `lab3_client.rs` -> 3.
fn lab_of(name: &str) -> Option<u32> {
    name.strip_prefix("lab")?.split('_').next()?.parse().ok()
}

/// The text as rustfmt formats it, as the kit's `cargo fmt` does.
fn rustfmt(text: &str) -> anyhow::Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start rustfmt (rustup component add rustfmt)")?;
    child
        .stdin
        .take()
        .context("rustfmt's stdin")?
        .write_all(text.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "rustfmt could not format the starter:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}
