//! The `closing` mode: what the operator's `adios` delivers to clients that
//! are behind on reading, round after round.
//!
//! Each round starts a fresh room server (`--server`, on `--port 0`), fills
//! it with `--clients` clients, and has them all talk for `--talk-ms`. Every
//! `--behind-every`th client is behind on reading: a small receive buffer,
//! and a pause before each read (a slow link, a terminal paused for a
//! moment); the others read as fast as lines come. Then the operator types
//! `adios`, and every client goes on talking until it has read `adios` or
//! its connection ends, then closes it, as lab4_client does (with
//! `--silent-behind`, the clients behind never talk). The round counts, from the server's transcript (its stdout), the
//! lines printed while a client was in the room that never reached it, and
//! which clients got `adios`.
//!
//! A client is a thread that reads and one that writes: 20 clients, 40
//! threads, and the traffic each sends is paced, so the tool is never the
//! slow side.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

#[derive(clap::Args)]
pub struct ClosingArgs {
    /// A room server to measure (lab4_server, lab5_server, ...); give it
    /// more than once to measure several in the same run
    #[arg(long = "server", required = true)]
    servers: Vec<String>,
    /// Rounds per server, each with a fresh server
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Clients in the room
    #[arg(long, default_value_t = 20)]
    clients: usize,
    /// Every Nth client is behind on reading (4: clients 4, 8, 12, ...)
    #[arg(long, default_value_t = 4)]
    behind_every: usize,
    /// How long everyone talks before the operator's adios, in milliseconds
    #[arg(long, default_value_t = 1000)]
    talk_ms: u64,
    /// The pause between two lines of one client, in milliseconds
    #[arg(long, default_value_t = 5)]
    line_ms: u64,
    /// The pause before each read (of at most 4 KiB) of a client behind,
    /// in milliseconds
    #[arg(long, default_value_t = 100)]
    behind_read_ms: u64,
    /// The clients behind only read: they never talk
    #[arg(long)]
    silent_behind: bool,
    /// Deadline for each round to end once the operator said adios, in
    /// seconds
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
}

/// How a client's connection ended, as it saw it.
#[derive(Clone, Copy, PartialEq)]
enum End {
    /// It read `adios`.
    Adios,
    /// The server closed the connection first.
    Closed,
    /// The connection was reset.
    Reset,
    /// Nothing for the whole deadline.
    Silence,
}

/// What one client received.
struct Heard {
    lines: HashSet<String>,
    end: End,
}

/// One client of a round, as the count needs it.
struct Client {
    addr: SocketAddr,
    behind: bool,
}

/// One round's count, for the clients behind and for the others.
#[derive(Default)]
struct Count {
    clients: usize,
    got_adios: usize,
    /// Left the room before the adios (the server dropped them).
    dropped: usize,
    reset: usize,
    undelivered: usize,
}

pub fn run(args: ClosingArgs) -> anyhow::Result<()> {
    if args.clients < 2 || args.behind_every == 0 || args.rounds == 0 {
        bail!("closing needs --clients 2 or more, --behind-every 1 or more and --rounds 1 or more");
    }
    let behind = args.clients / args.behind_every;
    println!(
        "closing: {} rounds of {} clients, every {} behind on reading ({behind} a round){}, \
         talking {} ms, then the operator's adios",
        args.rounds,
        args.clients,
        ordinal(args.behind_every),
        if args.silent_behind {
            ", silent"
        } else {
            " and still talking"
        },
        args.talk_ms
    );
    for server in &args.servers {
        let (mut slow, mut others) = (Count::default(), Count::default());
        for round in 0..args.rounds {
            let (s, o) = round_of(server, &args)
                .with_context(|| format!("round {} of {server}", round + 1))?;
            add(&mut slow, &s);
            add(&mut others, &o);
        }
        println!(
            "  {server}: clients behind that got adios: {} of {}; lines they never got: {}; \
             reset: {}; dropped before adios: {}",
            slow.got_adios, slow.clients, slow.undelivered, slow.reset, slow.dropped
        );
        println!(
            "  {server}: other clients that got adios: {} of {}; lines they never got: {}",
            others.got_adios, others.clients, others.undelivered
        );
        println!(
            "result: server={server} behind={} behind_adios={} behind_undelivered={} \
             behind_reset={} behind_dropped={} others={} others_adios={} others_undelivered={}",
            slow.clients,
            slow.got_adios,
            slow.undelivered,
            slow.reset,
            slow.dropped,
            others.clients,
            others.got_adios,
            others.undelivered
        );
    }
    Ok(())
}

fn ordinal(n: usize) -> String {
    match n {
        1 => "one".into(),
        2 => "2nd".into(),
        3 => "3rd".into(),
        n => format!("{n}th"),
    }
}

fn add(total: &mut Count, round: &Count) {
    total.clients += round.clients;
    total.got_adios += round.got_adios;
    total.dropped += round.dropped;
    total.reset += round.reset;
    total.undelivered += round.undelivered;
}

/// One round against a fresh `server`: its count for the clients behind,
/// and for the others.
fn round_of(server: &str, args: &ClosingArgs) -> anyhow::Result<(Count, Count)> {
    let deadline = Duration::from_secs_f64(args.timeout);
    let mut child = Command::new(server)
        .args(["--port", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {server}"))?;
    let result = drive(&mut child, args, deadline);
    // However the round went, the server does not outlive it.
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn drive(
    child: &mut Child,
    args: &ClosingArgs,
    deadline: Duration,
) -> anyhow::Result<(Count, Count)> {
    let addr = listening_addr(child)?;
    let transcript = transcript_of(child);

    // Everyone in the room, one after another, each once the transcript
    // says it joined.
    let mut printed = Vec::new();
    let (mut clients, mut readers, mut writers) = (Vec::new(), Vec::new(), Vec::new());
    for i in 1..=args.clients {
        let behind = i % args.behind_every == 0;
        let stream = connect(addr, behind)?;
        let me = stream.local_addr()?;
        let joined = format!("* {me} joined");
        wait_for_line(&transcript, &mut printed, &joined, deadline)
            .with_context(|| format!("client {i} ({me}) never joined"))?;
        let pause = Duration::from_millis(if behind { args.behind_read_ms } else { 0 });
        // Its reader tells its writer to stop once the conversation is over.
        let (reading, done) = (stream.try_clone()?, Arc::new(AtomicBool::new(false)));
        let heard = Arc::clone(&done);
        readers.push(thread::spawn(move || {
            let heard_all = hear(reading, pause, deadline);
            heard.store(true, Ordering::SeqCst);
            heard_all
        }));
        let talks = !(behind && args.silent_behind);
        let line_pause = Duration::from_millis(args.line_ms);
        writers.push(thread::spawn(move || {
            if talks {
                talk(&stream, i, line_pause, &done);
            }
            // Both handles gone (the reader's already is): the client closes.
        }));
        clients.push(Client { addr: me, behind });
    }

    // Everyone talks for a while (the length of the round, not a wait for
    // anything), then the operator closes the room.
    thread::sleep(Duration::from_millis(args.talk_ms));
    let mut stdin = child.stdin.take().context("the server's stdin")?;
    stdin
        .write_all(b"adios\n")
        .context("could not type adios on the server's stdin")?;

    // Every client reads to its end, and closes.
    let heard: Vec<Heard> = readers
        .into_iter()
        .map(|reader| reader.join().expect("a reader thread panicked"))
        .collect();
    // The rest of the transcript, up to the server's exit.
    let started = Instant::now();
    loop {
        match transcript.recv_timeout(deadline.saturating_sub(started.elapsed())) {
            Ok(line) => printed.push(line),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                bail!("the server did not exit within the deadline after adios")
            }
        }
    }
    drop(stdin);
    for writer in writers {
        let _ = writer.join();
    }
    Ok(count(&clients, &heard, &printed))
}

/// The address in the server's first stderr line, `listening on IP:PORT`;
/// the rest of its stderr is read and dropped.
fn listening_addr(child: &mut Child) -> anyhow::Result<SocketAddr> {
    let stderr = child.stderr.take().context("the server's stderr")?;
    let mut stderr = BufReader::new(stderr);
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .context("could not read the server's stderr")?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|addr| addr.parse().ok())
        .with_context(|| {
            format!("expected `listening on IP:PORT` from the server, got {line:?}")
        })?;
    thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    Ok(addr)
}

/// The server's stdout, line by line, on a channel that ends when it exits.
fn transcript_of(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, transcript) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    transcript
}

fn wait_for_line(
    transcript: &Receiver<String>,
    printed: &mut Vec<String>,
    expected: &str,
    deadline: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let line = transcript
            .recv_timeout(deadline.saturating_sub(started.elapsed()))
            .context("the server's transcript did not say so")?;
        let found = line == expected;
        printed.push(line);
        if found {
            return Ok(());
        }
    }
}

/// A connection to the room; one behind on reading lets little wait for it
/// in its own buffers (as tests/support/server.rs does), so what it has not
/// read waits in the server.
fn connect(addr: SocketAddr, behind: bool) -> anyhow::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if behind {
        socket.set_recv_buffer_size(4096)?;
        #[cfg(unix)]
        socket.set_tcp_mss(536)?;
    }
    socket
        .connect(&addr.into())
        .with_context(|| format!("could not connect to {addr}"))?;
    let stream: TcpStream = socket.into();
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `c{i} n{k}` lines, one per `pause`, until told to stop or the
/// connection ends.
fn talk(mut stream: &TcpStream, i: usize, pause: Duration, stop: &AtomicBool) {
    // A stuck write must not hold the round: the server may stop reading.
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    for k in 0.. {
        if stop.load(Ordering::SeqCst)
            || stream.write_all(format!("c{i} n{k}\n").as_bytes()).is_err()
        {
            return;
        }
        // Paced: a person typing fast, twenty of them, not a flood.
        thread::sleep(pause);
    }
}

/// Every line received until `adios`, the end of the connection, or
/// `deadline` of silence; a pause before each read for a client behind.
fn hear(mut stream: TcpStream, pause: Duration, deadline: Duration) -> Heard {
    let _ = stream.set_read_timeout(Some(deadline));
    let mut lines = HashSet::new();
    let mut pending = Vec::new();
    let mut buf = [0; 4096];
    loop {
        if !pause.is_zero() {
            // Shapes traffic: a client that reads slowly.
            thread::sleep(pause);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => {
                return Heard {
                    lines,
                    end: End::Closed,
                };
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Heard {
                    lines,
                    end: End::Silence,
                };
            }
            Err(_) => {
                return Heard {
                    lines,
                    end: End::Reset,
                };
            }
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(at) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=at).collect();
            let line = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            if line == "adios" {
                return Heard {
                    lines,
                    end: End::Adios,
                };
            }
            lines.insert(line);
        }
    }
}

/// From the transcript: each client's expected lines (every `[IP:PORT]
/// text` printed between its join and its leaving, or the end, but its
/// own), against what it heard.
fn count(clients: &[Client], heard: &[Heard], printed: &[String]) -> (Count, Count) {
    let (mut slow, mut others) = (Count::default(), Count::default());
    for (client, heard) in clients.iter().zip(heard) {
        let joined = format!("* {} joined", client.addr);
        let left = format!("* {} left", client.addr);
        let own = format!("[{}] ", client.addr);
        let start = printed.iter().position(|line| *line == joined).unwrap_or(0);
        let end = printed[start..]
            .iter()
            .position(|line| *line == left)
            .map(|at| start + at);
        let expected = printed[start..end.unwrap_or(printed.len())]
            .iter()
            .filter(|line| line.starts_with('[') && !line.starts_with(&own));
        let undelivered = expected.filter(|line| !heard.lines.contains(*line)).count();
        let count = if client.behind {
            &mut slow
        } else {
            &mut others
        };
        count.clients += 1;
        count.got_adios += usize::from(heard.end == End::Adios);
        count.dropped += usize::from(end.is_some());
        count.reset += usize::from(heard.end == End::Reset);
        count.undelivered += undelivered;
    }
    (slow, others)
}
