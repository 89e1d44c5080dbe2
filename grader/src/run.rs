//! Builds and runs a student's labs on a scratch copy of the kit: one
//! "slot" per job, each with its own copy and its own target folder, so
//! concurrent builds never wait for each other's lock and a slot's next
//! student rebuilds only the lab files that changed.
//!
//! This is the code that runs students' programs: `cargo build` compiles
//! them and each lab's test binary starts them, inside the sandbox
//! (sandbox.rs) when there is one. The slot's copy of the kit is made equal
//! to the instructor's kit for every student and checked before every lab
//! (its files, and the programs and test binaries the build made), so that
//! what one lab's programs changed is undone before the next lab is graded.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::kit::Kit;
use crate::lang::{LANG_VAR, Lang};
use crate::limits::{Hit, Limits};
use crate::procs::{self, Output};
use crate::sandbox::Sandbox;

/// A scratch kit and its target folder, locked for one grader at a time.
pub struct Slot {
    /// The scratch copy of the kit, where cargo runs.
    pub kit: PathBuf,
    target: PathBuf,
    /// Held while the slot is in use; the lock goes when the file closes.
    _lock: File,
}

/// Names under the kit root that are never copied into a slot.
const NOT_COPIED: &[&str] = &["labs", "target", ".git", "solutions"];

/// A build takes seconds; this only stops one that never ends.
const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// How many tests run at once in a lab's test binary: what the kit's
/// .cargo/config.toml sets for `cargo test` (its [env] RUST_TEST_THREADS),
/// which a test binary run by itself does not read (nor its
/// SOCKETS_LAB_LANG: the grader sets that one to the language it writes in).
pub const TEST_THREADS: &str = "32";

impl Slot {
    /// The first free slot under `scratch` (slot-1, slot-2, ...): another
    /// grader running at the same time takes other slots.
    pub fn take(scratch: &Path) -> anyhow::Result<Slot> {
        for n in 1.. {
            let dir = scratch.join(format!("slot-{n}"));
            fs::create_dir_all(&dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
            let lock = File::create(dir.join("lock"))?;
            match lock.try_lock() {
                Ok(()) => {
                    return Ok(Slot {
                        kit: dir.join("kit"),
                        target: dir.join("target"),
                        _lock: lock,
                    });
                }
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("could not lock {}", dir.display()));
                }
            }
        }
        unreachable!("slot numbers run out")
    }

    pub fn target_dir(&self) -> &Path {
        &self.target
    }

    pub fn has_target(&self) -> bool {
        self.target.join("debug").is_dir()
    }

    /// Starts this slot's target folder from a copy of `other`'s, so the
    /// dependencies (clap, tokio, ...) are compiled once, not once a slot.
    ///
    /// Cargo's hashes of the kit's own programs do not depend on where the
    /// kit is, so the copy also brings `other`'s builds of them; cargo
    /// tells them stale only by their files being newer. This slot's copy
    /// of the kit is removed, so that every file of it is written after the
    /// copied builds.
    pub fn seed_target_from(&self, other: &Slot) -> anyhow::Result<()> {
        if self.kit.exists() {
            remove(&self.kit)?;
        }
        mirror(&other.target, &self.target, &[], &[])?;
        Ok(())
    }

    /// Makes the slot's copy of the kit equal to the kit, except `labs/`
    /// (the student's) and what is never copied. Unchanged files are not
    /// rewritten, so cargo does not rebuild what they feed. True when
    /// something had to be written or removed.
    pub fn copy_kit(&self, kit: &Kit, also_skip: &[PathBuf]) -> anyhow::Result<bool> {
        fs::create_dir_all(&self.kit)?;
        mirror(&kit.root, &self.kit, NOT_COPIED, also_skip)
    }

    /// Makes the slot's `labs/` hold exactly `files`; true when something
    /// had to be written or removed.
    pub fn put_labs(&self, files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<bool> {
        let labs = self.kit.join("labs");
        let mut wanted: BTreeMap<PathBuf, &[u8]> = BTreeMap::new();
        for (rel, bytes) in files {
            wanted.insert(labs.join(rel), bytes);
        }
        let mut changed = remove_unwanted(&labs, &wanted)?;
        for (path, bytes) in wanted {
            changed |= write_if_changed(&path, bytes)?;
        }
        Ok(changed)
    }

    /// The paths of a file of the slot's build as the sandbox sees it,
    /// and as the grader does.
    fn outside(&self, sandbox: &Sandbox, inside: &Path) -> PathBuf {
        match inside.strip_prefix(sandbox.target_seen(&self.target)) {
            Ok(rel) => self.target.join(rel),
            Err(_) => inside.to_path_buf(),
        }
    }

    /// `cargo build --bins --tests`, going on past a program that does not
    /// compile, to learn which ones do not; under `limits`' build caps.
    pub fn build(&self, sandbox: &Sandbox, limits: &Limits) -> anyhow::Result<Build> {
        self.cargo_build(sandbox, limits, &[])
    }

    /// `build`, one compiler at a time: after a build hit a limit, so that
    /// the kernel can stop only the compiler that took too much, not one
    /// that ran beside it.
    pub fn build_one_at_a_time(&self, sandbox: &Sandbox, limits: &Limits) -> anyhow::Result<Build> {
        self.cargo_build(sandbox, limits, &["--jobs", "1"])
    }

    fn cargo_build(
        &self,
        sandbox: &Sandbox,
        limits: &Limits,
        extra: &[&str],
    ) -> anyhow::Result<Build> {
        fs::create_dir_all(&self.target)?;
        let mut args = vec![
            "build",
            "--frozen",
            "--bins",
            "--tests",
            "--keep-going",
            "--message-format=json",
        ];
        args.extend_from_slice(extra);
        let mut command = sandbox.cargo(&self.kit, &self.target, &args, limits, &limits.build);
        let out = procs::run_with_limit(&mut command, BUILD_LIMIT, limits, &limits.build)?;
        if out.timed_out {
            bail!(
                "the build did not finish within {} s",
                BUILD_LIMIT.as_secs()
            );
        }
        let mut build = Build::read(&out.stdout, out.success, out.stderr);
        build.limit = out.limits.first().copied().filter(|_| !out.success);
        build.fingerprint = build
            .executables
            .iter()
            .map(|exe| {
                let path = self.outside(sandbox, exe);
                (fingerprint(&path), path)
            })
            .collect();
        Ok(build)
    }

    /// Whether the programs and test binaries of `build` are still the
    /// ones it made: a program run by an earlier lab's tests may have
    /// changed them (without a sandbox; with one, they are read-only).
    pub fn build_is_intact(&self, build: &Build) -> bool {
        build
            .fingerprint
            .iter()
            .all(|(print, path)| *print == fingerprint(path))
    }

    /// Removes what `build` made that is no longer what it made, so that
    /// the next build makes it again.
    pub fn remove_changed(&self, build: &Build) -> anyhow::Result<()> {
        for (print, path) in &build.fingerprint {
            if *print != fingerprint(path) && path.exists() {
                remove(path)?;
            }
        }
        Ok(())
    }

    /// One lab's test binary, run as `cargo test --no-fail-fast --test LAB`
    /// runs it (or only its test named `only`), killed (with every program
    /// it started) at `limit`, under `limits`' caps for tests; its failure
    /// messages in `lang`.
    pub fn test(
        &self,
        sandbox: &Sandbox,
        executable: &Path,
        only: Option<&str>,
        limit: Duration,
        lang: Lang,
        limits: &Limits,
    ) -> anyhow::Result<Output> {
        let mut args = vec!["--format", "pretty"];
        if let Some(name) = only {
            args.extend(["--exact", name]);
        }
        let mut command = sandbox.test(
            &self.kit,
            &self.target,
            executable,
            &args,
            limits,
            &limits.tests,
        );
        command
            .env("RUST_TEST_THREADS", TEST_THREADS)
            .env(LANG_VAR, lang.code());
        procs::run_with_limit(&mut command, limit, limits, &limits.tests)
    }

    /// The names of a test file's tests, asked of its executable.
    pub fn list_tests(
        &self,
        sandbox: &Sandbox,
        executable: &Path,
        limits: &Limits,
    ) -> anyhow::Result<Vec<String>> {
        let mut command = sandbox.test(
            &self.kit,
            &self.target,
            executable,
            &["--list", "--format", "terse"],
            limits,
            &limits.tests,
        );
        let out =
            procs::run_with_limit(&mut command, Duration::from_secs(60), limits, &limits.tests)?;
        if !out.success {
            bail!("{} --list failed: {}", executable.display(), out.stderr);
        }
        Ok(crate::libtest::parse_list(&out.stdout))
    }
}

type Fingerprint = (u64, i64, u64, i64);

/// What identifies a file's content without reading it: its size and its
/// change time (which a program cannot set back), inode and modification
/// time; `None` when it is gone.
fn fingerprint(path: &Path) -> Option<Fingerprint> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.len(), meta.ctime(), meta.ino(), meta.mtime_nsec()))
    }
    #[cfg(not(unix))]
    {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        Some((meta.len(), modified, 0, 0))
    }
}

/// What `cargo build` said.
#[derive(Default)]
pub struct Build {
    pub success: bool,
    /// The compiler's errors, by the source file of the program they broke
    /// (`.../labs/lab2_server.rs`, as cargo spells it).
    pub errors: BTreeMap<PathBuf, Vec<String>>,
    /// Each test file's executable, by name (`lab1`), as the sandbox sees it.
    pub test_executables: BTreeMap<String, PathBuf>,
    /// Every program and test binary the build made.
    pub executables: Vec<PathBuf>,
    fingerprint: Vec<(Option<Fingerprint>, PathBuf)>,
    pub stderr: String,
    /// The limit the build hit, when it failed.
    pub limit: Option<Hit>,
}

/// One of cargo's `--message-format=json` messages, the parts read here.
#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    message: Option<Diagnostic>,
    #[serde(default)]
    executable: Option<PathBuf>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
    src_path: PathBuf,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    rendered: Option<String>,
}

impl Build {
    /// The programs (`lab1_server`) whose compiler a signal stopped, as
    /// cargo reports them on stderr: `error: could not compile `KIT` (bin
    /// "lab1_server")`, then `Caused by: process didn't exit successfully:
    /// ... (signal: 9, SIGKILL: kill)`.
    pub fn stopped_programs(&self) -> Vec<String> {
        let mut stopped = Vec::new();
        let mut program = None;
        for line in self.stderr.lines() {
            if line.starts_with("error: could not compile") {
                program = line
                    .split_once("(bin \"")
                    .and_then(|(_, rest)| rest.split_once('"'))
                    .map(|(name, _)| name.to_string());
            } else if line.contains("(signal: ") {
                stopped.extend(program.take());
            }
        }
        stopped
    }

    /// Reads cargo's messages: one JSON object a line (cargo's own notes,
    /// on stderr, are not JSON).
    pub fn read(stdout: &str, success: bool, stderr: String) -> Build {
        let mut build = Build {
            success,
            stderr,
            ..Build::default()
        };
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<Message>(line) else {
                continue;
            };
            let Some(target) = message.target else {
                continue;
            };
            match message.reason.as_str() {
                "compiler-message" => {
                    let Some(diagnostic) = message.message else {
                        continue;
                    };
                    let Some(text) = diagnostic.rendered.filter(|_| diagnostic.level == "error")
                    else {
                        continue;
                    };
                    // rustc's closing count adds nothing to the errors it follows.
                    if text.starts_with("error: aborting due to") {
                        continue;
                    }
                    build
                        .errors
                        .entry(target.src_path)
                        .or_default()
                        .push(text.trim_end().to_string());
                }
                "compiler-artifact" => {
                    let Some(exe) = message.executable else {
                        continue;
                    };
                    if target.kind.iter().any(|k| k == "test") {
                        build.test_executables.insert(target.name, exe.clone());
                    }
                    build.executables.push(exe);
                }
                _ => {}
            }
        }
        build
    }
}

/// Makes `dst` a copy of `src`, leaving out `skip` (names at the top level)
/// and `skip_paths`; files already equal are left alone. True when
/// something had to be written or removed.
fn mirror(src: &Path, dst: &Path, skip: &[&str], skip_paths: &[PathBuf]) -> anyhow::Result<bool> {
    let mut changed = false;
    if fs::symlink_metadata(dst).is_ok_and(|m| !m.is_dir()) {
        remove(dst)?;
        changed = true;
    }
    fs::create_dir_all(dst)?;
    let mut seen = Vec::new();
    for entry in fs::read_dir(src).with_context(|| format!("could not read {}", src.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) || skip_paths.contains(&entry.path()) {
            continue;
        }
        seen.push(name.clone());
        let to = dst.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            changed |= mirror(&entry.path(), &to, &[], skip_paths)?;
        } else if kind.is_file() {
            changed |= copy_if_changed(&entry.path(), &to)?;
        }
    }
    // What the kit no longer has goes (skipped names stay: labs/ is the
    // student's, and nothing else is ever put there).
    for entry in fs::read_dir(dst)? {
        let entry = entry?;
        let name = entry.file_name();
        if !seen.contains(&name) && !skip.iter().any(|s| name == *s) {
            remove(&entry.path())?;
            changed = true;
        }
    }
    Ok(changed)
}

/// A file of the slot is only ever a plain file: a link put in its place
/// (by a program run without a sandbox) is removed, not written through.
fn is_plain_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

fn copy_if_changed(from: &Path, to: &Path) -> anyhow::Result<bool> {
    if is_plain_file(to) {
        let same_size = fs::metadata(to)
            .is_ok_and(|m| Some(m.len()) == fs::metadata(from).ok().map(|m| m.len()));
        if same_size && fs::read(from)? == fs::read(to)? {
            return Ok(false);
        }
    }
    if fs::symlink_metadata(to).is_ok() {
        remove(to)?;
    }
    fs::copy(from, to)
        .with_context(|| format!("could not copy {} to {}", from.display(), to.display()))?;
    Ok(true)
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> anyhow::Result<bool> {
    if is_plain_file(path) && fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    if fs::symlink_metadata(path).is_ok() {
        remove(path)?;
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))?;
    Ok(true)
}

/// Removes every file under `dir` that is not in `wanted`; true when it
/// removed any.
fn remove_unwanted(dir: &Path, wanted: &BTreeMap<PathBuf, &[u8]>) -> anyhow::Result<bool> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(false);
    };
    let mut changed = false;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if wanted.keys().any(|w| w.starts_with(&path)) {
                changed |= remove_unwanted(&path, wanted)?;
            } else {
                remove(&path)?;
                changed = true;
            }
        } else if !wanted.contains_key(&path) {
            remove(&path)?;
            changed = true;
        }
    }
    Ok(changed)
}

fn remove(path: &Path) -> anyhow::Result<()> {
    let result = if path.is_dir() && !path.is_symlink() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    result.with_context(|| format!("could not remove {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_whose_compiler_a_signal_stopped_is_named_from_cargos_stderr() {
        let stderr = "   Compiling sockets-lab v0.1.0 (/kit)\n\
            error: could not compile `sockets-lab` (bin \"lab2_server\") due to 1 previous error\n\
            error: could not compile `sockets-lab` (bin \"lab1_server\")\n\
            \n\
            Caused by:\n  \
              process didn't exit successfully: `/rust/bin/rustc --crate-name lab1_server` \
              (signal: 9, SIGKILL: kill)\n\
            error: could not compile `sockets-lab` (test \"lab1\")\n\
            \n\
            Caused by:\n  \
              process didn't exit successfully: `/rust/bin/rustc --crate-name lab1` \
              (signal: 25, SIGXFSZ: file size limit exceeded)\n";
        let build = Build {
            stderr: stderr.into(),
            ..Build::default()
        };
        assert_eq!(build.stopped_programs(), ["lab1_server"]);
    }
}
