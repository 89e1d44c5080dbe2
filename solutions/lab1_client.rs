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
//!     terminal 1: cargo run --features solutions --bin lab1_server_sol
//!     terminal 2: cargo run --features solutions --bin lab1_client_sol

use std::io::{self, BufRead, Read, Write};
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
fn send(stream: &mut TcpStream, message: &[u8]) -> io::Result<()> {
    // write() may take only part of the message; write_all() loops until
    // every byte is handed to the system (Python's sendall, not send).
    stream.write_all(message)
}

/// Reads exactly `len` bytes: the echo of a message of that length.
fn receive_echo(stream: &mut TcpStream, len: usize) -> io::Result<Vec<u8>> {
    // TCP delivers a stream of bytes, not messages: one read() may return
    // only part of the echo, so keep reading until all of it is here.
    let mut echo = vec![0; len];
    let mut received = 0;
    while received < len {
        let n = stream.read(&mut echo[received..])?;
        if n == 0 {
            // read() returned 0 before the whole echo came: the server hung up
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        received += n;
    }
    Ok(echo)
}
