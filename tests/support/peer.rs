//! One end of a TCP connection, driven by the test: send bytes or lines
//! (whole, in pieces, or cut by a reset), read exact bytes or whole lines,
//! and see the other side close. Every read has the deadline.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use super::DEADLINE;
use super::hints;
use super::lang::{OrFail, pick, text};
use super::output::Log;
use super::show::{mismatch, quote};

/// A pause between two writes, to shape traffic (make a line arrive in
/// pieces). Never used to wait for something to happen: tests wait for
/// events, with deadlines.
fn pause_between_writes() {
    thread::sleep(Duration::from_millis(100));
}

/// A raw TCP connection held by the test: to a server under test (`other`
/// is the server) or from a client under test to a fake server (`other` is
/// the client). Every read has the deadline.
pub struct Peer {
    stream: TcpStream,
    /// Bytes received but not yet consumed by a read.
    pending: Vec<u8>,
    other: &'static str,
    other_stderr: Option<Log>,
    /// A pause before each read, for a peer that reads slowly.
    pace: Option<Duration>,
}

/// What one read from the socket brought.
enum Received {
    Data,
    Closed,
    Reset(io::Error),
    Nothing,
}

impl Peer {
    pub(super) fn new(stream: TcpStream, other: &'static str, other_stderr: Option<Log>) -> Peer {
        // Small writes go out at once: the tests shape traffic on purpose.
        stream
            .set_nodelay(true)
            .or_fail("set TCP_NODELAY", "poner TCP_NODELAY");
        // A program that stops reading cannot make a send hang the test.
        stream.set_write_timeout(Some(DEADLINE)).or_fail(
            "set a write timeout",
            "poner un límite de tiempo a la escritura",
        );
        Peer {
            stream,
            pending: Vec::new(),
            other,
            other_stderr,
            pace: None,
        }
    }

    /// From now on, pauses `pause` before each read (of at most 4 KiB): a
    /// client that is behind on reading, as on a slow link or a terminal
    /// paused for a moment. The pauses shape traffic; nothing waits on them.
    pub fn read_slowly(&mut self, pause: Duration) {
        self.pace = Some(pause);
    }

    /// The address of this end, as the program on the other side sees it.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream
            .local_addr()
            .or_fail("read its local address", "leer su dirección local")
    }

    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.stream.write_all(bytes) {
            // A refused write means the other side closed the connection:
            // that is the news, more than the write.
            let exited = match &self.other_stderr {
                Some(log) if log.is_closed() => pick(" (it has exited)", " (ya terminó)"),
                _ => "",
            };
            self.fail(text!(
                en: "could not send {n} bytes to {other}: {e}; {other} had closed the \
                     connection{exited}",
                es: "no se pudieron enviar {n} bytes a {other}: {e}; {other} había cerrado la \
                     conexión{exited}",
                n = bytes.len(),
                other = self.other,
            ));
        }
    }

    /// Sends `pieces` one write each, with a pause between them, so that the
    /// other side sees them arrive apart (a line split over several packets).
    #[track_caller]
    pub fn send_in_pieces(&mut self, pieces: &[&[u8]]) {
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                pause_between_writes();
            }
            self.send(piece);
        }
    }

    #[track_caller]
    pub fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\n").as_bytes());
    }

    /// Sends `byte` again and again, a line that never ends, until the other
    /// side stops taking it (its connection closes, or a write waits the
    /// deadline) or `most` bytes are out; returns how many were sent.
    pub fn send_a_line_that_never_ends(&mut self, byte: u8, most: usize) -> usize {
        let chunk = vec![byte; 64 * 1024];
        let mut sent = 0;
        while sent < most && self.stream.write_all(&chunk).is_ok() {
            sent += chunk.len();
        }
        sent
    }

    /// Another handle on this connection, to send from a thread of its own
    /// while this one reads (the same socket, so the same write timeout).
    pub fn sending_handle(&self) -> TcpStream {
        self.stream
            .try_clone()
            .or_fail("clone a socket handle", "sacar otro handle del socket")
    }

    /// Closes the sending half: the other side reads the end of the stream,
    /// while this side can still receive.
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Closes the connection abruptly with a TCP reset (RST), as a crashed
    /// client or a pulled cable would, instead of a polite close.
    pub fn reset(self) {
        socket2::SockRef::from(&self.stream)
            .set_linger(Some(Duration::ZERO))
            .or_fail("set SO_LINGER to 0", "poner SO_LINGER en 0");
        // Dropping a socket that lingers 0 seconds sends RST, not FIN.
    }

    /// Reads exactly `n` bytes, however many reads they take.
    #[track_caller]
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        self.read_bytes(n, None)
    }

    /// The next bytes received must be `expected`, exactly.
    #[track_caller]
    pub fn expect_bytes(&mut self, expected: &[u8]) {
        let got = self.read_bytes(expected.len(), Some(expected));
        if got != expected {
            let other = self.other;
            self.fail(mismatch(
                &String::from_utf8_lossy(expected),
                &String::from_utf8_lossy(&got),
                &text!(en: "back from {other}", es: "de vuelta de {other}"),
            ));
        }
    }

    /// `n` bytes, however many reads they take; `expected`, if known, is
    /// quoted when they do not all come.
    #[track_caller]
    fn read_bytes(&mut self, n: usize, expected: Option<&[u8]>) -> Vec<u8> {
        let deadline = Instant::now() + DEADLINE;
        while self.pending.len() < n {
            match self.receive(deadline) {
                Received::Data => {}
                then => self.fail(text!(
                    en: "expected {n} bytes{expected} from {other} within {secs}s, got {k} \
                         bytes ({came}) and then {then}",
                    es: "se esperaban {n} bytes{expected} de {other} en menos de {secs} s, pero \
                         llegaron {k} bytes ({came}) y luego {then}",
                    expected = expected
                        .map(|e| format!(" {}", quote(e)))
                        .unwrap_or_default(),
                    other = self.other,
                    secs = DEADLINE.as_secs(),
                    k = self.pending.len(),
                    came = quote(&self.pending),
                )),
            }
        }
        self.pending.drain(..n).collect()
    }

    /// Nothing arrives for `window`: for checking that a server busy with
    /// another client does not answer this one. Waits that long for
    /// something that must not come: no event says "it did not".
    #[track_caller]
    pub fn expect_nothing_within(&mut self, window: Duration, why: &str) {
        let deadline = Instant::now() + window;
        while self.pending.is_empty() {
            match self.receive(deadline) {
                Received::Data => {}
                // Nothing in the window, or the other side closed: nothing
                // came.
                _ => return,
            }
        }
        self.fail(text!(
            en: "expected nothing from {other} for {ms} ms ({why}), got {early}",
            es: "no se esperaba nada de {other} en {ms} ms ({why}), pero llegó {early}",
            other = self.other,
            ms = window.as_millis(),
            early = quote(&self.pending),
        ));
    }

    /// The next line received, without its `\n` (or `\r\n`).
    #[track_caller]
    pub fn read_line(&mut self) -> String {
        match self.next_line() {
            Ok(line) => line,
            Err(then) => self.fail(text!(
                en: "expected a line from {other} within {secs}s, got {then}{unfinished}",
                es: "se esperaba una línea de {other} en menos de {secs} s, pero \
                     {then}{unfinished}",
                other = self.other,
                secs = DEADLINE.as_secs(),
                unfinished = self.unfinished(),
            )),
        }
    }

    /// The next line received, or None if the other side closes (or resets)
    /// the connection first: for a peer the other side may drop.
    #[track_caller]
    pub fn read_line_or_end(&mut self) -> Option<String> {
        match self.next_line() {
            Ok(line) => Some(line),
            Err(Received::Closed | Received::Reset(_)) => None,
            Err(then) => self.fail(text!(
                en: "expected a line from {other} within {secs}s (or the connection to close), \
                     got {then}{unfinished}",
                es: "se esperaba una línea de {other} en menos de {secs} s (o que se cerrara la \
                     conexión), pero {then}{unfinished}",
                other = self.other,
                secs = DEADLINE.as_secs(),
                unfinished = self.unfinished(),
            )),
        }
    }

    /// The next line received must be `expected`.
    #[track_caller]
    pub fn expect_line(&mut self, expected: &str) {
        match self.next_line() {
            Ok(line) if line == expected => {}
            Ok(line) => {
                let other = self.other;
                let from = text!(en: "from {other}", es: "de {other}");
                self.fail(mismatch(expected, &line, &from) + &self.own_line_hint(&line))
            }
            Err(then) => self.fail(text!(
                en: "expected the line {line} from {other} within {secs}s, got \
                     {then}{unfinished}",
                es: "se esperaba la línea {line} de {other} en menos de {secs} s, pero \
                     {then}{unfinished}",
                line = quote(expected.as_bytes()),
                other = self.other,
                secs = DEADLINE.as_secs(),
                unfinished = self.unfinished(),
            )),
        }
    }

    /// The next line received, if one comes before `deadline` (a deadline
    /// shared by several lines), or None: nothing more came in time, or the
    /// connection ended.
    pub fn read_line_before(&mut self, deadline: Instant) -> Option<String> {
        self.next_line_before(deadline).ok()
    }

    /// The next whole line, or what came instead of it within the deadline.
    fn next_line(&mut self) -> Result<String, Received> {
        self.next_line_before(Instant::now() + DEADLINE)
    }

    fn next_line_before(&mut self, deadline: Instant) -> Result<String, Received> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                return Ok(line
                    .trim_end_matches('\n')
                    .trim_end_matches('\r')
                    .to_string());
            }
            match self.receive(deadline) {
                Received::Data => {}
                other => return Err(other),
            }
        }
    }

    /// The other side closes the connection (or resets it) without sending
    /// anything more.
    #[track_caller]
    pub fn expect_closed(&mut self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if !self.pending.is_empty() {
                self.fail(text!(
                    en: "expected {other} to close the connection, it sent {sent} instead",
                    es: "se esperaba que {other} cerrara la conexión, pero en su lugar envió \
                         {sent}",
                    other = self.other,
                    sent = quote(&self.pending),
                ));
            }
            match self.receive(deadline) {
                Received::Data => {}
                Received::Closed | Received::Reset(_) => return,
                Received::Nothing => self.fail(text!(
                    en: "expected {other} to close the connection within {secs}s, it is still \
                         open",
                    es: "se esperaba que {other} cerrara la conexión en menos de {secs} s, pero \
                         sigue abierta",
                    other = self.other,
                    secs = DEADLINE.as_secs(),
                )),
            }
        }
    }

    /// One read, waiting at most until `deadline`.
    fn receive(&mut self, deadline: Instant) -> Received {
        let mut buf = [0; 4096];
        if let Some(pause) = self.pace {
            // The pause shapes traffic (a client behind on reading); it
            // waits for no event.
            thread::sleep(pause);
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Received::Nothing;
            }
            self.stream.set_read_timeout(Some(left)).or_fail(
                "set a read timeout",
                "poner un límite de tiempo a la lectura",
            );
            return match self.stream.read(&mut buf) {
                Ok(0) => Received::Closed,
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    Received::Data
                }
                // A signal (SIGCHLD, when another test's program exits)
                // interrupts a read that has a timeout: Linux does not
                // restart it, so try again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    Received::Nothing
                }
                Err(e) => Received::Reset(e),
            };
        }
    }

    /// In a room, a line tagged with this connection's own address is the
    /// line this client sent, come back: say so, it is the likely mistake.
    fn own_line_hint(&self, line: &str) -> String {
        match line.starts_with(&format!("[{}] ", self.local_addr())) {
            true => text!(
                en: " (that is this client's own line sent back to it: {other} must relay a \
                     line to every other client, not to its sender)",
                es: " (es la propia línea de este cliente, que le llegó de vuelta: {other} \
                     debe reenviar una línea a todos los demás clientes, no a quien la envió)",
                other = self.other,
            ),
            false => String::new(),
        }
    }

    fn unfinished(&self) -> String {
        match self.pending.is_empty() {
            true => String::new(),
            false => text!(
                en: " after an unfinished line {line} with no \\n",
                es: " tras una línea sin terminar, {line}, sin \\n",
                line = quote(&self.pending),
            ),
        }
    }

    /// Fails the test with `message`, and, when the other side is a program
    /// under test, how it stopped (if it panicked) and its stderr.
    #[track_caller]
    pub fn fail(&self, message: String) -> ! {
        match &self.other_stderr {
            None => panic!("{}", format!("{message}\n{}", hints::current()).trim_end()),
            Some(log) => panic!("{}", log.explain(self.other, &message)),
        }
    }
}

/// What came, to follow "got" in English and "pero" in Spanish.
impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let said = match self {
            Received::Data => text!(en: "data", es: "llegaron datos"),
            Received::Closed => text!(en: "the connection closed", es: "se cerró la conexión"),
            Received::Reset(e) => text!(
                en: "the connection reset ({e})",
                es: "la conexión se abortó con un reset ({e})",
            ),
            Received::Nothing => text!(en: "nothing more", es: "no llegó nada más"),
        };
        f.write_str(&said)
    }
}
