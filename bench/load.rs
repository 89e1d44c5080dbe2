//! load: drives a lab server with many connections and measures it.
//!
//! EN: `echo` opens N connections (a thread each) that play ping-pong with
//!     the server and reports round trips per second and latency; `room`
//!     fills a lab 4 room with N clients, has each send M lines at once and
//!     waits until every client has every other client's lines. Not a lab:
//!     the tool behind bench/run and docs/en/performance.md.
//! ES: `echo` abre N conexiones (un hilo cada una) que juegan al ping-pong
//!     con el servidor y mide idas y vueltas por segundo y latencia; `room`
//!     llena una sala del lab 4 con N clientes, cada uno envía M líneas de
//!     golpe, y espera a que todos reciban las líneas de todos los demás.
//!     Guía: docs/es/performance.md
//!
//! Run it / Ejecútalo:
//!     cargo run --release --bin load -- echo --addr 127.0.0.1:6667 --connections 8
//!     cargo run --release --bin load -- room --addr 127.0.0.1:6667 --clients 200 --lines 100
//!
//! The last line on stdout, `result: key=value ...`, is for scripts.
//! Every wait has a deadline: a run that cannot finish stops and says why.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

/// Load generator for the lab servers: echo ping-pong or a lab 4 room.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// N connections, each its own thread, doing ping-pong with the server
    Echo(EchoArgs),
    /// N clients in a lab 4 room, each sending M lines at once
    Room(RoomArgs),
}

#[derive(clap::Args)]
struct EchoArgs {
    /// Address of the server (IP:PORT)
    #[arg(long, default_value = "127.0.0.1:6667")]
    addr: String,
    /// Connections, each on its own thread
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Bytes per message, the last one a newline (so it is also a line)
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// How long to run
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Stop each connection after this many round trips instead (then
    /// --seconds is the deadline for the whole run)
    #[arg(long)]
    count: Option<u64>,
}

#[derive(clap::Args)]
struct RoomArgs {
    /// Address of the server (IP:PORT)
    #[arg(long, default_value = "127.0.0.1:6667")]
    addr: String,
    /// Clients in the room
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Lines each client sends
    #[arg(long, default_value_t = 10)]
    lines: usize,
    /// Deadline for joining, and again for relaying, in seconds
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// Pad each line to about this many bytes (0: no padding)
    #[arg(long, default_value_t = 0)]
    size: usize,
    /// The last K clients stop reading once the lines fly (they still send
    /// theirs): what does one slow client cost the others?
    #[arg(long, default_value_t = 0)]
    stalled: usize,
}

/// Small stacks: the room runs two threads per client, up to thousands.
const STACK: usize = 128 * 1024;
/// How often a blocked read wakes up to look at the clock.
const TICK: Duration = Duration::from_millis(100);

fn main() -> anyhow::Result<()> {
    match Args::parse().mode {
        Mode::Echo(args) => echo(args),
        Mode::Room(args) => room(args),
    }
}

// ---------------------------------------------------------------- echo ----

/// What became of one echo connection.
#[derive(Default)]
struct Connection {
    round_trips: u64,
    /// Nanoseconds from the write to the last byte of the reply.
    latencies: Vec<u64>,
    /// Why it stopped early, if it did (refused, reset, closed, wrong echo).
    problem: Option<String>,
}

fn echo(args: EchoArgs) -> anyhow::Result<()> {
    let addr = resolve(&args.addr)?;
    if args.size == 0 || args.connections == 0 {
        bail!("--size and --connections must be at least 1");
    }
    let run = Duration::from_secs_f64(args.seconds);
    let mut message = vec![b'x'; args.size];
    message[args.size - 1] = b'\n';
    let message = Arc::new(message);

    let round_trips = Arc::new(AtomicU64::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    // Everyone connects first, then all start together.
    let start = Arc::new(Barrier::new(args.connections + 1));
    let end = Arc::new(OnceLock::new());
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let (message, round_trips, served, start, end) = (
            message.clone(),
            round_trips.clone(),
            served.clone(),
            start.clone(),
            end.clone(),
        );
        let count = args.count;
        workers.push(spawn(move || {
            let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5));
            start.wait();
            // One end for all: a connection that a sequential server takes
            // up once the first one leaves must not sneak in a round trip.
            let end = *end.get_or_init(|| Instant::now() + run);
            match stream {
                Ok(stream) => ping_pong(stream, &message, end, count, &round_trips, &served),
                Err(e) => Connection {
                    problem: Some(connect_problem(&e)),
                    ..Connection::default()
                },
            }
        })?);
    }
    start.wait();
    let started = Instant::now();
    let progress = Progress::start(move |elapsed| {
        let done = round_trips.load(Ordering::Relaxed);
        format!(
            "echo {:>4.1} s: {done} round trips, {} of {} connections served so far",
            elapsed.as_secs_f64(),
            served.load(Ordering::Relaxed),
            args.connections
        )
    });
    let connections: Vec<Connection> = workers
        .into_iter()
        .map(|w| w.join().unwrap_or_default())
        .collect();
    let elapsed = started.elapsed().min(run);
    progress.stop();

    let total: u64 = connections.iter().map(|c| c.round_trips).sum();
    let mut latencies: Vec<u64> = connections
        .iter()
        .flat_map(|c| c.latencies.iter().copied())
        .collect();
    latencies.sort_unstable();
    let served = connections.iter().filter(|c| c.round_trips > 0).count();
    let rate = total as f64 / elapsed.as_secs_f64();
    let (p50, p99) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0));

    println!(
        "echo {addr}: {} connections, {}-byte messages, {:.1} s",
        args.connections,
        args.size,
        elapsed.as_secs_f64()
    );
    println!("  round trips: {total} ({rate:.0}/s)");
    println!(
        "  latency:     p50 {}, p99 {}",
        show_ns(p50 as f64),
        show_ns(p99 as f64)
    );
    println!(
        "  served:      {served} of {} connections",
        args.connections
    );
    let waiting = connections
        .iter()
        .filter(|c| c.problem.is_none() && c.round_trips == 0)
        .count();
    if waiting > 0 {
        println!(
            "  not served:  {waiting} connections connected and sent, but got no reply within \
             the run (a sequential server keeps them waiting in its backlog)"
        );
    }
    for (i, c) in connections.iter().enumerate() {
        if let Some(problem) = &c.problem {
            println!(
                "  connection {i}: {problem} (after {} round trips)",
                c.round_trips
            );
        }
    }
    let failed = connections.iter().filter(|c| c.problem.is_some()).count();
    println!(
        "result: rate={rate:.0} p50_us={:.1} p99_us={:.1} served={served}/{} failed={failed} complete={}",
        p50 as f64 / 1e3,
        p99 as f64 / 1e3,
        args.connections,
        if served > 0 { "yes" } else { "no" }
    );
    if served == 0 {
        bail!("no connection was served by {addr}");
    }
    Ok(())
}

/// One connection: write the message, read it all back, again, until the
/// end of the run (or `count` round trips).
fn ping_pong(
    mut stream: TcpStream,
    message: &[u8],
    end: Instant,
    count: Option<u64>,
    round_trips: &AtomicU64,
    served: &AtomicUsize,
) -> Connection {
    let mut me = Connection::default();
    let _ = stream.set_nodelay(true);
    // A blocked read wakes up every TICK to look at the clock: no hang.
    if let Err(e) = stream
        .set_read_timeout(Some(TICK))
        .and(stream.set_write_timeout(Some(TICK)))
    {
        me.problem = Some(format!("could not set a timeout: {e}"));
        return me;
    }
    let mut reply = vec![0; message.len()];
    while count.is_none_or(|count| me.round_trips < count) && Instant::now() < end {
        let sent = Instant::now();
        // write_all() would give up at the first timeout: a server that is
        // slow to read gets until the end of the run instead.
        let mut written = 0;
        while written < message.len() {
            match stream.write(&message[written..]) {
                Ok(0) => {
                    me.problem = Some("the server stopped taking data".into());
                    return me;
                }
                Ok(n) => written += n,
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {
                    if Instant::now() >= end {
                        return me;
                    }
                }
                Err(e) => {
                    me.problem = Some(io_problem("could not send", &e));
                    return me;
                }
            }
        }
        let mut got = 0;
        while got < reply.len() {
            match stream.read(&mut reply[got..]) {
                Ok(0) => {
                    me.problem = Some("closed by the server".into());
                    return me;
                }
                Ok(n) => got += n,
                Err(e) if is_timeout(&e) => {
                    if Instant::now() >= end {
                        return me;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    me.problem = Some(io_problem("could not read the echo", &e));
                    return me;
                }
            }
        }
        let now = Instant::now();
        if now > end {
            // the reply came after the run: not counted
            return me;
        }
        if reply != message {
            me.problem = Some(format!(
                "the echo differs from the message: got {:?}",
                String::from_utf8_lossy(&reply)
            ));
            return me;
        }
        if me.round_trips == 0 {
            served.fetch_add(1, Ordering::Relaxed);
        }
        me.round_trips += 1;
        me.latencies.push((now - sent).as_nanos() as u64);
        round_trips.fetch_add(1, Ordering::Relaxed);
    }
    me
}

// ---------------------------------------------------------------- room ----

/// What every client thread shares with main.
struct Room {
    clients: usize,
    lines: usize,
    /// Clients from this index on stop reading at the sync line.
    stalled_from: usize,
    /// Spaces that pad each line to --size.
    padding: String,
    /// The addresses of the stalled clients, as `* IP:PORT left` names them.
    stalled: Mutex<Vec<String>>,
    /// Stalled clients that the others saw leave (the server dropped them).
    dropped: AtomicUsize,
    /// Readers the server closed (or reset) before they had every line.
    cut: AtomicUsize,
    /// The clock of the send timestamps carried in each line.
    clock: Instant,
    /// Readers that saw the sentinel's `sync` line: they are in the room.
    synced: AtomicUsize,
    delivered: AtomicU64,
    /// Readers done: with every line they should get, or cut off.
    finished: AtomicUsize,
    complete: AtomicUsize,
    /// Set before main shuts the sockets down: errors from then on are ours.
    stopping: AtomicBool,
    go: (Mutex<bool>, Condvar),
    /// The first few problems, word for word, and how many in all.
    problems: Mutex<Vec<String>>,
    problem_count: AtomicUsize,
}

impl Room {
    fn problem(&self, text: String) {
        if self.problem_count.fetch_add(1, Ordering::SeqCst) < 10 {
            let mut problems = self.problems.lock().unwrap_or_else(|e| e.into_inner());
            problems.push(text);
        }
    }
}

/// What one room client's reader saw.
#[derive(Default)]
struct Reader {
    /// Microseconds from the sender's write to this client's read.
    latencies: Vec<u32>,
    /// When the last expected line arrived.
    done_at: Option<Instant>,
}

fn room(args: RoomArgs) -> anyhow::Result<()> {
    let addr = resolve(&args.addr)?;
    if args.clients < 2 || args.lines == 0 {
        bail!("a room needs --clients 2 or more and --lines 1 or more");
    }
    if args.stalled >= args.clients {
        bail!("--stalled must leave at least one client reading");
    }
    let readers_count = args.clients - args.stalled;
    let deadline = Duration::from_secs_f64(args.timeout);
    let room = Arc::new(Room {
        clients: args.clients,
        lines: args.lines,
        stalled_from: readers_count,
        // `load 12 34 5678901` and its newline: about 20 bytes unpadded
        padding: " ".repeat(args.size.saturating_sub(20)),
        stalled: Mutex::new(Vec::new()),
        dropped: AtomicUsize::new(0),
        cut: AtomicUsize::new(0),
        clock: Instant::now(),
        synced: AtomicUsize::new(0),
        delivered: AtomicU64::new(0),
        finished: AtomicUsize::new(0),
        complete: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
        go: (Mutex::new(false), Condvar::new()),
        problems: Mutex::new(Vec::new()),
        problem_count: AtomicUsize::new(0),
    });
    println!(
        "room {addr}: {} clients x {} lines{}{}",
        args.clients,
        args.lines,
        if args.size > 0 {
            format!(" of {} bytes", args.size)
        } else {
            String::new()
        },
        if args.stalled > 0 {
            format!(", {} of them stalled (they stop reading)", args.stalled)
        } else {
            String::new()
        }
    );

    // 1. Join: connect every client; each gets a reader thread at once, so
    //    the join notices never pile up in the server.
    let mut streams: Vec<Arc<TcpStream>> = Vec::new();
    let mut readers = Vec::new();
    let joining = Instant::now();
    let mut last_progress = joining;
    let mut failure = None;
    for i in 0..args.clients {
        let left = deadline.saturating_sub(joining.elapsed());
        let stream = match TcpStream::connect_timeout(&addr, left.max(TICK)) {
            Ok(stream) => Arc::new(stream),
            Err(e) => {
                failure = Some(format!(
                    "client {i} of {} could not join: {}",
                    args.clients,
                    connect_problem(&e)
                ));
                break;
            }
        };
        let _ = stream.set_nodelay(true);
        if i >= readers_count {
            let name = stream.local_addr().map(|a| a.to_string());
            let mut stalled = room.stalled.lock().unwrap_or_else(|e| e.into_inner());
            stalled.push(name.unwrap_or_default());
        }
        let (s, r) = (stream.clone(), room.clone());
        readers.push(spawn(move || read_room(i, &s, &r))?);
        streams.push(stream);
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            eprintln!("joining: {} of {} connected", i + 1, args.clients);
        }
    }
    // 2. Make sure all are in: a sentinel client says `sync` (again every
    //    TICK, for clients whose server thread had not registered them yet)
    //    until every client has seen it.
    if failure.is_none() {
        failure = sync(addr, &room, joining + deadline)
            .err()
            .map(|e| format!("{e:#}"));
    }
    let joined = joining.elapsed();
    if failure.is_none() {
        println!(
            "  joined:      {} clients in {:.2} s",
            args.clients,
            joined.as_secs_f64()
        );
    }

    // 3. Go: every writer sends its lines at once; wait for every delivery.
    let mut writers = Vec::new();
    let mut go_at = Instant::now();
    let mut ended = None;
    if failure.is_none() {
        for (i, stream) in streams.iter().enumerate() {
            let (s, r) = (stream.clone(), room.clone());
            writers.push(spawn(move || write_room(i, &s, &r))?);
        }
        go_at = Instant::now();
        {
            let (go, start) = &room.go;
            *go.lock().unwrap_or_else(|e| e.into_inner()) = true;
            start.notify_all();
        }
        ended = Some(wait_for_deliveries(&room, go_at, deadline));
    }

    // 4. Tear down: shutting a socket down wakes its blocked reader or writer.
    room.stopping.store(true, Ordering::SeqCst);
    {
        let (go, start) = &room.go;
        *go.lock().unwrap_or_else(|e| e.into_inner()) = true;
        start.notify_all();
    }
    for stream in &streams {
        let _ = stream.shutdown(Shutdown::Both);
    }
    for writer in writers {
        let _ = writer.join();
    }
    let readers: Vec<Reader> = readers
        .into_iter()
        .map(|r| r.join().unwrap_or_default())
        .collect();

    let expected = (readers_count * (args.clients - 1) * args.lines) as u64;
    let delivered = room.delivered.load(Ordering::SeqCst);
    let complete = room.complete.load(Ordering::SeqCst);
    let all_in = failure.is_none() && complete == readers_count;
    let last = readers.iter().filter_map(|r| r.done_at).max();
    let elapsed = match (all_in, last, ended) {
        (true, Some(last), _) => last.duration_since(go_at),
        (_, _, Some(ended)) => ended.duration_since(go_at),
        _ => Duration::ZERO,
    };
    let mut latencies: Vec<u32> = readers.into_iter().flat_map(|r| r.latencies).collect();
    latencies.sort_unstable();
    let (p50, p99) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0));
    let rate = if elapsed.is_zero() {
        0.0
    } else {
        delivered as f64 / elapsed.as_secs_f64()
    };

    if ended.is_some() {
        println!(
            "  deliveries:  {delivered} of {expected} in {:.2} s ({rate:.0}/s)",
            elapsed.as_secs_f64()
        );
        println!(
            "  relay latency: p50 {}, p99 {}",
            show_ns(p50 as f64 * 1e3),
            show_ns(p99 as f64 * 1e3)
        );
        println!("  complete:    {complete} of {readers_count} reading clients got every line");
        if args.stalled > 0 {
            println!(
                "  stalled:     the server dropped {} of the {} clients that stopped reading",
                room.dropped.load(Ordering::SeqCst),
                args.stalled
            );
        }
    }
    if let Some(failure) = &failure {
        println!("  stopped: {failure}");
    }
    let problems = room.problem_count.load(Ordering::SeqCst);
    for problem in room
        .problems
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        println!("  problem: {problem}");
    }
    if problems > 10 {
        println!("  ... and {} more problems", problems - 10);
    }
    println!(
        "result: rate={rate:.0} p50_us={p50} p99_us={p99} clients={} delivered={delivered}/{expected} dropped={}/{} problems={} complete={}",
        args.clients,
        room.dropped.load(Ordering::SeqCst),
        args.stalled,
        problems,
        if all_in { "yes" } else { "no" }
    );
    if !all_in {
        bail!("the room run did not complete");
    }
    Ok(())
}

/// Connects a sentinel that says `sync` until every client has seen it: a
/// client that receives it is registered in the room, so relays reach it.
fn sync(addr: SocketAddr, room: &Room, deadline: Instant) -> anyhow::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    let mut sentinel = TcpStream::connect_timeout(&addr, left.max(TICK))
        .map_err(|e| anyhow::anyhow!("the sync client could not join: {}", connect_problem(&e)))?;
    let mut last_progress = Instant::now();
    while room.synced.load(Ordering::SeqCst) < room.clients {
        if Instant::now() >= deadline {
            let synced = room.synced.load(Ordering::SeqCst);
            bail!(
                "only {synced} of {} clients were in the room (got the sync line) before the deadline{}",
                room.clients,
                if synced == 0 {
                    " (is it a lab 4 room server?)"
                } else {
                    ""
                }
            );
        }
        if room.cut.load(Ordering::SeqCst) > 0 {
            bail!("the server closed clients before the room was full");
        }
        sentinel
            .write_all(b"sync\n")
            .context("the sync client could not send")?;
        thread::sleep(TICK);
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            eprintln!(
                "joining: {} of {} clients in the room",
                room.synced.load(Ordering::SeqCst),
                room.clients
            );
        }
    }
    // It leaves before the lines fly: its `* left` notice is ignored.
    let _ = sentinel.shutdown(Shutdown::Both);
    Ok(())
}

/// Reads everything one client receives, until main shuts it down.
fn read_room(me: usize, stream: &TcpStream, room: &Room) -> Reader {
    let mut seen = Reader::default();
    let expected = (room.clients - 1) * room.lines;
    seen.latencies.reserve(expected);
    let mut next = vec![0usize; room.clients];
    let (mut got, mut counted) = (0usize, 0usize);
    let mut synced = false;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = Vec::new();
    let finish = |room: &Room| {
        room.finished.fetch_add(1, Ordering::SeqCst);
    };
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => {
                if !room.stopping.load(Ordering::SeqCst) && got < expected {
                    room.problem(format!(
                        "client {me}: closed by the server after {got} of {expected} lines"
                    ));
                    room.cut.fetch_add(1, Ordering::SeqCst);
                    finish(room);
                }
                break;
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                if !room.stopping.load(Ordering::SeqCst) && got < expected {
                    room.problem(format!(
                        "client {me}: {} after {got} of {expected} lines",
                        io_problem("could not read", &e)
                    ));
                    room.cut.fetch_add(1, Ordering::SeqCst);
                    finish(room);
                }
                break;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        // `[IP:PORT] text` from another client
        let body = text
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("] "))
            .map(|(_, body)| body);
        match body {
            Some("sync") => {
                if !synced {
                    synced = true;
                    room.synced.fetch_add(1, Ordering::SeqCst);
                    if me >= room.stalled_from {
                        // a stalled client: from now on it reads nothing
                        finish(room);
                        return seen;
                    }
                }
            }
            Some(body) if body.starts_with("load ") => {
                let received = room.clock.elapsed().as_micros() as u64;
                let Some((sender, seq, sent)) = parse_load(body) else {
                    room.problem(format!("client {me}: garbled line {text:?}"));
                    continue;
                };
                if sender == me {
                    room.problem(format!("client {me}: got its own line back: {text:?}"));
                } else if sender >= room.clients || seq != next[sender] {
                    room.problem(format!(
                        "client {me}: line {seq} of client {sender} came out of order or twice"
                    ));
                } else {
                    next[sender] += 1;
                }
                got += 1;
                seen.latencies
                    .push(received.saturating_sub(sent).min(u32::MAX as u64) as u32);
                if got == expected {
                    seen.done_at = Some(Instant::now());
                    room.complete.fetch_add(1, Ordering::SeqCst);
                    finish(room);
                }
                // batched: one shared counter bumped per line would make
                // thousands of threads fight over one cache line
                if got - counted >= 64 || got == expected {
                    room.delivered
                        .fetch_add((got - counted) as u64, Ordering::Relaxed);
                    counted = got;
                }
            }
            _ if text.starts_with("* ") => {
                // joined / left notices; one reader counts the stalled who left
                if me == 0 && text.ends_with(" left") {
                    let name = &text[2..text.len() - 5];
                    let stalled = room.stalled.lock().unwrap_or_else(|e| e.into_inner());
                    if stalled.iter().any(|s| s == name) {
                        room.dropped.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            _ if text.starts_with("error") || text == "adios" => {
                room.problem(format!("client {me}: the server said {text:?}"));
            }
            _ => room.problem(format!("client {me}: unexpected line {text:?}")),
        }
    }
    if got > counted {
        room.delivered
            .fetch_add((got - counted) as u64, Ordering::Relaxed);
    }
    seen
}

/// `load SENDER SEQ MICROS`
fn parse_load(body: &str) -> Option<(usize, usize, u64)> {
    let mut words = body.split(' ').skip(1);
    let sender = words.next()?.parse().ok()?;
    let seq = words.next()?.parse().ok()?;
    let sent = words.next()?.parse().ok()?;
    Some((sender, seq, sent))
}

/// Waits for the go signal, then sends this client's lines, each with the
/// time it was written.
fn write_room(me: usize, mut stream: &TcpStream, room: &Room) {
    {
        let (go, start) = &room.go;
        let mut go = go.lock().unwrap_or_else(|e| e.into_inner());
        while !*go {
            go = start.wait(go).unwrap_or_else(|e| e.into_inner());
        }
    }
    for seq in 0..room.lines {
        if room.stopping.load(Ordering::Relaxed) {
            return;
        }
        let sent = room.clock.elapsed().as_micros();
        let line = format!("load {me} {seq} {sent}{}\n", room.padding);
        if let Err(e) = stream.write_all(line.as_bytes()) {
            if !room.stopping.load(Ordering::SeqCst) {
                room.problem(format!(
                    "client {me}: {} line {seq}",
                    io_problem("could not send", &e)
                ));
            }
            return;
        }
    }
}

/// Until every reader is done or the deadline: progress every second.
/// Returns when it stopped waiting.
fn wait_for_deliveries(room: &Room, go_at: Instant, deadline: Duration) -> Instant {
    let expected = (room.stalled_from * (room.clients - 1) * room.lines) as u64;
    let mut last_progress = go_at;
    loop {
        if room.finished.load(Ordering::SeqCst) >= room.clients {
            return Instant::now();
        }
        if go_at.elapsed() >= deadline {
            let complete = room.complete.load(Ordering::SeqCst);
            room.problem(format!(
                "deadline of {:.0} s passed: {complete} of {} reading clients had every line",
                deadline.as_secs_f64(),
                room.stalled_from
            ));
            return Instant::now();
        }
        thread::sleep(Duration::from_millis(10));
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let delivered = room.delivered.load(Ordering::Relaxed);
            eprintln!(
                "relaying {:>5.1} s: {delivered} of {expected} deliveries ({:.0}%)",
                go_at.elapsed().as_secs_f64(),
                delivered as f64 * 100.0 / expected as f64
            );
        }
    }
}

// -------------------------------------------------------------- shared ----

fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    addr.to_socket_addrs()
        .with_context(|| format!("could not resolve {addr}"))?
        .next()
        .with_context(|| format!("{addr} names no address"))
}

fn spawn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<JoinHandle<T>> {
    thread::Builder::new()
        .stack_size(STACK)
        .spawn(work)
        .context("could not start a thread (too many? see `ulimit -u`)")
}

fn connect_problem(e: &io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused (is the server running?)".into(),
        _ if is_timeout(e) => "connection timed out (the server's backlog is full?)".into(),
        _ if e.raw_os_error() == Some(24) => {
            "too many open files: raise the limit with `ulimit -n`".into()
        }
        _ => format!("could not connect: {e}"),
    }
}

fn io_problem(what: &str, e: &io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionReset => format!("{what}: connection reset by the server"),
        ErrorKind::BrokenPipe => format!("{what}: the server closed the connection"),
        _ if is_timeout(e) => format!("{what}: timed out (the server stopped reading?)"),
        _ => format!("{what}: {e}"),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// The value below which `p` percent of the sorted samples fall.
fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len());
    sorted[i - 1]
}

fn show_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Prints a status line on stderr every second, from its own thread, until
/// stopped: quiet for runs shorter than a second.
struct Progress {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Progress {
    fn start(status: impl Fn(Duration) -> String + Send + 'static) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::spawn(move || {
            let started = Instant::now();
            let mut next = Duration::from_secs(1);
            while !flag.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20));
                if started.elapsed() >= next {
                    eprintln!("{}", status(started.elapsed()));
                    next += Duration::from_secs(1);
                }
            }
        });
        Progress { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
    }
}
