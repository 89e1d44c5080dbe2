//! What the tap does to a connection: every byte forwarded unchanged in both
//! directions whatever the options, `--split` and `--delay` shaping the
//! writes as promised, a FIN forwarded as a half-close and a reset as a
//! reset, and `--reset-after` resetting both sides.
//! Run: `cargo test -p sockets-lab-tap`.

mod support;

use std::thread;

use support::peer::{End, Peer, Received, Server};
use support::tap::{Tap, what};

/// `n` bytes that go through every byte value, in an order that a lost,
/// doubled or swapped chunk would break.
fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(seed ^ (i / 256) as u8)
        })
        .collect()
}

/// Both sides send `size` bytes at once, then half-close; each must
/// receive exactly what the other sent, then the end of the stream.
#[track_caller]
fn forwards_unchanged(options: &[&str], size: usize) {
    let server = Server::start();
    let tap = Tap::start(server.addr, options);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    let (up, down) = (pattern(size, 1), pattern(size, 2));

    let mut client_sender = client.clone_for_sending();
    let mut server_sender = upstream.clone_for_sending();
    let sent_up = up.clone();
    let sending_up = thread::spawn(move || {
        client_sender.send(&sent_up);
        client_sender.shutdown_write();
    });
    let sent_down = down.clone();
    let sending_down = thread::spawn(move || {
        server_sender.send(&sent_down);
        server_sender.shutdown_write();
    });
    let receiving_down = thread::spawn(move || client.read_to_end());
    let got_up = upstream.read_to_end();
    let got_down = receiving_down.join().expect("the client's reader");
    sending_up.join().expect("the client's sender");
    sending_down.join().expect("the server's sender");

    expect_same("the server", "the client", options, &up, &got_up);
    expect_same("the client", "the server", options, &down, &got_down);
}

#[track_caller]
fn expect_same(receiver: &str, sender: &str, options: &[&str], sent: &[u8], got: &Received) {
    let first_difference = sent.iter().zip(&got.bytes).position(|(a, b)| a != b);
    assert!(
        got.bytes == sent && got.end == End::Fin,
        "with tap {options:?}: {receiver} should get the {} bytes {sender} sent, then the end of \
         the stream; it got {} bytes (first difference at byte {:?}), then {:?}",
        sent.len(),
        got.bytes.len(),
        first_difference,
        got.end
    );
}

#[test]
fn forwards_every_byte_unchanged_in_both_directions() {
    forwards_unchanged(&[], 200_000);
}

#[test]
fn forwards_every_byte_unchanged_split_into_single_bytes() {
    forwards_unchanged(&["--split", "1"], 5_000);
}

#[test]
fn forwards_every_byte_unchanged_split_and_paced() {
    forwards_unchanged(&["--split", "997", "--delay", "1"], 50_000);
}

#[test]
fn forwards_every_byte_unchanged_before_the_reset_is_due() {
    forwards_unchanged(&["--reset-after", "1000000", "--split", "4096"], 100_000);
}

/// The times of a direction's writes, in seconds, from its `sent` events.
fn times_of_sends(events: &[String], way: &str) -> Vec<f64> {
    events
        .iter()
        .filter(|line| what(line).starts_with(&format!("{way}    sent")))
        .map(|line| {
            let time = line.split_whitespace().nth(1).expect("a time");
            time.trim_end_matches('s').parse().expect("seconds")
        })
        .collect()
}

/// The `sent` events of a direction: what each write carried.
fn sends(events: &[String], way: &str) -> Vec<String> {
    events
        .iter()
        .map(|line| what(line))
        .filter_map(|what| what.strip_prefix(&format!("{way}    sent ")))
        .map(str::to_string)
        .collect()
}

#[test]
fn split_forwards_a_read_as_writes_of_at_most_n_bytes() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &["--split", "3"]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send(b"hola mundo\n");
    upstream.expect_bytes(b"hola mundo\n");
    client.shutdown_write();
    upstream.shutdown_write();
    let events = tap.events_until_closed(1);
    assert_eq!(
        sends(&events, "client -> server"),
        [
            "3 bytes: \"hol\"",
            "3 bytes: \"a m\"",
            "3 bytes: \"und\"",
            "2 bytes: \"o\\n\""
        ],
        "one read of 11 bytes, forwarded with --split 3; the tap printed:\n{}",
        events.join("\n")
    );
}

#[test]
fn split_cuts_what_the_server_sends_too() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &["--split", "4"]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    upstream.send(b"que tal\n");
    client.expect_bytes(b"que tal\n");
    client.shutdown_write();
    upstream.shutdown_write();
    let events = tap.events_until_closed(1);
    assert_eq!(
        sends(&events, "server -> client"),
        ["4 bytes: \"que \"", "4 bytes: \"tal\\n\""],
        "one read of 8 bytes, forwarded with --split 4; the tap printed:\n{}",
        events.join("\n")
    );
}

#[test]
fn delay_waits_between_the_chunks_of_a_read() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &["--split", "2", "--delay", "100"]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send(b"adios\n");
    client.shutdown_write();
    let got = upstream.read_to_end();
    assert_eq!(got.bytes, b"adios\n", "the server should get every byte");
    upstream.shutdown_write();
    let events = tap.events_until_closed(1);
    let times = times_of_sends(&events, "client -> server");
    // 3 writes, at least 100 ms apart (the times are printed to the ms)
    let apart = times.windows(2).all(|pair| pair[1] - pair[0] >= 0.099);
    assert!(
        times.len() == 3 && apart,
        "expected 3 writes of 2 bytes at least 100 ms apart, the tap printed:\n{}",
        events.join("\n")
    );
    // ...and they reached the server apart too (its clock, not the tap's)
    let spread = got.last.unwrap() - got.first.unwrap();
    assert!(
        spread.as_millis() >= 150,
        "the server got the first and the last bytes {spread:?} apart, expected about 200 ms"
    );
}

#[test]
fn forwards_the_clients_fin_as_a_half_close() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &[]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send(b"adios\n");
    client.shutdown_write();
    let got = upstream.read_to_end();
    assert!(
        got.bytes == b"adios\n" && got.end == End::Fin,
        "the server should read adios then the end of the stream, got {:?} then {:?}",
        String::from_utf8_lossy(&got.bytes),
        got.end
    );
    // Half-closed, not closed: the server can still answer.
    upstream.send(b"hasta luego\n");
    client.expect_bytes(b"hasta luego\n");
    upstream.shutdown_write();
    let events = tap.events_until_closed(1);
    assert!(
        events
            .iter()
            .any(|line| what(line).starts_with("client -> server  FIN")),
        "expected the tap to show the client's FIN, it printed:\n{}",
        events.join("\n")
    );
}

#[test]
fn forwards_the_servers_fin_as_a_half_close() {
    let server = Server::start();
    let tap = Tap::start(server.addr, &[]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    upstream.send(b"adios\n");
    upstream.shutdown_write();
    let got = client.read_to_end();
    assert!(
        got.bytes == b"adios\n" && got.end == End::Fin,
        "the client should read adios then the end of the stream, got {:?} then {:?}",
        String::from_utf8_lossy(&got.bytes),
        got.end
    );
    client.send(b"ya me voy\n");
    upstream.expect_bytes(b"ya me voy\n");
}

#[test]
fn forwards_a_reset_from_the_client_as_a_reset() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &[]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send(b"hola\n");
    upstream.expect_bytes(b"hola\n");
    client.reset();
    let got = upstream.read_to_end();
    assert_eq!(
        got.end,
        End::Reset,
        "the server should see a reset, not the end of the stream"
    );
    let events = tap.events_until_closed(1);
    assert!(
        events.iter().any(|line| what(line)
            == "client -> server  RST: the client reset the connection; resetting the server"),
        "expected the tap to show the client's reset, it printed:\n{}",
        events.join("\n")
    );
}

#[test]
fn forwards_a_reset_from_the_server_as_a_reset() {
    let server = Server::start();
    let tap = Tap::start(server.addr, &[]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    upstream.send(b"hola\n");
    client.expect_bytes(b"hola\n");
    upstream.reset();
    let got = client.read_to_end();
    assert_eq!(
        got.end,
        End::Reset,
        "the client should see a reset, not the end of the stream"
    );
}

#[test]
fn reset_after_resets_both_sides_once_that_many_bytes_are_forwarded() {
    let server = Server::start();
    let mut tap = Tap::start(server.addr, &["--reset-after", "10"]);
    let mut client = Peer::connect(tap.addr);
    let mut upstream = server.accept();
    client.send(b"hola!\n");
    upstream.expect_bytes(b"hola!\n");
    // 6 bytes are through: 4 more may pass, then both sides are reset
    upstream.send(b"abcdef\n");
    let got = client.read_to_end();
    assert!(
        b"abcd".starts_with(&got.bytes) && got.end == End::Reset,
        "the client should get at most \"abcd\" then a reset, got {:?} then {:?}",
        String::from_utf8_lossy(&got.bytes),
        got.end
    );
    assert_eq!(
        upstream.read_to_end().end,
        End::Reset,
        "the server should see a reset too"
    );
    let events = tap.events_until_closed(1);
    assert!(
        events
            .iter()
            .any(|line| what(line) == "--reset-after 10: 10 bytes forwarded, resetting both sides"),
        "expected the tap to say why it reset, it printed:\n{}",
        events.join("\n")
    );
}
