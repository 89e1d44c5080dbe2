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
//!     terminal 1: cargo run --bin lab3_server
//!     terminal 2: cargo run --bin lab3_client

// EN: Until your steps use them, some names below (and some of the kit's
//     helpers imported from given/) are unused: the line after this
//     comment keeps the compiler quiet about them. When you finish, delete
//     it and this comment, and the compiler shows you anything left unused.
// ES: Hasta que tus pasos los usen, algunos nombres de abajo (y algunas de
//     las ayudas del kit que se importan de given/) no se usan: la línea
//     después de este comentario hace que el compilador no avise de ellos.
//     Cuando termines, bórrala junto con este comentario, y el compilador
//     te muestra lo que quede sin usar.
#![allow(dead_code, unused_imports)]

use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;
use std::process::ExitCode;

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
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 6): connect, then chat as the server does.
    //   Connect to `args.host:args.port` (the error names the address), say
    //   so on stderr, and chat: once connected, both sides behave alike.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): conéctate y luego conversa como el servidor.
    //   Conéctate a `args.host:args.port` (el error nombra la dirección),
    //   dilo en stderr y conversa: una vez conectados, los dos lados se
    //   portan igual.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: conéctate y luego conversa como el servidor; mira docs/es/lab3.md, paso 6 / step 6: connect, then chat as the server does; see docs/en/lab3.md, step 6"
    )
}

// Once connected, both sides of the chat behave alike: the rest is the
// server's (steps 2 to 5).

/// Talks in both directions at once until the conversation ends.
fn chat(_stream: TcpStream) -> anyhow::Result<()> {
    // TODO (step 6): connect, then chat as the server does.
    //   The same as your server's (step 2): copy it here.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): conéctate y luego conversa como el servidor.
    //   Lo mismo que en tu servidor (paso 2): cópialo aquí.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: conéctate y luego conversa como el servidor; mira docs/es/lab3.md, paso 6 / step 6: connect, then chat as the server does; see docs/en/lab3.md, step 6"
    )
}

/// Prints every line that arrives, until the goodbye word or the end.
fn receive_lines(_stream: TcpStream) {
    // TODO (step 6): connect, then chat as the server does.
    //   The same as your server's (step 3): copy it here.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): conéctate y luego conversa como el servidor.
    //   Lo mismo que en tu servidor (paso 3): cópialo aquí.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: conéctate y luego conversa como el servidor; mira docs/es/lab3.md, paso 6 / step 6: connect, then chat as the server does; see docs/en/lab3.md, step 6"
    )
}

/// Reads one whole line, with its `\n`; `None` at the end of the stream. A
/// line over `MAX_LINE` bytes is an `InvalidData` error.
fn read_line(_reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // TODO (step 6): connect, then chat as the server does.
    //   The same as your server's (step 3): copy it here.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): conéctate y luego conversa como el servidor.
    //   Lo mismo que en tu servidor (paso 3): cópialo aquí.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: conéctate y luego conversa como el servidor; mira docs/es/lab3.md, paso 6 / step 6: connect, then chat as the server does; see docs/en/lab3.md, step 6"
    )
}

/// Sends every line typed on stdin, until the goodbye word or Ctrl-D.
fn send_lines(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 6): connect, then chat as the server does.
    //   The same as your server's (step 4): copy it here.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): conéctate y luego conversa como el servidor.
    //   Lo mismo que en tu servidor (paso 4): cópialo aquí.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: conéctate y luego conversa como el servidor; mira docs/es/lab3.md, paso 6 / step 6: connect, then chat as the server does; see docs/en/lab3.md, step 6"
    )
}

/// Says `adios` and closes our sending half: the peer reads the end of the
/// stream, while we still receive what it has left to say. (We then wait for
/// the peer to close, however long it takes; a real chat would give up after
/// a while, with set_read_timeout.)
fn say_goodbye(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 6): connect, then chat as the server does.
    //   The same as your server's (step 5): copy it here.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): conéctate y luego conversa como el servidor.
    //   Lo mismo que en tu servidor (paso 5): cópialo aquí.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: conéctate y luego conversa como el servidor; mira docs/es/lab3.md, paso 6 / step 6: connect, then chat as the server does; see docs/en/lab3.md, step 6"
    )
}
