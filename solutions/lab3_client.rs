//! Lab 3: a threaded full-duplex chat, the client side.
//!
//! EN: The client connects to the lab 3 server, then both sides talk at
//!     once: one thread sends what you type, the other prints what arrives.
//!     `adios` (or Ctrl-D) ends the conversation cleanly from either side.
//!     Once connected it is the same program as the server: only `run`
//!     differs (connect instead of accept). Walkthrough: docs/en/lab3.md
//! ES: El cliente se conecta al servidor del lab 3 y, desde ahí, los dos
//!     lados hablan a la vez: un hilo envía lo que escribes y otro muestra lo
//!     que llega. `adios` (o Ctrl-D) termina la conversación limpiamente desde
//!     cualquier lado. Una vez conectado es el mismo programa que el servidor:
//!     solo cambia `run` (connect en vez de accept). Guía: docs/es/lab3.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --features solutions --bin lab3_server_sol
//!     terminal 2: cargo run --features solutions --bin lab3_client_sol

use std::io::{self, BufRead, BufReader};
use std::io::{Read, Write}; // step 6
use std::net::Shutdown; // step 6
use std::net::TcpStream;
use std::process::ExitCode;
use std::thread; // step 6

use anyhow::Context; // step 6
use clap::Parser;
// The kit's helpers (given/lines.rs): the line limit, the goodbye word, and
// a line's bytes as text.
use given::{MAX_LINE, is_goodbye, text_of};

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
    // STEP 6: connect, then chat as the server does
    //   Connect to `args.host:args.port` (the error names the address), say
    //   so on stderr, and chat: once connected, both sides behave alike.
    // PASO 6: conéctate y luego conversa como el servidor
    //   Conéctate a `args.host:args.port` (el error nombra la dirección),
    //   dilo en stderr y conversa: una vez conectados, los dos lados se
    //   portan igual.
    let addr = format!("{}:{}", args.host, args.port);
    let stream =
        TcpStream::connect(&addr).with_context(|| format!("could not connect to {addr}"))?;
    eprintln!("connected to {addr}; type to chat, `adios` to end");
    chat(stream)
}

// Once connected, both sides of the chat behave alike: the rest is the
// server's (steps 2 to 5).

/// Talks in both directions at once until the conversation ends.
fn chat(stream: TcpStream) -> anyhow::Result<()> {
    // STEP 6: connect, then chat as the server does
    //   The same as your server's (step 2): copy it here.
    // PASO 6: conéctate y luego conversa como el servidor
    //   Lo mismo que en tu servidor (paso 2): cópialo aquí.

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
fn receive_lines(stream: TcpStream) {
    // STEP 6: connect, then chat as the server does
    //   The same as your server's (step 3): copy it here.
    // PASO 6: conéctate y luego conversa como el servidor
    //   Lo mismo que en tu servidor (paso 3): cópialo aquí.
    let mut reader = BufReader::new(&stream);
    loop {
        match read_line(&mut reader) {
            Ok(Some(line)) => {
                let text = text_of(&line);
                // println! flushes at every \n: the line shows at once, even
                // while our user is typing nothing
                println!("{text}");
                if is_goodbye(&text) {
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
                let _ = (&stream).write_all(b"error: line too long\n");
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

/// Reads one whole line, with its `\n`; `None` at the end of the stream. A
/// line over `MAX_LINE` bytes is an `InvalidData` error.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // STEP 6: connect, then chat as the server does
    //   The same as your server's (step 3): copy it here.
    // PASO 6: conéctate y luego conversa como el servidor
    //   Lo mismo que en tu servidor (paso 3): cópialo aquí.

    // take() keeps a peer that never sends `\n` from filling our memory
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_LINE && !line.ends_with(b"\n") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    // (No \n and fewer bytes: the peer closed mid-line; show what came.)
    Ok(Some(line))
}

/// Sends every line typed on stdin, until the goodbye word or Ctrl-D.
fn send_lines(stream: &mut TcpStream) -> io::Result<()> {
    // STEP 6: connect, then chat as the server does
    //   The same as your server's (step 4): copy it here.
    // PASO 6: conéctate y luego conversa como el servidor
    //   Lo mismo que en tu servidor (paso 4): cópialo aquí.

    // split(b'\n') instead of lines(): input that is not UTF-8 is sent as it
    // is; a stdin that fails to read counts as its end
    for line in io::stdin().lock().split(b'\n').map_while(Result::ok) {
        if is_goodbye(&text_of(&line)) {
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
    // STEP 6: connect, then chat as the server does
    //   The same as your server's (step 5): copy it here.
    // PASO 6: conéctate y luego conversa como el servidor
    //   Lo mismo que en tu servidor (paso 5): cópialo aquí.
    stream.write_all(b"adios\n")?;
    stream.shutdown(Shutdown::Write)
}
