//! Lab 3, bare: a threaded full-duplex chat, the client side, from the
//! contract alone.
//!
//! EN: This starter gives only the command line, the connection, and errors
//!     reported in one line. The rest is yours to design and write: what the
//!     program must do is in docs/en/contract.md ("Common to every binary" and
//!     "Lab 3"), and the tests grade exactly that. The walkthrough,
//!     docs/en/lab3.md, explains the ideas it needs.
//! ES: Este esqueleto solo trae la línea de comandos, la conexión y los
//!     errores en una sola línea. Lo demás lo diseñas y lo escribes tú: lo que
//!     el programa debe hacer está en docs/es/contract.md («Común a todos los
//!     binarios» y «Lab 3»), y los tests califican exactamente eso. La guía,
//!     docs/es/lab3.md, explica las ideas que necesita.
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab3_server
//!     terminal 2: cargo run --bin lab3_client

use std::process::ExitCode;

use clap::Parser;

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
    // TODO: everything the contract asks of lab3_client: connect, talk, and
    //   report failures in one line. The kit's helpers in given/ are yours
    //   to call.
    // TODO: todo lo que el contrato le pide a lab3_client: conectarse, conversar y
    //   escribir las fallas en una línea. Las ayudas del kit en given/ son
    //   tuyas.
    //   (Drop the `_` from `_args` when you use it. / Quítale el `_` a
    //   `_args` cuando lo uses.)
    todo!(
        "sirve como dice el contrato: docs/es/contract.md, «Lab 3» / serve as the contract says: docs/en/contract.md, \"Lab 3\""
    )
}
