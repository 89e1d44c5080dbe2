//! Lab 4: the client of the chat room.
//!
//! EN: A full-duplex client, as in lab 3: one thread prints every line the
//!     room sends, while the main thread sends every line you type. Your
//!     `adios` (or Ctrl-D) says goodbye; the program ends when the server
//!     answers `adios` or closes. Walkthrough: docs/en/lab4.md
//! ES: Un cliente full duplex, como en el lab 3: un hilo muestra cada línea
//!     que envía la sala, mientras el hilo principal envía cada línea que
//!     escribes. Tu `adios` (o Ctrl-D) se despide; el programa termina cuando
//!     el servidor responde `adios` o cierra. Guía: docs/es/lab4.md
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab4_server
//!     terminals 2, 3...: cargo run --bin lab4_client

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

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
// The kit's helpers (given/lines.rs): the line limit, the goodbye word, and
// a line's bytes as text.
use given::{MAX_LINE, is_goodbye, text_of};

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
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 10): the client's two threads.
    //   Connect (the error names the address) and say so on stderr. Start a
    //   thread that prints what the room sends (print_incoming, on a
    //   try_clone of the stream) and then ends the whole program
    //   (process::exit): main may be blocked reading the keyboard, and
    //   nothing else can wake it. Its exit status: 0 when the room said
    //   adios, closed or reset; 1, saying why on stderr, for a line over
    //   64 KiB (InvalidData). Meanwhile, chat on the main thread; whatever
    //   chat returns, join the printing thread, which prints every line
    //   that came and ends the program.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 10): los dos hilos del cliente.
    //   Conéctate (el error nombra la dirección) y dilo en stderr. Lanza un
    //   hilo que muestre lo que envía la sala (print_incoming, sobre un
    //   try_clone del stream) y luego termine todo el programa
    //   (process::exit): main puede estar bloqueado leyendo el teclado, y
    //   nada más puede despertarlo. Su estado de salida: 0 cuando la sala
    //   dijo adios, cerró o mandó un reset; 1, diciendo por qué en stderr,
    //   para una línea de más de 64 KiB (InvalidData). Mientras, conversa
    //   en el hilo principal (chat); regrese lo que regrese chat, espera
    //   (join) al hilo que muestra, que muestra cada línea que llegó y
    //   termina el programa.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 10: los dos hilos del cliente; mira docs/es/lab4.md, paso 10 / step 10: the client's two threads; see docs/en/lab4.md, step 10"
    )
}

/// Prints every line that arrives, until the server says `adios` or closes;
/// a line over MAX_LINE is an error (InvalidData).
fn print_incoming(_stream: TcpStream) -> io::Result<()> {
    // TODO (step 12): print what the room sends.
    //   Read the stream line by line, as read_line does in lab 2 (at most
    //   MAX_LINE + 1 bytes for one line), and print each one's text
    //   (text_of: lines may not be UTF-8). Return Ok(()) after printing a
    //   line that is exactly `adios`, or when the server closes (say so on
    //   stderr); return an InvalidData error for a line over the limit.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 12): muestra lo que envía la sala.
    //   Lee el stream línea por línea, como read_line en el lab 2 (a lo más
    //   MAX_LINE + 1 bytes para una línea), y muestra el texto de cada una
    //   (text_of: las líneas pueden no ser UTF-8). Regresa Ok(()) después de
    //   mostrar una línea que sea exactamente `adios`, o cuando el servidor
    //   cierre (dilo en stderr); devuelve un error InvalidData para una
    //   línea de más del límite.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 12: muestra lo que envía la sala; mira docs/es/lab4.md, paso 12 / step 12: print what the room sends; see docs/en/lab4.md, step 12"
    )
}

/// Sends every line typed; the goodbye word, or the end of input, sends
/// `adios` and stops. Fails only when sending does (the server hung up).
fn chat(_stream: &TcpStream) -> io::Result<()> {
    // TODO (step 11): send what you type, and adios.
    //   Send every line read from stdin, and its \n. On the goodbye word
    //   (is_goodbye) or at the end of stdin (a read that fails counts as
    //   its end), send `adios\n` and return. (Writing through a &TcpStream
    //   needs the parameter to be `mut stream`.)
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 11): envía lo que escribes y el adios.
    //   Envía cada línea que leas de stdin, con su \n. En la despedida
    //   (is_goodbye) o al final de stdin (una lectura que falla cuenta como
    //   su final), envía `adios\n` y regresa. (Escribir a través de un
    //   &TcpStream pide que el parámetro sea `mut stream`.)
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 11: envía lo que escribes y el adios; mira docs/es/lab4.md, paso 11 / step 11: send what you type, and adios; see docs/en/lab4.md, step 11"
    )
}
