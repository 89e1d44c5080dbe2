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
//!     terminal 1: cargo run --bin lab1_server
//!     terminal 2: cargo run --bin lab1_client

// EN: Until your steps use them, some names below are unused: the line
//     after this comment keeps the compiler quiet about them. When you
//     finish, delete it and this comment, and the compiler shows you
//     anything left unused.
// ES: Hasta que tus pasos los usen, algunos nombres de abajo no se usan: la
//     línea después de este comentario hace que el compilador no avise de
//     ellos. Cuando termines, bórrala junto con este comentario, y el
//     compilador te muestra lo que quede sin usar.
#![allow(dead_code, unused_imports)]

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;

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
    // TODO (step 4): connect, or say why not.
    //   The same main as your server's (step 1).
    // TODO (paso 4): conéctate o di por qué no.
    //   El mismo main que el de tu servidor (paso 1).
    todo!(
        "paso 4: conéctate o di por qué no; mira docs/es/lab1.md, paso 4 / step 4: connect, or say why not; see docs/en/lab1.md, step 4"
    )
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 4): connect, or say why not.
    //   Connect to `args.host:args.port` with TcpStream::connect; if that
    //   fails, the error must name the address (with_context). Say on
    //   stderr that you are connected, then echo the lines you type
    //   (echo_lines); if that fails, the error says to which address.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 4): conéctate o di por qué no.
    //   Conéctate a `args.host:args.port` con TcpStream::connect; si falla,
    //   el error debe nombrar la dirección (with_context). Di en stderr que
    //   estás conectado y luego haz eco de las líneas que escribes
    //   (echo_lines); si eso falla, el error dice a qué dirección.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 4: conéctate o di por qué no; mira docs/es/lab1.md, paso 4 / step 4: connect, or say why not; see docs/en/lab1.md, step 4"
    )
}

/// Sends each line typed on stdin and prints its echo, until stdin ends.
fn echo_lines(_stream: &mut TcpStream) -> io::Result<()> {
    // TODO (step 5): send each line you type, and print its echo.
    //   For each line of stdin (io::stdin().lock().split(b'\n') gives its
    //   bytes, whatever they are), send the line and its \n, every byte
    //   (write_all), read its echo with receive_echo, and print it on
    //   stdout (String::from_utf8_lossy). Return Ok(()) at the end of stdin.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 5): envía cada línea que escribes y muestra su eco.
    //   Por cada línea de stdin (io::stdin().lock().split(b'\n') da sus
    //   bytes, sean los que sean), envía la línea y su \n, todos los bytes
    //   (write_all), lee su eco con receive_echo y muéstralo en stdout
    //   (String::from_utf8_lossy). Regresa Ok(()) al final de stdin.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 5: envía cada línea que escribes y muestra su eco; mira docs/es/lab1.md, paso 5 / step 5: send each line you type, and print its echo; see docs/en/lab1.md, step 5"
    )
}

/// Reads exactly `len` bytes: the echo of a message of that length.
fn receive_echo(_stream: &mut TcpStream, _len: usize) -> io::Result<Vec<u8>> {
    // TODO (step 6): read back the whole echo.
    //   Read until `len` bytes have come back, however many reads that
    //   takes: one read() may return only part of them. If read() returns
    //   0 first, the server hung up: return an error that says so
    //   (io::ErrorKind::UnexpectedEof).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 6): lee el eco entero.
    //   Lee hasta que hayan vuelto `len` bytes, cueste las lecturas que
    //   cueste: un read() puede devolver solo una parte. Si read() devuelve
    //   0 antes, el servidor colgó: devuelve un error que lo diga
    //   (io::ErrorKind::UnexpectedEof).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 6: lee el eco entero; mira docs/es/lab1.md, paso 6 / step 6: read back the whole echo; see docs/en/lab1.md, step 6"
    )
}
