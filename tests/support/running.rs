//! A program started by a test: type on its stdin, read its stdout line by
//! line, quote its stderr in failure messages, wait for it to exit. Every
//! wait has the deadline; dropping it kills and reaps the process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use wait_timeout::ChildExt;

use super::DEADLINE;
use super::show::{excerpt, mismatch, quote};

/// Everything a program wrote on one of its pipes, kept for failure messages.
/// `closed` turns true when the pipe reaches its end (the program exited).
#[derive(Clone, Default)]
pub(super) struct Log(Arc<(Mutex<LogState>, Condvar)>);

#[derive(Default)]
struct LogState {
    text: String,
    closed: bool,
}

impl Log {
    fn push(&self, line: &[u8]) {
        let (state, _) = &*self.0;
        state
            .lock()
            .unwrap()
            .text
            .push_str(&String::from_utf8_lossy(line));
    }

    fn close(&self) {
        let (state, changed) = &*self.0;
        state.lock().unwrap().closed = true;
        changed.notify_all();
    }

    /// The text so far, without waiting for more.
    fn text(&self) -> String {
        self.0.0.lock().unwrap().text.clone()
    }

    /// Whether the pipe has ended: the program exited (or closed it).
    pub(super) fn is_closed(&self) -> bool {
        self.0.0.lock().unwrap().closed
    }

    /// The text so far. When a test is about to fail, the program may just
    /// have died: give its last words a moment to arrive (waiting for the
    /// pipe to close, not for the clock).
    fn settled_text(&self) -> String {
        let (state, changed) = &*self.0;
        let guard = state.lock().unwrap();
        let (guard, _) = changed
            .wait_timeout_while(guard, Duration::from_millis(500), |s| !s.closed)
            .unwrap();
        guard.text.clone()
    }

    /// `name`'s stderr, quoted for the end of a failure message.
    pub(super) fn report(&self, name: &str) -> String {
        let stderr = self.settled_text();
        match stderr.trim().is_empty() {
            true => format!("({name} printed nothing on stderr)"),
            false => format!("{name}'s stderr:\n{}", excerpt(&stderr)),
        }
    }
}

/// Reads a pipe line by line on a thread of its own, so that tests can wait
/// for a line with a deadline (`recv_timeout`) instead of blocking forever.
/// The channel disconnects at the end of the pipe.
fn read_lines_in_background(pipe: impl Read + Send + 'static, log: Log) -> Receiver<Vec<u8>> {
    let (lines, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut pipe = BufReader::new(pipe);
        loop {
            let mut line = Vec::new();
            match pipe.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    log.push(&line);
                    if lines.send(line).is_err() {
                        break;
                    }
                }
            }
        }
        log.close();
    });
    receiver
}

/// A program started by a test. Dropping it kills and reaps the process.
pub struct Running {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<Vec<u8>>,
    stderr_log: Log,
    /// A last stdout line that came without its `\n` (the program exited
    /// mid-line), shown in failure messages.
    partial_stdout: Vec<u8>,
}

/// What came instead of an expected line.
enum Missing {
    Nothing,
    End,
}

impl Running {
    pub(super) fn new(name: &'static str, mut child: Child) -> Running {
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stderr_log = Log::default();
        Running {
            name,
            stdin: child.stdin.take(),
            stdout: read_lines_in_background(stdout, Log::default()),
            stderr: read_lines_in_background(stderr, stderr_log.clone()),
            stderr_log,
            partial_stdout: Vec::new(),
            child,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The log of its stderr, for messages written on its behalf elsewhere
    /// (a connection to it, a fake server it connects to).
    pub(super) fn stderr_log(&self) -> Log {
        self.stderr_log.clone()
    }

    /// What the program printed on stderr so far, for failure messages.
    pub fn stderr(&self) -> String {
        self.stderr_log.settled_text()
    }

    /// Types a line on the program's stdin, as a user at the keyboard would.
    #[track_caller]
    pub fn type_line(&mut self, line: &str) {
        self.type_bytes(format!("{line}\n").as_bytes());
    }

    #[track_caller]
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        let name = self.name;
        let Some(stdin) = self.stdin.as_mut() else {
            panic!("the test already closed {name}'s stdin");
        };
        // A program that exited no longer reads its stdin: say so, with why.
        if let Err(e) = stdin.write_all(bytes).and_then(|()| stdin.flush()) {
            panic!(
                "could not type {} on {name}'s stdin ({e}): did it exit?\n{}",
                quote(bytes),
                self.stderr_report()
            );
        }
    }

    /// Ends the program's stdin, as Ctrl-D does in a terminal.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next line on stdout, without its `\n` (or `\r\n`).
    #[track_caller]
    pub fn read_line(&mut self) -> String {
        match self.next_stdout_line() {
            Ok(line) => line,
            Err(missing) => panic!(
                "expected a line on {}'s stdout within {}s, got {}\n{}",
                self.name,
                DEADLINE.as_secs(),
                self.describe(missing),
                self.stderr_report()
            ),
        }
    }

    /// The next line on stdout must be `expected`.
    #[track_caller]
    pub fn expect_line(&mut self, expected: &str) {
        match self.next_stdout_line() {
            Ok(line) if line == expected => {}
            Ok(line) => panic!(
                "{} on {}'s stdout\n{}",
                mismatch(expected, &line),
                self.name,
                self.stderr_report()
            ),
            Err(missing) => panic!(
                "expected {} on {}'s stdout within {}s, got {}\n{}",
                quote(expected.as_bytes()),
                self.name,
                DEADLINE.as_secs(),
                self.describe(missing),
                self.stderr_report()
            ),
        }
    }

    /// Nothing more on stdout: the program closes it (exits) without
    /// printing another line.
    #[track_caller]
    pub fn expect_no_more_output(&mut self) {
        match self.next_stdout_line() {
            Err(Missing::End) if self.partial_stdout.is_empty() => {}
            Ok(line) => panic!(
                "expected no more output from {}, got {}\n{}",
                self.name,
                quote(line.as_bytes()),
                self.stderr_report()
            ),
            Err(missing) => panic!(
                "expected {} to end its output (exit) within {}s, got {}\n{}",
                self.name,
                DEADLINE.as_secs(),
                self.describe(missing),
                self.stderr_report()
            ),
        }
    }

    /// Every line left on stdout until the program ends it (exits), each
    /// within the deadline.
    #[track_caller]
    pub fn rest_of_stdout(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match self.next_stdout_line() {
                Ok(line) => lines.push(line),
                Err(Missing::End) => return lines,
                Err(Missing::Nothing) => panic!(
                    "expected {} to end its output (exit) within {}s, after {} more lines it is still printing or silent\n{}",
                    self.name,
                    DEADLINE.as_secs(),
                    lines.len(),
                    self.stderr_report()
                ),
            }
        }
    }

    fn next_stdout_line(&mut self) -> Result<String, Missing> {
        match self.stdout.recv_timeout(DEADLINE) {
            Ok(line) if line.ends_with(b"\n") => Ok(String::from_utf8_lossy(&line)
                .trim_end_matches('\n')
                .trim_end_matches('\r')
                .to_string()),
            Ok(partial) => {
                self.partial_stdout = partial;
                Err(Missing::End)
            }
            Err(RecvTimeoutError::Timeout) => Err(Missing::Nothing),
            Err(RecvTimeoutError::Disconnected) => Err(Missing::End),
        }
    }

    fn describe(&self, missing: Missing) -> String {
        let partial = match self.partial_stdout.is_empty() {
            true => String::new(),
            false => format!(
                " (after an unfinished line {} with no \\n)",
                quote(&self.partial_stdout)
            ),
        };
        match missing {
            Missing::Nothing => "nothing".to_string(),
            Missing::End => format!("the end of its output{partial}"),
        }
    }

    /// Waits (with the deadline) for the program to exit, and returns how.
    /// `when` says what should have made it exit, for the failure message:
    /// "once the server said adios".
    #[track_caller]
    pub fn wait_for_exit(&mut self, when: &str) -> ExitStatus {
        match self.child.wait_timeout(DEADLINE) {
            Ok(Some(status)) => status,
            Ok(None) => panic!(
                "expected {} to exit within {}s {when}, it is still running\n{}",
                self.name,
                DEADLINE.as_secs(),
                self.stderr_report()
            ),
            Err(e) => panic!("could not wait for {}: {e}", self.name),
        }
    }

    /// The program exits with status 0 within the deadline; `when` says
    /// what should have made it exit ("once the server said adios").
    #[track_caller]
    pub fn expect_success(&mut self, when: &str) {
        let status = self.wait_for_exit(when);
        assert!(
            status.success(),
            "expected {} to exit with status 0 {when}, it exited with {status}\n{}",
            self.name,
            self.stderr_report()
        );
    }

    /// The program is still running (has not exited by now).
    #[track_caller]
    pub fn expect_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "expected {} to keep running, it exited with {status}\n{}",
                self.name,
                self.stderr_report()
            );
        }
    }

    /// Kills the program abruptly (SIGKILL): no goodbye, no clean close.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub(super) fn stderr_report(&self) -> String {
        self.stderr_log.report(self.name)
    }

    /// What the program printed on stderr until now, without waiting for
    /// more. To check that an event makes a program say something, take this
    /// before the event and compare it with `stderr()` once the program has
    /// exited: a line that reaches the log late can only count as new, so a
    /// program that keeps the contract never fails for it.
    pub fn stderr_so_far(&self) -> String {
        self.stderr_log.text()
    }

    /// Since `before` (taken with `stderr_so_far`), the program said
    /// something more on stderr, and did not panic: the contract fixes that
    /// it tells the user, not the wording.
    #[track_caller]
    pub fn expect_a_new_notice_on_stderr(&self, before: &str, about: &str) {
        let stderr = self.stderr();
        let new = stderr.get(before.len()..).unwrap_or_default();
        if stderr.contains("panicked") {
            panic!(
                "expected {} to say on stderr that {about}, without panicking; it panicked:\n{}",
                self.name,
                excerpt(&stderr)
            );
        }
        if new.trim().is_empty() {
            let printed = match stderr.trim().is_empty() {
                true => "it printed nothing on stderr at all".to_string(),
                false => format!(
                    "it printed nothing more on stderr than before:\n{}",
                    excerpt(&stderr)
                ),
            };
            panic!(
                "expected {} to say on stderr that {about}; {printed}",
                self.name
            );
        }
    }

    /// Reads the contract's first stderr line, `listening on IP:PORT`.
    #[track_caller]
    pub(super) fn read_listening_line(&mut self) -> SocketAddr {
        let line = match self.stderr.recv_timeout(DEADLINE) {
            Ok(line) => String::from_utf8_lossy(&line).trim_end().to_string(),
            Err(RecvTimeoutError::Timeout) => panic!(
                "expected {} to print `listening on IP:PORT` on stderr within {}s, it printed nothing",
                self.name,
                DEADLINE.as_secs()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "expected {} to print `listening on IP:PORT` on stderr, it exited first\n{}",
                self.name,
                self.stderr_report()
            ),
        };
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.trim().parse::<SocketAddr>().ok());
        let Some(addr) = addr else {
            panic!(
                "expected the first line of {}'s stderr to be `listening on IP:PORT`, got {}",
                self.name,
                quote(line.as_bytes())
            )
        };
        assert_ne!(
            addr.port(),
            0,
            "{} printed {line:?}: the line must name the port actually bound, never 0",
            self.name
        );
        addr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}
