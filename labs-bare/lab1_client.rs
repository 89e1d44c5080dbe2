//! Lab 1, bare: the client of the blocking echo server, from the contract
//! alone.
//!
//! EN: This starter gives only the command line, the connection, and errors
//!     reported in one line. The rest is yours to design and write: what the
//!     program must do is in docs/en/contract.md ("Common to every binary" and
//!     "Lab 1"), and the tests grade exactly that. The walkthrough,
//!     docs/en/lab1.md, explains the ideas it needs.
//! ES: Este esqueleto solo trae la línea de comandos, la conexión y los
//!     errores en una sola línea. Lo demás lo diseñas y lo escribes tú: lo que
//!     el programa debe hacer está en docs/es/contract.md («Común a todos los
//!     binarios» y «Lab 1»), y los tests califican exactamente eso. La guía,
//!     docs/es/lab1.md, explica las ideas que necesita.
//!
//! Run it / Ejecútalo:
//!     terminal 1: cargo run --bin lab1_server
//!     terminal 2: cargo run --bin lab1_client

// Until you use it, Args is unused: this line keeps the compiler quiet about
// it. / Hasta que lo uses, Args no se usa: esta línea hace que el compilador
// no avise de ello.
#![allow(dead_code)]

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
    // TODO: everything the contract asks of lab1_client: connect, talk, and
    //   report failures in one line. The kit's helpers in given/ are yours
    //   to call.
    // TODO: todo lo que el contrato le pide a lab1_client: conectarse, conversar y
    //   escribir las fallas en una línea. Las ayudas del kit en given/ son
    //   tuyas.
    todo!(
        "sirve como dice el contrato: docs/es/contract.md, «Lab 1» / serve as the contract says: docs/en/contract.md, \"Lab 1\""
    )
}
