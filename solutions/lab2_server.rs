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

use std::io::Read; // step 2
use std::io::{self, BufRead};
use std::io::{BufReader, Write}; // step 3
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use anyhow::Context; // step 1
use clap::Parser;
// The kit's helpers (given/lines.rs): the line limit, the goodbye word, and
// a line's bytes as text.
use given::{MAX_LINE, is_goodbye, text_of};

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
    // STEP 1: listen, and serve one client at a time
    //   As your lab 1 server does: listen on `args.host:args.port` (the
    //   error names the address), print `listening on IP:PORT`, then serve.
    // PASO 1: escucha y atiende a un cliente a la vez
    //   Como lo hace tu servidor del lab 1: escucha en `args.host:args.port`
    //   (el error nombra la dirección), escribe `listening on IP:PUERTO` y
    //   luego atiende.
    let addr = format!("{}:{}", args.host, args.port);
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);
    serve(&listener);
    Ok(())
}

/// Serves the clients that connect, one at a time, for ever.
fn serve(listener: &TcpListener) {
    // STEP 1: listen, and serve one client at a time
    //   As your lab 1 server does: accept each client, say who connected,
    //   serve it with handle_client, say when it left (or its error).
    // PASO 1: escucha y atiende a un cliente a la vez
    //   Como lo hace tu servidor del lab 1: acepta a cada cliente, di quién
    //   se conectó, atiéndelo con handle_client, di cuándo se fue (o su
    //   error).
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("error: could not accept a connection: {e}");
                continue;
            }
        };
        eprintln!("{peer} connected");
        match handle_client(stream) {
            Ok(()) => eprintln!("{peer} left"),
            Err(e) => eprintln!("error: {peer}: {e}"),
        }
    }
}

/// Answers each line of the client with the same line, until the goodbye
/// word or until the client leaves.
fn handle_client(stream: TcpStream) -> io::Result<()> {
    // STEP 3: answer each line, until the goodbye
    //   Read the client's lines with read_line through a BufReader of the
    //   stream, and write through the stream itself (&TcpStream reads and
    //   writes too). Answer each line with its text (text_of) and a \n, in
    //   one write_all. To the goodbye word (is_goodbye) answer `adios` and
    //   return; to a line too long (an InvalidData error), answer `error:
    //   line too long` and return the error. A client that leaves without
    //   a goodbye is no error.
    // PASO 3: responde a cada línea, hasta la despedida
    //   Lee las líneas del cliente con read_line a través de un BufReader
    //   del stream, y escribe por el stream mismo (&TcpStream también lee y
    //   escribe). Responde a cada línea con su texto (text_of) y un \n, en
    //   un solo write_all. A la palabra de despedida (is_goodbye) responde
    //   `adios` y regresa; a una línea demasiado larga (un error
    //   InvalidData), responde `error: line too long` y regresa el error.
    //   Un cliente que se va sin despedirse no es un error.

    // The buffered reader keeps whatever came after a line for the next one.
    // &TcpStream reads and writes too: both halves share the one socket.
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    loop {
        let line = match read_line(&mut reader) {
            Ok(Some(line)) => line,
            // Leaving without a goodbye is allowed: no error.
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                // The rest of that line may never come: say why, and hang up.
                writer.write_all(b"error: line too long\n")?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let text = text_of(&line);
        if is_goodbye(&text) {
            writer.write_all(b"adios\n")?;
            // Returning drops the stream, and that closes the connection.
            return Ok(());
        }
        // The answer and its \n in one write_all: two writes could reach the
        // client as two pieces, or merged with the next answer.
        writer.write_all(format!("{text}\n").as_bytes())?;
    }
}

/// Reads one whole line, with its `\n`, however many packets it came in;
/// `None` when the client closed its side. A line over `MAX_LINE` bytes is
/// an `InvalidData` error, and only `MAX_LINE + 1` bytes of it are read.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // STEP 2: read a whole line, with a limit
    //   Read bytes up to and with the next \n (read_until), but never more
    //   than MAX_LINE + 1 of them (take, on reader.by_ref()). Nothing read:
    //   the client closed, return None. More than MAX_LINE bytes and no \n
    //   at the end: return an InvalidData error. Else the line.
    // PASO 2: lee una línea entera, con un límite
    //   Lee bytes hasta el siguiente \n incluido (read_until), pero nunca
    //   más de MAX_LINE + 1 (take, sobre reader.by_ref()). Si no leíste
    //   nada, el cliente cerró: devuelve None. Más de MAX_LINE bytes y sin
    //   \n al final: devuelve un error InvalidData. Si no, la línea.
    let mut line = Vec::new();
    // read_until alone would wait for a \n that a client may never send,
    // filling memory meanwhile; take() makes it stop after MAX_LINE + 1
    // bytes: room for a line of MAX_LINE bytes and its \n.
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        // read_until() returned 0: the client closed its side
        return Ok(None);
    }
    // No \n after MAX_LINE + 1 bytes: a line too long. (No \n and fewer
    // bytes: the client closed mid-line, and that is its last line.)
    if n > MAX_LINE && !line.ends_with(b"\n") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    Ok(Some(line))
}
