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

use std::io::{self, BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// The longest line we accept (the contract's 64 KiB), not counting its `\n`.
const MAX_LINE: usize = 64 * 1024;

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
    // TODO (step 4): once connected, the client is the server. Write chat():
    // a second handle on the stream (try_clone()), a thread that sends on it
    // (send_lines, then say_goodbye), and this thread receiving
    // (receive_lines). `thread::spawn` needs `use std::thread;` at the top.
    // Drop the `_` from `_stream` when you use it.
    todo!(
        "paso 4: conversa como el servidor; mira docs/es/lab3.md, paso 4 / step 4: chat like the server does; see docs/en/lab3.md, step 4"
    )
}

// TODO (step 4): paste here the three functions you wrote in steps 1 to 3 of
// labs/lab3_server.rs: receive_lines, send_lines and say_goodbye. Then add
// `Write` to `use std::io` and `Shutdown` to `use std::net`, as you did in
// the server.

/// Reads one line without its `\n` (or `\r\n`); `None` at the end of the
/// stream. Bytes that are not UTF-8 are shown as U+FFFD.
// given: receive_lines calls it; delete the next line then
#[allow(dead_code)]
fn read_line(reader: &mut BufReader<TcpStream>) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    // take() keeps a peer that never sends `\n` from filling our memory:
    // room for MAX_LINE bytes and the `\n`, as in lab 2
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    let line = match line.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None if n > MAX_LINE => {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
        // the peer closed in the middle of a line: show what came
        None => &line,
    };
    Ok(Some(String::from_utf8_lossy(line).into_owned()))
}

/// The goodbye word: `adios` or `adiós`, ignoring ASCII case and the spaces
/// around it.
// given: receive_lines and send_lines call it; delete the next line then
#[allow(dead_code)]
fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}
