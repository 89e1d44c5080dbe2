//! The plumbing the lab tests share: start a program, read what it prints,
//! talk to it over TCP, and never wait longer than `DEADLINE` for anything.
//!
//! Each `tests/labN.rs` holds only behaviours; everything that spawns, waits,
//! reads or kills lives here, so a test body reads like the contract.
//!
//! Every wait has a deadline and every failure says what was expected, what
//! came instead, and what the program under test printed on stderr (where a
//! starter's `todo!("step N: ...")` message shows up).

// Each test file uses its own part of this module.
#![allow(dead_code)]
// The helpers are #[track_caller]: a failure points at the line of the test
// that expected something, not at this file.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// The longest any single wait may take. Loopback answers in microseconds;
/// this only bounds how long a broken program can keep a test waiting.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// The program under test: the student's binary, or with `--features
/// solutions` the reference one (`lab1_server_sol` for `lab1_server`).
///
/// `lab!("lab1_server")` picks it at compile time.
#[derive(Clone, Copy)]
pub struct Program {
    /// The name students know it by (`lab1_server`), used in messages.
    pub name: &'static str,
    pub path: &'static Path,
}

#[cfg(not(feature = "solutions"))]
macro_rules! lab {
    ($name:literal) => {
        $crate::support::Program {
            name: $name,
            path: assert_cmd::cargo::cargo_bin!($name),
        }
    };
}

#[cfg(feature = "solutions")]
macro_rules! lab {
    ($name:literal) => {
        $crate::support::Program {
            name: $name,
            path: assert_cmd::cargo::cargo_bin!(concat!($name, "_sol")),
        }
    };
}

pub(crate) use lab;

impl Program {
    /// For programs that run and exit (`--help`, an error at start-up):
    /// an `assert_cmd` command with the deadline already set.
    pub fn command(&self) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::new(self.path);
        command.timeout(DEADLINE).env_remove("RUST_BACKTRACE");
        command
    }

    /// For programs that keep running: spawn with piped stdin, stdout and
    /// stderr. The returned guard kills and reaps the process when dropped,
    /// also when the test panics.
    #[track_caller]
    pub fn spawn(&self, args: &[&str]) -> Running {
        let child = Command::new(self.path)
            .args(args)
            // A starter's todo!() message then reads in two lines, not forty.
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) => panic!("could not start {}: {e}", self.name),
        };
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stderr_log = Log::default();
        Running {
            name: self.name,
            stdin: child.stdin.take(),
            stdout: read_lines_in_background(stdout, Log::default()),
            stderr: read_lines_in_background(stderr, stderr_log.clone()),
            stderr_log,
            partial_stdout: Vec::new(),
            child,
        }
    }

    /// Spawns a server on `--port 0` and waits for its `listening on
    /// IP:PORT` line, so tests can run in parallel on free ports.
    #[track_caller]
    pub fn start_server(&self, extra_args: &[&str]) -> Server {
        let mut args = vec!["--port", "0"];
        args.extend_from_slice(extra_args);
        let mut running = self.spawn(&args);
        let addr = running.read_listening_line();
        Server { running, addr }
    }
}

// ---------------------------------------------------------------------------
// A running program

/// Everything a program wrote on one of its pipes, kept for failure messages.
/// `closed` turns true when the pipe reaches its end (the program exited).
#[derive(Clone, Default)]
pub struct Log(Arc<(Mutex<LogState>, Condvar)>);

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
    pub fn name(&self) -> &'static str {
        self.name
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
                "could not type {:?} on {name}'s stdin ({e}): did it exit?\n{}",
                String::from_utf8_lossy(bytes),
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
                "expected {expected:?} on {}'s stdout, got {line:?}\n{}",
                self.name,
                self.stderr_report()
            ),
            Err(missing) => panic!(
                "expected {expected:?} on {}'s stdout within {}s, got {}\n{}",
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
                "expected no more output from {}, got {line:?}\n{}",
                self.name,
                self.stderr_report()
            ),
            Err(missing) => panic!(
                "expected {} to end its output within {}s, got {}\n{}",
                self.name,
                DEADLINE.as_secs(),
                self.describe(missing),
                self.stderr_report()
            ),
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
                " (after an unfinished line {:?} with no \\n)",
                String::from_utf8_lossy(&self.partial_stdout)
            ),
        };
        match missing {
            Missing::Nothing => "nothing".to_string(),
            Missing::End => format!("the end of its output{partial}"),
        }
    }

    /// Waits (with the deadline) for the program to exit, and returns how.
    #[track_caller]
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        match self.child.wait_timeout(DEADLINE) {
            Ok(Some(status)) => status,
            Ok(None) => panic!(
                "expected {} to exit within {}s, it is still running\n{}",
                self.name,
                DEADLINE.as_secs(),
                self.stderr_report()
            ),
            Err(e) => panic!("could not wait for {}: {e}", self.name),
        }
    }

    /// The program exits with status 0 within the deadline.
    #[track_caller]
    pub fn expect_success(&mut self) {
        let status = self.wait_for_exit();
        assert!(
            status.success(),
            "expected {} to exit with status 0, it exited with {status}\n{}",
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

    fn stderr_report(&self) -> String {
        let stderr = self.stderr();
        match stderr.trim().is_empty() {
            true => format!("({} printed nothing on stderr)", self.name),
            false => format!("{}'s stderr:\n{}", self.name, indent(&stderr)),
        }
    }

    /// Reads the contract's first stderr line, `listening on IP:PORT`.
    #[track_caller]
    fn read_listening_line(&mut self) -> SocketAddr {
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
                "expected the first line of {}'s stderr to be `listening on IP:PORT`, got {line:?}",
                self.name
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

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

// ---------------------------------------------------------------------------
// A server under test

/// A server started on a free port, with the address it announced.
pub struct Server {
    running: Running,
    pub addr: SocketAddr,
}

impl Server {
    #[track_caller]
    pub fn start(program: Program) -> Server {
        program.start_server(&[])
    }

    /// The port as a string, for `--port` on a client's command line.
    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Opens a connection to the server, as a client would.
    #[track_caller]
    pub fn connect(&self) -> Peer {
        let stream = match TcpStream::connect(self.addr) {
            Ok(stream) => stream,
            Err(e) => panic!(
                "could not connect to {} at {}: {e}\n{}",
                self.running.name,
                self.addr,
                self.running.stderr_report()
            ),
        };
        Peer::new(
            stream,
            self.running.name,
            Some(self.running.stderr_log.clone()),
        )
    }
}

impl std::ops::Deref for Server {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Running {
        &mut self.running
    }
}

// ---------------------------------------------------------------------------
// A fake server, to grade a client on its own

/// A listener written in the test, standing in for the lab's server, so a
/// student's client is graded even when their server is broken.
pub struct FakeServer {
    listener: Arc<TcpListener>,
    pub addr: SocketAddr,
}

impl FakeServer {
    pub fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a fake server");
        let addr = listener.local_addr().expect("fake server address");
        FakeServer {
            listener: Arc::new(listener),
            addr,
        }
    }

    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Waits for `client` to connect, with the deadline.
    #[track_caller]
    pub fn accept(&self, client: &Running) -> Peer {
        let (accepted, receiver) = mpsc::channel();
        let listener = Arc::clone(&self.listener);
        thread::spawn(move || {
            let _ = accepted.send(listener.accept().map(|(stream, _)| stream));
        });
        match receiver.recv_timeout(DEADLINE) {
            Ok(Ok(stream)) => Peer::new(stream, client.name, Some(client.stderr_log.clone())),
            Ok(Err(e)) => panic!("the fake server could not accept: {e}"),
            Err(_) => {
                // Wake the accepting thread so it does not outlive the test.
                let _ = TcpStream::connect(self.addr);
                panic!(
                    "expected {} to connect to {} within {}s, it did not\n{}",
                    client.name,
                    self.addr,
                    DEADLINE.as_secs(),
                    client.stderr_report()
                )
            }
        }
    }
}

/// A port where nothing listens, reserved while this guard lives: a socket
/// is bound to it but never listens, so connecting is refused, and no other
/// test can take the port meanwhile (as it could once a listener is closed).
pub struct RefusedPort {
    _bound: socket2::Socket,
    port: u16,
}

impl RefusedPort {
    pub fn port(&self) -> String {
        self.port.to_string()
    }
}

pub fn refused_port() -> RefusedPort {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("create a socket");
    let any_port: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    socket.bind(&any_port.into()).expect("bind a free port");
    let port = socket
        .local_addr()
        .ok()
        .and_then(|addr| addr.as_socket())
        .expect("the bound port")
        .port();
    RefusedPort {
        _bound: socket,
        port,
    }
}

/// What the contract asks of a failure on stderr: it names the address,
/// says `error` (in any case), and is not a panic.
pub fn an_error_naming(addr: &str) -> impl predicates::Predicate<str> {
    use predicates::prelude::*;
    predicate::str::contains(addr.to_string())
        .and(predicate::str::is_match("(?i)error").expect("a valid pattern"))
        .and(predicate::str::contains("panicked").not())
}

// ---------------------------------------------------------------------------
// The rules every binary keeps, checked the same way in every lab

/// `--help` shows the two options and `--version` answers, as clap gives them.
#[track_caller]
pub fn expect_help_and_version(program: Program) {
    use predicates::prelude::*;
    program
        .command()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("--host").and(predicate::str::contains("--port")));
    program
        .command()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::is_empty().not());
}

/// A server asked to listen on a port already taken fails: non-zero exit,
/// and an error that names the address, not a panic.
#[track_caller]
pub fn expect_port_in_use_error(server: Program) {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = taken.local_addr().expect("its address").port().to_string();
    server
        .command()
        .args(["--port", &port])
        .assert()
        .failure()
        .stderr(an_error_naming(&format!("127.0.0.1:{port}")));
}

/// A client pointed at a port where nothing listens fails: non-zero exit,
/// and an error that names the address, not a panic.
#[track_caller]
pub fn expect_refused_connection_error(client: Program) {
    let refused = refused_port();
    let port = refused.port();
    client
        .command()
        .args(["--port", &port])
        .write_stdin("hola\n")
        .assert()
        .failure()
        .stderr(an_error_naming(&format!("127.0.0.1:{port}")));
}

/// A client whose server hangs up while it waits for a reply (after
/// `partial_reply`, maybe nothing) exits and says so on stderr, without a
/// panic. The contract leaves the exit status and the wording free.
#[track_caller]
pub fn expect_client_to_report_a_hang_up(client: Program, partial_reply: &[u8]) {
    let fake = FakeServer::start();
    let mut client = client.spawn(&["--port", &fake.port()]);
    let mut server_side = fake.accept(&client);
    client.type_line("hola");
    server_side.expect_line("hola");
    let before = client.stderr_so_far();
    server_side.send(partial_reply);
    drop(server_side);

    client.wait_for_exit();
    client.expect_a_new_notice_on_stderr(&before, "the server hung up");
}

/// A pause between two writes, to shape traffic (make a line arrive in
/// pieces). Never used to wait for something to happen: tests wait for
/// events, with deadlines.
fn pause_between_writes() {
    thread::sleep(Duration::from_millis(100));
}

// ---------------------------------------------------------------------------
// One end of a TCP connection, driven by the test

/// A raw TCP connection held by the test: to a server under test (`other`
/// is the server) or from a client under test to a fake server (`other` is
/// the client). Every read has the deadline.
pub struct Peer {
    stream: TcpStream,
    /// Bytes received but not yet consumed by a read.
    pending: Vec<u8>,
    other: &'static str,
    other_stderr: Option<Log>,
}

/// What one read from the socket brought.
enum Received {
    Data,
    Closed,
    Reset(io::Error),
    Nothing,
}

impl Peer {
    fn new(stream: TcpStream, other: &'static str, other_stderr: Option<Log>) -> Peer {
        // Small writes go out at once: the tests shape traffic on purpose.
        stream.set_nodelay(true).expect("set TCP_NODELAY");
        // A program that stops reading cannot make a send hang the test.
        stream
            .set_write_timeout(Some(DEADLINE))
            .expect("set a write timeout");
        Peer {
            stream,
            pending: Vec::new(),
            other,
            other_stderr,
        }
    }

    /// The address of this end, as the program on the other side sees it.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().expect("local address")
    }

    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.stream.write_all(bytes) {
            panic!(
                "could not send {} bytes to {}: {e}\n{}",
                bytes.len(),
                self.other,
                self.report()
            );
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
            .expect("set SO_LINGER to 0");
        // Dropping a socket that lingers 0 seconds sends RST, not FIN.
    }

    /// Reads exactly `n` bytes, however many reads they take.
    #[track_caller]
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + DEADLINE;
        while self.pending.len() < n {
            match self.receive(deadline) {
                Received::Data => {}
                other => panic!(
                    "expected {n} bytes from {} within {}s, got {} bytes ({}) and then {}\n{}",
                    self.other,
                    DEADLINE.as_secs(),
                    self.pending.len(),
                    preview(&self.pending),
                    other,
                    self.report()
                ),
            }
        }
        self.pending.drain(..n).collect()
    }

    /// The next bytes received must be `expected`, exactly.
    #[track_caller]
    pub fn expect_bytes(&mut self, expected: &[u8]) {
        let got = self.read_exact(expected.len());
        if got != expected {
            let first_difference = got.iter().zip(expected).position(|(a, b)| a != b);
            panic!(
                "expected {} bytes {} back from {}, got {} (first difference at byte {})\n{}",
                expected.len(),
                preview(expected),
                self.other,
                preview(&got),
                first_difference.unwrap_or(0),
                self.report()
            );
        }
    }

    /// The next line received, without its `\n` (or `\r\n`).
    #[track_caller]
    pub fn read_line(&mut self) -> String {
        match self.next_line() {
            Ok(line) => line,
            Err(other) => panic!(
                "expected a line from {} within {}s, got {}{}\n{}",
                self.other,
                DEADLINE.as_secs(),
                other,
                self.unfinished(),
                self.report()
            ),
        }
    }

    /// The next line received must be `expected`.
    #[track_caller]
    pub fn expect_line(&mut self, expected: &str) {
        match self.next_line() {
            Ok(line) if line == expected => {}
            Ok(line) => panic!(
                "expected the line {expected:?} from {}, got {line:?}\n{}",
                self.other,
                self.report()
            ),
            Err(other) => panic!(
                "expected the line {expected:?} from {} within {}s, got {}{}\n{}",
                self.other,
                DEADLINE.as_secs(),
                other,
                self.unfinished(),
                self.report()
            ),
        }
    }

    /// The next whole line, or what came instead of it within the deadline.
    fn next_line(&mut self) -> Result<String, Received> {
        let deadline = Instant::now() + DEADLINE;
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
                panic!(
                    "expected {} to close the connection, it sent {} instead\n{}",
                    self.other,
                    preview(&self.pending),
                    self.report()
                );
            }
            match self.receive(deadline) {
                Received::Data => {}
                Received::Closed | Received::Reset(_) => return,
                Received::Nothing => panic!(
                    "expected {} to close the connection within {}s, it is still open\n{}",
                    self.other,
                    DEADLINE.as_secs(),
                    self.report()
                ),
            }
        }
    }

    /// One read, waiting at most until `deadline`.
    fn receive(&mut self, deadline: Instant) -> Received {
        let mut buf = [0; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Received::Nothing;
            }
            self.stream
                .set_read_timeout(Some(left))
                .expect("set a read timeout");
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

    fn unfinished(&self) -> String {
        match self.pending.is_empty() {
            true => String::new(),
            false => format!(
                " after an unfinished line {} with no \\n",
                preview(&self.pending)
            ),
        }
    }

    fn report(&self) -> String {
        match &self.other_stderr {
            None => String::new(),
            Some(log) => {
                let stderr = log.settled_text();
                match stderr.trim().is_empty() {
                    true => format!("({} printed nothing on stderr)", self.other),
                    false => format!("{}'s stderr:\n{}", self.other, indent(&stderr)),
                }
            }
        }
    }
}

impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Received::Data => write!(f, "data"),
            Received::Closed => write!(f, "the connection closed"),
            Received::Reset(e) => write!(f, "the connection reset ({e})"),
            Received::Nothing => write!(f, "nothing more"),
        }
    }
}

/// Bytes as a short, readable quote for failure messages.
fn preview(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]);
    match bytes.len() > SHOWN {
        true => format!("{text:?}... ({} bytes in all)", bytes.len()),
        false => format!("{text:?}"),
    }
}

// ---------------------------------------------------------------------------
// What a program said on stderr before a given moment (added for lab 3)

impl Running {
    /// What the program printed on stderr until now, without waiting for
    /// more. To check that an event makes a program say something, take this
    /// before the event and compare it with `stderr()` once the program has
    /// exited: a line that reaches the log late can only count as new, so a
    /// program that keeps the contract never fails for it.
    pub fn stderr_so_far(&self) -> String {
        let (state, _) = &*self.stderr_log.0;
        state.lock().unwrap().text.clone()
    }

    /// Since `before` (taken with `stderr_so_far`), the program said
    /// something more on stderr, and did not panic: the contract fixes that
    /// it tells the user, not the wording.
    #[track_caller]
    pub fn expect_a_new_notice_on_stderr(&self, before: &str, about: &str) {
        let stderr = self.stderr();
        let new = stderr.get(before.len()..).unwrap_or_default();
        assert!(
            !new.trim().is_empty() && !stderr.contains("panicked"),
            "expected {} to say on stderr that {about} (without panicking); before, it had printed:\n{}in all, it printed:\n{}",
            self.name,
            indent(before),
            indent(&stderr)
        );
    }
}

// ---------------------------------------------------------------------------
// A client that does not read (added for lab 4)

impl Server {
    /// Opens a connection that lets little data wait for it, for a client
    /// that does not read: a server that writes to it is stopped by its full
    /// buffers after about a hundred kilobytes instead of several megabytes
    /// (on loopback the server's send buffer grows with the segment size,
    /// 64 KB there), so a test needs little traffic to show whether the
    /// server waits for it.
    #[track_caller]
    pub fn connect_with_small_buffer(&self) -> Peer {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(self.addr), Type::STREAM, None)
            .expect("create a socket");
        // Set before connecting: they shape the TCP window and segments.
        socket
            .set_recv_buffer_size(4096)
            .expect("set a small receive buffer");
        #[cfg(unix)]
        socket
            .set_tcp_mss(536)
            .expect("set a small maximum segment size");
        if let Err(e) = socket.connect(&self.addr.into()) {
            panic!(
                "could not connect to {} at {}: {e}\n{}",
                self.running.name,
                self.addr,
                self.running.stderr_report()
            );
        }
        Peer::new(
            socket.into(),
            self.running.name,
            Some(self.running.stderr_log.clone()),
        )
    }
}
