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

use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use anyhow::Context;
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
    // bind + listen in one call: from here on the system queues incoming
    // connections (the backlog) even while we are busy with another client.
    let listener =
        TcpListener::bind(&addr).with_context(|| format!("could not listen on {addr}"))?;
    // the tests read this line: keep it
    eprintln!("listening on {}", listener.local_addr()?);

    // incoming() blocks in accept() until a client connects; the next client
    // waits in the backlog until this loop comes back for it.
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("error: could not accept a connection: {e}");
                continue;
            }
        };
        let peer = match stream.peer_addr() {
            Ok(peer) => peer.to_string(),
            Err(_) => "a client".to_string(),
        };
        eprintln!("{peer} connected");
        // One client's failure (a reset, say) ends that client, not the server.
        match handle_client(stream) {
            Ok(()) => eprintln!("{peer} left"),
            Err(e) => eprintln!("error: {peer}: {e}"),
        }
    }
    Ok(())
}

/// Sends back everything the client sends, until it closes its side.
fn handle_client(_stream: TcpStream) -> std::io::Result<()> {
    // TODO (step 1): in a loop, read up to 1,024 bytes from the stream into a
    // buffer and write back every byte you read, until read() returns 0 (the
    // client closed its side). Drop the `_` from `_stream` when you use it.
    todo!(
        "paso 1: devuelve lo que envía el cliente; mira docs/es/lab1.md, paso 1 / step 1: echo what the client sends; see docs/en/lab1.md, step 1"
    )
}
