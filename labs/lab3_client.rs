//! Lab 3: a threaded full-duplex chat, the client side.
//!
//! EN: The client connects to the lab 3 server, then both sides talk at
//!     once: one thread sends what you type, the other prints what arrives.
//!     `adios` (or Ctrl-D) ends the conversation cleanly from either side.
//!     Once connected it is the same program as the server: only `main`
//!     differs (connect instead of accept). Walkthrough: docs/en/lab3.md
//! ES: El cliente se conecta al servidor del lab 3 y, desde ahí, los dos
//!     lados hablan a la vez: un hilo envía lo que escribes y otro muestra lo
//!     que llega. `adios` (o Ctrl-D) termina la conversación limpiamente desde
//!     cualquier lado. Una vez conectado es el mismo programa que el servidor:
//!     solo cambia `main` (connect en vez de accept). Guía: docs/es/lab3.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab3_server
//!     terminal 2: cargo run --bin lab3_client

use std::net::TcpStream;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// A chat client: both sides talking at once, `adios` to end.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address of the server
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port of the server
    #[arg(long, default_value_t = 6667)]
    port: u16,
}

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
    let stream =
        TcpStream::connect(&addr).with_context(|| format!("could not connect to {addr}"))?;
    eprintln!("connected to {addr}; type to chat, `adios` to end");
    chat(stream)
}

/// Talks in both directions at once until the conversation ends.
fn chat(_stream: TcpStream) -> anyhow::Result<()> {
    // TODO (step 4): once connected, the client is the server: write this
    // chat() yourself (a second handle with try_clone(), a thread that sends,
    // this thread receiving), then copy send_lines, say_goodbye,
    // receive_lines, read_line, is_goodbye and MAX_LINE from your
    // lab3_server.rs. Not its `use` lines: make this file's the three the
    // walkthrough shows (std::io, std::net with Shutdown and TcpStream, and
    // std::thread). Drop the `_` from `_stream` when you use it.
    todo!(
        "paso 4: conversa como el servidor; mira docs/es/lab3.md, paso 4 / step 4: chat like the server does; see docs/en/lab3.md, step 4"
    )
}
