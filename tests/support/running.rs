//! A program started by a test: type on its stdin, read its stdout line by
//! line, quote its stderr in failure messages, wait for it to exit. Every
//! wait has the deadline; dropping it kills and reaps the process.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use super::DEADLINE;
use super::lang::text;
use super::output::{Log, read_in_background};
use super::show::{exit, mismatch, quote};

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
    /// While Some, its stdout is left unread (see `Program::spawn_holding_stdout`).
    stdout_gate: Option<Sender<()>>,
}

/// What came instead of an expected line.
enum Missing {
    Nothing,
    End,
}

impl Running {
    pub(super) fn new(name: &'static str, mut child: Child, hold_stdout: bool) -> Running {
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stderr_log = Log::default();
        let (stdout_gate, held) = match hold_stdout {
            true => {
                let (gate, held) = mpsc::channel();
                (Some(gate), Some(held))
            }
            false => (None, None),
        };
        let (stdout, stderr) = read_in_background(stdout, stderr, stderr_log.clone(), held);
        Running {
            name,
            stdin: child.stdin.take(),
            stdout,
            stderr,
            stderr_log,
            partial_stdout: Vec::new(),
            stdout_gate,
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
            panic!(
                "{}",
                text!(
                    en: "the test already closed {name}'s stdin",
                    es: "el test ya había cerrado el stdin de {name}",
                )
            );
        };
        // A program that exited no longer reads its stdin: say so, with why.
        if let Err(e) = stdin.write_all(bytes).and_then(|()| stdin.flush()) {
            self.fail(text!(
                en: "could not type {typed} on {name}'s stdin ({e}): did it exit?",
                es: "no se pudo escribir {typed} en el stdin de {name} ({e}): ¿ya terminó?",
                typed = quote(bytes),
            ));
        }
    }

    /// Types `bytes` on the program's stdin if it still reads it, for a
    /// program that may rightly exit before it reads its input (a client
    /// that cannot connect).
    pub(super) fn offer_input(&mut self, bytes: &[u8]) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(bytes).and_then(|()| stdin.flush());
        }
    }

    /// Starts reading the stdout that `Program::spawn_holding_stdout` left
    /// unread: from now on the program can print again.
    pub fn release_stdout(&mut self) {
        self.stdout_gate = None;
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
            Err(missing) => self.fail(text!(
                en: "expected a line on {name}'s stdout within {secs}s, got {got}",
                es: "se esperaba una línea en el stdout de {name} en menos de {secs} s, pero \
                     {got}",
                name = self.name,
                secs = DEADLINE.as_secs(),
                got = self.describe(missing),
            )),
        }
    }

    /// The next line on stdout must be `expected`.
    #[track_caller]
    pub fn expect_line(&mut self, expected: &str) {
        match self.next_stdout_line() {
            Ok(line) if line == expected => {}
            Ok(line) => self.fail(mismatch(
                expected,
                &line,
                &text!(
                    en: "on {name}'s stdout",
                    es: "en el stdout de {name}",
                    name = self.name,
                ),
            )),
            Err(missing) => self.fail(text!(
                en: "expected {line} on {name}'s stdout within {secs}s, got {got}",
                es: "se esperaba {line} en el stdout de {name} en menos de {secs} s, pero {got}",
                line = quote(expected.as_bytes()),
                name = self.name,
                secs = DEADLINE.as_secs(),
                got = self.describe(missing),
            )),
        }
    }

    /// Nothing more on stdout: the program closes it (exits) without
    /// printing another line.
    #[track_caller]
    pub fn expect_no_more_output(&mut self) {
        match self.next_stdout_line() {
            Err(Missing::End) if self.partial_stdout.is_empty() => {}
            Ok(line) => self.fail(text!(
                en: "expected no more output from {name}, got {line}",
                es: "se esperaba que {name} no escribiera nada más, pero escribió {line}",
                name = self.name,
                line = quote(line.as_bytes()),
            )),
            Err(missing) => self.fail(text!(
                en: "expected {name} to end its output (exit) within {secs}s, got {got}",
                es: "se esperaba que {name} terminara su salida (que saliera) en menos de \
                     {secs} s, pero {got}",
                name = self.name,
                secs = DEADLINE.as_secs(),
                got = self.describe(missing),
            )),
        }
    }

    /// Every line left on stdout until the program ends it (exits), all
    /// within the deadline: a program that goes on printing, a line now and
    /// then, cannot keep the test waiting for ever.
    #[track_caller]
    pub fn rest_of_stdout(&mut self) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_stdout_line_within(left) {
                Ok(line) => lines.push(line),
                Err(Missing::End) => return lines,
                Err(Missing::Nothing) => self.fail(text!(
                    en: "expected {name} to end its output (exit) within {secs}s, after {more} \
                         more lines it is still printing or silent",
                    es: "se esperaba que {name} terminara su salida (que saliera) en menos de \
                         {secs} s, pero, tras {more} líneas más, sigue escribiendo o está \
                         callado",
                    name = self.name,
                    secs = DEADLINE.as_secs(),
                    more = lines.len(),
                )),
            }
        }
    }

    /// The next line on stdout if one comes before `deadline`, or None (a
    /// deadline shared by several lines, or the end of the output).
    pub fn read_line_before(&mut self, deadline: Instant) -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.next_stdout_line_within(left).ok()
    }

    fn next_stdout_line(&mut self) -> Result<String, Missing> {
        self.next_stdout_line_within(DEADLINE)
    }

    fn next_stdout_line_within(&mut self, wait: Duration) -> Result<String, Missing> {
        match self.stdout.recv_timeout(wait) {
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

    /// What came instead of a line, to follow "got" ("pero" in Spanish).
    fn describe(&self, missing: Missing) -> String {
        let partial = match self.partial_stdout.is_empty() {
            true => String::new(),
            false => text!(
                en: " (after an unfinished line {line} with no \\n)",
                es: " (tras una línea sin terminar, {line}, sin \\n)",
                line = quote(&self.partial_stdout),
            ),
        };
        match missing {
            // Why is the program's own business: it may be waiting for
            // something, or it printed the line without its \n (print!),
            // and the line waits in its buffer. A test that knows which is
            // likelier says so in its hint.
            Missing::Nothing => text!(
                en: "no whole line",
                es: "no llegó ninguna línea entera",
            ),
            Missing::End => text!(
                en: "the end of its output{partial}",
                es: "su salida terminó{partial}",
            ),
        }
    }

    /// Waits (with the deadline) for the program to exit, and returns how.
    /// `when` says what should have made it exit, for the failure message:
    /// "once the server said adios".
    #[track_caller]
    pub fn wait_for_exit(&mut self, when: &str) -> ExitStatus {
        match self.child.wait_timeout(DEADLINE) {
            Ok(Some(status)) => status,
            Ok(None) => self.fail(text!(
                en: "expected {name} to exit within {secs}s {when}, it is still running",
                es: "se esperaba que {name} saliera en menos de {secs} s {when}, pero sigue \
                     corriendo",
                name = self.name,
                secs = DEADLINE.as_secs(),
            )),
            Err(e) => panic!(
                "{}",
                text!(
                    en: "could not wait for {name}: {e}",
                    es: "no se pudo esperar a {name}: {e}",
                    name = self.name,
                )
            ),
        }
    }

    /// The program exits with status 0 within the deadline; `when` says
    /// what should have made it exit ("once the server said adios").
    #[track_caller]
    pub fn expect_success(&mut self, when: &str) {
        let status = self.wait_for_exit(when);
        if !status.success() {
            self.fail(text!(
                en: "expected {name} to exit with status 0 {when}, it exited with {status}",
                es: "se esperaba que {name} saliera con estado 0 {when}, pero salió con {status}",
                name = self.name,
                status = exit(status),
            ));
        }
    }

    /// The program is still running (has not exited by now).
    #[track_caller]
    pub fn expect_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            self.fail(text!(
                en: "expected {name} to keep running, it exited with {status}",
                es: "se esperaba que {name} siguiera corriendo, pero salió con {status}",
                name = self.name,
                status = exit(status),
            ));
        }
    }

    /// The program does not exit for `window` (it may be about to: a
    /// thread that ends the process when something happened): waits that
    /// long for an exit that must not come. `after` says what happened, for
    /// the failure message: "after its stdin ended".
    #[track_caller]
    pub fn expect_to_keep_running_for(&mut self, window: Duration, after: &str) {
        match self.child.wait_timeout(window) {
            Ok(None) => {}
            Ok(Some(status)) => self.fail(text!(
                en: "expected {name} to keep running {after}, it exited with {status}",
                es: "se esperaba que {name} siguiera corriendo {after}, pero salió con {status}",
                name = self.name,
                status = exit(status),
            )),
            Err(e) => panic!(
                "{}",
                text!(
                    en: "could not wait for {name}: {e}",
                    es: "no se pudo esperar a {name}: {e}",
                    name = self.name,
                )
            ),
        }
    }

    /// Whether one of the program's threads is on a processor or waiting
    /// for one right now (state R in Linux's /proc): a program that waits
    /// for something (a socket, a pipe, a lock) has every thread asleep.
    /// None where it cannot be read. Unlike the processor time it gets, this
    /// does not depend on how busy the machine is.
    #[cfg(target_os = "linux")]
    pub fn is_busy_now(&self) -> Option<bool> {
        let mut busy = false;
        for pid in last_descendants(self.child.id()) {
            for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
                let stat = std::fs::read_to_string(task.ok()?.path().join("stat")).ok()?;
                // The state follows the command's name, in parentheses
                // (which may hold spaces).
                let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
                busy |= state == "R";
            }
        }
        Some(busy)
    }

    /// Interrupts the program as Ctrl-C in its terminal does (SIGINT).
    /// Where the class grader starts it in a sandbox (program.rs), the
    /// process this test started is the sandbox's, which would die of the
    /// signal and take the program with it: the program is the end of the
    /// line of processes under it, and the signal goes there.
    #[cfg(unix)]
    pub fn interrupt(&mut self) {
        for pid in last_descendants(self.child.id()) {
            // SAFETY: kill() only sends a signal, to a child this test
            // started and has not reaped, or to a process under it.
            let sent = unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
            assert!(
                sent == 0,
                "{}",
                text!(
                    en: "could not interrupt {name} (SIGINT): {error}",
                    es: "no se pudo interrumpir a {name} (SIGINT): {error}",
                    name = self.name,
                    error = std::io::Error::last_os_error(),
                )
            );
        }
    }

    /// Kills the program abruptly (SIGKILL): no goodbye, no clean close.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Fails the test with `message` about this program: first how it
    /// stopped, if it panicked (at a starter's `todo!`, say), and its stderr
    /// after.
    #[track_caller]
    pub fn fail(&self, message: String) -> ! {
        panic!("{}", self.stderr_log.explain(self.name, &message))
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
            self.fail(text!(
                en: "expected {name} to say on stderr that {about}, without panicking; it \
                     panicked",
                es: "se esperaba que {name} dijera en stderr que {about}, sin pánico; pero \
                     entró en pánico",
                name = self.name,
            ));
        }
        if new.trim().is_empty() {
            self.fail(text!(
                en: "expected {name} to say on stderr that {about}; it printed nothing more on \
                     stderr than before",
                es: "se esperaba que {name} dijera en stderr que {about}; pero no escribió en \
                     stderr nada más que lo de antes",
                name = self.name,
            ));
        }
    }

    /// Reads the contract's first stderr line, `listening on IP:PORT`.
    #[track_caller]
    pub(super) fn read_listening_line(&mut self) -> SocketAddr {
        let name = self.name;
        let line = match self.stderr.recv_timeout(DEADLINE) {
            Ok(line) => String::from_utf8_lossy(&line).trim_end().to_string(),
            Err(RecvTimeoutError::Timeout) => self.fail(text!(
                en: "expected {name} to print `listening on IP:PORT` on stderr within {secs}s, \
                     it printed nothing",
                es: "se esperaba que {name} escribiera `listening on IP:PUERTO` en stderr en menos \
                     de {secs} s, pero no escribió nada",
                secs = DEADLINE.as_secs(),
            )),
            Err(RecvTimeoutError::Disconnected) => self.fail(text!(
                en: "expected {name} to print `listening on IP:PORT` on stderr, it exited first",
                es: "se esperaba que {name} escribiera `listening on IP:PUERTO` en stderr, pero \
                     salió antes",
            )),
        };
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|addr| addr.trim().parse::<SocketAddr>().ok());
        let Some(addr) = addr else {
            self.fail(text!(
                en: "expected the first line of {name}'s stderr to be `listening on IP:PORT`, \
                     got {line}",
                es: "se esperaba que la primera línea del stderr de {name} fuera `listening on \
                     IP:PUERTO`, pero fue {line}",
                line = quote(line.as_bytes()),
            ))
        };
        if addr.port() == 0 {
            self.fail(text!(
                en: "{name} printed {line:?}: the line must name the port actually bound, never 0",
                es: "{name} escribió {line:?}: la línea debe nombrar el puerto realmente \
                     asignado, nunca 0",
            ));
        }
        addr
    }
}

/// The processes under `pid` that have none under them (`pid` itself when
/// it has no children), from Linux's /proc; elsewhere `pid` alone.
#[cfg(unix)]
fn last_descendants(pid: u32) -> Vec<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let children: Vec<u32> = children
        .split_whitespace()
        .filter_map(|child| child.parse().ok())
        .collect();
    match children.is_empty() {
        true => vec![pid],
        false => children.into_iter().flat_map(last_descendants).collect(),
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}
