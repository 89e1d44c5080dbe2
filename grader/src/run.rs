//! Runs cargo on a scratch copy of the kit: one "slot" per job, each with
//! its own copy and its own target folder, so concurrent builds never wait
//! for each other's lock and a slot's next student rebuilds only the lab
//! files that changed.
//!
//! This is the code that runs students' programs: `cargo build` compiles
//! them and `cargo test` starts them, with the permissions of whoever runs
//! the grader (docs/en/instructors.md says how to run it in a container).

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::json::Json;
use crate::kit::Kit;

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
        mirror(&other.target, &self.target, &[], &[])
    }

    /// Makes the slot's copy of the kit equal to the kit, except `labs/`
    /// (the student's) and what is never copied. Unchanged files are not
    /// rewritten, so cargo does not rebuild what they feed.
    pub fn copy_kit(&self, kit: &Kit, also_skip: &[PathBuf]) -> anyhow::Result<()> {
        fs::create_dir_all(&self.kit)?;
        mirror(&kit.root, &self.kit, NOT_COPIED, also_skip)
    }

    /// Makes the slot's `labs/` hold exactly `files`.
    pub fn put_labs(&self, files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<()> {
        let labs = self.kit.join("labs");
        let mut wanted: BTreeMap<PathBuf, &[u8]> = BTreeMap::new();
        for (rel, bytes) in files {
            wanted.insert(labs.join(rel), bytes);
        }
        remove_unwanted(&labs, &wanted)?;
        for (path, bytes) in wanted {
            write_if_changed(&path, bytes)?;
        }
        Ok(())
    }

    /// A `cargo` command run in the slot's kit, with an environment of its
    /// own: whatever an outer cargo set (the target folder, the package's
    /// variables when the grader runs under `cargo run` or `cargo test`,
    /// coverage flags) would make the inner build a different one.
    fn cargo(&self, args: &[&str]) -> Command {
        let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(program);
        command.args(args).current_dir(&self.kit);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let kept = [
                "CARGO_HOME",
                "CARGO_NET_",
                "CARGO_HTTP_",
                "CARGO_REGISTRIES_",
                "CARGO_REGISTRY_",
                "CARGO_TERM_",
            ]
            .iter()
            .any(|k| key.starts_with(k));
            let outer = (key.starts_with("CARGO") && !kept)
                || key.starts_with("__CARGO")
                || [
                    "RUSTFLAGS",
                    "RUSTDOCFLAGS",
                    "RUST_TEST_THREADS",
                    "LLVM_PROFILE_FILE",
                ]
                .contains(&key.as_ref());
            if outer {
                command.env_remove(key.as_ref());
            }
        }
        command
            .env("CARGO_TARGET_DIR", &self.target)
            // Whole files change from one student to the next: incremental
            // compilation would only fill the disk.
            .env("CARGO_INCREMENTAL", "0")
            // A failing test's panic would come with a backtrace per test.
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null());
        command
    }

    /// `cargo build --bins --tests`, going on past a program that does not
    /// compile, to learn which ones do not.
    pub fn build(&self) -> anyhow::Result<Build> {
        let mut command = self.cargo(&[
            "build",
            "--bins",
            "--tests",
            "--keep-going",
            "--message-format=json",
        ]);
        let out = run_with_limit(&mut command, BUILD_LIMIT)?;
        if out.timed_out {
            bail!(
                "the build did not finish within {} s",
                BUILD_LIMIT.as_secs()
            );
        }
        let mut build = Build {
            success: out.success,
            errors: BTreeMap::new(),
            test_executables: BTreeMap::new(),
            stderr: out.stderr,
        };
        // One JSON message a line; cargo's own notes are not JSON.
        for message in out.stdout.lines().filter_map(Json::parse) {
            let target = message.get("target");
            let src_path = target.get("src_path").as_str().map(PathBuf::from);
            match message.get("reason").as_str() {
                Some("compiler-message")
                    if message.get("message").get("level").as_str() == Some("error") =>
                {
                    let (Some(src), Some(text)) =
                        (src_path, message.get("message").get("rendered").as_str())
                    else {
                        continue;
                    };
                    // rustc's closing count adds nothing to the errors it follows.
                    if text.starts_with("error: aborting due to") {
                        continue;
                    }
                    build
                        .errors
                        .entry(src)
                        .or_default()
                        .push(text.trim_end().to_string());
                }
                Some("compiler-artifact")
                    if target.get("kind").as_array().contains(&Json::from("test")) =>
                {
                    if let (Some(name), Some(exe)) = (
                        target.get("name").as_str(),
                        message.get("executable").as_str(),
                    ) {
                        build
                            .test_executables
                            .insert(name.to_string(), PathBuf::from(exe));
                    }
                }
                _ => {}
            }
        }
        Ok(build)
    }

    /// `cargo test --no-fail-fast --test LAB`, killed (with every program it
    /// started) when it runs past `limit`.
    pub fn test(&self, lab: &str, limit: Duration) -> anyhow::Result<Output> {
        let mut command = self.cargo(&[
            "test",
            "--no-fail-fast",
            "--test",
            lab,
            "--",
            "--format",
            "pretty",
        ]);
        run_with_limit(&mut command, limit)
    }

    /// The names of a test file's tests, asked of its executable.
    pub fn list_tests(&self, executable: &Path) -> anyhow::Result<Vec<String>> {
        let mut command = Command::new(executable);
        command
            .args(["--list", "--format", "pretty"])
            .current_dir(&self.kit);
        let out = run_with_limit(&mut command, Duration::from_secs(60))?;
        if !out.success {
            bail!("{} --list failed: {}", executable.display(), out.stderr);
        }
        Ok(crate::libtest::parse_list(&out.stdout))
    }
}

/// What `cargo build` said.
pub struct Build {
    pub success: bool,
    /// The compiler's errors, by the source file of the program they broke
    /// (`.../labs/lab2_server.rs`, as cargo spells it).
    pub errors: BTreeMap<PathBuf, Vec<String>>,
    /// Each test file's executable, by name (`lab1`).
    pub test_executables: BTreeMap<String, PathBuf>,
    pub stderr: String,
}

pub struct Output {
    pub success: bool,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command to its end or to `limit`, whichever comes first. On
/// Unix the command leads a process group of its own, so that at the limit
/// one signal kills it and every program it started (a student's server, a
/// process that server forked); on Windows `taskkill /T` kills the tree.
fn run_with_limit(command: &mut Command, limit: Duration) -> anyhow::Result<Output> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    let start = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not run {:?}", command.get_program()))?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let deadline = start + limit;
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait()? {
            break (Some(status), false);
        }
        if Instant::now() >= deadline {
            kill_tree(&mut child);
            break (None, true);
        }
        thread::sleep(Duration::from_millis(20));
    };
    // The pipes close when every process that holds them is gone. One still
    // open a moment after cargo exited is a student's program left behind
    // (a process its server forked): kill the group it is still in.
    let grace = Duration::from_secs(2);
    let mut stdout_text = stdout.recv_timeout(grace);
    if stdout_text.is_err() && !timed_out {
        kill_group(child.id());
        stdout_text = stdout.recv_timeout(grace);
    }
    Ok(Output {
        success: status.is_some_and(|s| s.success()),
        timed_out,
        stdout: stdout_text.unwrap_or_default(),
        stderr: stderr.recv_timeout(grace).unwrap_or_default(),
    })
}

fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
        });
    }
    receiver
}

fn kill_tree(child: &mut Child) {
    kill_group(child.id());
    let _ = child.kill();
    let _ = child.wait();
}

/// Kills the process group led by `id` (Unix), or the process tree under
/// it (Windows).
fn kill_group(id: u32) {
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{id}")])
        .stderr(Stdio::null())
        .status();
    #[cfg(windows)]
    let _ = Command::new("taskkill")
        .args(["/F", "/T", "/PID", &id.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Makes `dst` a copy of `src`, leaving out `skip` (names at the top level)
/// and `skip_paths`; files already equal are left alone.
fn mirror(src: &Path, dst: &Path, skip: &[&str], skip_paths: &[PathBuf]) -> anyhow::Result<()> {
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
            mirror(&entry.path(), &to, &[], skip_paths)?;
        } else if kind.is_file() {
            copy_if_changed(&entry.path(), &to)?;
        }
    }
    // What the kit no longer has goes (skipped names stay: labs/ is the
    // student's, and nothing else is ever put there).
    for entry in fs::read_dir(dst)? {
        let entry = entry?;
        let name = entry.file_name();
        if !seen.contains(&name) && !skip.iter().any(|s| name == *s) {
            remove(&entry.path())?;
        }
    }
    Ok(())
}

fn copy_if_changed(from: &Path, to: &Path) -> anyhow::Result<()> {
    let same_size =
        fs::metadata(to).is_ok_and(|m| Some(m.len()) == fs::metadata(from).ok().map(|m| m.len()));
    if same_size && fs::read(from)? == fs::read(to)? {
        return Ok(());
    }
    fs::copy(from, to)
        .with_context(|| format!("could not copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))
}

/// Removes every file under `dir` that is not in `wanted`.
fn remove_unwanted(dir: &Path, wanted: &BTreeMap<PathBuf, &[u8]>) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            if wanted.keys().any(|w| w.starts_with(&path)) {
                remove_unwanted(&path, wanted)?;
            } else {
                remove(&path)?;
            }
        } else if !wanted.contains_key(&path) {
            remove(&path)?;
        }
    }
    Ok(())
}

fn remove(path: &Path) -> anyhow::Result<()> {
    let result = if path.is_dir() && !path.is_symlink() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    result.with_context(|| format!("could not remove {}", path.display()))
}
