//! The tap keeps the kit's conventions: `listening on IP:PORT` first on
//! stderr, `--listen 0` for a free port, loopback by default, failures in
//! one line that names the address, and each read shown with its size and
//! its bytes, coloured only where colour shows.
//! Run: `cargo test -p sockets-lab-tap`.

mod support;

use std::net::TcpListener;
use std::process::{Command, Output};

use support::peer::{End, Peer, Server};
use support::tap::{Tap, path, what};

/// The tap run to its end (for failures at start and --help), with
/// backtraces asked for: an ordinary error must not print one.
fn run_tap(args: &[&str]) -> Output {
    Command::new(path())
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .output()
        .expect("run the tap")
}

#[track_caller]
fn expect_one_line_error_naming(output: &Output, address: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.starts_with("error: ")
            && stderr.contains(address)
            && stderr.lines().count() == 1
            && !stderr.contains("panicked")
            && !stderr.to_lowercase().contains("backtrace"),
        "expected a non-zero exit and one line `error: ...` naming {address}, got {} and:\n{stderr}",
        output.status
    );
}

#[test]
fn announces_the_loopback_port_it_actually_bound() {
    let server = Server::start();
    let tap = Tap::start(server.addr, &[]);
    assert!(
        tap.addr.ip().is_loopback() && tap.addr.port() != 0,
        "listening on {}",
        tap.addr
    );
}

#[test]
fn reports_a_port_in_use() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = taken.local_addr().unwrap().port().to_string();
    let output = run_tap(&["--listen", &port]);
    expect_one_line_error_naming(&output, &format!("127.0.0.1:{port}"));
}

#[test]
fn reports_a_server_address_it_cannot_resolve() {
    let output = run_tap(&["--listen", "0", "--to", "no-such-host.invalid:6667"]);
    expect_one_line_error_naming(&output, "no-such-host.invalid:6667");
}

#[test]
fn answers_help_and_version() {
    let help = run_tap(&["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for option in ["--listen", "--to", "--split", "--delay", "--reset-after"] {
        assert!(
            help.status.success() && text.contains(option),
            "--help should list {option}:\n{text}"
        );
    }
    assert!(run_tap(&["--version"]).status.success());
}

#[test]
fn refuses_a_delay_without_a_split() {
    // --delay paces the chunks of --split: alone it would do nothing.
    let output = run_tap(&["--listen", "0", "--delay", "100"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("--split"),
        "expected --delay alone to be refused, naming --split; got {} and:\n{stderr}",
        output.status
    );
}

#[test]
fn resets_the_client_when_the_server_cannot_be_reached_and_goes_on() {
    // A port where nothing listens: bound, then closed.
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let mut tap = Tap::start(refused, &[]);
    let mut client = Peer::connect(tap.addr);
    assert_eq!(
        client.read_to_end().end,
        End::Reset,
        "the client should be reset"
    );
    let error = tap.program.next_stderr_line(); // after `forwarding ...`
    let error = match error.starts_with("forwarding") {
        true => tap.program.next_stderr_line(),
        false => error,
    };
    assert!(
        error.starts_with("error: ") && error.contains(&refused.to_string()),
        "expected an error naming {refused} on stderr, got {error:?}"
    );
    // ...and the tap still accepts the next client.
    let mut next = Peer::connect(tap.addr);
    assert_eq!(next.read_to_end().end, End::Reset);
}

#[test]
fn shows_each_read_with_its_size_and_its_bytes_escaped() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &[]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send("¿sí?\r\n\x00\x7f\"\\".as_bytes());
    upstream.expect_bytes("¿sí?\r\n\x00\x7f\"\\".as_bytes());
    client.send(b"\xff\xfe");
    upstream.expect_bytes(b"\xff\xfe");
    client.shutdown_write();
    upstream.shutdown_write();
    let events: Vec<String> = tap
        .events_until_closed(1)
        .iter()
        .map(|line| what(line).to_string())
        .collect();
    for expected in [
        r#"client -> server  read 12 bytes: "¿sí?\r\n\x00\x7f\"\\""#,
        r#"client -> server  read 2 bytes: "\xff\xfe""#,
    ] {
        assert!(
            events.iter().any(|event| event == expected),
            "expected the event {expected:?}, the tap printed:\n{}",
            events.join("\n")
        );
    }
}

/// The events of one short exchange, with the tap's environment `env`.
fn events_with_env(env: &[(&str, &str)]) -> String {
    let server = Server::start();
    let mut tap = Tap::start_with_env(server.addr, &[], env);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send(b"hola\n");
    upstream.expect_bytes(b"hola\n");
    upstream.send(b"hola\n");
    client.expect_bytes(b"hola\n");
    client.shutdown_write();
    upstream.shutdown_write();
    tap.events_until_closed(1).join("\n")
}

#[test]
fn prints_no_colour_when_stdout_is_not_a_terminal() {
    let events = events_with_env(&[]);
    assert!(
        !events.contains('\x1b'),
        "expected no escape codes on a pipe, got:\n{events:?}"
    );
}

#[test]
fn colours_each_direction_where_colour_is_asked_for() {
    // CLICOLOR_FORCE stands for a terminal here: the test's stdout is a pipe.
    let events = events_with_env(&[("CLICOLOR_FORCE", "1")]);
    assert!(
        events.contains("\x1b[36m#1") && events.contains("\x1b[35m#1"),
        "expected the two directions in two colours, got:\n{events:?}"
    );
}

#[test]
fn prints_no_colour_with_no_color_set() {
    let events = events_with_env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(
        !events.contains('\x1b'),
        "expected no escape codes with NO_COLOR, got:\n{events:?}"
    );
}
