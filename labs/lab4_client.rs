//! Lab 4: the client of the chat room.
//!
//! EN: The same full-duplex client as in lab 3: one thread prints every line
//!     the room sends, while the main thread sends every line you type. Your
//!     `adios` (or Ctrl-D) says goodbye; the program ends when the server
//!     answers `adios` or closes. Walkthrough: docs/en/lab4.md
//! ES: El mismo cliente full-duplex del lab 3: un hilo muestra cada línea que
//!     envía la sala, mientras el hilo principal envía cada línea que
//!     escribes. Tu `adios` (o Ctrl-D) se despide; el programa termina cuando
//!     el servidor responde `adios` o cierra. Guía: docs/es/lab4.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab4_server
//!     terminals 2, 3...: cargo run --bin lab4_client

use std::io::{self, ErrorKind};
use std::net::TcpStream;
use std::process::{self, ExitCode};
use std::thread;

use anyhow::Context;
use clap::Parser;

/// The longest line we accept from the room (the contract's 64 KiB), not
/// counting its `\n`.
// given: step 5 uses it; delete the next line then
#[allow(dead_code)]
const MAX_LINE: usize = 64 * 1024;

/// Joins the chat room: prints what the others say, sends what you type.
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

    // A clone shares the socket: one thread reads it while main writes it.
    let incoming = stream
        .try_clone()
        .context("could not share the connection")?;
    let printer = thread::spawn(move || {
        let status = match print_incoming(incoming) {
            Ok(()) => 0,
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                eprintln!("error: {addr} sent a line over 64 KiB");
                1
            }
            // A reset: the server vanished. Like a close, the end.
            Err(e) => {
                eprintln!("the connection broke: {e}");
                0
            }
        };
        // main may be blocked reading the keyboard, and nothing can wake
        // it: the conversation is over, so end the whole program here.
        process::exit(status);
    });
    // When sending fails, the server has hung up, and the printer will see
    // the end too: it ends the program once it has printed every line that
    // came before. So wait for it, whatever happened here; after our adios,
    // it also waits for the server's answer.
    let _ = chat(&stream);
    let _ = printer.join();
    Ok(())
}

/// Prints every line that arrives, until the server says `adios` or closes;
/// a line over MAX_LINE is an error (InvalidData).
fn print_incoming(_stream: TcpStream) -> io::Result<()> {
    // TODO (step 5): read the stream line by line, at most MAX_LINE + 1
    // bytes for one line (take(), as lab 3's read_line does), and print each
    // one without its "\r\n" (lines may not be UTF-8: show them lossily).
    // Return Ok(()) after printing a line that is exactly `adios`, or when
    // the server closes (say so on stderr); return an InvalidData error for
    // a line over the limit. Drop the `_` from `_stream`.
    todo!(
        "paso 5: muestra lo que envía la sala; mira docs/es/lab4.md, paso 5 / step 5: print what the room sends; see docs/en/lab4.md, step 5"
    )
}

/// Sends every line typed; the goodbye word, or the end of input, sends
/// `adios` and stops. Fails only when sending does (the server hung up).
fn chat(_stream: &TcpStream) -> io::Result<()> {
    // TODO (step 6): send every line read from stdin, plus "\n". On the
    // goodbye word (is_goodbye) or at the end of stdin (a read that fails
    // counts as its end), send "adios\n" and return. Drop the `_`.
    todo!(
        "paso 6: envía lo que escribes, y adios; mira docs/es/lab4.md, paso 6 / step 6: send what you type, and adios; see docs/en/lab4.md, step 6"
    )
}

/// The goodbye word: `adios` or `adiós`, in any ASCII case, with spaces around.
// given: step 6 uses it; delete the next line then
#[allow(dead_code)]
fn is_goodbye(text: &str) -> bool {
    let word = text.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}
