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

use std::io;
use std::io::Read; // step 6
use std::io::{BufRead, Write}; // step 5
use std::net::TcpStream;
use std::process::ExitCode;

use anyhow::Context; // step 4
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
    // STEP 4: connect, or say why not
    //   The same main as your server's (step 1).
    // PASO 4: conéctate o di por qué no
    //   El mismo main que el de tu servidor (paso 1).

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
    // STEP 4: connect, or say why not
    //   Connect to `args.host:args.port` with TcpStream::connect; if that
    //   fails, the error must name the address (with_context). Say on
    //   stderr that you are connected, then echo the lines you type
    //   (echo_lines); if that fails, the error says to which address.
    // PASO 4: conéctate o di por qué no
    //   Conéctate a `args.host:args.port` con TcpStream::connect; si falla,
    //   el error debe nombrar la dirección (with_context). Di en stderr que
    //   estás conectado y luego haz eco de las líneas que escribes
    //   (echo_lines); si eso falla, el error dice a qué dirección.
    let addr = format!("{}:{}", args.host, args.port);
    let mut stream =
        TcpStream::connect(&addr).with_context(|| format!("could not connect to {addr}"))?;
    eprintln!("connected to {addr}");
    echo_lines(&mut stream).with_context(|| format!("the connection to {addr} failed"))
    // Dropping the stream closes the connection: the server's read() returns 0.
}

/// Sends each line typed on stdin and prints its echo, until stdin ends.
fn echo_lines(stream: &mut TcpStream) -> io::Result<()> {
    // STEP 5: send each line you type, and print its echo
    //   For each line of stdin (io::stdin().lock().split(b'\n') gives its
    //   bytes, whatever they are), send the line and its \n, every byte
    //   (write_all), read its echo with receive_echo, and print it on
    //   stdout (String::from_utf8_lossy). Return Ok(()) at the end of stdin.
    // PASO 5: envía cada línea que escribes y muestra su eco
    //   Por cada línea de stdin (io::stdin().lock().split(b'\n') da sus
    //   bytes, sean los que sean), envía la línea y su \n, todos los bytes
    //   (write_all), lee su eco con receive_echo y muéstralo en stdout
    //   (String::from_utf8_lossy). Regresa Ok(()) al final de stdin.

    // split(b'\n') instead of lines(): input that is not UTF-8 is sent as it
    // is, byte for byte, instead of stopping the client.
    for line in io::stdin().lock().split(b'\n') {
        let mut message = line?;
        message.push(b'\n');
        // write_all(), not write(): write() may take only part of the
        // message (Python's sendall, not send). Simplification: the whole
        // line goes out before its echo is read; a line of several MB would
        // fill the socket buffers both ways, and both programs would block
        // in write() for good (lab 3 reads on a thread of its own).
        stream.write_all(&message)?;
        let echo = receive_echo(stream, message.len())?;
        print!("{}", String::from_utf8_lossy(&echo));
    }
    Ok(())
}

/// Reads exactly `len` bytes: the echo of a message of that length.
fn receive_echo(stream: &mut TcpStream, len: usize) -> io::Result<Vec<u8>> {
    // STEP 6: read back the whole echo
    //   Read until `len` bytes have come back, however many reads that
    //   takes: one read() may return only part of them. If read() returns
    //   0 first, the server hung up: return an error that says so
    //   (io::ErrorKind::UnexpectedEof).
    // PASO 6: lee el eco entero
    //   Lee hasta que hayan vuelto `len` bytes, cueste las lecturas que
    //   cueste: un read() puede devolver solo una parte. Si read() devuelve
    //   0 antes, el servidor colgó: devuelve un error que lo diga
    //   (io::ErrorKind::UnexpectedEof).

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
