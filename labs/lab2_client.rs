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
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
// The kit's helpers (given/lines.rs): the line limit, the goodbye word, and
// a line's bytes as text.
use given::{MAX_LINE, is_goodbye, text_of};

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
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 4): connect, or say why not.
    //   As your lab 1 client does: connect to `args.host:args.port` (the
    //   error names the address) and say so on stderr; then talk, and if
    //   that fails, the error says to which address.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 4): conéctate o di por qué no.
    //   Como lo hace tu cliente del lab 1: conéctate a `args.host:args.port`
    //   (el error nombra la dirección) y dilo en stderr; luego conversa
    //   (talk), y si eso falla, el error dice con qué dirección.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 4: conéctate o di por qué no; mira docs/es/lab2.md, paso 4 / step 4: connect, or say why not; see docs/en/lab2.md, step 4"
    )
}

/// Sends each line typed on stdin and prints the server's answer, until
/// the goodbye; at the end of stdin, says goodbye itself.
fn talk(_stream: &TcpStream) -> io::Result<()> {
    // TODO (step 5): say each line, print each answer, and say goodbye.
    //   Read the server's answers with read_answer through a BufReader of
    //   the stream; write through the stream itself. For each line of
    //   stdin (split(b'\n'), as in lab 1), send it and its \n, and print the
    //   answer; once the line you sent was the goodbye word (is_goodbye, on
    //   its text_of), return. At the end of stdin, send `adios` yourself,
    //   print the answer, and return.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 5): di cada línea, muestra cada respuesta y despídete.
    //   Lee las respuestas del servidor con read_answer a través de un
    //   BufReader del stream; escribe por el stream mismo. Por cada línea de
    //   stdin (split(b'\n'), como en el lab 1), envíala con su \n y muestra
    //   la respuesta; en cuanto la línea que enviaste sea la despedida
    //   (is_goodbye, sobre su text_of), regresa. Al final de stdin, envía
    //   `adios` tú mismo, muestra la respuesta y regresa.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 5: di cada línea, muestra cada respuesta y despídete; mira docs/es/lab2.md, paso 5 / step 5: say each line, print each answer, and say goodbye; see docs/en/lab2.md, step 5"
    )
}

/// Reads the server's answer: one whole line, as text.
fn read_answer(_reader: &mut impl BufRead) -> io::Result<String> {
    // TODO (step 6): read the whole answer.
    //   Read a line with read_line (your server's, step 2). A line that
    //   ends in \n is the answer: return its text (text_of). Anything else
    //   means the server hung up before its answer ended: return an
    //   UnexpectedEof error that says so. (A line too long is already an
    //   error: read_line's.)
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): lee la respuesta entera.
    //   Lee una línea con read_line (la de tu servidor, paso 2). Una línea
    //   que termina en \n es la respuesta: devuelve su texto (text_of).
    //   Cualquier otra cosa quiere decir que el servidor colgó antes de que
    //   terminara su respuesta: devuelve un error UnexpectedEof que lo diga.
    //   (Una línea demasiado larga ya es un error: el de read_line.)
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: lee la respuesta entera; mira docs/es/lab2.md, paso 6 / step 6: read the whole answer; see docs/en/lab2.md, step 6"
    )
}

/// Reads one whole line, with its `\n`; `None` at the end of the stream. A
/// line over `MAX_LINE` bytes is an `InvalidData` error: a server that never
/// sends `\n` must not fill our memory, any more than a client the server's.
fn read_line(_reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // TODO (step 6): read the whole answer.
    //   The same read_line as your server's (step 2).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): lee la respuesta entera.
    //   El mismo read_line que el de tu servidor (paso 2).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: lee la respuesta entera; mira docs/es/lab2.md, paso 6 / step 6: read the whole answer; see docs/en/lab2.md, step 6"
    )
}
