//! Lab 3: a threaded full-duplex chat, the server side.
//!
//! EN: The server accepts one peer, then both sides talk at once: one thread
//!     sends what you type, the other prints what arrives. `adios` (or Ctrl-D)
//!     ends the conversation cleanly from either side. It teaches threads,
//!     `try_clone`, full duplex and the half-close `shutdown(Write)`.
//!     Walkthrough: docs/en/lab3.md
//! ES: El servidor acepta a un interlocutor y, desde ahí, los dos lados hablan
//!     a la vez: un hilo envía lo que escribes y otro muestra lo que llega.
//!     `adios` (o Ctrl-D) termina la conversación limpiamente desde cualquier
//!     lado. Enseña hilos, `try_clone`, full duplex y el semicierre
//!     `shutdown(Write)`. Guía: docs/es/lab3.md
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

/// A chat server: one peer, both sides talking at once, `adios` to end.
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
    // TODO (step 1): accept one peer, and only one.
    //   Listen on `args.host:args.port` as in lab 2 (the error names the
    //   address; the `listening on` line). Accept exactly one connection
    //   (an error here is the program's: with_context), then drop the
    //   listener, so that a second client is refused instead of waiting in
    //   the backlog for nothing. Say who connected, and chat with it.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 1): acepta a un interlocutor, y solo a uno.
    //   Escucha en `args.host:args.port` como en el lab 2 (el error nombra
    //   la dirección; la línea `listening on`). Acepta exactamente una
    //   conexión (aquí un error es del programa: with_context) y luego suelta
    //   el listener, para que un segundo cliente sea rechazado en vez de
    //   esperar en el backlog por nada. Di quién se conectó, y conversa.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 1: acepta a un interlocutor, y solo a uno; mira docs/es/lab3.md, paso 1 / step 1: accept one peer, and only one; see docs/en/lab3.md, step 1"
    )
}

/// Talks in both directions at once until the conversation ends.
fn chat(_stream: TcpStream) -> anyhow::Result<()> {
    // TODO (step 2): two threads, one per direction.
    //   Make a second handle on the same socket (try_clone; its error is
    //   the program's). Start a thread (thread::spawn, with a move closure)
    //   that sends on it: send_lines, then say_goodbye; if either fails,
    //   say so on stderr. Meanwhile this thread receives: receive_lines on
    //   the original. Never join the sending thread: it may be blocked
    //   reading the keyboard, and returning from main ends it.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 2): dos hilos, uno por sentido.
    //   Saca un segundo handle del mismo socket (try_clone; su error es del
    //   programa). Lanza un hilo (thread::spawn, con una clausura move) que
    //   envíe por él: send_lines y luego say_goodbye; si alguno falla, dilo
    //   en stderr. Mientras, este hilo recibe: receive_lines sobre el
    //   original. Nunca esperes (join) al hilo que envía: puede estar
    //   bloqueado leyendo el teclado, y regresar de main lo termina.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 2: dos hilos, uno por sentido; mira docs/es/lab3.md, paso 2 / step 2: two threads, one per direction; see docs/en/lab3.md, step 2"
    )
}

/// Prints every line that arrives, until the goodbye word or the end.
fn receive_lines(_stream: TcpStream) {
    // TODO (step 3): print what arrives, until the goodbye.
    //   Read lines with your read_line of lab 2 (bring it below) through a
    //   BufReader of the stream, and print each one's text (text_of) on
    //   stdout. Return after printing the goodbye word; when the peer
    //   closes (None), or the connection breaks (another error), say so on
    //   stderr and return. To a line too long (InvalidData) send `error:
    //   line too long` to the peer, say so on stderr, and return.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): muestra lo que llega, hasta la despedida.
    //   Lee líneas con tu read_line del lab 2 (tráelo abajo) a través de un
    //   BufReader del stream, y muestra el texto de cada una (text_of) en
    //   stdout. Regresa después de mostrar la despedida; cuando el otro lado
    //   cierre (None), o la conexión se rompa (otro error), dilo en stderr y
    //   regresa. A una línea demasiado larga (InvalidData) envíale `error:
    //   line too long` al otro lado, dilo en stderr y regresa.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: muestra lo que llega, hasta la despedida; mira docs/es/lab3.md, paso 3 / step 3: print what arrives, until the goodbye; see docs/en/lab3.md, step 3"
    )
}

/// Reads one whole line, with its `\n`; `None` at the end of the stream. A
/// line over `MAX_LINE` bytes is an `InvalidData` error.
fn read_line(_reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    // TODO (step 3): print what arrives, until the goodbye.
    //   Your read_line of lab 2.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): muestra lo que llega, hasta la despedida.
    //   Tu read_line del lab 2.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: muestra lo que llega, hasta la despedida; mira docs/es/lab3.md, paso 3 / step 3: print what arrives, until the goodbye; see docs/en/lab3.md, step 3"
    )
}

/// Sends every line typed on stdin, until the goodbye word or Ctrl-D.
fn send_lines(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 4): send what you type.
    //   For each line of stdin (split(b'\n'); a read of stdin that fails
    //   counts as its end), return if it is the goodbye word: say_goodbye
    //   says it. Else send it and its \n, every byte. At the end of stdin,
    //   return too.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 4): envía lo que escribes.
    //   Por cada línea de stdin (split(b'\n'); una lectura de stdin que
    //   falla cuenta como su final), regresa si es la despedida: la dice
    //   say_goodbye. Si no, envíala con su \n, todos los bytes. Al final de
    //   stdin, regresa también.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 4: envía lo que escribes; mira docs/es/lab3.md, paso 4 / step 4: send what you type; see docs/en/lab3.md, step 4"
    )
}

/// Says `adios` and closes our sending half: the peer reads the end of the
/// stream, while we still receive what it has left to say. (We then wait for
/// the peer to close, however long it takes; a real chat would give up after
/// a while, with set_read_timeout.)
fn say_goodbye(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 5): say adios, and stop sending.
    //   Send `adios` and its \n, then shut down the sending half of the
    //   connection only (shutdown(Shutdown::Write)): the peer reads the end
    //   of the stream, and what it still says reaches us.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 5): di adios y deja de enviar.
    //   Envía `adios` y su \n, y luego cierra solo la mitad de escritura de
    //   la conexión (shutdown(Shutdown::Write)): el otro lado lee el final
    //   del flujo, y lo que todavía diga nos sigue llegando.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 5: di adios y deja de enviar; mira docs/es/lab3.md, paso 5 / step 5: say adios, and stop sending; see docs/en/lab3.md, step 5"
    )
}
