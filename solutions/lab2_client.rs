//! Lab 2: the client of a conversation that ends with "adios".
//!
//! EN: The client connects, sends every line you type, reads the server's
//!     answer as a whole line (however many reads that takes) and prints it.
//!     After your goodbye word is answered it exits; at the end of input
//!     (Ctrl-D) it says `adios` itself first. Walkthrough: docs/en/lab2.md
//! ES: El cliente se conecta, envía cada línea que escribes, lee la respuesta
//!     del servidor como una línea entera (cueste las lecturas que cueste) y
//!     la muestra. Cuando el servidor responde a tu despedida, termina; al
//!     final de la entrada (Ctrl-D) antes dice `adios` él mismo.
//!     Guía: docs/es/lab2.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --features solutions --bin lab2_server_sol
//!     terminal 2: cargo run --features solutions --bin lab2_client_sol

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// The longest answer we accept (the contract's 64 KiB), not counting its `\n`.
const MAX_LINE: usize = 64 * 1024;

/// Talks to the line server: each line of input, then the answer.
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
    eprintln!("connected to {addr}");
    // Answers are lines too: the buffered reader keeps what came after one
    // answer for the next. &TcpStream reads and writes: both share the socket.
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;

    // split(b'\n') instead of lines(): input that is not UTF-8 is sent as it
    // is, byte for byte, instead of stopping the client.
    for line in io::stdin().lock().split(b'\n') {
        let mut message = line.context("could not read standard input")?;
        message.push(b'\n');
        send(&mut writer, &message).with_context(|| format!("could not send to {addr}"))?;
        let answer = read_answer(&mut reader)
            .with_context(|| format!("could not read the answer from {addr}"))?;
        println!("{answer}");
        // (trim() in is_goodbye takes the \n off with the other white space)
        if is_goodbye(&String::from_utf8_lossy(&message)) {
            // The server answered our goodbye: the conversation is over.
            return Ok(());
        }
    }
    // The input ended without a goodbye: say it anyway, so that the server
    // knows we leave on purpose.
    let answer = say_goodbye(&mut reader, &mut writer)
        .with_context(|| format!("could not say goodbye to {addr}"))?;
    println!("{answer}");
    Ok(())
}

/// Sends the whole message.
fn send(writer: &mut impl Write, message: &[u8]) -> io::Result<()> {
    // write() may take only part of the message; write_all() loops until
    // every byte is handed to the system (Python's sendall, not send).
    writer.write_all(message)
}

/// Reads the server's answer: one whole line, without its `\n`.
fn read_answer(reader: &mut impl BufRead) -> io::Result<String> {
    let mut answer = Vec::new();
    // read_until keeps reading, however many packets it takes, up to the \n;
    // take() stops it at the limit: a server that never sends \n must not
    // fill our memory, any more than a client may fill the server's.
    reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut answer)?;
    if answer.pop() != Some(b'\n') {
        // No \n: MAX_LINE + 1 bytes came without one, or the stream ended
        // first (the server hung up).
        let (kind, why) = if answer.len() >= MAX_LINE {
            (ErrorKind::InvalidData, "the server sent a line over 64 KiB")
        } else {
            (ErrorKind::UnexpectedEof, "the server closed the connection")
        };
        return Err(io::Error::new(kind, why));
    }
    if answer.last() == Some(&b'\r') {
        answer.pop();
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Whether a line is the goodbye word: `adios` or `adiós`, whatever the
/// spaces around it and the case of its ASCII letters.
fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    // The same rule as the server's: both ends must agree on when the
    // conversation is over.
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}

/// Says `adios` and returns the server's answer to it.
fn say_goodbye(reader: &mut impl BufRead, writer: &mut impl Write) -> io::Result<String> {
    send(writer, b"adios\n")?;
    read_answer(reader)
}
