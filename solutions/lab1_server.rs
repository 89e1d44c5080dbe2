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
//!     terminal 1: cargo run --features solutions --bin lab1_server_sol
//!     terminal 2: cargo run --features solutions --bin lab1_client_sol

use std::io;
use std::io::{Read, Write}; // step 3
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use anyhow::Context; // step 1
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
    // STEP 1: listen, or say why not
    //   Call run with the command line (Args::parse()). If it fails, print
    //   `error: ` and the error with its context on stderr, in one line
    //   ({e:#}), and end with ExitCode::FAILURE; else ExitCode::SUCCESS.
    // PASO 1: escucha o di por qué no
    //   Llama a run con la línea de comandos (Args::parse()). Si falla,
    //   escribe `error: ` y el error con su contexto en stderr, en una línea
    //   ({e:#}), y termina con ExitCode::FAILURE; si no, ExitCode::SUCCESS.

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
    // STEP 1: listen, or say why not
    //   Listen on the address `args.host:args.port` (format! it) with
    //   TcpListener::bind; if that fails, the error must name the address
    //   (with_context). Print `listening on IP:PORT` on stderr with the
    //   address really bound (local_addr): the tests read that line. Then
    //   serve the clients (serve), and return Ok(()).
    // PASO 1: escucha o di por qué no
    //   Escucha en la dirección `args.host:args.port` (armada con format!)
    //   con TcpListener::bind; si falla, el error debe nombrar la dirección
    //   (with_context). Escribe `listening on IP:PUERTO` en stderr con la
    //   dirección de verdad enlazada (local_addr): los tests leen esa
    //   línea. Después atiende a los clientes (serve) y regresa Ok(()).
    let addr = format!("{}:{}", args.host, args.port);
    // bind + listen in one call: from here on the system queues incoming
    // connections (the backlog) even while we are busy with another client.
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);
    serve(&listener);
    Ok(())
}

/// Serves the clients that connect, one at a time, for ever.
fn serve(listener: &TcpListener) {
    // STEP 2: accept the clients, one at a time
    //   Forever: accept() the next client, say on stderr who connected,
    //   serve it with handle_client, and say when it left (or its error).
    //   A failed accept is said and skipped, and one client's error ends
    //   that client only: neither ends the server.
    // PASO 2: acepta a los clientes, uno a la vez
    //   Para siempre: acepta (accept()) al siguiente cliente, di en stderr
    //   quién se conectó, atiéndelo con handle_client y di cuándo se fue
    //   (o su error). Un accept que falla se dice y se salta, y el error
    //   de un cliente termina solo con ese cliente: ninguno termina con el
    //   servidor.
    loop {
        // accept() blocks until a client connects; the next client waits in
        // the backlog until the loop comes back for it.
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("error: could not accept a connection: {e}");
                continue;
            }
        };
        eprintln!("{peer} connected");
        // One client's failure (a reset, say) ends that client, not the server.
        match handle_client(stream) {
            Ok(()) => eprintln!("{peer} left"),
            Err(e) => eprintln!("error: {peer}: {e}"),
        }
    }
}

/// Sends back everything the client sends, until it closes its side.
fn handle_client(mut stream: TcpStream) -> io::Result<()> {
    // STEP 3: echo what the client sends
    //   In a loop, read up to 1,024 bytes from the stream into a buffer,
    //   and write back every byte you read (write_all), until read()
    //   returns 0: the client closed its side.
    // PASO 3: devuelve lo que envía el cliente
    //   En un bucle, lee hasta 1,024 bytes del stream en un búfer y
    //   devuelve cada byte que leíste (write_all), hasta que read()
    //   devuelva 0: el cliente cerró su lado.

    // 1,024 bytes at a time, like the Python lab's recv(1024): a bigger
    // message simply takes more turns of the loop.
    let mut buf = [0; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            // read() returned 0: the client closed its side, nothing more will come
            return Ok(());
        }
        // write() may send only part of the buffer; write_all() loops until
        // every byte is out (Python's sendall, not send).
        stream.write_all(&buf[..n])?;
    }
}
