//! Lab 4: a chat room with many clients at once, and an "adios" that loses nothing.
//!
//! EN: Every client gets a thread that reads its lines and relays each one to
//!     every other client, through a queue and a writer thread of its own, so
//!     that a client that stops reading never holds up the rest. The operator
//!     types on the server's keyboard; `adios` there closes the room cleanly:
//!     everyone gets every pending line, then `adios`. Walkthrough: docs/en/lab4.md
//! ES: Cada cliente tiene un hilo que lee sus líneas y las reenvía a todos los
//!     demás, a través de una cola y un hilo escritor propios, para que un
//!     cliente que deja de leer no frene al resto. El operador escribe en el
//!     teclado del servidor; `adios` allí cierra la sala limpiamente: todos
//!     reciben cada línea pendiente y luego `adios`. Guía: docs/es/lab4.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab4_server
//!     terminals 2, 3...: cargo run --bin lab4_client

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, ErrorKind, Read};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

/// The longest line a client may send (64 KiB, as in lab 2).
const MAX_LINE: usize = 64 * 1024;
/// How many messages (a line, or lines that came together) a client may
/// fall behind before the room drops it.
const QUEUE_LEN: usize = 1024;
/// How long one write to a client may stay stuck before the room drops it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// After our end of stream (FIN), how long a client may stay silent, not
/// closing, before the server closes the socket anyway.
const LINGER: Duration = Duration::from_secs(2);
/// The most a writer lingers after its FIN, for a client that keeps talking
/// (it is still reading what was sent), and the most the room's close waits
/// for its writers before the server exits anyway.
const CLOSING: Duration = Duration::from_secs(3);
/// A client's threads keep their buffers on the heap: a small stack (the
/// default is 2 MiB) lets thousands of them fit in little memory.
const STACK_SIZE: usize = 256 * 1024;

/// A chat room: every line a client sends goes to all the others.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (0.0.0.0 to accept other machines)
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 lets the system pick a free one)
    #[arg(long, default_value_t = 6667)]
    port: u16,
}

/// A client as the room sees it: the queue of messages waiting to be sent
/// to it (None once it fell too far behind).
struct Client {
    queue: Option<SyncSender<Arc<str>>>,
}

impl Client {
    /// Queues a message for this client, never waiting. A client that is
    /// QUEUE_LEN messages behind is not reading: its queue is closed, so its
    /// writer sends what is already in it and then takes it out of the room.
    fn send(&mut self, message: Arc<str>) {
        let Some(queue) = &self.queue else {
            return; // dropped already
        };
        if let Err(TrySendError::Full(_)) = queue.try_send(message) {
            self.queue = None;
        }
    }
}

/// Everyone in the room, by address, shared by every thread.
type Room = Arc<Mutex<HashMap<SocketAddr, Client>>>;

fn main() -> ExitCode {
    // A failure is news for the user, not a bug in the program: say what
    // failed in one line, never with a backtrace (even with RUST_BACKTRACE=1).
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
fn run(args: Args) -> anyhow::Result<()> {
    let addr = format!("{}:{}", args.host, args.port);
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    let local = listener.local_addr()?;
    // the tests read this line: keep it
    eprintln!("listening on {local}");
    raise_open_file_limit();

    let room = Room::default();
    let closing = Arc::new(AtomicBool::new(false));
    let operator = {
        let (room, closing) = (Arc::clone(&room), Arc::clone(&closing));
        // the address stop_accepting connects to, to wake accept()
        let local = connectable(local);
        thread::spawn(move || operator(&room, &closing, local))
    };
    // Every client's writer thread holds a clone of `alive`: once they have
    // all ended, `all_ended.recv()` fails (nobody ever sends on it).
    let (alive, all_ended) = mpsc::channel::<()>();
    for stream in listener.incoming() {
        if closing.load(Ordering::SeqCst) {
            break; // the operator's wake-up call (or a client too late to join)
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("error: could not accept a client: {e}");
                // Out of file descriptors (or memory), accept() would fail
                // again at once: give the system a moment. A client that
                // was gone before we took it is no reason to wait.
                if !is_about_one_client(&e) {
                    thread::sleep(Duration::from_millis(100));
                }
                continue;
            }
        };
        // One client's trouble (it reset as it connected): the next one
        // is accepted at once.
        if let Err(e) = admit(&room, stream, &alive) {
            eprintln!("error: could not admit a client: {e}");
        }
    }
    close_room(&room, alive, &all_ended);
    let _ = operator.join();
    eprintln!("closed");
    Ok(())
}

/// Reads the operator's lines: each one goes to every client as
/// `[server] text`; the goodbye word closes the server.
fn operator(room: &Room, closing: &AtomicBool, local: SocketAddr) {
    for line in io::stdin().lock().split(b'\n') {
        let Ok(line) = line else { break };
        let text = decode(&line);
        if is_goodbye(&text) {
            stop_accepting(closing, local);
            return;
        }
        let line = format!("[server] {text}\n");
        relay(&mut room.lock().unwrap(), &line, None);
    }
    // The end of stdin only ends the operator's lines: the room stays open.
}

/// Tells main to stop accepting clients, and wakes it from accept().
fn stop_accepting(_closing: &AtomicBool, _local: SocketAddr) {
    // TODO (step 3): raise the `closing` flag (main checks it after every
    // accept), then wake main, which is blocked in accept() and only wakes
    // up when a client connects. Drop the `_` from the names you use.
    todo!(
        "paso 3: despierta el accept bloqueado; mira docs/es/lab4.md, paso 3 / step 3: wake the blocked accept; see docs/en/lab4.md, step 3"
    )
}

/// The address to connect to, to reach a server listening on `local`.
/// Listening on 0.0.0.0 (or ::) means "every address of this machine", but
/// it is no address to connect to: Linux and macOS take it as this machine,
/// Windows refuses. Loopback works everywhere.
fn connectable(local: SocketAddr) -> SocketAddr {
    let mut addr = local;
    if local.ip().is_unspecified() {
        addr.set_ip(match local {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

/// Whether an error of accept() is about one client only (it reset, or
/// vanished, before we took it), rather than about the server (out of file
/// descriptors or memory: then accept() fails again at once).
fn is_about_one_client(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionAborted
            | ErrorKind::ConnectionReset
            | ErrorKind::NotConnected
            | ErrorKind::Interrupted
            | ErrorKind::TimedOut
            | ErrorKind::NetworkDown
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable
            // A listening socket never gets an invalid argument of its own:
            // this is a client whose address could not be read (Wine
            // reports a client that reset in the backlog so).
            | ErrorKind::InvalidInput
    )
}

/// Puts a new client in the room and starts its two threads: one reads
/// what it says, one writes what the others say. The writer holds a clone
/// of `alive` until the end, so the room's close can wait for it.
fn admit(room: &Room, stream: TcpStream, alive: &Sender<()>) -> io::Result<()> {
    let addr = stream.peer_addr()?;
    // A client that stops reading: write() gives up after WRITE_TIMEOUT.
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    // One socket shared by both threads (one file descriptor).
    let stream = Arc::new(stream);
    let (queue, outgoing) = mpsc::sync_channel(QUEUE_LEN);
    // lock() fails only if a thread panicked while holding it: a bug, not a client
    let mut clients = room.lock().unwrap();
    // Started while we hold the lock: the client cannot speak before the
    // room knows it. If a spawn fails, the client is simply closed.
    let (to_client, room_of_writer, alive) = (Arc::clone(&stream), Arc::clone(room), alive.clone());
    spawn(move || {
        write_to_client(&room_of_writer, addr, &to_client, outgoing);
        drop(alive);
    })?;
    let room_of_reader = Arc::clone(room);
    spawn(move || handle_client(&room_of_reader, &stream, addr))?;
    relay(&mut clients, &format!("* {addr} joined\n"), None);
    clients.insert(addr, Client { queue: Some(queue) });
    // The transcript on stdout: from this line on, the client hears the room.
    println!("* {addr} joined");
    Ok(())
}

/// thread::spawn with a small stack, and an error instead of a panic when
/// the system cannot start one more thread.
fn spawn(work: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().stack_size(STACK_SIZE).spawn(work)
}

/// Sends the client every message queued for it, until the room closes the
/// queue (or a write fails); then ends the stream: the client reads every
/// byte sent, then the end (FIN). Then it lingers, before the socket closes.
fn write_to_client(
    room: &Room,
    addr: SocketAddr,
    stream: &TcpStream,
    outgoing: Receiver<Arc<str>>,
) {
    let _ = send_queued(stream, &outgoing);
    // Out of the room, if it still is: it fell too far behind, or a write
    // failed (the others are told it left).
    leave(room, addr, None);
    // Only the sending half: the client may still be sending, and what it
    // sends must be read (linger), not refused.
    let _ = stream.shutdown(Shutdown::Write);
    linger(stream);
}

fn send_queued(_stream: &TcpStream, _outgoing: &Receiver<Arc<str>>) -> io::Result<()> {
    // TODO (step 2): take messages from the queue (recv() waits for one,
    // and fails once the room closed the queue and nothing is left) and
    // write them through a BufWriter; flush only when the queue is empty, so
    // a busy room sends many messages per write(). Return Ok(()) when the
    // queue ends, and the error when a write fails. Drop the `_` from the
    // names you use.
    todo!(
        "paso 2: envía al cliente su cola; mira docs/es/lab4.md, paso 2 / step 2: send the client its queue; see docs/en/lab4.md, step 2"
    )
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, or breaks a rule. (Its writer lingers: the socket stays
/// open, and read, until the client has read everything.)
fn handle_client(room: &Room, stream: &TcpStream, addr: SocketAddr) {
    let mut reader = BufReader::new(stream);
    // Lines that arrive together are relayed together: one lock, and one
    // wake-up of each writer thread, for all of them.
    let mut said = String::new();
    let farewell = loop {
        match hear(&mut reader) {
            Heard::Line(text) => said.push_str(&format!("[{addr}] {text}\n")),
            Heard::Goodbye => break Some("adios"),
            Heard::TooLong => break Some("error: line too long"),
            Heard::End => break None,
        }
        // No other whole line has arrived: relay before waiting for more.
        if !reader.buffer().contains(&b'\n') {
            say(room, addr, &mut said);
        }
    };
    say(room, addr, &mut said);
    leave(room, addr, farewell);
}

/// What one line from a client brought.
enum Heard {
    Line(String),
    Goodbye,
    TooLong,
    End,
}

/// Reads one line: at most MAX_LINE bytes, shown lossily if not UTF-8.
fn hear(reader: &mut BufReader<&TcpStream>) -> Heard {
    let mut line = Vec::new();
    // take() bounds what one line can make us store, newline or not
    match reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
    {
        Ok(0) | Err(_) => Heard::End, // closed, reset or disconnected: it left
        Ok(_) if line.len() > MAX_LINE && !line.ends_with(b"\n") => Heard::TooLong,
        Ok(_) => match decode(&line) {
            text if is_goodbye(&text) => Heard::Goodbye,
            text => Heard::Line(text),
        },
    }
}

/// Relays what the client said (whole lines) to the others and prints it,
/// while the client is in the room.
fn say(room: &Room, addr: SocketAddr, said: &mut String) {
    if !said.is_empty() {
        let mut clients = room.lock().unwrap();
        // Once the operator closed the room, nobody would receive the lines:
        // they are not said at all, so the transcript shows only delivered ones.
        if clients.contains_key(&addr) {
            relay(&mut clients, said, Some(addr));
            // Printed once queued (and before anyone can join or leave): a
            // line the operator sees is one the shutdown will deliver.
            print!("{said}");
        }
        said.clear();
    }
}

/// Queues `lines` (whole lines, each ending in `\n`) for every client but
/// `from`. It only queues, never writes: the room is locked, and a client
/// that does not read would keep it locked for everyone.
fn relay(_clients: &mut HashMap<SocketAddr, Client>, _lines: &str, _from: Option<SocketAddr>) {
    // TODO (step 1): make one Arc<str> of the lines, and hand a clone of it
    // to client.send() for every client whose address is not `from`.
    // Drop the `_` from the names.
    todo!(
        "paso 1: reenvía a los demás clientes; mira docs/es/lab4.md, paso 1 / step 1: relay to the other clients; see docs/en/lab4.md, step 1"
    )
}

/// Takes the client out of the room, says `farewell` to it after what is
/// already queued for it, and tells the others it left.
fn leave(room: &Room, addr: SocketAddr, farewell: Option<&str>) {
    let mut clients = room.lock().unwrap();
    // Not in the room any more: the server is closing and said adios already.
    let Some(mut client) = clients.remove(&addr) else {
        return;
    };
    if let Some(farewell) = farewell {
        client.send(Arc::from(format!("{farewell}\n")));
    }
    relay(&mut clients, &format!("* {addr} left\n"), None);
    println!("* {addr} left");
    // Dropping `client` drops its queue: its writer sends the rest and closes.
}

/// The lingering close: after the end of our stream (FIN), reads and throws
/// away whatever the client still sends, until it closes too (or resets),
/// until it has been silent for LINGER, or for CLOSING at most. Closing a
/// socket with the client's data unread makes the system send a reset, and
/// a reset destroys what the client has not read yet: its last lines, and
/// its adios. (Its reader thread may be reading too: whichever reads it,
/// nobody hears it any more.)
fn linger(mut stream: &TcpStream) {
    let deadline = Instant::now() + CLOSING;
    let mut scratch = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // A timeout set on a socket counts for the reads that start after
        // it, not for one already blocked: set before each read here.
        if left.is_zero() || stream.set_read_timeout(Some(left.min(LINGER))).is_err() {
            return;
        }
        match stream.read(&mut scratch) {
            Ok(0) => return, // the client closed too: done
            Ok(_) => {}      // it still talks, so it is still there: wait on
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return, // silent for LINGER, or it reset
        }
    }
}

/// Closes the room: every client gets `adios` after the lines already
/// queued for it, and the server waits for every writer to finish, at
/// most CLOSING.
fn close_room(_room: &Room, _alive: Sender<()>, _all_ended: &Receiver<()>) {
    // TODO (step 4): take every client out of the room (drain() the map)
    // and send each one "adios\n": it goes behind the lines already queued,
    // and dropping the client then ends its writer. Let go of the room's
    // lock before you wait: each writer takes it to leave. Then drop `alive`
    // (main's own clone) and wait on `all_ended` with recv_timeout(CLOSING):
    // it returns once every writer thread has ended, or after CLOSING. Drop
    // the `_` from the names.
    todo!(
        "paso 4: cierra la sala y espera; mira docs/es/lab4.md, paso 4 / step 4: close the room and wait; see docs/en/lab4.md, step 4"
    )
}

/// A line's text: lossy UTF-8, without its `\n` or `\r\n`, and with every
/// control character but tab shown as U+FFFD too: a `\r` or an escape
/// sequence from one client must not move the cursor on the others' screens.
fn decode(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    text.chars()
        .map(|c| match c {
            '\t' => c,
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect()
}

/// The goodbye word: `adios` or `adiós`, in any ASCII case, with spaces around.
fn is_goodbye(text: &str) -> bool {
    let word = text.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}

/// Each client is an open file (its socket), and many systems start a
/// process with a limit of 1,024 of them (macOS: 256). As many servers do,
/// raise it to the most the system allows, and say so; if that is still
/// little, say what to do.
#[cfg(unix)]
fn raise_open_file_limit() {
    use rlimit::Resource;
    // Fewer than this, and the room is small.
    const ENOUGH: u64 = 10_000;
    let Ok((before, _)) = rlimit::getrlimit(Resource::NOFILE) else {
        return;
    };
    // Up to the hard limit (on macOS, to its cap below it too).
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) if now > before => eprintln!("open files: raised the limit from {before} to {now}"),
        Ok(now) => eprintln!("open files: the limit is {now}"),
        Err(e) => eprintln!("open files: could not raise the limit of {before}: {e}"),
    }
    let Ok((soft, hard)) = rlimit::getrlimit(Resource::NOFILE) else {
        return;
    };
    if soft < ENOUGH {
        eprintln!(
            "open files: room for about {soft} clients at most; for more, the hard limit \
             ({hard}) must go up: as root, `ulimit -Hn {ENOUGH}` in the shell that starts the \
             server, or a `nofile` line in /etc/security/limits.conf (macOS: `sudo launchctl \
             limit maxfiles {ENOUGH} {ENOUGH}`)"
        );
    }
}

/// Windows has no limit on open sockets per process.
#[cfg(not(unix))]
fn raise_open_file_limit() {}
