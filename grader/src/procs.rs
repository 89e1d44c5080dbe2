//! Running a command to its end or to a time limit, and making sure that
//! nothing it started outlives it: on Unix it leads a process group of its
//! own, which is killed when it ends; on Linux every process it started
//! carries a marker in its environment (`SOCKETS_LAB_RUN`), so that one
//! that left the group (`setsid`, a daemon) is still found, listed as a
//! leftover and killed; on Windows `taskkill /T` kills the process tree.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::limits::{Caps, Hit, Limits, Usage};

/// The variable whose value marks every process of one run.
pub const MARKER_VAR: &str = "SOCKETS_LAB_RUN";

pub struct Output {
    pub success: bool,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    /// Processes still running when the command ended (then killed), by
    /// their command line.
    pub leftovers: Vec<String>,
    /// The limits of `caps` the run hit, the first seen first (it was
    /// stopped at once at one that `Hit::stops_the_run`), and what it
    /// used, where that is known.
    pub limits: Vec<Hit>,
    pub usage: Option<Usage>,
}

/// The leftover found where no marker finds one (not Linux): the run's
/// output stayed open, so a process that holds it is still there.
const KEPT_OPEN: &str = "(a process that kept the tests' output open)";

/// Runs `command` to its end or to `limit`, whichever comes first, with
/// `limits`' `caps` (stopped as soon as it passes one that stops a run),
/// then kills whatever it left running.
pub fn run_with_limit(
    command: &mut Command,
    limit: Duration,
    limits: &Limits,
    caps: &Caps,
) -> anyhow::Result<Output> {
    let marker = new_marker();
    command.env(MARKER_VAR, &marker);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    let mut watch = limits.prepare(caps, command)?;
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
        if watch.check().is_some() {
            kill_tree(&mut child);
            break (None, false);
        }
        thread::sleep(Duration::from_millis(20));
    };
    // The pipes close when every process that holds them is gone: soon,
    // as the run winds down (a sandbox takes a moment to go).
    let grace = Duration::from_secs(2);
    let mut stdout_text = stdout.recv_timeout(grace);
    // Whatever is left then: anything with the run's marker, its group.
    let mut leftovers = kill_marked(&marker, child.id());
    kill_group(child.id());
    if stdout_text.is_err() {
        stdout_text = stdout.recv_timeout(grace);
    }
    if stdout_text.is_err() && leftovers.is_empty() {
        leftovers.push(KEPT_OPEN.into());
    }
    leftovers.sort();
    leftovers.dedup();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    let report = watch.finish(&stderr);
    Ok(Output {
        success: status.is_some_and(|s| s.success()),
        timed_out,
        stdout: stdout_text.unwrap_or_default(),
        stderr,
        leftovers,
        limits: report.hits,
        usage: report.usage,
    })
}

fn new_marker() -> String {
    use std::hash::{BuildHasher, RandomState};
    let random = RandomState::new().hash_one(Instant::now());
    format!("{}-{random:016x}", std::process::id())
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

pub fn kill_tree(child: &mut Child) {
    kill_group(child.id());
    let _ = child.kill();
    let _ = child.wait();
}

/// Kills the process group led by `id` (Unix), or the process tree under
/// it (Windows).
fn kill_group(id: u32) {
    #[cfg(unix)]
    // SAFETY: kill(2) with a negative pid signals a process group; it
    // touches no memory of ours.
    unsafe {
        libc::kill(-(id as libc::pid_t), libc::SIGKILL);
    }
    #[cfg(windows)]
    let _ = Command::new("taskkill")
        .args(["/F", "/T", "/PID", &id.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Kills every process whose environment has the run's marker, but the
/// run's own first process (already gone or reaped by the caller), and
/// returns their command lines. A process is counted only if it is still
/// there a moment after it was first seen: one that was already ending
/// with its sandbox is not a leftover. Linux only: elsewhere the process
/// group (or tree) is all there is.
#[cfg(target_os = "linux")]
fn kill_marked(marker: &str, first: u32) -> Vec<String> {
    let needle = format!("{MARKER_VAR}={marker}\0").into_bytes();
    if marked(&needle, first).is_empty() {
        return Vec::new();
    }
    thread::sleep(Duration::from_millis(200));
    let mut found = Vec::new();
    // A process may start another while the first is killed: a few rounds.
    for _ in 0..5 {
        let alive = marked(&needle, first);
        if alive.is_empty() {
            break;
        }
        for (pid, command) in alive {
            found.push(command);
            // SAFETY: kill(2) on a pid: no memory of ours is touched.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
        thread::sleep(Duration::from_millis(50));
    }
    found
}

/// The live processes (not zombies) whose environment has `needle`.
#[cfg(target_os = "linux")]
fn marked(needle: &[u8], first: u32) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == first || pid == std::process::id() {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !environ.windows(needle.len()).any(|w| w == needle) {
            continue;
        }
        let state = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let state = state
            .rsplit(')')
            .next()
            .and_then(|r| r.split_whitespace().next());
        if matches!(state, Some("Z" | "X") | None) {
            continue;
        }
        let command = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        found.push((pid, command_line(&command)));
    }
    found
}

#[cfg(not(target_os = "linux"))]
fn kill_marked(_marker: &str, _first: u32) -> Vec<String> {
    Vec::new()
}

/// `/proc/PID/cmdline` (arguments ended by NULs) as the student would type
/// it: the program's file name, then its arguments.
pub fn command_line(raw: &[u8]) -> String {
    let mut words = raw
        .split(|&b| b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned());
    let Some(program) = words.next() else {
        return "(a process that exited)".into();
    };
    let name = program.rsplit('/').next().unwrap_or(&program).to_string();
    std::iter::once(name)
        .chain(words)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_names_the_program_by_its_file_name() {
        assert_eq!(
            command_line(b"/target/debug/lab1_client\0--linger\0"),
            "lab1_client --linger"
        );
        assert_eq!(command_line(b""), "(a process that exited)");
    }

    #[cfg(unix)]
    #[test]
    fn a_process_that_left_the_group_is_found_by_its_marker_and_killed() {
        // sh starts a daemon of its own session (setsid) that outlives it.
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "setsid sh -c 'sleep 300; echo late' >/dev/null 2>&1 </dev/null & echo started",
        ]);
        let out = run_with_limit(
            &mut command,
            Duration::from_secs(20),
            &Limits::off(),
            &Limits::off().tests,
        )
        .unwrap();
        assert!(out.success, "{}", out.stderr);
        if cfg!(target_os = "linux") {
            assert!(
                out.leftovers.iter().any(|l| l.contains("sleep 300")),
                "{:?}",
                out.leftovers
            );
        }
    }

    /// This test binary, running only `helper_that_sleeps_with_a_child`:
    /// a process that starts another and sleeps, on any system.
    fn sleeping_tree() -> Command {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.args([
            "--exact",
            "procs::tests::helper_that_sleeps_with_a_child",
            "--ignored",
            "--nocapture",
        ]);
        command
    }

    #[test]
    #[ignore = "a helper that a_process_tree_past_its_limit_is_killed_whole runs"]
    fn helper_that_sleeps_with_a_child() {
        if std::env::var_os("GRADER_TEST_CHILD").is_none() {
            let _ = sleeping_tree().env("GRADER_TEST_CHILD", "1").spawn();
        }
        println!("sleeping");
        thread::sleep(Duration::from_secs(300));
    }

    #[test]
    fn a_process_tree_past_its_limit_is_killed_whole() {
        let start = Instant::now();
        let off = Limits::off();
        let out = run_with_limit(
            &mut sleeping_tree(),
            Duration::from_secs(3),
            &off,
            &off.tests,
        )
        .unwrap();
        assert!(out.timed_out);
        assert!(!out.success);
        // Its output closed: the child that held it too was killed.
        assert!(out.leftovers.is_empty(), "leftovers: {:?}", out.leftovers);
        assert!(start.elapsed() < Duration::from_secs(20));
    }
}
