//! Lab 1: the client of the blocking echo server.
//!
//! EN: The client connects, sends every line you type, reads back exactly as
//!     many bytes as it sent (however many reads that takes) and prints them.
//!     At the end of input (Ctrl-D) it closes the connection and exits.
//!     Walkthrough: docs/en/lab1.md
//! ES: El cliente se conecta, envía cada línea que escribes, lee exactamente
//!     tantos bytes como envió (cueste las lecturas que cueste) y los muestra.
//!     Al final de la entrada (Ctrl-D) cierra la conexión y termina.
//!     Guía: docs/es/lab1.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab1_server
//!     terminal 2: cargo run --bin lab1_client

use std::io::{self, BufRead};
use std::net::TcpStream;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

/// Sends each line of input to the echo server and prints the echo.
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
    let mut stream =
        TcpStream::connect(&addr).with_context(|| format!("could not connect to {addr}"))?;
    eprintln!("connected to {addr}");

    // split(b'\n') instead of lines(): input that is not UTF-8 is sent as it
    // is, byte for byte, instead of stopping the client.
    for line in io::stdin().lock().split(b'\n') {
        let mut message = line.context("could not read standard input")?;
        message.push(b'\n');
        // Simplification: the whole line goes out before its echo is read. A
        // line of several MB fills the socket buffers both ways, and both
        // programs block in write() for good; lab 3 reads on its own thread.
        send(&mut stream, &message).with_context(|| format!("could not send to {addr}"))?;
        let echo = receive_echo(&mut stream, message.len())
            .with_context(|| format!("could not read the echo from {addr}"))?;
        print!("{}", String::from_utf8_lossy(&echo));
    }
    // Dropping the stream closes the connection: the server's read() returns 0.
    Ok(())
}

/// Sends the whole message.
fn send(_stream: &mut TcpStream, _message: &[u8]) -> io::Result<()> {
    // TODO (step 2): hand every byte of the message to the stream; one
    // write() may take only part of it. Drop the `_` from the names you use.
    todo!(
        "paso 2: envía el mensaje entero; mira docs/es/lab1.md, paso 2 / step 2: send the whole message; see docs/en/lab1.md, step 2"
    )
}

/// Reads exactly `len` bytes: the echo of a message of that length.
fn receive_echo(_stream: &mut TcpStream, _len: usize) -> io::Result<Vec<u8>> {
    // TODO (step 3): read until `len` bytes have come back, however many
    // reads that takes; if read() returns 0 first, the server hung up:
    // return an error that says so.
    todo!(
        "paso 3: lee el eco entero; mira docs/es/lab1.md, paso 3 / step 3: read back the whole echo; see docs/en/lab1.md, step 3"
    )
}
