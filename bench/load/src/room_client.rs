//! One room client: a reader task that checks every line it receives (none
//! lost, duplicated, reordered or its own) and times it, and a writer task
//! that sends its lines, each stamped with the time it was written.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::net::io_problem;
use crate::room::Room;

/// Bytes read at once: many lines per system call when the room is busy.
/// (10,000 clients hold 160 MB of these: the tool's memory, not the server's.)
const READ_SIZE: usize = 16 * 1024;
/// Longer than any line the tool sends or the server should: `--size` pads
/// lines to at most this, and a line that does not fit is a problem.
const MAX_LINE: usize = 64 * 1024;

/// What one client's reader saw.
#[derive(Default)]
pub struct Reader {
    /// Microseconds from the sender's write to this client's read.
    pub latencies: Vec<u32>,
    /// When the last expected line arrived.
    pub done_at: Option<Instant>,
}

/// What the reader does after a line.
enum Next {
    Read,
    /// A stalled client got the sync line: from now on it reads nothing.
    Stall,
}

/// Reads everything one client receives, until the run tells it to stop.
pub async fn read_room(me: usize, mut from_server: OwnedReadHalf, room: Arc<Room>) -> Reader {
    let mut client = Client {
        me,
        expected: room.expected_by(me),
        next: vec![0; room.senders],
        got: 0,
        counted: 0,
        notices: 0,
        notices_counted: 0,
        synced: false,
        seen: Reader::default(),
        room: &room,
    };
    client.seen.latencies.reserve(client.expected);
    let mut buffer = vec![0; READ_SIZE];
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            if buffer.len() > MAX_LINE {
                room.problem(format!("client {me}: a line longer than {MAX_LINE} bytes"));
                client.cut();
                break;
            }
            buffer.resize(buffer.len() * 2, 0);
        }
        let read = tokio::select! {
            read = from_server.read(&mut buffer[filled..]) => read,
            () = room.stop.cancelled() => break,
        };
        match read {
            Ok(0) => {
                if client.missing() {
                    room.problem(format!(
                        "client {me}: closed by the server after {} of {} lines",
                        client.got, client.expected
                    ));
                    client.cut();
                }
                break;
            }
            Ok(n) => filled += n,
            Err(e) => {
                if client.missing() {
                    room.problem(format!(
                        "client {me}: {} after {} of {} lines",
                        io_problem("could not read", &e),
                        client.got,
                        client.expected
                    ));
                    client.cut();
                }
                break;
            }
        }
        // Lines that came in one read arrived at the same time: one clock
        // reading for all of them.
        let received = room.clock.elapsed().as_micros() as u64;
        let mut start = 0;
        while let Some(end) = buffer[start..filled].iter().position(|&b| b == b'\n') {
            let line = &buffer[start..start + end];
            start += end + 1;
            if let Next::Stall = client.line(line, received) {
                client.flush();
                // keeps its socket open, unread, until the end of the run
                room.stop.cancelled().await;
                return client.seen;
            }
        }
        buffer.copy_within(start..filled, 0);
        filled -= start;
    }
    client.flush();
    client.seen
}

/// One reader's running count.
struct Client<'a> {
    me: usize,
    expected: usize,
    /// The next line number expected from each sender.
    next: Vec<usize>,
    got: usize,
    /// Lines already added to the room's shared count.
    counted: usize,
    notices: u64,
    notices_counted: u64,
    synced: bool,
    seen: Reader,
    room: &'a Room,
}

impl Client<'_> {
    fn line(&mut self, line: &[u8], received: u64) -> Next {
        let room = self.room;
        let me = self.me;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // `[IP:PORT] text` from another client
        let body = line
            .strip_prefix(b"[")
            .and_then(|rest| rest.windows(2).position(|w| w == b"] "))
            .map(|at| &line[at + 3..]);
        match body {
            Some(b"sync") => {
                if !self.synced {
                    self.synced = true;
                    // every join notice came before it: counted in the join
                    self.flush();
                    room.synced.fetch_add(1, Ordering::SeqCst);
                    if me >= room.stalled_from {
                        self.finish();
                        return Next::Stall;
                    }
                    if self.expected == 0 {
                        self.complete();
                    }
                }
            }
            Some(body) if body.starts_with(b"load ") => {
                match parse_load(&body[5..]) {
                    None => room.problem(format!("client {me}: garbled line {}", show(line))),
                    Some((sender, _, _)) if sender == me => room.problem(format!(
                        "client {me}: got its own line back: {}",
                        show(line)
                    )),
                    Some((sender, seq, _))
                        if sender >= room.senders || seq != self.next[sender] =>
                    {
                        room.problem(format!(
                            "client {me}: line {seq} of client {sender} came out of order or twice"
                        ))
                    }
                    Some((sender, _, sent)) => {
                        self.next[sender] += 1;
                        self.got += 1;
                        let micros = received.saturating_sub(sent).min(u32::MAX as u64);
                        self.seen.latencies.push(micros as u32);
                        if self.got == self.expected {
                            self.complete();
                        }
                        // batched: one shared counter bumped per line would
                        // make every task fight over one cache line
                        if self.got - self.counted >= 64 {
                            self.flush();
                        }
                    }
                }
            }
            _ if line.starts_with(b"* ") => {
                self.notices += 1;
                if self.notices - self.notices_counted >= 1024 {
                    self.flush();
                }
                if me == 0 && line.ends_with(b" joined") {
                    room.joins_seen.fetch_add(1, Ordering::Relaxed);
                }
                // joined / left notices; one reader counts the stalled who left
                if me == 0 && line.ends_with(b" left") {
                    let name = String::from_utf8_lossy(&line[2..line.len() - 5]);
                    let stalled = room.stalled.lock().unwrap_or_else(|e| e.into_inner());
                    if stalled.iter().any(|s| *s == name) {
                        room.dropped.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            _ if line.starts_with(b"error") || line == b"adios" => {
                room.problem(format!("client {me}: the server said {}", show(line)));
            }
            _ => room.problem(format!("client {me}: unexpected line {}", show(line))),
        }
        Next::Read
    }

    /// Lines still to come when the server closed on it, or failed it,
    /// before the run told the tasks to stop.
    fn missing(&self) -> bool {
        self.got < self.expected && !self.room.stopping.load(Ordering::SeqCst)
    }

    fn complete(&mut self) {
        self.seen.done_at = Some(Instant::now());
        self.room.complete.fetch_add(1, Ordering::SeqCst);
        self.flush();
        self.finish();
    }

    fn finish(&self) {
        self.room.finished.fetch_add(1, Ordering::SeqCst);
    }

    /// The server closed this client before it had every line.
    fn cut(&self) {
        self.room.cut.fetch_add(1, Ordering::SeqCst);
        self.finish();
    }

    /// Adds what this reader counted to the room's shared counts.
    fn flush(&mut self) {
        let room = self.room;
        room.delivered
            .fetch_add((self.got - self.counted) as u64, Ordering::Relaxed);
        self.counted = self.got;
        room.notices
            .fetch_add(self.notices - self.notices_counted, Ordering::Relaxed);
        self.notices_counted = self.notices;
    }
}

/// `SENDER SEQ MICROS`, after `load `
fn parse_load(words: &[u8]) -> Option<(usize, usize, u64)> {
    let mut words = words.split(|&b| b == b' ');
    let sender = number(words.next()?)?;
    let seq = number(words.next()?)?;
    let sent = number(words.next()?)?;
    Some((sender as usize, seq as usize, sent))
}

/// A decimal number in ASCII, without going through a `str`.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
    })
}

fn show(line: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(line))
}

/// Sends this client's lines, each with the time it was written, then
/// hands its write half back: dropping it would close the connection.
pub async fn write_room(
    me: usize,
    mut to_server: OwnedWriteHalf,
    room: Arc<Room>,
) -> OwnedWriteHalf {
    for seq in 0..room.lines {
        let sent = room.clock.elapsed().as_micros();
        let line = format!("load {me} {seq} {sent}{}\n", room.padding);
        let written = tokio::select! {
            written = to_server.write_all(line.as_bytes()) => written,
            () = room.stop.cancelled() => break,
        };
        if let Err(e) = written {
            if !room.stopping.load(Ordering::SeqCst) {
                room.problem(format!(
                    "client {me}: {} line {seq}",
                    io_problem("could not send", &e)
                ));
            }
            break;
        }
    }
    to_server
}
