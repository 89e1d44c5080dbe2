//! Lab 1, bare: a blocking echo server, from the contract alone.
//!
//! EN: This starter gives only the command line (Args). The rest is yours to
//!     design and write: what the program must do is in docs/en/contract.md
//!     ("Common to every binary" and "Lab 1"), and the tests grade exactly
//!     that. The walkthrough, docs/en/lab1.md, explains the ideas it needs.
//! ES: Este esqueleto solo trae la línea de comandos (Args). Lo demás lo
//!     diseñas y lo escribes tú: lo que el programa debe hacer está en
//!     docs/es/contract.md («Común a todos los binarios» y «Lab 1»), y los
//!     tests califican exactamente eso. La guía, docs/es/lab1.md, explica las
//!     ideas que necesita.
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
    // TODO: everything the contract asks of lab1_server: listen (its first line
    //   on stderr is `listening on IP:PORT`), serve, and report failures in
    //   one line. The kit's helpers in given/ are yours to call.
    // TODO: todo lo que el contrato le pide a lab1_server: escuchar (su primera
    //   línea en stderr es `listening on IP:PORT`), atender y escribir las
    //   fallas en una línea. Las ayudas del kit en given/ son tuyas.
    todo!(
        "sirve como dice el contrato: docs/es/contract.md, «Lab 1» / serve as the contract says: docs/en/contract.md, \"Lab 1\""
    )
}
