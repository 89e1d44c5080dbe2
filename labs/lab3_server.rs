//! Lab 3: a threaded full-duplex chat, the server side.
//!
//! EN: The server accepts one peer, then both sides talk at once: one thread
//!     sends what you type, the other prints what arrives. `adios` (or Ctrl-D)
//!     ends the conversation cleanly from either side. It teaches threads,
//!     `try_clone`, full duplex and the half-close `shutdown(Write)`.
//!     Walkthrough: docs/en/lab3.md
//! ES: El servidor acepta a un interlocutor y, desde ahí, los dos lados hablan
//!     a la vez: un hilo envía lo que escribes y otro muestra lo que llega.
//!     `adios` (o Ctrl-D) termina la conversación limpiamente desde cualquier
//!     lado. Enseña hilos, `try_clone`, full duplex y el semicierre
//!     `shutdown(Write)`. Guía: docs/es/lab3.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab3_server
//!     terminal 2: cargo run --bin lab3_client

use std::io::{self, BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

use anyhow::Context;
use clap::Parser;

/// The longest line we accept (the contract's 64 KiB), not counting its `\n`.
const MAX_LINE: usize = 64 * 1024;

/// A chat server: one peer, both sides talking at once, `adios` to end.
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
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);

    // Exactly one conversation: one accept(), then the listener goes, so a
    // second client is refused instead of waiting in the backlog for nothing.
    let (stream, peer) = listener
        .accept()
        .with_context(|| format!("could not accept a connection on {addr}"))?;
    drop(listener);
    eprintln!("{peer} connected; type to chat, `adios` to end");
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

/// Prints every line that arrives, until the goodbye word or the end.
fn receive_lines(_stream: TcpStream) {
    // TODO (step 1): wrap the stream in a BufReader and loop on read_line():
    // - Ok(Some(line)): print it on stdout (println!), and return if it
    //   is_goodbye(): returning from here ends the program;
    // - Ok(None): the peer closed: say so on stderr and return;
    // - an error of kind InvalidData: the line was too long: send
    //   `error: line too long\n` to the peer (reader.get_mut().write_all();
    //   add `Write` to `use std::io`), say so on stderr and return;
    // - any other error (a reset): say so on stderr and return.
    // Drop the `_` from `_stream` when you use it.
    todo!(
        "paso 1: muestra lo que llega hasta la despedida; mira docs/es/lab3.md, paso 1 / step 1: print what arrives until the goodbye; see docs/en/lab3.md, step 1"
    )
}

/// Reads one line without its `\n` (or `\r\n`); `None` at the end of the
/// stream. Bytes that are not UTF-8 are shown as U+FFFD.
// given: step 1 calls it; delete the next line then
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

/// Sends every line typed on stdin, until the goodbye word or Ctrl-D.
fn send_lines(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 2): for each line of stdin (io::stdin().lock().split(b'\n')),
    // return Ok(()) if it is_goodbye(); otherwise send it plus `\n` with
    // write_all(). Return Ok(()) when stdin ends too. Drop the `_` from
    // `_stream` when you use it.
    todo!(
        "paso 2: envía cada línea escrita en stdin; mira docs/es/lab3.md, paso 2 / step 2: send each line typed on stdin; see docs/en/lab3.md, step 2"
    )
}

/// Says `adios` and closes our sending half: the peer reads the end of the
/// stream, while we still receive what it has left to say. (We then wait for
/// the peer to close, however long it takes; a real chat would give up after
/// a while, with set_read_timeout.)
fn say_goodbye(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 3): send `adios\n`, then shut down the writing half of the
    // stream (shutdown(Shutdown::Write); add `Shutdown` to `use std::net`),
    // not the whole connection. Drop the `_` from `_stream` when you use it.
    todo!(
        "paso 3: di adios y deja de enviar; mira docs/es/lab3.md, paso 3 / step 3: say adios and stop sending; see docs/en/lab3.md, step 3"
    )
}

/// The goodbye word: `adios` or `adiós`, ignoring ASCII case and the spaces
/// around it.
// given: steps 1 and 2 call it; delete the next line then
#[allow(dead_code)]
fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}
