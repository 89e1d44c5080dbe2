//! Reading a program's stdout and stderr in the background, line by line,
//! so that a test waits for a line with a deadline instead of blocking, and
//! keeping its stderr for failure messages.
//!
//! The order matters for one check: "it said so on stderr" compares stderr
//! before and after an event. A status line the program printed long before
//! (`connected`) must not reach the log late and pass for the new notice.
//! So, on Unix, one thread reads both pipes and always takes what waits on
//! stderr before it hands over a stdout line: once a test holds a stdout
//! line, every stderr line the program wrote before it is in the log.
//! Windows cannot poll pipes: there a thread reads each one, and that check
//! may, rarely, let a silent program pass (never fail a correct one).

use std::io::Read;
use std::process::{ChildStderr, ChildStdout};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use super::hints;
use super::lang::text;
use super::panics::lead;
use super::show::excerpt;

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
    pub(super) fn text(&self) -> String {
        self.0.0.lock().unwrap().text.clone()
    }

    /// Whether the pipe has ended: the program exited (or closed it).
    pub(super) fn is_closed(&self) -> bool {
        self.0.0.lock().unwrap().closed
    }

    /// The text so far. When a test is about to fail, the program may just
    /// have died: give its last words a moment to arrive (waiting for the
    /// pipe to close, not for the clock).
    pub(super) fn settled_text(&self) -> String {
        let (state, changed) = &*self.0;
        let guard = state.lock().unwrap();
        let (guard, _) = changed
            .wait_timeout_while(guard, Duration::from_millis(500), |s| !s.closed)
            .unwrap();
        guard.text.clone()
    }

    /// A failure message about `name`, the program this is the stderr of:
    /// first how it stopped, if its stderr shows a `todo!` or a panic
    /// (panics.rs), then `message`, the test's hint if it has one (hints.rs)
    /// and the program did not stop at a `todo!`, then its stderr, quoted.
    pub(super) fn explain(&self, name: &str, message: &str) -> String {
        let stderr = self.settled_text();
        let (lead, hint) = match lead(name, &stderr) {
            Some(lead) if lead.at_a_todo => (format!("{}\n", lead.text), String::new()),
            Some(lead) => (format!("{}\n", lead.text), hints::current()),
            None => (String::new(), hints::current()),
        };
        let quoted = match stderr.trim().is_empty() {
            true => text!(
                en: "({name} printed nothing on stderr)",
                es: "({name} no escribió nada en stderr)",
            ),
            false => text!(
                en: "{name}'s stderr:\n{excerpt}",
                es: "stderr de {name}:\n{excerpt}",
                excerpt = excerpt(&stderr),
            ),
        };
        format!("{lead}{message}\n{hint}{quoted}")
    }
}

/// Starts reading the program's stdout and stderr: each line arrives on its
/// channel (a last line without `\n` at the end of the pipe, as it is), and
/// stderr's also in `stderr_log`. A channel disconnects at its pipe's end.
/// With a `held` gate, stdout is left unread (the program blocks once the
/// pipe is full) until something is sent on the gate, or it is dropped.
pub(super) fn read_in_background(
    stdout: ChildStdout,
    stderr: ChildStderr,
    stderr_log: Log,
    held: Option<Receiver<()>>,
) -> (Receiver<Vec<u8>>, Receiver<Vec<u8>>) {
    let (out_lines, stdout_lines) = mpsc::channel();
    let (err_lines, stderr_lines) = mpsc::channel();
    let out = Pipe::new(stdout, out_lines, None);
    let err = Pipe::new(stderr, err_lines, Some(stderr_log));
    thread::spawn(move || read_both(out, err, held));
    (stdout_lines, stderr_lines)
}

/// Whether a gate (see read_in_background) still holds stdout back.
fn still_held(held: &Option<Receiver<()>>) -> bool {
    matches!(held, Some(gate) if gate.try_recv() == Err(mpsc::TryRecvError::Empty))
}

/// One pipe being read: the line it is in the middle of, and where its
/// whole lines go.
struct Pipe<R> {
    reader: R,
    partial: Vec<u8>,
    lines: Sender<Vec<u8>>,
    log: Option<Log>,
    open: bool,
}

impl<R: Read> Pipe<R> {
    fn new(reader: R, lines: Sender<Vec<u8>>, log: Option<Log>) -> Pipe<R> {
        Pipe {
            reader,
            partial: Vec::new(),
            lines,
            log,
            open: true,
        }
    }

    /// One read, kept until `hand_over`.
    fn read_some(&mut self) {
        let mut buf = [0; 8192];
        match self.reader.read(&mut buf) {
            Ok(0) | Err(_) => self.open = false,
            Ok(n) => self.partial.extend_from_slice(&buf[..n]),
        }
    }

    /// Logs and sends every whole line read; at the end of the pipe, what is
    /// left too, and the log is closed.
    fn hand_over(&mut self) {
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.send(line);
        }
        if !self.open {
            if !self.partial.is_empty() {
                let rest = std::mem::take(&mut self.partial);
                self.send(rest);
            }
            if let Some(log) = &self.log {
                log.close();
            }
        }
    }

    fn send(&self, line: Vec<u8>) {
        if let Some(log) = &self.log {
            log.push(&line);
        }
        // The test may have stopped listening (it failed already): fine.
        let _ = self.lines.send(line);
    }
}

#[cfg(unix)]
fn read_both(
    mut out: Pipe<ChildStdout>,
    mut err: Pipe<ChildStderr>,
    mut held: Option<Receiver<()>>,
) {
    use std::os::fd::AsRawFd;
    let (out_fd, err_fd) = (out.reader.as_raw_fd(), err.reader.as_raw_fd());
    // Everything waiting on stderr, read and logged, without waiting for more.
    let drain_stderr = |err: &mut Pipe<ChildStderr>| {
        while err.open && readable(&[err_fd], 0)[0] {
            err.read_some();
            err.hand_over();
        }
    };
    while out.open || err.open {
        if held.is_some() && !still_held(&held) {
            held = None;
        }
        let reading_out = out.open && held.is_none();
        let fds = [
            if reading_out { out_fd } else { -1 },
            if err.open { err_fd } else { -1 },
        ];
        // While stdout is held, look at the gate again every 20 ms.
        let timeout_ms = if held.is_some() { 20 } else { -1 };
        if !readable(&fds, timeout_ms).contains(&true) {
            continue; // interrupted by a signal, or the gate's turn: poll again
        }
        drain_stderr(&mut err);
        if reading_out && readable(&[out_fd], 0)[0] {
            out.read_some();
            // What the program wrote on stderr before this read returned
            // goes to the log before these stdout lines go to the test.
            drain_stderr(&mut err);
            out.hand_over();
        }
    }
}

/// Which of `fds` (-1: none) have something to read, or have ended, after
/// waiting up to `timeout_ms` (-1: for as long as it takes).
#[cfg(unix)]
fn readable<const N: usize>(fds: &[i32; N], timeout_ms: i32) -> [bool; N] {
    let mut polled = fds.map(|fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    });
    // SAFETY: `polled` is an array of N initialised pollfd, valid for the call.
    let n = unsafe { libc::poll(polled.as_mut_ptr(), N as libc::nfds_t, timeout_ms) };
    match n {
        n if n > 0 => polled.map(|p| p.revents != 0),
        _ => [false; N],
    }
}

#[cfg(not(unix))]
fn read_both(out: Pipe<ChildStdout>, err: Pipe<ChildStderr>, held: Option<Receiver<()>>) {
    fn read_all<R: Read + Send + 'static>(mut pipe: Pipe<R>) {
        while pipe.open {
            pipe.read_some();
            pipe.hand_over();
        }
    }
    let err = thread::spawn(move || read_all(err));
    if let Some(gate) = held {
        // Something sent, or the gate dropped: stdout may be read.
        let _ = gate.recv();
    }
    read_all(out);
    let _ = err.join();
}
