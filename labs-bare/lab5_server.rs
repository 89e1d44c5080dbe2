//! Lab 5, bare: the chat room, event-driven, for thousands of clients, from
//! the contract alone.
//!
//! EN: This starter gives only the command line (Args) and its failures
//!     reported in one line (main). The rest is yours to
//!     design and write: what the program must do is in docs/en/contract.md
//!     ("Common to every binary" and "Lab 5"), and the tests grade exactly
//!     that. The walkthrough, docs/en/lab5.md, explains the ideas it needs.
//! ES: Este esqueleto solo trae la línea de comandos (Args) y sus fallas
//!     escritas en una sola línea (main). Lo demás lo diseñas y lo escribes
//!     tú: lo que el programa debe hacer está en
//!     docs/es/contract.md («Común a todos los binarios» y «Lab 5»), y los
//!     tests califican exactamente eso. La guía, docs/es/lab5.md, explica las
//!     ideas que necesita.
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab5_server
//!     terminals 2, 3...: cargo run --bin lab4_client

use std::process::ExitCode;

use clap::Parser;

/// A chat room: every line a client sends goes to all the others.
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

#[tokio::main]
async fn main() -> ExitCode {
    // A failure is news for the user, not a bug in the program: say what
    // failed in one line, never with a backtrace (even with RUST_BACKTRACE=1).
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The program itself: each `?` hands a failure, with what was being done
/// (the context), to main.
async fn run(_args: Args) -> anyhow::Result<()> {
    // TODO: everything the contract asks of lab5_server: listen (its first line
    //   on stderr is `listening on IP:PORT`), serve, and report failures in
    //   one line. The kit's helpers in given/ are yours to call.
    // TODO: todo lo que el contrato le pide a lab5_server: escuchar (su primera
    //   línea en stderr es `listening on IP:PORT`), atender y escribir las
    //   fallas en una línea. Las ayudas del kit en given/ son tuyas.
    //   (Drop the `_` from `_args` when you use it. / Quítale el `_` a
    //   `_args` cuando lo uses.)
    todo!(
        "sirve como dice el contrato: docs/es/contract.md, «Lab 5» / serve as the contract says: docs/en/contract.md, \"Lab 5\""
    )
}
