//! tap: stands between a client and a server, forwards every byte in both
//! directions, and prints what crosses, one line per event.
//!
//! EN: Point a client at the tap instead of the server: each connection it
//!     accepts is forwarded to the real server, and every read the tap makes
//!     (its size and its bytes), every end of a direction (FIN) and every
//!     reset (RST) is printed with the time since that connection began.
//!     `--split`, `--delay` and `--reset-after` shape the traffic, to provoke
//!     what the tests provoke. Not a lab: docs/en/lab1.md, "Going further".
//! ES: Apunta un cliente al tap en vez de al servidor: cada conexión que
//!     acepta la reenvía al servidor de verdad, y muestra cada lectura que
//!     hace (su tamaño y sus bytes), cada fin de un sentido (FIN) y cada
//!     reset (RST), con el tiempo desde que empezó esa conexión. `--split`,
//!     `--delay` y `--reset-after` le dan forma al tráfico, para provocar lo
//!     que provocan los tests. Guía: docs/es/lab1.md, «Para ir más lejos».
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --features solutions --bin lab2_server_sol
//!     terminal 2: cargo tap --listen 7000 --to 127.0.0.1:6667 --split 3
//!     terminal 3: cargo run --features solutions --bin lab2_client_sol -- --port 7000
//!
//! The modules, one concern each: `connection` (one client, from accept to
//! close), `direction` (one way of a connection: read, show, forward),
//! `shaping` (the chunks and the pace of `--split`, `--delay`,
//! `--reset-after`), `report` (the event lines) and `bytes` (how bytes are
//! shown).

mod bytes;
mod connection;
mod direction;
mod report;
mod shaping;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::net::{TcpListener, lookup_host};

use crate::report::Output;
use crate::shaping::Shaping;

/// Forwards each connection to a server and shows what crosses it.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (0.0.0.0 to accept other machines)
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on, where clients connect (0 lets the system pick one)
    #[arg(long, value_name = "PORT", default_value_t = 7000)]
    listen: u16,
    /// The real server, where each connection is forwarded
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:6667")]
    to: String,
    /// Forward what is read in chunks of at most N bytes, each its own write
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    split: Option<u64>,
    /// Wait MS milliseconds between two chunks of one read (with --split)
    #[arg(long, value_name = "MS", default_value_t = 0, requires = "split")]
    delay: u64,
    /// Reset both sides once BYTES bytes have been forwarded (both directions counted)
    #[arg(long, value_name = "BYTES")]
    reset_after: Option<u64>,
}

// One thread is plenty: the tap mostly waits, and on one thread its events
// are printed in the order they happened.
#[tokio::main(flavor = "current_thread")]
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

async fn run(args: Args) -> anyhow::Result<()> {
    let server = resolve(&args.to).await?;
    let addr = format!("{}:{}", args.host, args.listen);
    let listener = TcpListener::bind(&addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))?;
    // the first line on stderr, as every server of the kit prints it
    eprintln!("listening on {}", listener.local_addr()?);
    eprintln!("forwarding each connection to {server}");

    let shaping = Shaping {
        split: args.split.map(|n| n as usize),
        delay: Duration::from_millis(args.delay),
        reset_after: args.reset_after,
    };
    let output = Arc::new(Output::stdout());
    let mut number = 0;
    loop {
        let (client, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("error: could not accept a connection: {e}");
                // out of file descriptors, accept() would fail again at once
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        number += 1;
        // Each connection is a task of its own: one slow or stuck client
        // never holds up the others.
        tokio::spawn(connection::serve(
            number,
            client,
            server,
            shaping,
            Arc::clone(&output),
        ));
    }
}

/// The server's address, looked up once at start, so that a typo is an
/// error before any client connects.
async fn resolve(to: &str) -> anyhow::Result<SocketAddr> {
    lookup_host(to)
        .await
        .with_context(|| format!("could not resolve the server's address {to}"))?
        .next()
        .with_context(|| format!("the server's address {to} names no address"))
}
