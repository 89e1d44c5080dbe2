//! Lab 2: lines over a byte stream, and a conversation that ends with "adios".
//!
//! EN: TCP carries bytes, not messages: one read may bring half a line or
//!     three of them. The server reads whole lines with a buffered reader (at
//!     most 64 KiB each) and answers each line with the same line; to the
//!     goodbye word it answers `adios` and closes, then serves the next
//!     client. Walkthrough: docs/en/lab2.md
//! ES: TCP transporta bytes, no mensajes: una lectura puede traer media línea
//!     o tres. El servidor lee líneas enteras con un lector con búfer (64 KiB
//!     como mucho cada una) y responde a cada línea con la misma línea; a la
//!     palabra de despedida responde `adios` y cierra, y atiende al siguiente
//!     cliente. Guía: docs/es/lab2.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab2_server
//!     terminal 2: cargo run --bin lab2_client

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// The longest line the server reads, not counting its `\n`: 64 KiB.
// A real server would make this limit configurable.
const LIMIT: usize = 64 * 1024;

/// A line server: answers each line, and `adios` to the goodbye word.
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
    // bind + listen in one call: from here on the system queues incoming
    // connections (the backlog) even while we are busy with another client.
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);

    // incoming() blocks in accept() until a client connects; the next client
    // waits in the backlog until this loop comes back for it.
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("error: could not accept a connection: {e}");
                continue;
            }
        };
        let peer = match stream.peer_addr() {
            Ok(peer) => peer.to_string(),
            Err(_) => "a client".to_string(),
        };
        eprintln!("{peer} connected");
        // One client's failure (a reset, say) ends that client, not the server.
        match handle_client(stream) {
            Ok(()) => eprintln!("{peer} left"),
            Err(e) => eprintln!("error: {peer}: {e}"),
        }
    }
    Ok(())
}

/// Answers each line of the client with the same line, until the goodbye
/// word or until the client leaves.
fn handle_client(stream: TcpStream) -> io::Result<()> {
    // The buffered reader keeps whatever came after a line for the next one.
    // &TcpStream reads and writes too: both halves share the one socket.
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    loop {
        let Some(bytes) = read_line(&mut reader)? else {
            // Leaving without a goodbye is allowed: no error.
            return Ok(());
        };
        if bytes.len() > LIMIT {
            // The rest of that line may never come: say why and hang up.
            writer.write_all(b"error: line too long\n")?;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("sent a line longer than {LIMIT} bytes"),
            ));
        }
        let line = to_text(bytes);
        if is_goodbye(&line) {
            writer.write_all(b"adios\n")?;
            // Returning drops the stream, and that closes the connection.
            return Ok(());
        }
        // The answer and its \n in one write_all: two writes could reach the
        // client as two pieces, or merged with the next answer.
        writer.write_all(format!("{line}\n").as_bytes())?;
    }
}

/// Reads one whole line, however many packets it came in, without its
/// `\n`; `None` when the client closed its side. Stops after `LIMIT + 1`
/// bytes, `\n` or not: a line longer than `LIMIT` is too long.
fn read_line(_reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // TODO (step 1): read bytes up to and including the next \n, but never
    // more than LIMIT + 1 of them: read_until on reader.by_ref().take(...)
    // (take() comes with `use std::io::Read`). Return None if nothing came
    // (the client closed its side), else the bytes without their \n.
    // Drop the `_` from `_reader` when you use it.
    todo!(
        "paso 1: lee una línea entera, con un límite; mira docs/es/lab2.md, paso 1 / step 1: read a whole line, with a limit; see docs/en/lab2.md, step 1"
    )
}

/// The text of a line: without telnet's `\r`, and readable whatever the
/// bytes.
fn to_text(_line: Vec<u8>) -> String {
    // TODO (step 2): drop a \r at the end of the line, if there is one, and
    // turn the bytes into a String without failing on bytes that are not
    // UTF-8. Drop the `_` from `_line` (and make it `mut` if you need to).
    todo!(
        "paso 2: convierte los bytes en texto; mira docs/es/lab2.md, paso 2 / step 2: turn the bytes into text; see docs/en/lab2.md, step 2"
    )
}

/// Whether a line is the goodbye word: `adios` or `adiós`, whatever the
/// spaces around it and the case of its ASCII letters.
fn is_goodbye(_line: &str) -> bool {
    // TODO (step 3): trim the white space around the line, then compare it
    // with "adios" and with "adiós", ignoring the case of ASCII letters.
    // Drop the `_` from `_line` when you use it.
    todo!(
        "paso 3: reconoce la palabra de despedida; mira docs/es/lab2.md, paso 3 / step 3: recognise the goodbye word; see docs/en/lab2.md, step 3"
    )
}
