//! The tap transcripts of the walkthroughs, kept true: each block marked
//! `<!-- tap transcript: NAME -->` in docs/en and docs/es is what the tap
//! prints when scenario NAME below is played again with the kit's reference
//! programs (built here, with `cargo build --features solutions`).
//!
//! What is compared: for each connection, the events of each direction in
//! order, and the connection's own events (connected, closed) in order. What
//! is not: the times, the port numbers (the system picks them), and how the
//! lines of the two directions interleave, since events of the two
//! directions that happen at the same moment may print in either order.
//! The scenarios shape the traffic so that the rest is certain: a client
//! types its next line only once the answer to the last has come, and where
//! a read must not merge two writes, `--delay 100` keeps them apart.
//!
//! After a change to a program that changes what it sends, capture them
//! again (both languages at once):
//! `cargo test -p sockets-lab-tap --test walkthroughs -- --ignored`.
//! Run: `cargo test -p sockets-lab-tap --test walkthroughs`.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use support::peer::Peer;
use support::program::Program;
use support::tap::{Tap, plain};

/// The kit: the workspace this package is in.
const KIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const MARKER: &str = "<!-- tap transcript: ";
/// The server's port in the walkthroughs' commands, put back in a capture.
const DOCS_SERVER_PORT: &str = "6667";

/// What a scenario captured: the tap's lines, and the server's real port.
struct Capture {
    lines: Vec<String>,
    server_port: u16,
}

// ---------------------------------------------------------------------------
// The scenarios, one per transcript, as each walkthrough tells it.

/// Lab 1: the client's `hola` through `tap --split 3 --delay 100`; the
/// server echoes each piece as it comes.
fn lab1() -> Capture {
    let mut server = Program::spawn(&kit("lab1_server_sol"), &["--port", "0"]);
    let server_addr = server.read_listening_line();
    let mut tap = Tap::start(server_addr, &["--split", "3", "--delay", "100"]);
    let port = tap.addr.port().to_string();
    let mut client = Program::spawn(&kit("lab1_client_sol"), &["--port", &port]);
    client.type_line("hola");
    client.expect_line("hola");
    client.close_stdin();
    client.wait_for_exit();
    capture(&mut tap, 1, server_addr.port())
}

/// Lab 2: `printf 'uno\ndos\nadios\n' | nc 127.0.0.1 7000` through
/// `tap --split 3 --delay 100`: three lines in one read, `adios` in three
/// pieces. The test plays nc: one write, then it reads until the server
/// closes, then it closes.
fn lab2() -> Capture {
    let mut server = Program::spawn(&kit("lab2_server_sol"), &["--port", "0"]);
    let server_addr = server.read_listening_line();
    let mut tap = Tap::start(server_addr, &["--split", "3", "--delay", "100"]);
    let mut nc = Peer::connect(tap.addr);
    nc.send(b"uno\ndos\nadios\n");
    let answers = nc.read_to_end();
    assert_eq!(answers.bytes, b"uno\ndos\nadios\n", "lab2_server's answers");
    drop(nc);
    capture(&mut tap, 1, server_addr.port())
}

/// Lab 3: a chat through the tap, ended by the client's `adios` and its
/// half-close.
fn lab3() -> Capture {
    let mut server = Program::spawn(&kit("lab3_server_sol"), &["--port", "0"]);
    let server_addr = server.read_listening_line();
    let mut tap = Tap::start(server_addr, &[]);
    let port = tap.addr.port().to_string();
    let mut client = Program::spawn(&kit("lab3_client_sol"), &["--port", &port]);
    client.type_line("hola, ¿me oyes?");
    server.expect_line("hola, ¿me oyes?");
    server.type_line("sí, alto y claro");
    client.expect_line("sí, alto y claro");
    client.type_line("adios");
    server.expect_line("adios");
    server.wait_for_exit();
    client.wait_for_exit();
    capture(&mut tap, 1, server_addr.port())
}

/// Lab 4: one client in the room through the tap; the operator welcomes
/// it, it says hola, and the operator's `adios` closes the room.
fn lab4() -> Capture {
    let mut server = Program::spawn(&kit("lab4_server_sol"), &["--port", "0"]);
    let server_addr = server.read_listening_line();
    let mut tap = Tap::start(server_addr, &[]);
    let port = tap.addr.port().to_string();
    let mut client = Program::spawn(&kit("lab4_client_sol"), &["--port", &port]);
    expect_line_ending(&mut server, " joined");
    server.type_line("bienvenidos");
    client.expect_line("[server] bienvenidos");
    client.type_line("hola");
    expect_line_ending(&mut server, "] hola");
    server.type_line("adios");
    client.expect_line("adios");
    client.wait_for_exit();
    server.wait_for_exit();
    capture(&mut tap, 1, server_addr.port())
}

#[track_caller]
fn expect_line_ending(program: &mut Program, end: &str) {
    match program.next_line() {
        Some(line) if line.ends_with(end) => {}
        other => panic!(
            "expected a line ending in {end:?} on {}'s stdout, got {other:?}{}",
            program.name,
            program.report()
        ),
    }
}

fn scenario(name: &str) -> Option<fn() -> Capture> {
    match name {
        "lab1" => Some(lab1),
        "lab2" => Some(lab2),
        "lab3" => Some(lab3),
        "lab4" => Some(lab4),
        _ => None,
    }
}

fn capture(tap: &mut Tap, connection: u64, server_port: u16) -> Capture {
    let lines = tap
        .events_until_closed(connection)
        .iter()
        .map(|line| plain(line))
        .collect();
    Capture { lines, server_port }
}

// ---------------------------------------------------------------------------
// The checks.

#[test]
fn lab1s_transcript_is_what_the_tap_shows() {
    check("lab1");
}

#[test]
fn lab2s_transcript_is_what_the_tap_shows() {
    check("lab2");
}

#[test]
fn lab3s_transcript_is_what_the_tap_shows() {
    check("lab3");
}

#[test]
fn lab4s_transcript_is_what_the_tap_shows() {
    check("lab4");
}

#[test]
fn every_transcript_has_a_scenario_and_is_the_same_in_both_languages() {
    let mut by_name: BTreeMap<String, Vec<Transcript>> = BTreeMap::new();
    for transcript in transcripts() {
        by_name
            .entry(transcript.name.clone())
            .or_default()
            .push(transcript);
    }
    for (name, transcripts) in &by_name {
        assert!(
            scenario(name).is_some(),
            "{}: no scenario named {name:?} in tap/tests/walkthroughs.rs",
            transcripts[0].doc.display()
        );
        let languages: Vec<String> = transcripts.iter().map(|t| t.language()).collect();
        assert!(
            languages.contains(&"en".to_string()) && languages.contains(&"es".to_string()),
            "the transcript {name:?} is in {languages:?}: it belongs in docs/en and docs/es"
        );
        for other in &transcripts[1..] {
            assert!(
                other.lines == transcripts[0].lines,
                "the transcript {name:?} differs between {} and {}: capture them again \
                 (cargo test -p sockets-lab-tap --test walkthroughs -- --ignored)",
                transcripts[0].doc.display(),
                other.doc.display()
            );
        }
    }
}

/// Plays scenario `name` and compares it with its transcripts in the docs.
#[track_caller]
fn check(name: &str) {
    let documented: Vec<Transcript> = transcripts()
        .into_iter()
        .filter(|t| t.name == name)
        .collect();
    assert!(
        !documented.is_empty(),
        "no walkthrough has a `{MARKER}{name} -->` block"
    );
    let captured = scenario(name).expect("a scenario")();
    let played = tracks(&captured.lines);
    for transcript in &documented {
        let shown = tracks(&transcript.lines);
        assert!(
            shown == played,
            "{}: the tap transcript {name:?} is not what the tap shows now (times and ports \
             aside, each direction on its own).\nIn the walkthrough:\n{}\nPlayed now:\n{}\n\
             If the programs changed on purpose, capture the transcripts again: \
             cargo test -p sockets-lab-tap --test walkthroughs -- --ignored",
            transcript.doc.display(),
            show_tracks(&shown),
            show_tracks(&played)
        );
    }
}

#[test]
#[ignore = "rewrites the walkthroughs: run it on purpose, after a change to what a program sends"]
fn capture_the_transcripts_again() {
    let mut captures = BTreeMap::new();
    for transcript in transcripts() {
        let capture = captures
            .entry(transcript.name.clone())
            .or_insert_with(|| scenario(&transcript.name).expect("a scenario")());
        let text = fs::read_to_string(&transcript.doc).unwrap();
        let old = transcript.lines.join("\n");
        let port = format!(":{}", capture.server_port);
        let new: Vec<String> = capture
            .lines
            .iter()
            .map(|line| line.replace(&port, &format!(":{DOCS_SERVER_PORT}")))
            .collect();
        let marker = format!("{MARKER}{} -->\n```text\n", transcript.name);
        let text = text.replacen(
            &format!("{marker}{old}\n```"),
            &format!("{marker}{}\n```", new.join("\n")),
            1,
        );
        fs::write(&transcript.doc, text).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Reading the transcripts, and comparing them.

struct Transcript {
    doc: PathBuf,
    name: String,
    lines: Vec<String>,
}

impl Transcript {
    fn language(&self) -> String {
        let folder = self.doc.parent().and_then(Path::file_name);
        folder.map_or(String::new(), |f| f.to_string_lossy().into_owned())
    }
}

/// Every marked block of docs/en and docs/es.
fn transcripts() -> Vec<Transcript> {
    let mut found = Vec::new();
    for language in ["en", "es"] {
        let folder = Path::new(KIT).join("docs").join(language);
        let mut docs: Vec<PathBuf> = fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("could not list {}: {e}", folder.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "md"))
            .collect();
        docs.sort();
        for doc in docs {
            let text = fs::read_to_string(&doc).unwrap();
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                let Some(name) = line
                    .trim()
                    .strip_prefix(MARKER)
                    .and_then(|rest| rest.strip_suffix(" -->"))
                else {
                    continue;
                };
                assert_eq!(
                    lines.next(),
                    Some("```text"),
                    "{}: a tap transcript marker must be followed by a ```text block",
                    doc.display()
                );
                let block = lines
                    .by_ref()
                    .take_while(|l| !l.starts_with("```"))
                    .map(String::from)
                    .collect();
                found.push(Transcript {
                    doc: doc.clone(),
                    name: name.to_string(),
                    lines: block,
                });
            }
        }
    }
    found
}

/// For each connection and track (its own events, then each direction),
/// the events in order, without times and port numbers.
fn tracks(lines: &[String]) -> BTreeMap<(String, &'static str), Vec<String>> {
    let mut tracks: BTreeMap<(String, &'static str), Vec<String>> = BTreeMap::new();
    for line in lines {
        // "#1   0.101s  client -> server  read 5 bytes: ..."
        let (connection, rest) = line.split_once(' ').unwrap_or((line, ""));
        let what = rest.trim_start().split_once("s  ").map_or(rest, |(_, w)| w);
        let track = ["client -> server", "server -> client"]
            .into_iter()
            .find(|way| what.starts_with(way))
            .unwrap_or("the connection");
        tracks
            .entry((connection.to_string(), track))
            .or_default()
            .push(without_ports(what));
    }
    tracks
}

/// `127.0.0.1:50312` -> `127.0.0.1:PORT`.
fn without_ports(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let after_address = i > 0 && chars[i - 1].is_ascii_digit();
        if chars[i] == ':' && after_address && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            out.push_str(":PORT");
            i += 1;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn show_tracks(tracks: &BTreeMap<(String, &'static str), Vec<String>>) -> String {
    let mut shown = String::new();
    for ((connection, track), events) in tracks {
        shown.push_str(&format!("  {connection}, {track}:\n"));
        for event in events {
            shown.push_str(&format!("    {event}\n"));
        }
    }
    shown
}

// ---------------------------------------------------------------------------
// The kit's reference programs.

/// The path of the kit's binary `name`, built once for all the scenarios
/// (with the solutions feature; already fresh after the workspace's tests
/// are built).
fn kit(name: &str) -> PathBuf {
    static BUILT: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(build_the_kit);
    built
        .get(name)
        .unwrap_or_else(|| panic!("cargo built no binary named {name}"))
        .clone()
}

fn build_the_kit() -> BTreeMap<String, PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .current_dir(KIT)
        .args(["build", "--quiet", "--features", "solutions"])
        .arg("--message-format=json-render-diagnostics");
    for lab in 1..=4 {
        for program in ["server", "client"] {
            command.args(["--bin", &format!("lab{lab}_{program}_sol")]);
        }
    }
    let output = command.output().expect("could not run cargo");
    assert!(
        output.status.success(),
        "could not build the kit's reference programs:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // One JSON message a line; a built binary's has "executable":"PATH".
    let mut built = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Some((_, rest)) = line.split_once("\"executable\":\"") else {
            continue;
        };
        let Some((path, _)) = rest.split_once('"') else {
            continue;
        };
        let path = PathBuf::from(path.replace("\\\\", "\\"));
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        built.insert(name, path);
    }
    built
}
