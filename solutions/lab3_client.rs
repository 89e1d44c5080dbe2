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
//!     terminal 1: cargo run --features solutions --bin lab3_server_sol
//!     terminal 2: cargo run --features solutions --bin lab3_client_sol

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;

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
fn chat(stream: TcpStream) -> anyhow::Result<()> {
    // A clone is a second handle on the same socket: the keyboard thread
    // sends on it while this thread receives on the original.
    let mut sender = stream
        .try_clone()
        .context("could not clone the connection")?;
    // Never joined: it may stay blocked in a read of stdin that nothing can
    // interrupt. Returning from main ends the process, and that thread with it.
    thread::spawn(move || {
        let sent = send_lines(&mut sender).and_then(|()| say_goodbye(&mut sender));
        if let Err(e) = sent {
            eprintln!("error: could not send: {e}");
        }
    });
    receive_lines(stream);
    Ok(())
}

// The server's steps 1 to 3, the same here: once connected, both sides of
// the chat behave alike.

/// Prints every line that arrives, until the goodbye word or the end.
fn receive_lines(stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    loop {
        match read_line(&mut reader) {
            Ok(Some(line)) => {
                // println! flushes at every \n: the line shows at once, even
                // while our user is typing nothing
                println!("{line}");
                if is_goodbye(&line) {
                    eprintln!("the other side said goodbye");
                    return;
                }
            }
            // read() returned 0: the peer closed its side (after our own
            // goodbye, that is the normal end)
            Ok(None) => {
                eprintln!("the other side closed the connection");
                return;
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                // the contract's answer to a line over 64 KiB; then we hang up
                let _ = reader.get_mut().write_all(b"error: line too long\n");
                eprintln!("error: the other side sent a line over 64 KiB");
                return;
            }
            // a reset: the peer crashed or vanished without goodbye
            Err(e) => {
                eprintln!("the connection broke: {e}");
                return;
            }
        }
    }
}

/// Sends every line typed on stdin, until the goodbye word or Ctrl-D.
fn send_lines(stream: &mut TcpStream) -> io::Result<()> {
    // split(b'\n') instead of lines(): input that is not UTF-8 is sent as it
    // is; a stdin that fails to read counts as its end
    for line in io::stdin().lock().split(b'\n').map_while(Result::ok) {
        if is_goodbye(&String::from_utf8_lossy(&line)) {
            return Ok(());
        }
        let mut message = line;
        message.push(b'\n');
        // write_all(): every byte, however many writes it takes
        stream.write_all(&message)?;
    }
    Ok(())
}

/// Says `adios` and closes our sending half: the peer reads the end of the
/// stream, while we still receive what it has left to say. (We then wait for
/// the peer to close, however long it takes; a real chat would give up after
/// a while, with set_read_timeout.)
fn say_goodbye(stream: &mut TcpStream) -> io::Result<()> {
    stream.write_all(b"adios\n")?;
    stream.shutdown(Shutdown::Write)
}

/// Reads one line without its `\n` (or `\r\n`); `None` at the end of the
/// stream. Bytes that are not UTF-8 are shown as U+FFFD.
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
fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}
