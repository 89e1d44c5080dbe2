//! Lab 4: a chat room with many clients, and its client.
//! What is graded: the contract (docs/en/contract.md, docs/es/contract.md), "Common to every binary" and "Lab 4".
//! Run: `cargo test --test lab4` (your labs/), or with `--features solutions`.
//!
//! Every address in a relayed line is the sender's as the server sees it:
//! the test's end of that connection, `Peer::local_addr()`.

mod support;

use std::collections::BTreeSet;
use std::net::TcpListener;

use support::{
    FakeServer, Peer, Server, expect_help_and_version, expect_port_in_use_error,
    expect_refused_connection_error, lab, quote, set_difference,
};

// ---------------------------------------------------------------------------
// lab4_server: the room

#[test]
fn server_announces_the_port_it_actually_bound() {
    // Server::start reads `listening on IP:PORT` and rejects port 0.
    let server = Server::start(lab!("lab4_server"));
    assert!(
        server.addr.ip().is_loopback(),
        "listening on {}",
        server.addr
    );
}

#[test]
fn server_relays_a_line_to_every_other_client_and_not_to_the_sender() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea, mut cid] = room(&server);

    ana.send_line("hola");
    bea.expect_line(&format!("[{}] hola", ana.local_addr()));
    cid.expect_line(&format!("[{}] hola", ana.local_addr()));
    // Sent after Ana's line was relayed: if Ana got her own line back, it
    // comes first.
    bea.send_line("que tal");
    ana.expect_line(&format!("[{}] que tal", bea.local_addr()));
    cid.expect_line(&format!("[{}] que tal", bea.local_addr()));
}

#[test]
fn server_tells_the_others_when_a_client_joins() {
    let server = Server::start(lab!("lab4_server"));
    let mut ana = server.connect();
    let mut bea = server.connect();
    ana.expect_line(&format!("* {} joined", bea.local_addr()));
    // Bea is told nothing about herself: her first line is Ana's.
    ana.send_line("bienvenida");
    bea.expect_line(&format!("[{}] bienvenida", ana.local_addr()));
}

#[test]
fn server_tells_the_others_when_a_client_leaves() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea, cid] = room(&server);
    let cid_addr = cid.local_addr();
    drop(cid);
    ana.expect_line(&format!("* {cid_addr} left"));
    bea.expect_line(&format!("* {cid_addr} left"));
}

#[test]
fn server_answers_a_clients_adios_closes_it_and_tells_the_others() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    ana.send_line("adios");
    ana.expect_line("adios");
    ana.expect_closed();
    // The goodbye itself is not relayed: Bea hears only that Ana left.
    bea.expect_line(&format!("* {} left", ana.local_addr()));
}

#[test]
fn server_takes_adios_in_any_case_with_spaces_and_an_accent() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    ana.send(" Adiós \r\n".as_bytes());
    ana.expect_line("adios");
    ana.expect_closed();
    bea.expect_line(&format!("* {} left", ana.local_addr()));
}

#[test]
fn server_sends_the_operators_lines_to_every_client() {
    let mut server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    server.type_line("bienvenidas");
    ana.expect_line("[server] bienvenidas");
    bea.expect_line("[server] bienvenidas");
}

#[test]
fn server_prints_every_relayed_line_on_its_stdout() {
    let mut server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    ana.send_line("hola");
    bea.expect_line(&format!("[{}] hola", ana.local_addr()));
    bea.send_line("que tal");
    ana.expect_line(&format!("[{}] que tal", bea.local_addr()));

    expect_on_stdout(&mut server, &format!("[{}] hola", ana.local_addr()));
    expect_on_stdout(&mut server, &format!("[{}] que tal", bea.local_addr()));
}

#[test]
fn server_delivers_every_pending_line_then_adios_when_the_operator_says_adios() {
    let mut server = Server::start(lab!("lab4_server"));
    let mut ana = server.connect();
    // Bea reads nothing until the end: her lines pile up in the server.
    let mut bea = server.connect_with_small_buffer();
    ana.expect_line(&format!("* {} joined", bea.local_addr()));
    let mut carl = server.connect();
    ana.expect_line(&format!("* {} joined", carl.local_addr()));

    // More than Bea's buffers hold: most of it waits in the server.
    let lines: Vec<String> = (0..100)
        .map(|i| format!("{i:03} {}", "x".repeat(10_000)))
        .collect();
    for line in &lines {
        ana.send_line(line);
    }
    // Relayed before the goodbye: Carl, who reads, has received them all.
    for line in &lines {
        carl.expect_line(&format!("[{}] {line}", ana.local_addr()));
    }
    server.type_line("adios");

    bea.expect_line(&format!("* {} joined", carl.local_addr()));
    for line in &lines {
        expect_line_besides(&mut bea, &format!("[{}] {line}", ana.local_addr()), None);
    }
    bea.expect_line("adios");
    bea.expect_closed();
}

#[test]
fn server_closes_every_connection_and_exits_0_when_the_operator_says_adios() {
    let mut server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea, mut cid] = room(&server);
    server.type_line("adios");
    for peer in [&mut ana, &mut bea, &mut cid] {
        peer.expect_line("adios");
        peer.expect_closed();
    }
    server.expect_success("once the operator typed adios");
}

#[test]
fn server_frees_its_port_when_it_exits_after_adios() {
    let mut server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    ana.send_line("hola");
    bea.expect_line(&format!("[{}] hola", ana.local_addr()));
    server.type_line("adios");
    server.expect_success("once the operator typed adios");
    if let Err(e) = TcpListener::bind(server.addr) {
        panic!(
            "expected port {} to be free once lab4_server exited, binding it failed: {e}",
            server.addr.port()
        );
    }
}

#[test]
fn server_keeps_serving_when_its_stdin_ends() {
    let mut server = Server::start(lab!("lab4_server"));
    server.close_stdin();
    let [mut ana, mut bea] = room(&server);
    ana.send_line("sigues ahi?");
    bea.expect_line(&format!("[{}] sigues ahi?", ana.local_addr()));
    bea.send_line("si");
    ana.expect_line(&format!("[{}] si", bea.local_addr()));
    server.expect_running();
}

#[test]
fn server_survives_a_client_that_resets_and_tells_the_others_it_left() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea, mut rude] = room(&server);
    let rude_addr = rude.local_addr();
    rude.send(b"a line cut in the mid");
    rude.reset();
    ana.expect_line(&format!("* {rude_addr} left"));
    bea.expect_line(&format!("* {rude_addr} left"));

    ana.send_line("seguimos");
    bea.expect_line(&format!("[{}] seguimos", ana.local_addr()));
}

#[test]
fn server_relays_bytes_that_are_not_utf8_lossily_and_goes_on() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    ana.send(b"caf\xe9 \xff\xfe hola\n");
    let line = bea.read_line();
    let tag = format!("[{}] caf", ana.local_addr());
    assert!(
        line.starts_with(&tag) && line.ends_with(" hola") && line.contains('\u{FFFD}'),
        "expected Bea to receive {tag}\u{FFFD} \u{FFFD}\u{FFFD} hola (invalid bytes shown as U+FFFD), got {line:?}"
    );
    ana.send_line("sigo aqui");
    bea.expect_line(&format!("[{}] sigo aqui", ana.local_addr()));
}

#[test]
fn server_relays_a_long_line_within_the_limit() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea] = room(&server);
    let long = "x".repeat(60_000);
    ana.send_line(&long);
    bea.expect_line(&format!("[{}] {long}", ana.local_addr()));
}

#[test]
fn server_answers_a_too_long_line_with_an_error_and_closes_only_that_client() {
    let server = Server::start(lab!("lab4_server"));
    let [mut ana, mut bea, mut cid] = room(&server);
    ana.send_line(&"x".repeat(70_000));
    ana.expect_line("error: line too long");
    ana.expect_closed();
    // Nothing of the long line is relayed: the others hear only that Ana left.
    bea.expect_line(&format!("* {} left", ana.local_addr()));
    cid.expect_line(&format!("* {} left", ana.local_addr()));

    bea.send_line("seguimos");
    cid.expect_line(&format!("[{}] seguimos", bea.local_addr()));
}

#[test]
fn server_does_not_let_a_client_that_never_reads_stall_the_others() {
    let server = Server::start(lab!("lab4_server"));
    let mut ana = server.connect();
    let mut bea = server.connect();
    ana.expect_line(&format!("* {} joined", bea.local_addr()));
    let idle = server.connect_with_small_buffer();
    ana.expect_line(&format!("* {} joined", idle.local_addr()));
    bea.expect_line(&format!("* {} joined", idle.local_addr()));
    // The server may drop the idle client once its buffers are full: then
    // Ana and Bea are told it left, which the test lets pass.
    let idle_left = format!("* {} left", idle.local_addr());

    // Far more than the idle client's buffers hold: a server that writes to
    // it while holding the room's lock stops relaying here.
    let big = "y".repeat(20_000);
    for i in 0..50 {
        ana.send_line(&format!("{i:02} {big}"));
    }
    for i in 0..50 {
        let expected = format!("[{}] {i:02} {big}", ana.local_addr());
        expect_line_besides(&mut bea, &expected, Some(&idle_left));
    }
    bea.send_line("sigues ahi?");
    let expected = format!("[{}] sigues ahi?", bea.local_addr());
    expect_line_besides(&mut ana, &expected, Some(&idle_left));
    drop(idle);
}

#[test]
fn server_relays_every_line_of_fifty_clients_to_every_other_client() {
    let server = Server::start(lab!("lab4_server"));
    let mut peers = join_room(&server, 50);
    for (i, peer) in peers.iter_mut().enumerate() {
        peer.send_line(&format!("soy {i}"));
    }
    let lines: Vec<String> = peers
        .iter()
        .enumerate()
        .map(|(i, peer)| format!("[{}] soy {i}", peer.local_addr()))
        .collect();
    for (i, peer) in peers.iter_mut().enumerate() {
        let expected: BTreeSet<String> = (0..lines.len())
            .filter(|&j| j != i)
            .map(|j| lines[j].clone())
            .collect();
        // The others' lines may come in any order.
        let got: BTreeSet<String> = (0..expected.len()).map(|_| peer.read_line()).collect();
        assert!(
            got == expected,
            "expected client {i} of 50 to receive each other client's line once, got {}",
            set_difference(&expected, &got)
        );
    }
}

#[test]
fn server_reports_a_port_in_use() {
    expect_port_in_use_error(lab!("lab4_server"));
}

#[test]
fn server_answers_help_and_version() {
    expect_help_and_version(lab!("lab4_server"));
}

// ---------------------------------------------------------------------------
// lab4_client, against a fake room written here

#[test]
fn client_prints_every_line_the_room_sends() {
    let fake = FakeServer::start();
    let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
    let mut room_side = fake.accept(&client);
    // Its user types nothing: the lines are printed all the same.
    for line in [
        "* 10.0.0.7:4242 joined",
        "[10.0.0.7:4242] hola",
        "[server] ¿qué tal?",
    ] {
        room_side.send_line(line);
        client.expect_line(line);
    }
}

#[test]
fn client_sends_each_typed_line() {
    let fake = FakeServer::start();
    let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
    let mut room_side = fake.accept(&client);
    for line in ["hola", "que tal", "¿sí?"] {
        client.type_line(line);
        room_side.expect_line(line);
    }
}

#[test]
fn client_prints_adios_and_exits_0_when_the_server_says_adios() {
    let fake = FakeServer::start();
    let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
    let mut room_side = fake.accept(&client);
    room_side.send_line("[server] cerramos");
    room_side.send_line("adios");
    client.expect_line("[server] cerramos");
    client.expect_line("adios");
    // Its user typed nothing, and the fake room keeps the connection open.
    room_side.expect_closed();
    client.expect_success("once the server said adios");
}

#[test]
fn client_exits_0_when_the_server_closes() {
    let fake = FakeServer::start();
    let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
    let mut room_side = fake.accept(&client);
    room_side.send_line("[server] me voy");
    client.expect_line("[server] me voy");
    drop(room_side);
    client.expect_no_more_output();
    client.expect_success("once the server closed the connection");
}

#[test]
fn client_says_adios_and_prints_what_arrives_until_the_servers_adios() {
    let fake = FakeServer::start();
    let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
    let mut room_side = fake.accept(&client);
    client.type_line("adios");
    room_side.expect_line("adios");
    room_side.send_line("[10.0.0.7:4242] espera");
    room_side.send_line("adios");
    client.expect_line("[10.0.0.7:4242] espera");
    client.expect_line("adios");
    client.expect_success("once the server answered its adios");
}

#[test]
fn client_says_adios_at_the_end_of_its_input() {
    let fake = FakeServer::start();
    let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
    let mut room_side = fake.accept(&client);
    client.type_line("hola");
    client.close_stdin();
    room_side.expect_line("hola");
    room_side.expect_line("adios");
    room_side.send_line("adios");
    client.expect_line("adios");
    client.expect_success("once the server answered its adios");
}

#[test]
fn client_reports_a_refused_connection() {
    expect_refused_connection_error(lab!("lab4_client"));
}

#[test]
fn client_answers_help_and_version() {
    expect_help_and_version(lab!("lab4_client"));
}

// ---------------------------------------------------------------------------
// Helpers that speak the room's protocol

/// `N` clients in the room, each one connected once every earlier one was
/// told it joined: from then on each of them receives the room's lines.
fn room<const N: usize>(server: &Server) -> [Peer; N] {
    join_room(server, N)
        .try_into()
        .unwrap_or_else(|_| unreachable!("join_room returns N peers"))
}

fn join_room(server: &Server, n: usize) -> Vec<Peer> {
    let mut peers: Vec<Peer> = Vec::with_capacity(n);
    for _ in 0..n {
        let newcomer = server.connect();
        let joined = format!("* {} joined", newcomer.local_addr());
        for peer in &mut peers {
            peer.expect_line(&joined);
        }
        peers.push(newcomer);
    }
    peers
}

/// The next line on the server's stdout, besides notices of who joined or
/// left (the contract calls those status, but lets them pass here), must be
/// `expected`.
fn expect_on_stdout(server: &mut Server, expected: &str) {
    loop {
        let line = server.read_line();
        if line.starts_with("* ") {
            continue;
        }
        assert_eq!(
            line,
            expected,
            "expected {expected:?} on lab4_server's stdout, got {line:?}\n{}",
            server.stderr()
        );
        return;
    }
}

/// The next line `peer` receives, besides `allowed` (which may come or
/// not), must be `expected`. For long lines: a failure shows their start.
fn expect_line_besides(peer: &mut Peer, expected: &str, allowed: Option<&str>) {
    let mut line = peer.read_line();
    if Some(line.as_str()) == allowed {
        line = peer.read_line();
    }
    assert!(
        line == expected,
        "expected the line {} from lab4_server, got {}",
        quote(expected.as_bytes()),
        quote(line.as_bytes())
    );
}
