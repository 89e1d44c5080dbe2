//! The `echo` mode: N connections, a thread each, playing ping-pong with an
//! echo server (lab 1's, or the Python baseline) until the end of the run.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::net::{connect_problem, io_problem, is_timeout, resolve};
use crate::stats::{percentile, show_ns};

#[derive(clap::Args)]
pub struct EchoArgs {
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

/// Small stacks: a thread per connection.
const STACK: usize = 128 * 1024;
/// How often a blocked read wakes up to look at the clock.
const TICK: Duration = Duration::from_millis(100);

/// What became of one echo connection.
#[derive(Default)]
struct Connection {
    round_trips: u64,
    /// Nanoseconds from the write to the last byte of the reply.
    latencies: Vec<u64>,
    /// Why it stopped early, if it did (refused, reset, closed, wrong echo).
    problem: Option<String>,
}

pub fn run(args: EchoArgs) -> anyhow::Result<()> {
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

fn spawn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<JoinHandle<T>> {
    thread::Builder::new()
        .stack_size(STACK)
        .spawn(work)
        .context("could not start a thread (too many? see `ulimit -u`)")
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
