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
//!     terminal 1: cargo run --features solutions --bin lab2_server_sol
//!     terminal 2: cargo run --features solutions --bin lab2_client_sol

use std::io::{self, BufRead, BufReader, Read, Write};
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
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    // read_until alone would wait for a \n that a client may never send,
    // filling memory meanwhile; take() makes it stop after LIMIT + 1 bytes:
    // room for a line of LIMIT bytes and its \n, and one byte more to tell
    // a longer line.
    let n = reader
        .by_ref()
        .take(LIMIT as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        // read_until() returned 0: the client closed its side
        return Ok(None);
    }
    // No \n at the end: a line too long, or the client closed mid-line.
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(Some(line))
}

/// The text of a line: without telnet's `\r`, and readable whatever the
/// bytes.
fn to_text(mut line: Vec<u8>) -> String {
    // telnet and Windows end their lines with \r\n: the \r is not part of
    // the message.
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    // A byte that is not UTF-8 becomes U+FFFD (�) instead of ending the
    // conversation with an error.
    String::from_utf8_lossy(&line).into_owned()
}

/// Whether a line is the goodbye word: `adios` or `adiós`, whatever the
/// spaces around it and the case of its ASCII letters.
fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    // eq_ignore_ascii_case folds A-Z only, as the contract says: "Adiós" is
    // a goodbye; "ADIÓS" is not (Ó is not ASCII), and the tests leave it free.
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}
