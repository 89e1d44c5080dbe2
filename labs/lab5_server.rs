//! Lab 5: the same chat room, event-driven: tasks instead of threads, and
//! thousands of clients on a few threads.
//!
//! EN: Lab 4's room, on tokio. Every client gets two tasks (one reads what it
//!     says, one writes what the room says) instead of two threads: a task
//!     is a few hundred bytes that the runtime wakes when its socket is
//!     ready, so a handful of threads serve thousands of clients. The room
//!     keeps one copy of what is said, a feed every writer reads at its own
//!     pace. The operator's `adios` stops the accept loop through `select!`,
//!     with no self-connection. Walkthrough: docs/en/lab5.md
//! ES: La sala del lab 4, sobre tokio. Cada cliente tiene dos tareas (una lee
//!     lo que dice, otra escribe lo que dice la sala) en vez de dos hilos:
//!     una tarea ocupa unos cientos de bytes y el runtime la despierta cuando
//!     su socket está listo, así que unos pocos hilos atienden a miles de
//!     clientes. La sala guarda una sola copia de lo que se dice, un canal que
//!     cada escritor lee a su ritmo. El `adios` del operador detiene el bucle
//!     de `accept` con `select!`, sin conectarse a sí mismo. Guía: docs/es/lab5.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab5_server
//!     terminals 2, 3...: cargo run --bin lab4_client

// Given code that your steps call is unused until they do: delete the next
// line after step 7, and the compiler shows you anything no step calls yet.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{self, BufRead, ErrorKind};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::sync::mpsc::{self, Receiver};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The longest line a client may send (64 KiB, as in lab 2).
const MAX_LINE: usize = 64 * 1024;
/// How many bytes a client's reader takes from its socket at once: small,
/// so that 10,000 clients hold little (a longer line takes more reads).
const READ_BUFFER: usize = 1024;
/// How many messages (a line, or lines that came together) the room's feed
/// keeps: a client that falls further behind is dropped. It holds one copy
/// of each message for all the clients, so it can be long: 10,000 clients
/// saying a line at once are 10,000 messages, not 100 million deliveries.
const FEED_LEN: usize = 64 * 1024;
/// The most bytes one write to a client sends (it sends more as it goes).
const BATCH_BYTES: usize = 64 * 1024;
/// How long one write to a client may stay stuck before the room drops it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// After our end of stream (FIN), how long a client may stay silent, not
/// closing, before the server closes the socket anyway.
const LINGER: Duration = Duration::from_secs(2);
/// The most a reader lingers after its writer's FIN, for a client that
/// keeps talking (it is still reading what was sent), and the most the
/// room's close waits for its clients' tasks before the server exits anyway.
const CLOSING: Duration = Duration::from_secs(3);

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

/// What the room says, in order, on its feed.
#[derive(Clone)]
enum Said {
    /// Lines (each ending in `\n`) for every client but `from` (None: the
    /// server's own, for everyone).
    Lines(Option<SocketAddr>, Arc<str>),
    /// Last words (`adios`, or why the connection ends) for client `to`, or
    /// for everyone when the room closes (None).
    Farewell(Option<SocketAddr>, Arc<str>),
}

/// Who is in the room, and its feed.
struct Members {
    clients: HashSet<SocketAddr>,
    feed: broadcast::Sender<Said>,
}

/// The room, shared by every task. A std Mutex, not tokio's: it is only
/// ever held for a few instructions, never across .await.
type Room = Arc<Mutex<Members>>;

#[tokio::main]
async fn main() -> ExitCode {
    // A failure is news for the user, not a bug in the program: say what
    // failed in one line, never with a backtrace (even with RUST_BACKTRACE=1).
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
async fn run(args: Args) -> anyhow::Result<()> {
    let addr = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);
    raise_open_file_limit();

    let (feed, _) = broadcast::channel(FEED_LEN);
    let room = Room::new(Mutex::new(Members {
        clients: HashSet::new(),
        feed,
    }));
    // Every client's tasks, so that closing can wait for all of them.
    let tasks = TaskTracker::new();
    let mut keyboard = operator();
    let ctrl_c = on_ctrl_c();
    // Until the operator says goodbye: admit every client that connects.
    while let Some(accepted) = next_client(&listener, &mut keyboard, &ctrl_c, &room).await {
        match accepted {
            Ok((stream, addr)) => admit(&room, &tasks, stream, addr),
            Err(e) => {
                eprintln!("error: could not accept a client: {e}");
                // Out of file descriptors (or memory), accept() would fail
                // again at once: give the system a moment. A client that
                // was gone before we took it is no reason to wait.
                if !is_about_one_client(&e) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    drop(listener); // late clients are refused, not left waiting
    close_room(&room, &tasks).await;
    eprintln!("closed");
    Ok(())
}

/// The operator's keyboard: a channel that brings each line typed on stdin.
fn operator() -> Receiver<String> {
    let (lines, keyboard) = mpsc::channel(16);
    // Reading stdin blocks until the operator presses Enter. In a task it
    // would hold one of the runtime's few threads for that long, so it gets
    // a thread of its own (tokio's stdin does the same, out of sight).
    thread::spawn(move || {
        for line in io::stdin().lock().split(b'\n') {
            let Ok(line) = line else { break };
            // Fails once main has dropped the keyboard: the server is closing.
            if lines.blocking_send(decode(&line)).is_err() {
                break;
            }
        }
        // Returning drops `lines`: main's keyboard.recv() gets None.
    });
    keyboard
}

/// A token cancelled when the operator presses Ctrl-C (on Windows too):
/// the room then closes as it does on adios, instead of the default (the
/// process killed, and every client cut off).
fn on_ctrl_c() -> CancellationToken {
    let pressed = CancellationToken::new();
    let token = pressed.clone();
    tokio::spawn(async move {
        // An error means no handler: Ctrl-C then keeps its default.
        if tokio::signal::ctrl_c().await.is_ok() {
            token.cancel();
        }
    });
    pressed
}

/// The next client that connects, or None once the operator says goodbye
/// (or presses Ctrl-C). Meanwhile, every other line of the operator goes
/// to every client.
async fn next_client(
    _listener: &TcpListener,
    _keyboard: &mut Receiver<String>,
    _ctrl_c: &CancellationToken,
    _room: &Room,
) -> Option<io::Result<(TcpStream, SocketAddr)>> {
    // TODO (step 1): wait for whichever comes first, again and again: a
    // client at the listener (hand it back), Ctrl-C or the goodbye word
    // (None), or another line of the operator (relay it to everyone as
    // `[server] text`, then wait again). Drop the `_` from the names.
    todo!(
        "paso 1: el bucle de accept, con select!; mira docs/es/lab5.md, paso 1 / step 1: the accept loop, with select!; see docs/en/lab5.md, step 1"
    )
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

/// Puts a new client in the room and starts its two tasks: one reads what
/// it says, one writes what the room says.
fn admit(room: &Room, tasks: &TaskTracker, stream: TcpStream, addr: SocketAddr) {
    // The writer sends whole batches: Nagle's delay would only add latency.
    let _ = stream.set_nodelay(true);
    let (from_client, to_client) = stream.into_split();
    let hang_up = CancellationToken::new();
    // lock() fails only if a task panicked while holding it: a bug, not a client
    let mut members = room.lock().unwrap();
    // Subscribed while we hold the lock: the client hears everything said
    // from now on, and cannot speak before the room knows it.
    let feed = members.feed.subscribe();
    tasks.spawn(write_to_client(to_client, feed, addr, hang_up.clone()));
    tasks.spawn(handle_client(
        Arc::clone(room),
        from_client,
        addr,
        hang_up.clone(),
    ));
    relay(&members, &format!("* {addr} joined\n"), Some(addr));
    members.clients.insert(addr);
    // The transcript on stdout: from this line on, the client hears the room.
    println!("* {addr} joined");
}

/// Sends the client what the room says, until its last words (or until it
/// falls too far behind, or a write fails); then ends the stream (FIN) and
/// tells its reader task, which lingers before the socket closes.
async fn write_to_client(
    mut to_client: OwnedWriteHalf,
    mut feed: broadcast::Receiver<Said>,
    me: SocketAddr,
    hang_up: CancellationToken,
) {
    let _ = send_feed(&mut to_client, &mut feed, me).await;
    // The client reads every byte sent, then the end of the stream.
    let _ = to_client.shutdown().await;
    hang_up.cancel();
}

/// Sends the client, in batches, what the room says for it, up to its last
/// words; fails if it falls FEED_LEN messages behind, or if a write fails.
async fn send_feed(
    _to_client: &mut OwnedWriteHalf,
    _feed: &mut broadcast::Receiver<Said>,
    _me: SocketAddr,
) -> io::Result<()> {
    // TODO (step 2): take from the feed what is for this client (not its
    // own lines, not someone else's farewell), a batch at a time, and send
    // each batch with write_batch; return Ok(()) once its farewell is sent,
    // and an error if it fell too far behind. Drop the `_` from the names.
    todo!(
        "paso 2: envía lo que dice la sala; mira docs/es/lab5.md, paso 2 / step 2: send what the room says; see docs/en/lab5.md, step 2"
    )
}

/// Sends `batch` to the client, as few writes as it takes, or fails.
async fn write_batch(_to_client: &mut OwnedWriteHalf, _batch: &[Arc<str>]) -> io::Result<()> {
    // TODO (step 3): send the batch's text, every byte of it; give up with
    // an error on a write that makes no progress for WRITE_TIMEOUT. Drop the
    // `_` from the names.
    todo!(
        "paso 3: escribe una tanda sin atorarte; mira docs/es/lab5.md, paso 3 / step 3: write a batch, never stuck; see docs/en/lab5.md, step 3"
    )
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, breaks a rule, or its writer hangs up; then lingers.
async fn handle_client(
    _room: Room,
    _from_client: OwnedReadHalf,
    _addr: SocketAddr,
    _hang_up: CancellationToken,
) {
    // TODO (step 4): read the client's lines (hear, through a BufReader of
    // READ_BUFFER bytes) until it says goodbye, leaves, breaks a rule, or
    // its writer hangs up, whichever comes first; say what it said, then
    // leave the room with the right last words, then linger. Drop the `_`
    // from the names.
    todo!(
        "paso 4: reenvía lo que dice el cliente; mira docs/es/lab5.md, paso 4 / step 4: relay what the client says; see docs/en/lab5.md, step 4"
    )
}

/// The lingering close: reads and throws away whatever the client still
/// sends until it closes too (or resets); after its writer's end of stream
/// (FIN), only until it has been silent for LINGER, or for CLOSING at most.
/// Closing a socket with the client's data unread makes the system send a
/// reset, and a reset destroys what the client has not read yet: its last
/// lines, and its adios.
async fn linger(_reader: &mut BufReader<OwnedReadHalf>, _hang_up: &CancellationToken) {
    // TODO (step 7): drain until the writer hangs up (or, if the client
    // closes first, stop there); then drain again, now until LINGER of
    // silence, and for CLOSING at most. Drop the `_` from the names.
    todo!(
        "paso 7: espera antes de cerrar; mira docs/es/lab5.md, paso 7 / step 7: linger before closing; see docs/en/lab5.md, step 7"
    )
}

/// Reads and throws away what the client sends, into the reader's own
/// buffer, until it closes or resets, or (with a limit) is that long silent.
async fn drain(reader: &mut BufReader<OwnedReadHalf>, silence: Option<Duration>) {
    loop {
        let read = match silence {
            Some(limit) => match tokio::time::timeout(limit, reader.fill_buf()).await {
                Ok(read) => read.map(<[u8]>::len),
                Err(_) => return, // silent for that long
            },
            None => reader.fill_buf().await.map(<[u8]>::len),
        };
        match read {
            Ok(n @ 1..) => reader.consume(n),
            _ => return, // it closed (0 bytes), or reset
        }
    }
}

/// What one line from a client brought.
enum Heard {
    Line(String),
    Goodbye,
    TooLong,
    End,
}

/// Reads one line: at most MAX_LINE bytes, shown lossily if not UTF-8.
async fn hear(_reader: &mut BufReader<OwnedReadHalf>) -> Heard {
    // TODO (step 5): read one line, at most MAX_LINE bytes, and tell what
    // it brought (decode and is_goodbye say what its text is). Drop the `_`.
    todo!(
        "paso 5: lee una línea, con el límite; mira docs/es/lab5.md, paso 5 / step 5: read one line, with the limit; see docs/en/lab5.md, step 5"
    )
}

/// Relays what the client said (whole lines) to the others and prints it,
/// while the client is in the room.
fn say(room: &Room, addr: SocketAddr, said: &mut String) {
    if !said.is_empty() {
        let members = room.lock().unwrap();
        // Once the operator closed the room, nobody would receive the lines:
        // they are not said at all, so the transcript shows only delivered ones.
        if members.clients.contains(&addr) {
            relay(&members, said, Some(addr));
            // Printed once on the feed (and before anyone can join or leave):
            // a line the operator sees is one the shutdown will deliver.
            // (Writing to stdout blocks, briefly: a real server would log
            // through a task of its own.)
            print!("{said}");
        }
        said.clear();
    }
}

/// Puts `lines` (whole lines, each ending in `\n`) on the room's feed, for
/// every client but `from`. It never waits: the room is locked.
fn relay(members: &Members, lines: &str, from: Option<SocketAddr>) {
    // One copy of the text for every client: each writer clones the Arc.
    // send() fails only when nobody is in the room: nobody to tell.
    let _ = members.feed.send(Said::Lines(from, Arc::from(lines)));
}

/// Takes the client out of the room, says `farewell` to it after what was
/// already said to it, and tells the others it left.
fn leave(room: &Room, addr: SocketAddr, farewell: Option<&str>) {
    let mut members = room.lock().unwrap();
    // Not in the room any more: the server is closing and said adios already.
    if !members.clients.remove(&addr) {
        return;
    }
    // Its writer sends what was said before, the farewell (nothing if it
    // left without one), and ends. (If the writer already hung up, nobody
    // reads it: harmless.)
    let text = farewell.map(|farewell| format!("{farewell}\n"));
    let farewell = Said::Farewell(Some(addr), Arc::from(text.unwrap_or_default()));
    let _ = members.feed.send(farewell);
    relay(&members, &format!("* {addr} left\n"), Some(addr));
    println!("* {addr} left");
}

/// Closes the room: every client gets `adios` after what was already said,
/// and the server waits for every task to finish, at most CLOSING.
async fn close_room(_room: &Room, _tasks: &TaskTracker) {
    // TODO (step 6): empty the room and say adios to everyone, behind what
    // was said before; then wait for every client's tasks to end, for
    // CLOSING at most. Drop the `_` from the names.
    todo!(
        "paso 6: cierra la sala y espera; mira docs/es/lab5.md, paso 6 / step 6: close the room and wait; see docs/en/lab5.md, step 6"
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
