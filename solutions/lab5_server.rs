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
//!     terminal 1: cargo run --features solutions --bin lab5_server_sol
//!     terminals 2, 3...: cargo run --features solutions --bin lab4_client_sol

use std::collections::HashSet;
use std::io::{self, BufRead, ErrorKind};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::TryRecvError};
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
    listener: &TcpListener,
    keyboard: &mut Receiver<String>,
    ctrl_c: &CancellationToken,
    room: &Room,
) -> Option<io::Result<(TcpStream, SocketAddr)>> {
    loop {
        // Whichever comes first; the other branches are dropped, and all are
        // safe to drop: no client or line is lost, the next turn waits again.
        tokio::select! {
            accepted = listener.accept() => return Some(accepted),
            () = ctrl_c.cancelled() => return None,
            // None once stdin ends: the branch is then disabled, and the
            // room goes on without an operator.
            Some(text) = keyboard.recv() => {
                if is_goodbye(&text) {
                    return None;
                }
                relay(&room.lock().unwrap(), &format!("[server] {text}\n"), None);
            }
        }
    }
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
    to_client: &mut OwnedWriteHalf,
    feed: &mut broadcast::Receiver<Said>,
    me: SocketAddr,
) -> io::Result<()> {
    // recv() fails if the client fell FEED_LEN messages behind (Lagged):
    // it is not reading, and the room hangs up on it.
    let lagged = || io::Error::other("fell too far behind");
    loop {
        let mut said = feed.recv().await.map_err(|_| lagged())?;
        // Everything else already said too, up to BATCH_BYTES, for one write.
        let (mut batch, mut bytes) = (Vec::new(), 0);
        let last = loop {
            match said {
                Said::Lines(from, text) if from != Some(me) => {
                    bytes += text.len();
                    batch.push(text);
                }
                Said::Farewell(to, text) if to.is_none() || to == Some(me) => {
                    batch.push(text);
                    break true;
                }
                Said::Lines(..) | Said::Farewell(..) => {} // not for this client
            }
            if bytes >= BATCH_BYTES {
                break false;
            }
            said = match feed.try_recv() {
                Ok(said) => said,
                Err(TryRecvError::Empty) => break false,
                Err(_) => return Err(lagged()),
            };
        };
        if !batch.is_empty() {
            write_batch(to_client, &batch).await?;
        }
        if last {
            return Ok(());
        }
    }
}

/// Sends `batch` to the client, as few writes as it takes, or fails.
async fn write_batch(to_client: &mut OwnedWriteHalf, batch: &[Arc<str>]) -> io::Result<()> {
    // One text for all of them: a busy room sends many messages per
    // system call instead of one each.
    let text = batch.concat();
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        // A client that stops reading would hold its writer, and the room's
        // closing, forever: give up on a write that makes no progress for
        // WRITE_TIMEOUT. Each write() takes what fits, so a slow client that
        // keeps reading is never cut off, however long the batch.
        match tokio::time::timeout(WRITE_TIMEOUT, to_client.write(rest)).await {
            Ok(Ok(0)) => return Err(ErrorKind::WriteZero.into()),
            Ok(Ok(n)) => rest = &rest[n..],
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(ErrorKind::TimedOut.into()),
        }
    }
    Ok(())
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, breaks a rule, or its writer hangs up; then lingers.
async fn handle_client(
    room: Room,
    from_client: OwnedReadHalf,
    addr: SocketAddr,
    hang_up: CancellationToken,
) {
    let mut reader = BufReader::with_capacity(READ_BUFFER, from_client);
    // Lines that arrive together are relayed together: one lock, and one
    // wake-up of each writer task, for all of them.
    let mut said = String::new();
    let farewell = loop {
        // A line half read when the writer hangs up is lost: nobody would
        // hear it anyway.
        let heard = tokio::select! {
            heard = hear(&mut reader) => heard,
            () = hang_up.cancelled() => Heard::End,
        };
        match heard {
            Heard::Line(text) => said.push_str(&format!("[{addr}] {text}\n")),
            Heard::Goodbye => break Some("adios"),
            Heard::TooLong => break Some("error: line too long"),
            Heard::End => break None,
        }
        // No other whole line has arrived: relay before waiting for more.
        if !reader.buffer().contains(&b'\n') {
            say(&room, addr, &mut said);
        }
    };
    say(&room, addr, &mut said);
    leave(&room, addr, farewell);
    linger(&mut reader, &hang_up).await;
}

/// The lingering close: reads and throws away whatever the client still
/// sends until it closes too (or resets); after its writer's end of stream
/// (FIN), only until it has been silent for LINGER, or for CLOSING at most.
/// Closing a socket with the client's data unread makes the system send a
/// reset, and a reset destroys what the client has not read yet: its last
/// lines, and its adios.
async fn linger(reader: &mut BufReader<OwnedReadHalf>, hang_up: &CancellationToken) {
    tokio::select! {
        () = hang_up.cancelled() => {}
        () = drain(reader, None) => return,
    }
    let _ = tokio::time::timeout(CLOSING, drain(reader, Some(LINGER))).await;
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
async fn hear(reader: &mut BufReader<OwnedReadHalf>) -> Heard {
    let mut line = Vec::new();
    // take() bounds what one line can make us store, newline or not
    match reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .await
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
async fn close_room(room: &Room, tasks: &TaskTracker) {
    {
        let mut members = room.lock().unwrap();
        // Out of the room: what they say from now on is not relayed.
        members.clients.clear();
        // Behind everything said before it: each writer sends the rest, then
        // adios, and closes its connection, which also ends its reader task.
        let adios = Said::Farewell(None, Arc::from("adios\n"));
        let _ = members.feed.send(adios);
    } // unlocked here, before waiting: a task that leaves needs the lock
    // No more tasks will be spawned: wait() returns once they all ended.
    // A client reading at a crawl cannot hold the server: after CLOSING,
    // the tasks still running end with the runtime.
    tasks.close();
    let _ = tokio::time::timeout(CLOSING, tasks.wait()).await;
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
