//! The `room` mode: fills a lab 4 or lab 5 room with N clients, makes sure
//! every one is in, has the senders send their lines at once, waits until
//! every reading client has every line, and reports what came.
//!
//! Each client is a reader task and, once the lines fly, a writer task, on
//! tokio's scheduler: 10,000 clients cost the tool a few threads, not 20,000,
//! so its own switching does not slow the server it measures.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::net::{connect_problem, resolve};
use crate::room_client::{Reader, read_room, write_room};
use crate::stats::{cpu_time, percentile, show_ns};

#[derive(clap::Args)]
pub struct RoomArgs {
    /// Address of the server (IP:PORT)
    #[arg(long, default_value = "127.0.0.1:6667")]
    addr: String,
    /// Clients in the room
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Lines each sender sends
    #[arg(long, default_value_t = 10)]
    lines: usize,
    /// Only the first K clients send lines (default: every client); the
    /// others only listen
    #[arg(long)]
    senders: Option<usize>,
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

/// How often the sync client repeats itself.
const TICK: Duration = Duration::from_millis(100);
/// How many clients may be connected but not yet in the room: well under
/// the listen backlog (128 for std's and tokio's listeners on Linux). Once
/// the backlog is full, the kernel drops the next SYN and that connect()
/// waits out a one-second retransmission: a 10,000-client join would then
/// measure the kernel's timer, not the server.
const AHEAD: usize = 64;

/// What every client task shares with the run.
pub struct Room {
    pub clients: usize,
    pub lines: usize,
    /// Clients below this index send lines.
    pub senders: usize,
    /// Clients from this index on stop reading at the sync line.
    pub stalled_from: usize,
    /// Spaces that pad each line to --size.
    pub padding: String,
    /// The addresses of the stalled clients, as `* IP:PORT left` names them.
    pub stalled: Mutex<Vec<String>>,
    /// Stalled clients that the others saw leave (the server dropped them).
    pub dropped: AtomicUsize,
    /// Readers the server closed (or reset) before they had every line.
    pub cut: AtomicUsize,
    /// The clock of the send timestamps carried in each line.
    pub clock: Instant,
    /// Readers that saw the sentinel's `sync` line: they are in the room.
    pub synced: AtomicUsize,
    /// `* IP:PORT joined` and `left` notices received, by all clients.
    pub notices: AtomicU64,
    /// `joined` notices the first client received: the clients the server
    /// has let in after it.
    pub joins_seen: AtomicUsize,
    pub delivered: AtomicU64,
    /// Readers done: with every line they should get, or cut off.
    pub finished: AtomicUsize,
    pub complete: AtomicUsize,
    /// Set before the run tells the tasks to stop: errors from then on are ours.
    pub stopping: AtomicBool,
    /// Tells every task to stop.
    pub stop: CancellationToken,
    /// The first few problems, word for word, and how many in all.
    problems: Mutex<Vec<String>>,
    problem_count: AtomicUsize,
}

impl Room {
    pub fn problem(&self, text: String) {
        if self.problem_count.fetch_add(1, Ordering::SeqCst) < 10 {
            let mut problems = self.problems.lock().unwrap_or_else(|e| e.into_inner());
            problems.push(text);
        }
    }

    /// The lines client `me` should receive: every sender's but its own.
    pub fn expected_by(&self, me: usize) -> usize {
        (self.senders - usize::from(me < self.senders)) * self.lines
    }
}

pub async fn run(args: RoomArgs) -> anyhow::Result<()> {
    let addr = resolve(&args.addr)?;
    let senders = args.senders.unwrap_or(args.clients);
    if args.clients < 2 || args.lines == 0 || senders == 0 || senders > args.clients {
        bail!(
            "a room needs --clients 2 or more, --lines 1 or more, and --senders between 1 and --clients"
        );
    }
    if args.stalled >= args.clients {
        bail!("--stalled must leave at least one client reading");
    }
    let readers_count = args.clients - args.stalled;
    let deadline = Duration::from_secs_f64(args.timeout);
    let room = Arc::new(Room {
        clients: args.clients,
        lines: args.lines,
        senders,
        stalled_from: readers_count,
        // `load 12 34 5678901` and its newline: about 20 bytes unpadded
        padding: " ".repeat(args.size.saturating_sub(20)),
        stalled: Mutex::new(Vec::new()),
        dropped: AtomicUsize::new(0),
        cut: AtomicUsize::new(0),
        clock: Instant::now(),
        synced: AtomicUsize::new(0),
        notices: AtomicU64::new(0),
        joins_seen: AtomicUsize::new(0),
        delivered: AtomicU64::new(0),
        finished: AtomicUsize::new(0),
        complete: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
        stop: CancellationToken::new(),
        problems: Mutex::new(Vec::new()),
        problem_count: AtomicUsize::new(0),
    });
    println!(
        "room {addr}: {} clients{}, {} lines each{}{}",
        args.clients,
        if senders < args.clients {
            format!(" ({senders} of them send)")
        } else {
            String::new()
        },
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

    // 1. Join: connect every client; each gets a reader task at once, so
    //    the join notices never pile up in the server.
    let joining = Instant::now();
    let (mut outgoing, mut readers, mut failure) = join(addr, &room, joining + deadline).await;
    // 2. Make sure all are in: a sentinel client says `sync` (again every
    //    TICK, for clients the server had not registered yet) until every
    //    client has seen it.
    if failure.is_none() {
        failure = sync(addr, &room, joining + deadline)
            .await
            .err()
            .map(|e| format!("{e:#}"));
    }
    let joined = joining.elapsed();
    let notices = room.notices.load(Ordering::SeqCst);
    if failure.is_none() {
        println!(
            "  joined:      {} clients in {:.2} s ({notices} joined/left notices, {:.0}/s)",
            args.clients,
            joined.as_secs_f64(),
            notices as f64 / joined.as_secs_f64()
        );
    }

    // 3. Go: every sender writes its lines at once; wait for every delivery.
    let mut writers: Vec<JoinHandle<OwnedWriteHalf>> = Vec::new();
    let mut go_at = Instant::now();
    let mut ended = None;
    let cpu_at_go = cpu_time();
    if failure.is_none() {
        go_at = Instant::now();
        for (i, to_server) in outgoing.drain(..senders).enumerate() {
            writers.push(tokio::spawn(write_room(i, to_server, Arc::clone(&room))));
        }
        ended = Some(wait_for_deliveries(&room, go_at, deadline).await);
    }

    // How busy the tool itself was while the lines flew: well under its
    // cores means it was waiting for the server, not the other way round.
    let relay_cpu = cpu_time()
        .zip(cpu_at_go)
        .map(|(now, then)| now.saturating_sub(then).as_secs_f64());

    // 4. Tear down: every task stops; the sockets close when dropped.
    room.stopping.store(true, Ordering::SeqCst);
    room.stop.cancel();
    for writer in writers {
        // its write half, kept open until now: dropping it would say goodbye
        let _ = writer.await;
    }
    drop(outgoing);
    let mut seen = Vec::new();
    for reader in readers.drain(..) {
        seen.push(reader.await.unwrap_or_default());
    }

    let expected: u64 = (0..readers_count)
        .map(|me| room.expected_by(me) as u64)
        .sum();
    let delivered = room.delivered.load(Ordering::SeqCst);
    let complete = room.complete.load(Ordering::SeqCst);
    let all_in = failure.is_none() && complete == readers_count;
    let last = seen.iter().filter_map(|r| r.done_at).max();
    let elapsed = match (all_in, last, ended) {
        (true, Some(last), _) => last.duration_since(go_at),
        (_, _, Some(ended)) => ended.duration_since(go_at),
        _ => Duration::ZERO,
    };
    let mut latencies: Vec<u32> = seen.into_iter().flat_map(|r| r.latencies).collect();
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
        if let (Some(cpu), Some(ended)) = (relay_cpu, ended) {
            let wall = ended.duration_since(go_at).as_secs_f64();
            println!(
                "  load tool:   {cpu:.2} s of CPU while relaying, {:.0}% of one core over {wall:.2} s",
                cpu * 100.0 / wall
            );
        }
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
        "result: rate={rate:.0} p50_us={p50} p99_us={p99} clients={} senders={senders} join_s={:.2} notices={notices}{} delivered={delivered}/{expected} dropped={}/{} problems={} complete={}",
        args.clients,
        joined.as_secs_f64(),
        match (relay_cpu, ended) {
            (Some(cpu), Some(ended)) => format!(
                " relay_s={:.3} tool_relay_cpu={cpu:.3}",
                ended.duration_since(go_at).as_secs_f64()
            ),
            _ => String::new(),
        },
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

/// Connects the clients one after the other, each with its reader task.
/// Returns their write halves, their readers, and why joining stopped early.
async fn join(
    addr: SocketAddr,
    room: &Arc<Room>,
    deadline: Instant,
) -> (Vec<OwnedWriteHalf>, Vec<JoinHandle<Reader>>, Option<String>) {
    let (mut outgoing, mut readers) = (Vec::new(), Vec::new());
    let mut last_progress = Instant::now();
    for i in 0..room.clients {
        // Let the server catch up (but never wait more than a second for a
        // room that says nothing when a client joins).
        let waiting = Instant::now();
        while i > 1 + room.joins_seen.load(Ordering::Relaxed) + AHEAD
            && waiting.elapsed() < Duration::from_secs(1)
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let stream = match tokio::time::timeout(left.max(TICK), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                let why = connect_problem(&e);
                return (outgoing, readers, Some(could_not_join(i, room, &why)));
            }
            Err(_) => {
                let why = "connection timed out (the server's backlog is full?)";
                return (outgoing, readers, Some(could_not_join(i, room, why)));
            }
        };
        let _ = stream.set_nodelay(true);
        if i >= room.stalled_from {
            let name = stream.local_addr().map(|a| a.to_string());
            let mut stalled = room.stalled.lock().unwrap_or_else(|e| e.into_inner());
            stalled.push(name.unwrap_or_default());
        }
        let (from_server, to_server) = stream.into_split();
        readers.push(tokio::spawn(read_room(i, from_server, Arc::clone(room))));
        outgoing.push(to_server);
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            eprintln!(
                "joining: {} of {} connected, {} notices received",
                i + 1,
                room.clients,
                room.notices.load(Ordering::Relaxed)
            );
        }
    }
    (outgoing, readers, None)
}

fn could_not_join(i: usize, room: &Room, why: &str) -> String {
    format!("client {i} of {} could not join: {why}", room.clients)
}

/// Connects a sentinel that says `sync` until every client has seen it: a
/// client that receives it is registered in the room, so relays reach it.
async fn sync(addr: SocketAddr, room: &Room, deadline: Instant) -> anyhow::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    let mut sentinel = match tokio::time::timeout(left.max(TICK), TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => bail!("the sync client could not join: {}", connect_problem(&e)),
        Err(_) => bail!("the sync client could not join: connection timed out"),
    };
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
            .await
            .context("the sync client could not send")?;
        tokio::time::sleep(TICK).await;
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            eprintln!(
                "joining: {} of {} clients in the room, {} notices received",
                room.synced.load(Ordering::SeqCst),
                room.clients,
                room.notices.load(Ordering::Relaxed)
            );
        }
    }
    // It leaves before the lines fly: its `* left` notice is ignored.
    let _ = sentinel.shutdown().await;
    Ok(())
}

/// Until every reader is done or the deadline: progress every second.
/// Returns when it stopped waiting.
async fn wait_for_deliveries(room: &Room, go_at: Instant, deadline: Duration) -> Instant {
    let expected: u64 = (0..room.stalled_from)
        .map(|me| room.expected_by(me) as u64)
        .sum();
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
        tokio::time::sleep(Duration::from_millis(10)).await;
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
