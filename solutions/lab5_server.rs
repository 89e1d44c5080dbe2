//! Lab 5: the same chat room, event-driven: tasks instead of threads, and
//! thousands of clients on a few threads.
//!
//! EN: Lab 4's room, on tokio. Every client gets two tasks (one reads what it
//!     says, one writes what the others say) instead of two threads: a task
//!     is a few hundred bytes that the runtime wakes when its socket is
//!     ready, so a handful of threads serve thousands of clients. The
//!     operator's `adios` stops the accept loop through `select!`, with no
//!     self-connection. Walkthrough: docs/en/lab5.md
//! ES: La sala del lab 4, sobre tokio. Cada cliente tiene dos tareas (una lee
//!     lo que dice, otra escribe lo que dicen los demás) en vez de dos hilos:
//!     una tarea ocupa unos cientos de bytes y el runtime la despierta cuando
//!     su socket está listo, así que unos pocos hilos atienden a miles de
//!     clientes. El `adios` del operador detiene el bucle de `accept` con
//!     `select!`, sin conectarse a sí mismo. Guía: docs/es/lab5.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --features solutions --bin lab5_server_sol
//!     terminals 2, 3...: cargo run --features solutions --bin lab4_client_sol

use std::collections::HashMap;
use std::io::{self, BufRead};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{self, Receiver, Sender, error::TrySendError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The longest line a client may send (64 KiB, as in lab 2).
const MAX_LINE: usize = 64 * 1024;
/// How many messages (a line, or lines that came together) a client may
/// fall behind before the room drops it.
const QUEUE_LEN: usize = 1024;
/// How long one write to a client may stay stuck before the room drops it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

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
/// to it, and a way to hang up on it if it falls too far behind.
struct Client {
    queue: Sender<Arc<str>>,
    hang_up: CancellationToken,
}

impl Client {
    /// Queues a message for this client, never waiting: a client that is
    /// QUEUE_LEN messages behind is not reading, and is disconnected (its
    /// reader task then takes it out of the room).
    fn send(&self, message: Arc<str>) {
        if let Err(TrySendError::Full(_)) = self.queue.try_send(message) {
            self.hang_up.cancel();
        }
    }
}

/// Everyone in the room, by address, shared by every task. A std Mutex, not
/// tokio's: it is only ever held for a few instructions, never across .await.
type Room = Arc<Mutex<HashMap<SocketAddr, Client>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let addr = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);

    let room = Room::default();
    // Every client's tasks, so that closing can wait for all of them.
    let tasks = TaskTracker::new();
    let mut keyboard = operator();
    // Until the operator says goodbye: admit every client that connects.
    while let Some(accepted) = next_client(&listener, &mut keyboard, &room).await {
        match accepted {
            Ok((stream, addr)) => admit(&room, &tasks, stream, addr),
            Err(e) => {
                eprintln!("error: could not accept a client: {e}");
                // out of file descriptors, accept() would fail again at once
                tokio::time::sleep(Duration::from_millis(100)).await;
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

/// The next client that connects, or None once the operator says goodbye.
/// Meanwhile, every other line of the operator goes to every client.
async fn next_client(
    listener: &TcpListener,
    keyboard: &mut Receiver<String>,
    room: &Room,
) -> Option<io::Result<(TcpStream, SocketAddr)>> {
    loop {
        // Whichever comes first; the other branch is dropped, and both are
        // safe to drop: no client or line is lost, the next turn waits again.
        tokio::select! {
            accepted = listener.accept() => return Some(accepted),
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

/// Puts a new client in the room and starts its two tasks: one reads what
/// it says, one writes what the others say.
fn admit(room: &Room, tasks: &TaskTracker, stream: TcpStream, addr: SocketAddr) {
    // The writer sends whole batches: Nagle's delay would only add latency.
    let _ = stream.set_nodelay(true);
    let (from_client, to_client) = stream.into_split();
    let (queue, outgoing) = mpsc::channel(QUEUE_LEN);
    let hang_up = CancellationToken::new();
    // lock() fails only if a task panicked while holding it: a bug, not a client
    let mut clients = room.lock().unwrap();
    // Spawned while we hold the lock: the client cannot speak before the
    // room knows it (the tasks start running once the lock is released).
    tasks.spawn(write_to_client(to_client, outgoing, hang_up.clone()));
    tasks.spawn(handle_client(
        Arc::clone(room),
        from_client,
        addr,
        hang_up.clone(),
    ));
    relay(&clients, &format!("* {addr} joined\n"), None);
    clients.insert(addr, Client { queue, hang_up });
    // The transcript on stdout: from this line on, the client hears the room.
    println!("* {addr} joined");
}

/// Sends the client every message queued for it, until the room drops the
/// queue or hangs up on it; then closes the connection, which also tells
/// its reader task to stop.
async fn write_to_client(
    mut to_client: OwnedWriteHalf,
    mut outgoing: Receiver<Arc<str>>,
    hang_up: CancellationToken,
) {
    tokio::select! {
        _ = send_queued(&mut to_client, &mut outgoing) => {}
        () = hang_up.cancelled() => {}
    }
    let _ = to_client.shutdown().await;
    hang_up.cancel();
}

async fn send_queued(
    to_client: &mut OwnedWriteHalf,
    outgoing: &mut Receiver<Arc<str>>,
) -> io::Result<()> {
    loop {
        // New buffers for every batch, dropped once it is sent: a client
        // that waits holds none, and 10,000 of them do not each keep the
        // biggest batch they ever had.
        let mut messages = Vec::new();
        // recv_many() waits for one message and takes every other one already
        // waiting too; it returns 0 once the queue is dropped and empty.
        if outgoing.recv_many(&mut messages, QUEUE_LEN).await == 0 {
            return Ok(());
        }
        // One write for the whole batch: a busy room sends many messages
        // per system call instead of one each.
        let batch = messages.concat();
        match tokio::time::timeout(WRITE_TIMEOUT, to_client.write_all(batch.as_bytes())).await {
            Ok(written) => written?,
            Err(_) => return Err(io::ErrorKind::TimedOut.into()),
        }
    }
}

/// Reads the client's lines and relays them to the others, until it says
/// goodbye, closes, breaks a rule, or the room hangs up on it.
async fn handle_client(
    room: Room,
    from_client: OwnedReadHalf,
    addr: SocketAddr,
    hang_up: CancellationToken,
) {
    let mut reader = BufReader::new(from_client);
    // Lines that arrive together are relayed together: one lock, and one
    // wake-up of each writer task, for all of them.
    let mut said = String::new();
    let farewell = loop {
        // A line half read when the room hangs up is lost: nobody would
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
        let clients = room.lock().unwrap();
        // Once the operator closed the room, nobody would receive the lines:
        // they are not said at all, so the transcript shows only delivered ones.
        if clients.contains_key(&addr) {
            relay(&clients, said, Some(addr));
            // Printed once queued (and before anyone can join or leave): a
            // line the operator sees is one the shutdown will deliver.
            // (Writing to stdout blocks, briefly: a real server would log
            // through a task of its own.)
            print!("{said}");
        }
        said.clear();
    }
}

/// Queues `lines` (whole lines, each ending in `\n`) for every client but
/// `from`. It only queues, never waits: the room is locked.
fn relay(clients: &HashMap<SocketAddr, Client>, lines: &str, from: Option<SocketAddr>) {
    // One copy of the text for every queue: cloning an Arc copies a pointer.
    let lines: Arc<str> = Arc::from(lines);
    for (addr, client) in clients {
        if Some(*addr) != from {
            client.send(Arc::clone(&lines));
        }
    }
}

/// Takes the client out of the room, says `farewell` to it after what is
/// already queued for it, and tells the others it left.
fn leave(room: &Room, addr: SocketAddr, farewell: Option<&str>) {
    let mut clients = room.lock().unwrap();
    // Not in the room any more: the server is closing and said adios already.
    let Some(client) = clients.remove(&addr) else {
        return;
    };
    if let Some(farewell) = farewell {
        client.send(Arc::from(format!("{farewell}\n")));
    }
    relay(&clients, &format!("* {addr} left\n"), None);
    println!("* {addr} left");
    // Dropping `client` drops its queue: its writer sends the rest and closes.
}

/// Closes the room: every client gets `adios` after the lines already
/// queued for it, and the server waits for every task to finish.
async fn close_room(room: &Room, tasks: &TaskTracker) {
    // Dropping a client's queue tells its writer task to send what is left
    // and close the connection, which also ends its reader task.
    for (_, client) in room.lock().unwrap().drain() {
        client.send(Arc::from("adios\n"));
    }
    // No more tasks will be spawned: wait() returns once they all ended.
    tasks.close();
    tasks.wait().await;
}

/// A line's text: lossy UTF-8, without its `\n` or `\r\n`.
fn decode(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    text.strip_suffix('\r').unwrap_or(text).to_string()
}

/// The goodbye word: `adios` or `adiós`, in any ASCII case, with spaces around.
fn is_goodbye(text: &str) -> bool {
    let word = text.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}
