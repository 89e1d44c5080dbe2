//! The charts tool on a bench/run's worth of medians: three SVG charts per
//! language, with each language's words, and a failure as one line.
//! Run: `cargo test -p sockets-lab-charts`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DATA: &str = "\
kind=run date=2026-11-25 cores=2 linux=6.18.44 reps=3
kind=echo server=rust connections=1 served=1/1 rate=45232 p50_us=12 p99_us=53 complete=yes
kind=echo server=python connections=1 served=1/1 rate=25372 p50_us=41 p99_us=66 complete=yes
kind=echo server=rust connections=8 served=1/8 rate=23455 p50_us=42 p99_us=65 complete=yes
kind=echo server=python connections=8 served=8/8 rate=113141 p50_us=60 p99_us=198 complete=yes
kind=room server=lab4 clients=200 lines=100 senders=200 rate=6867937 rss=16 complete=yes
kind=room server=lab5 clients=200 lines=100 senders=200 rate=30102963 rss=10 complete=yes
kind=room server=python clients=200 lines=100 senders=200 rate=347735 rss=23 complete=yes
kind=room server=lab4 clients=1000 lines=2 senders=1000 rate=132445 rss=54 complete=yes
kind=room server=lab5 clients=1000 lines=2 senders=1000 rate=20691803 rss=12 complete=yes
kind=room server=python clients=1000 lines=2 senders=1000 rate=380106 rss=33 complete=no
kind=room server=lab5 clients=10000 lines=10 senders=10 rate=11835706 rss=40 complete=yes
";

fn charts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charts"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run charts")
}

/// A fresh folder for one test, with DATA in it.
fn folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&folder);
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("data.txt"), DATA).unwrap();
    folder
}

#[test]
fn draws_three_charts_in_each_language_with_its_own_words() {
    let out = folder("three-charts");
    let data = out.join("data.txt");
    let output = charts(&[
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (language, words) in [
        (
            "en",
            [
                "deliveries per second",
                "peak memory",
                "8 connections; Rust (lab 1) served 1 of 8",
            ],
        ),
        (
            "es",
            [
                "entregas por segundo",
                "memoria máxima",
                "8 conexiones; Rust (lab 1) atendió a 1 de 8",
            ],
        ),
    ] {
        let svgs: Vec<String> = ["room-rate", "room-memory", "echo-latency"]
            .iter()
            .map(|name| {
                let path = out.join(language).join(format!("{name}.svg"));
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            })
            .collect();
        for (svg, word) in svgs.iter().zip(words) {
            assert!(
                svg.starts_with("<svg"),
                "not an SVG: {}",
                &svg[..40.min(svg.len())]
            );
            assert!(
                svg.contains(word),
                "expected {word:?} in the {language} chart"
            );
        }
        // numbers as 21,058 in both languages; the 10,000-client case named
        assert!(svgs[0].contains("10,000,000") && svgs[0].contains("10,000 ("));
    }
}

#[test]
fn reports_a_bad_line_in_one_line_naming_it() {
    let out = folder("bad-line");
    let data = out.join("data.txt");
    fs::write(
        &data,
        "kind=room server=lab5 clients=many lines=1 senders=1\n",
    )
    .unwrap();
    let output = charts(&[
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.lines().count() == 1
            && stderr.contains("line 1")
            && !stderr.contains("panicked"),
        "expected one line naming line 1, got:\n{stderr}"
    );
}
