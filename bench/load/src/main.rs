//! load: drives a lab server with many connections and measures it.
//!
//! EN: `echo` opens N connections (a thread each) that play ping-pong with
//!     the server and reports round trips per second and latency; `room`
//!     fills a lab 4 or lab 5 room with N clients (tokio tasks, so that the
//!     tool is never the slow side, even with 10,000 clients), has them send
//!     M lines each at once and waits until every client has every line.
//!     Not a lab: the tool behind bench/run and docs/en/performance.md.
//! ES: `echo` abre N conexiones (un hilo cada una) que juegan al ping-pong
//!     con el servidor y mide idas y vueltas por segundo y latencia; `room`
//!     llena una sala del lab 4 o del lab 5 con N clientes (tareas de tokio,
//!     para que la herramienta nunca sea la parte lenta, ni con 10,000
//!     clientes), cada uno envía M líneas de golpe, y espera a que todos
//!     reciban todas las líneas. Guía: docs/es/performance.md
//!
//! Run it / Ejecútalo:
//!     cargo load echo --addr 127.0.0.1:6667 --connections 8
//!     cargo load room --addr 127.0.0.1:6667 --clients 200 --lines 100
//!
//! The last line on stdout, `result: key=value ...`, is for scripts.
//! Every wait has a deadline: a run that cannot finish stops and says why.

mod closing;
mod echo;
mod net;
mod room;
mod room_client;
mod stats;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Load generator for the lab servers: echo ping-pong or a lab 4/5 room.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// N connections, each its own thread, doing ping-pong with the server
    Echo(echo::EchoArgs),
    /// N clients in a lab 4/5 room, each sending M lines at once
    Room(room::RoomArgs),
    /// Rounds of a room closed by the operator's adios while clients behind
    /// on reading still talk: what reached them
    Closing(closing::ClosingArgs),
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    raise_open_file_limit();
    match args.mode {
        Mode::Echo(args) => echo::run(args),
        Mode::Closing(args) => closing::run(args),
        // One worker thread per core, as a server would run: thousands of
        // clients are thousands of tasks, not threads.
        Mode::Room(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("could not start the tokio runtime")?
            .block_on(room::run(args)),
    }
}

/// Each client is a socket, an open file: raises the soft limit on open
/// files to the most the system allows (as the room servers do), so that
/// `cargo load room --clients 10000` works where processes start at 1,024
/// (macOS: 256). A room that still does not fit says so when it connects.
#[cfg(unix)]
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => eprintln!("open files: up to {limit}"),
        Err(e) => eprintln!("open files: could not raise the limit: {e}"),
    }
}

/// Windows has no limit on open sockets per process.
#[cfg(not(unix))]
fn raise_open_file_limit() {}
