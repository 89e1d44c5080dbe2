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
//!     terminal 1: cargo run --bin lab2_server
//!     terminal 2: cargo run --bin lab2_client

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

use std::io::{self, BufRead};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

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
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 1): listen, and serve one client at a time.
    //   As your lab 1 server does: listen on `args.host:args.port` (the
    //   error names the address), print `listening on IP:PORT`, then serve.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 1): escucha y atiende a un cliente a la vez.
    //   Como lo hace tu servidor del lab 1: escucha en `args.host:args.port`
    //   (el error nombra la dirección), escribe `listening on IP:PUERTO` y
    //   luego atiende.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 1: escucha y atiende a un cliente a la vez; mira docs/es/lab2.md, paso 1 / step 1: listen, and serve one client at a time; see docs/en/lab2.md, step 1"
    )
}

/// Serves the clients that connect, one at a time, for ever.
fn serve(_listener: &TcpListener) {
    // TODO (step 1): listen, and serve one client at a time.
    //   As your lab 1 server does: accept each client, say who connected,
    //   serve it with handle_client, say when it left (or its error).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 1): escucha y atiende a un cliente a la vez.
    //   Como lo hace tu servidor del lab 1: acepta a cada cliente, di quién
    //   se conectó, atiéndelo con handle_client, di cuándo se fue (o su
    //   error).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 1: escucha y atiende a un cliente a la vez; mira docs/es/lab2.md, paso 1 / step 1: listen, and serve one client at a time; see docs/en/lab2.md, step 1"
    )
}

/// Answers each line of the client with the same line, until the goodbye
/// word or until the client leaves.
fn handle_client(_stream: TcpStream) -> io::Result<()> {
    // TODO (step 3): answer each line, until the goodbye.
    //   Read the client's lines with read_line through a BufReader of the
    //   stream, and write through the stream itself (&TcpStream reads and
    //   writes too). Answer each line with its text (text_of) and a \n, in
    //   one write_all. To the goodbye word (is_goodbye) answer `adios` and
    //   return; to a line too long (an InvalidData error), answer `error:
    //   line too long` and return the error. A client that leaves without
    //   a goodbye is no error.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): responde a cada línea, hasta la despedida.
    //   Lee las líneas del cliente con read_line a través de un BufReader
    //   del stream, y escribe por el stream mismo (&TcpStream también lee y
    //   escribe). Responde a cada línea con su texto (text_of) y un \n, en
    //   un solo write_all. A la palabra de despedida (is_goodbye) responde
    //   `adios` y regresa; a una línea demasiado larga (un error
    //   InvalidData), responde `error: line too long` y regresa el error.
    //   Un cliente que se va sin despedirse no es un error.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: responde a cada línea, hasta la despedida; mira docs/es/lab2.md, paso 3 / step 3: answer each line, until the goodbye; see docs/en/lab2.md, step 3"
    )
}

/// Reads one whole line, with its `\n`, however many packets it came in;
/// `None` when the client closed its side. A line over `MAX_LINE` bytes is
/// an `InvalidData` error, and only `MAX_LINE + 1` bytes of it are read.
fn read_line(_reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // TODO (step 2): read a whole line, with a limit.
    //   Read bytes up to and with the next \n (read_until), but never more
    //   than MAX_LINE + 1 of them (take, on reader.by_ref()). Nothing read:
    //   the client closed, return None. More than MAX_LINE bytes and no \n
    //   at the end: return an InvalidData error. Else the line.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 2): lee una línea entera, con un límite.
    //   Lee bytes hasta el siguiente \n incluido (read_until), pero nunca
    //   más de MAX_LINE + 1 (take, sobre reader.by_ref()). Si no leíste
    //   nada, el cliente cerró: devuelve None. Más de MAX_LINE bytes y sin
    //   \n al final: devuelve un error InvalidData. Si no, la línea.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 2: lee una línea entera, con un límite; mira docs/es/lab2.md, paso 2 / step 2: read a whole line, with a limit; see docs/en/lab2.md, step 2"
    )
}
