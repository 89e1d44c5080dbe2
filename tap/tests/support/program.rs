//! A program started by a test: its stdin to type on, its stdout and stderr
//! read line by line in the background, so that every wait has a deadline.
//! Dropping it kills and reaps the process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;

use wait_timeout::ChildExt;

use super::DEADLINE;

pub struct Program {
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// All of stderr so far, for failure messages.
    stderr_log: Arc<Mutex<String>>,
}

impl Program {
    #[track_caller]
    pub fn spawn(path: &Path, args: &[&str]) -> Program {
        Program::spawn_with_env(path, args, &[])
    }

    /// `spawn`, with `env` set on top of the test's environment.
    #[track_caller]
    pub fn spawn_with_env(path: &Path, args: &[&str], env: &[(&str, &str)]) -> Program {
        let name = path
            .file_stem()
            .map_or("program".into(), |n| n.to_string_lossy().into_owned());
        let mut child = Command::new(path)
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", path.display()));
        let stderr_log = Arc::new(Mutex::new(String::new()));
        let stdout = lines_of(child.stdout.take().expect("piped"), None);
        let stderr = lines_of(
            child.stderr.take().expect("piped"),
            Some(Arc::clone(&stderr_log)),
        );
        Program {
            name,
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
            stderr_log,
        }
    }

    #[track_caller]
    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        if let Err(e) = stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush())
        {
            panic!(
                "could not type {line:?} on {}'s stdin: {e}{}",
                self.name,
                self.report()
            );
        }
    }

    /// Ends its stdin, as Ctrl-D does.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next stdout line, or None when stdout ends; panics at the deadline.
    #[track_caller]
    pub fn next_line(&mut self) -> Option<String> {
        match self.stdout.recv_timeout(DEADLINE) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!(
                "expected a line on {}'s stdout within {}s, got nothing{}",
                self.name,
                DEADLINE.as_secs(),
                self.report()
            ),
        }
    }

    #[track_caller]
    pub fn expect_line(&mut self, expected: &str) {
        match self.next_line() {
            Some(line) if line == expected => {}
            Some(line) => panic!(
                "expected {expected:?} on {}'s stdout, got {line:?}{}",
                self.name,
                self.report()
            ),
            None => panic!(
                "expected {expected:?} on {}'s stdout, got the end of it{}",
                self.name,
                self.report()
            ),
        }
    }

    /// The next stderr line, within the deadline.
    #[track_caller]
    pub fn next_stderr_line(&mut self) -> String {
        match self.stderr.recv_timeout(DEADLINE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "expected a line on {}'s stderr within {}s, got nothing",
                self.name,
                DEADLINE.as_secs()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "expected a line on {}'s stderr, it exited first{}",
                self.name,
                self.report()
            ),
        }
    }

    /// A server's first stderr line, `listening on IP:PORT`: its address.
    #[track_caller]
    pub fn read_listening_line(&mut self) -> SocketAddr {
        let line = self.next_stderr_line();
        line.strip_prefix("listening on ")
            .and_then(|addr| addr.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "expected {}'s first stderr line to be `listening on IP:PORT`, got {line:?}",
                    self.name
                )
            })
    }

    /// Waits for the program to exit, within the deadline.
    #[track_caller]
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        match self.child.wait_timeout(DEADLINE) {
            Ok(Some(status)) => status,
            Ok(None) => panic!(
                "expected {} to exit within {}s, it is still running{}",
                self.name,
                DEADLINE.as_secs(),
                self.report()
            ),
            Err(e) => panic!("could not wait for {}: {e}", self.name),
        }
    }

    /// Its stderr so far, for failure messages.
    pub fn report(&self) -> String {
        let log = self.stderr_log.lock().unwrap();
        match log.trim().is_empty() {
            true => format!("\n({} printed nothing on stderr)", self.name),
            false => format!("\n{}'s stderr:\n{}", self.name, log.trim_end()),
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `pipe` line by line on a thread of its own (Windows cannot poll
/// pipes), each line without its end, into a channel (and `log`).
fn lines_of(pipe: impl Read + Send + 'static, log: Option<Arc<Mutex<String>>>) -> Receiver<String> {
    let (lines, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(pipe).split(b'\n') {
            let Ok(line) = line else { break };
            let line = String::from_utf8_lossy(&line)
                .trim_end_matches('\r')
                .to_string();
            if let Some(log) = &log {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}
