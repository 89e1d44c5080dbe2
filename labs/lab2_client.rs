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
//!     terminal 1: cargo run --bin lab2_server
//!     terminal 2: cargo run --bin lab2_client

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// The longest answer we accept (the contract's 64 KiB), not counting its `\n`.
// given: step 4 uses it; delete the next line then
#[allow(dead_code)]
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
fn read_answer(_reader: &mut impl BufRead) -> io::Result<String> {
    // TODO (step 4): read bytes up to and including the next \n, however many
    // reads that takes, but no more than MAX_LINE + 1 bytes (take(), as the
    // server does). If no \n came, return an error: a line over the limit
    // (more than MAX_LINE bytes came), or else the server hung up. Else drop
    // the \n (and a \r before it) and turn the bytes into a String,
    // lossily. You will need `Read` (for take) and maybe `ErrorKind` in
    // `use std::io`. Drop the `_` from `_reader`.
    todo!(
        "paso 4: lee la respuesta entera; mira docs/es/lab2.md, paso 4 / step 4: read the whole answer; see docs/en/lab2.md, step 4"
    )
}

/// Whether a line is the goodbye word: `adios` or `adiós`, whatever the
/// spaces around it and the case of its ASCII letters.
fn is_goodbye(_line: &str) -> bool {
    // TODO (step 5): the same rule as the server's (step 3): both ends must
    // agree on when the conversation is over. Drop the `_` from `_line`.
    todo!(
        "paso 5: reconoce tu propia despedida; mira docs/es/lab2.md, paso 5 / step 5: recognise your own goodbye; see docs/en/lab2.md, step 5"
    )
}

/// Says `adios` and returns the server's answer to it.
fn say_goodbye(_reader: &mut impl BufRead, _writer: &mut impl Write) -> io::Result<String> {
    // TODO (step 6): send the line "adios" (with its \n) and return the
    // server's answer to it. Drop the `_` from the names you use.
    todo!(
        "paso 6: despídete al final de la entrada; mira docs/es/lab2.md, paso 6 / step 6: say goodbye at the end of input; see docs/en/lab2.md, step 6"
    )
}
