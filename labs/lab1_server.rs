//! Lab 1: a blocking echo server.
//!
//! EN: The server binds a port, accepts one client at a time, and sends back
//!     every byte it receives until that client closes; then it accepts the
//!     next one. It teaches `bind`, `listen`, `accept`, `read` and `write`, and
//!     what "blocking" means. Walkthrough: docs/en/lab1.md
//! ES: El servidor abre un puerto, atiende a un cliente a la vez y le regresa
//!     cada byte que recibe hasta que el cliente cierra; luego atiende al
//!     siguiente. Enseña `bind`, `listen`, `accept`, `read`, `write` y qué
//!     significa «bloqueante». Guía: docs/es/lab1.md
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
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;

/// A blocking echo server: one client at a time, every byte sent back.
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
    // TODO (step 1): listen, or say why not.
    //   Call run with the command line (Args::parse()). If it fails, print
    //   `error: ` and the error with its context on stderr, in one line
    //   ({e:#}), and end with ExitCode::FAILURE; else ExitCode::SUCCESS.
    // TODO (paso 1): escucha o di por qué no.
    //   Llama a run con la línea de comandos (Args::parse()). Si falla,
    //   escribe `error: ` y el error con su contexto en stderr, en una línea
    //   ({e:#}), y termina con ExitCode::FAILURE; si no, ExitCode::SUCCESS.
    todo!(
        "paso 1: escucha o di por qué no; mira docs/es/lab1.md, paso 1 / step 1: listen, or say why not; see docs/en/lab1.md, step 1"
    )
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
fn run(_args: Args) -> anyhow::Result<()> {
    // TODO (step 1): listen, or say why not.
    //   Listen on the address `args.host:args.port` (format! it) with
    //   TcpListener::bind; if that fails, the error must name the address
    //   (with_context). Print `listening on IP:PORT` on stderr with the
    //   address really bound (local_addr): the tests read that line. Then
    //   serve the clients (serve), and return Ok(()).
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 1): escucha o di por qué no.
    //   Escucha en la dirección `args.host:args.port` (armada con format!)
    //   con TcpListener::bind; si falla, el error debe nombrar la dirección
    //   (with_context). Escribe `listening on IP:PUERTO` en stderr con la
    //   dirección de verdad enlazada (local_addr): los tests leen esa
    //   línea. Después atiende a los clientes (serve) y regresa Ok(()).
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 1: escucha o di por qué no; mira docs/es/lab1.md, paso 1 / step 1: listen, or say why not; see docs/en/lab1.md, step 1"
    )
}

/// Serves the clients that connect, one at a time, for ever.
fn serve(_listener: &TcpListener) {
    // TODO (step 2): accept the clients, one at a time.
    //   Forever: accept() the next client, say on stderr who connected,
    //   serve it with handle_client, and say when it left (or its error).
    //   A failed accept is said and skipped, and one client's error ends
    //   that client only: neither ends the server.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 2): acepta a los clientes, uno a la vez.
    //   Para siempre: acepta (accept()) al siguiente cliente, di en stderr
    //   quién se conectó, atiéndelo con handle_client y di cuándo se fue
    //   (o su error). Un accept que falla se dice y se salta, y el error
    //   de un cliente termina solo con ese cliente: ninguno termina con el
    //   servidor.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 2: acepta a los clientes, uno a la vez; mira docs/es/lab1.md, paso 2 / step 2: accept the clients, one at a time; see docs/en/lab1.md, step 2"
    )
}

/// Sends back everything the client sends, until it closes its side.
fn handle_client(_stream: TcpStream) -> io::Result<()> {
    // TODO (step 3): echo what the client sends.
    //   In a loop, read up to 1,024 bytes from the stream into a buffer,
    //   and write back every byte you read (write_all), until read()
    //   returns 0: the client closed its side.
    //   (Drop the `_` from a parameter's name when you use it.)
    // TODO (paso 3): devuelve lo que envía el cliente.
    //   En un bucle, lee hasta 1,024 bytes del stream en un búfer y
    //   devuelve cada byte que leíste (write_all), hasta que read()
    //   devuelva 0: el cliente cerró su lado.
    //   (Quítale el `_` al nombre de un parámetro cuando lo uses.)
    todo!(
        "paso 3: devuelve lo que envía el cliente; mira docs/es/lab1.md, paso 3 / step 3: echo what the client sends; see docs/en/lab1.md, step 3"
    )
}
