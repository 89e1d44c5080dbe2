//! charts: draws what bench/run measured, as SVG, in English and in Spanish.
//!
//! EN: Reads the medians bench/run wrote (data.txt: one line per case and
//!     server, `key=value` as the load tool prints them) and draws three
//!     charts per language: a room's deliveries per second and its server's
//!     peak memory against the number of clients (lab 4, lab 5 and the
//!     Python room), and the echo's round-trip latency. Not a lab: the tool
//!     behind the pictures of docs/en/performance.md.
//! ES: Lee las medianas que escribió bench/run (data.txt: una línea por caso
//!     y servidor, `clave=valor` como las escribe la herramienta de carga) y
//!     dibuja tres gráficas por idioma: las entregas por segundo de una sala
//!     y la memoria máxima de su servidor según el número de clientes (lab 4,
//!     lab 5 y la sala de Python), y la latencia de ida y vuelta del eco.
//!     Guía: docs/es/performance.md
//!
//! Run it / Ejecútalo (bench/run does it for you / bench/run lo hace por ti):
//!     cargo run --release -p sockets-lab-charts -- --data data.txt --out DIR

mod data;
mod echo;
mod labels;
mod room;

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use crate::labels::LANGUAGES;

/// Draws bench/run's medians as SVG charts, one set per language.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The medians bench/run wrote (data.txt)
    #[arg(long)]
    data: PathBuf,
    /// Where to write them: OUT/en/*.svg and OUT/es/*.svg
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    // A failure is news for the user, not a bug: one line, no backtrace.
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let text = fs::read_to_string(&args.data)
        .with_context(|| format!("could not read {}", args.data.display()))?;
    let bench = data::parse(&text).with_context(|| format!("in {}", args.data.display()))?;
    for labels in LANGUAGES {
        let folder = args.out.join(labels.language);
        fs::create_dir_all(&folder)
            .with_context(|| format!("could not create {}", folder.display()))?;
        room::draw_rate(&bench, labels, &folder.join("room-rate.svg"))?;
        room::draw_memory(&bench, labels, &folder.join("room-memory.svg"))?;
        echo::draw_latency(&bench, labels, &folder.join("echo-latency.svg"))?;
    }
    Ok(())
}
