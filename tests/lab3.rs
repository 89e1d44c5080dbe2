//! Lab 3: a threaded full-duplex chat.
//! What is graded: the contract (docs/en/contract.md, docs/es/contract.md), "Common to every binary" and "Lab 3".
//! Run: `cargo test --test lab3` (your labs/), or with `--features solutions`.
//!
//! Once connected, the server and the client must behave the same, so most
//! behaviours are written once below (`fn behaviour(side, peer)`) and graded
//! twice: the server with a raw peer connected to it, the client against a
//! fake server. Each program is graded on its own, so a broken server never
//! fails a good client, nor the other way round. A few tests at the end run
//! the real pair together.

mod support;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::Duration;

use support::{
    FakeServer, Peer, Running, Server, expect_help_and_version, expect_port_in_use_error,
    expect_refused_connection_error, expect_to_listen_on_loopback, lab, text,
};

/// The server under test, with a raw peer written here connected to it.
fn server_in_a_chat() -> (Server, Peer) {
    let server = Server::start(lab!("lab3_server"));
    let peer = server.connect();
    (server, peer)
}

/// The client under test, connected to a fake server written here.
fn client_in_a_chat() -> (Running, Peer) {
    let fake = FakeServer::start();
    let client = lab!("lab3_client").spawn(&["--port", &fake.port()]);
    let peer = fake.accept(&client);
    (client, peer)
}

/// What a side says on stderr when its peer leaves without goodbye.
fn its_peer_left() -> String {
    text!(en: "its peer left", es: "el otro lado se fue")
}

/// How long a side that said goodbye is watched before its peer speaks
/// again: it must still be there, printing what arrives.
const AFTER_GOODBYE: Duration = Duration::from_secs(1);

/// The contract's goodbye word, as the tests recognise it.
fn is_goodbye(line: &str) -> bool {
    let word = line.trim();
    word.eq_ignore_ascii_case("adios") || word.eq_ignore_ascii_case("adiós")
}

// ---------------------------------------------------------------------------
// Behaviours of both programs, once the conversation has started

/// Full duplex: what arrives shows at once, while the user types nothing.
fn prints_lines_while_its_user_types_nothing(side: &mut Running, mut peer: Peer) {
    for line in ["hola", "¿me oyes?", "te escribo tres veces seguidas"] {
        peer.send_line(line);
    }
    side.expect_line("hola");
    side.expect_line("¿me oyes?");
    side.expect_line("te escribo tres veces seguidas");
}

/// Full duplex: what the user types goes out at once, while the peer is silent.
fn sends_lines_while_the_peer_says_nothing(side: &mut Running, mut peer: Peer) {
    for line in ["hola", "¿me oyes?", "te escribo tres veces seguidas"] {
        side.type_line(line);
    }
    peer.expect_line("hola");
    peer.expect_line("¿me oyes?");
    peer.expect_line("te escribo tres veces seguidas");
}

fn prints_a_received_adios(side: &mut Running, mut peer: Peer) {
    peer.send_line("adios");
    side.expect_line("adios");
}

/// Its user types nothing (its stdin stays open): the side must not wait for it.
fn closes_and_exits_0_after_a_received_adios(side: &mut Running, mut peer: Peer) {
    peer.send_line("adios");
    expect_closed_after_at_most_a_goodbye(side, &mut peer);
    side.expect_success(&text!(
        en: "once it received adios",
        es: "después de recibir adios",
    ));
}

fn understands_a_received_goodbye_in_any_case_ended_by_crlf(side: &mut Running, mut peer: Peer) {
    peer.send(b"  Adi\xc3\xb3S \r\n");
    expect_closed_after_at_most_a_goodbye(side, &mut peer);
    side.expect_success(&text!(
        en: "once it received the goodbye",
        es: "después de recibir la despedida",
    ));
}

/// Half-close: after its goodbye the side sends nothing more.
fn says_adios_then_stops_sending_when_its_user_types_adios(side: &mut Running, mut peer: Peer) {
    side.type_line("hasta luego");
    side.type_line("adios");
    peer.expect_line("hasta luego");
    peer.expect_line("adios");
    peer.expect_closed();
}

fn says_goodbye_when_its_user_types_it_in_any_case(side: &mut Running, mut peer: Peer) {
    side.type_line("  ADIOS ");
    let line = peer.read_line();
    assert!(
        is_goodbye(&line),
        "{}",
        text!(
            en: "expected the goodbye word from {name} after its user typed \"  ADIOS \", got \
                 {line:?}",
            es: "se esperaba la palabra de despedida de {name} después de que su usuario \
                 escribió \"  ADIOS \", pero llegó {line:?}",
            name = side.name(),
        )
    );
    peer.expect_closed();
}

fn says_adios_at_the_end_of_its_stdin(side: &mut Running, mut peer: Peer) {
    side.type_line("me voy");
    side.close_stdin();
    peer.expect_line("me voy");
    peer.expect_line("adios");
    peer.expect_closed();
}

/// After its goodbye the side still prints what arrives, until the peer closes.
fn prints_what_arrives_after_its_goodbye_until_the_peer_closes(side: &mut Running, mut peer: Peer) {
    side.type_line("adios");
    peer.expect_line("adios");
    // Its half-close has arrived: whatever is sent from now on reaches a side
    // that has stopped sending, and must still print what it receives.
    peer.expect_closed();
    // It has said goodbye, and it waits: it must not exit before the peer
    // closes (a program that exits right after its goodbye loses what the
    // peer still says). Waits for an exit that must not come.
    side.expect_to_keep_running_for(
        AFTER_GOODBYE,
        &text!(
            en: "after its goodbye, while the peer has not closed",
            es: "después de su despedida, mientras el otro lado no ha cerrado",
        ),
    );
    peer.send_line("espera, una cosa más");
    side.expect_line("espera, una cosa más");
    peer.shutdown_write();
    side.expect_success(&text!(
        en: "once the peer closed after its goodbye",
        es: "cuando el otro lado cerró, tras su despedida",
    ));
}

/// No lost lines: everything typed before the goodbye arrives, in order.
fn delivers_hundreds_of_lines_typed_just_before_its_goodbye(side: &mut Running, mut peer: Peer) {
    let lines: Vec<String> = (1..=500).map(|i| format!("línea {i}")).collect();
    side.type_bytes(format!("{}\nadios\n", lines.join("\n")).as_bytes());
    for line in &lines {
        peer.expect_line(line);
    }
    peer.expect_line("adios");
    peer.expect_closed();
}

fn prints_hundreds_of_lines_received_just_before_the_goodbye(side: &mut Running, mut peer: Peer) {
    let lines: Vec<String> = (1..=500).map(|i| format!("línea {i}")).collect();
    peer.send(format!("{}\nadios\n", lines.join("\n")).as_bytes());
    for line in &lines {
        side.expect_line(line);
    }
    side.expect_line("adios");
    side.expect_success(&text!(
        en: "once it received adios",
        es: "después de recibir adios",
    ));
}

/// The peer crashed: its connection is reset (RST), no goodbye.
fn exits_0_with_a_notice_when_the_peer_vanishes(side: &mut Running, mut peer: Peer) {
    peer.send_line("hola");
    side.expect_line("hola");
    let before = side.stderr_so_far();
    peer.reset();
    side.expect_success(&text!(
        en: "once its peer vanished",
        es: "cuando el otro lado desapareció",
    ));
    side.expect_a_new_notice_on_stderr(&before, &its_peer_left());
}

fn exits_0_with_a_notice_when_the_peer_closes_without_goodbye(side: &mut Running, mut peer: Peer) {
    peer.send_line("hola");
    side.expect_line("hola");
    let before = side.stderr_so_far();
    drop(peer);
    side.expect_success(&text!(
        en: "once its peer closed without goodbye",
        es: "cuando el otro lado cerró sin despedirse",
    ));
    side.expect_a_new_notice_on_stderr(&before, &its_peer_left());
}

fn shows_bytes_that_are_not_utf8_lossily(side: &mut Running, mut peer: Peer) {
    peer.send(b"caf\xe9 \xff\n");
    peer.send_line("sigo aqui");
    side.expect_line("caf\u{FFFD} \u{FFFD}");
    side.expect_line("sigo aqui");
}

/// The limit counts the bytes of the line, not the \n that ends it.
fn prints_a_line_of_exactly_64_kib(side: &mut Running, mut peer: Peer) {
    let line = "a".repeat(64 * 1024);
    peer.send_line(&line);
    side.expect_line(&line);
    // ...as one line: not in two pieces.
    peer.send_line("fin");
    side.expect_line("fin");
}

fn answers_a_line_too_long_and_hangs_up(_side: &mut Running, mut peer: Peer) {
    peer.send(&[b'x'; 70_000]);
    peer.expect_line("error: line too long");
    peer.expect_closed();
}

/// After a received goodbye the side closes the connection; it may answer
/// the goodbye first (as lab 2's server did), and it sends nothing else.
#[track_caller]
fn expect_closed_after_at_most_a_goodbye(side: &Running, peer: &mut Peer) {
    if let Some(line) = peer.read_line_or_end() {
        assert!(
            is_goodbye(&line),
            "{}",
            text!(
                en: "expected {name} to close the connection after a received goodbye (or to \
                     answer the goodbye word first), it sent {line:?}",
                es: "se esperaba que {name} cerrara la conexión al recibir una despedida (o que \
                     antes respondiera con la palabra de despedida), pero envió {line:?}",
                name = side.name(),
            )
        );
        peer.expect_closed();
    }
}

// ---------------------------------------------------------------------------
// lab3_server, with a raw peer

mod server {
    use super::*;

    #[test]
    fn announces_the_port_it_actually_bound() {
        // Server::start reads `listening on IP:PORT` and rejects port 0.
        let server = Server::start(lab!("lab3_server"));
        expect_to_listen_on_loopback(&server);
    }

    #[test]
    fn prints_lines_while_its_user_types_nothing() {
        let (mut server, peer) = server_in_a_chat();
        super::prints_lines_while_its_user_types_nothing(&mut server, peer);
    }

    #[test]
    fn sends_lines_while_the_peer_says_nothing() {
        let (mut server, peer) = server_in_a_chat();
        super::sends_lines_while_the_peer_says_nothing(&mut server, peer);
    }

    #[test]
    fn prints_a_received_adios() {
        let (mut server, peer) = server_in_a_chat();
        super::prints_a_received_adios(&mut server, peer);
    }

    #[test]
    fn closes_and_exits_0_after_a_received_adios() {
        let (mut server, peer) = server_in_a_chat();
        super::closes_and_exits_0_after_a_received_adios(&mut server, peer);
    }

    #[test]
    fn understands_a_received_goodbye_in_any_case_ended_by_crlf() {
        let (mut server, peer) = server_in_a_chat();
        super::understands_a_received_goodbye_in_any_case_ended_by_crlf(&mut server, peer);
    }

    #[test]
    fn says_adios_then_stops_sending_when_its_user_types_adios() {
        let (mut server, peer) = server_in_a_chat();
        super::says_adios_then_stops_sending_when_its_user_types_adios(&mut server, peer);
    }

    #[test]
    fn says_goodbye_when_its_user_types_it_in_any_case() {
        let (mut server, peer) = server_in_a_chat();
        super::says_goodbye_when_its_user_types_it_in_any_case(&mut server, peer);
    }

    #[test]
    fn says_adios_at_the_end_of_its_stdin() {
        let (mut server, peer) = server_in_a_chat();
        super::says_adios_at_the_end_of_its_stdin(&mut server, peer);
    }

    #[test]
    fn prints_what_arrives_after_its_goodbye_until_the_peer_closes() {
        let (mut server, peer) = server_in_a_chat();
        super::prints_what_arrives_after_its_goodbye_until_the_peer_closes(&mut server, peer);
    }

    #[test]
    fn delivers_hundreds_of_lines_typed_just_before_its_goodbye() {
        let (mut server, peer) = server_in_a_chat();
        super::delivers_hundreds_of_lines_typed_just_before_its_goodbye(&mut server, peer);
    }

    #[test]
    fn prints_hundreds_of_lines_received_just_before_the_goodbye() {
        let (mut server, peer) = server_in_a_chat();
        super::prints_hundreds_of_lines_received_just_before_the_goodbye(&mut server, peer);
    }

    #[test]
    fn exits_0_with_a_notice_when_the_peer_vanishes() {
        let (mut server, peer) = server_in_a_chat();
        super::exits_0_with_a_notice_when_the_peer_vanishes(&mut server, peer);
    }

    #[test]
    fn exits_0_with_a_notice_when_the_peer_closes_without_goodbye() {
        let (mut server, peer) = server_in_a_chat();
        super::exits_0_with_a_notice_when_the_peer_closes_without_goodbye(&mut server, peer);
    }

    #[test]
    fn shows_bytes_that_are_not_utf8_lossily() {
        let (mut server, peer) = server_in_a_chat();
        super::shows_bytes_that_are_not_utf8_lossily(&mut server, peer);
    }

    /// Issue 23: a server that kept its listener open after it accepted its
    /// peer passed every test, and a second client waited in the backlog
    /// for a conversation that would never come.
    #[test]
    fn refuses_a_second_client_once_it_has_its_peer() {
        let (mut server, mut peer) = server_in_a_chat();
        // The conversation has begun: the server has its peer.
        peer.send_line("hola");
        server.expect_line("hola");
        // To the server itself: a tap in front of it would accept anyway.
        match TcpStream::connect(server.announced) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {}
            Ok(_) => server.fail(text!(
                en: "expected lab3_server to refuse a second client once it had its peer \
                     (it stops listening: it drops its listener), it accepted the connection: \
                     the second client would wait in the backlog for nothing",
                es: "se esperaba que lab3_server rechazara a un segundo cliente una vez que \
                     tenía a su interlocutor (deja de escuchar: suelta su listener), pero \
                     aceptó la conexión: el segundo cliente esperaría en el backlog por nada",
            )),
            Err(e) => server.fail(text!(
                en: "expected lab3_server to refuse a second client (connection refused), \
                     connecting failed otherwise: {e}",
                es: "se esperaba que lab3_server rechazara a un segundo cliente (conexión \
                     rechazada), pero conectarse falló de otro modo: {e}",
            )),
        }
    }

    #[test]
    fn exits_after_its_one_conversation() {
        let (mut server, mut peer) = server_in_a_chat();
        peer.send_line("adios");
        server.expect_success(&text!(
            en: "once its one conversation ended",
            es: "cuando terminó su única conversación",
        ));
    }

    #[test]
    fn prints_a_line_of_exactly_64_kib() {
        let (mut server, peer) = server_in_a_chat();
        super::prints_a_line_of_exactly_64_kib(&mut server, peer);
    }

    #[test]
    fn answers_a_line_too_long_and_hangs_up() {
        let (mut server, peer) = server_in_a_chat();
        super::answers_a_line_too_long_and_hangs_up(&mut server, peer);
    }

    #[test]
    fn reports_a_port_in_use() {
        expect_port_in_use_error(lab!("lab3_server"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab3_server"));
    }
}

// ---------------------------------------------------------------------------
// lab3_client, against a fake server

mod client {
    use super::*;

    #[test]
    fn prints_lines_while_its_user_types_nothing() {
        let (mut client, peer) = client_in_a_chat();
        super::prints_lines_while_its_user_types_nothing(&mut client, peer);
    }

    #[test]
    fn sends_lines_while_the_server_says_nothing() {
        let (mut client, peer) = client_in_a_chat();
        super::sends_lines_while_the_peer_says_nothing(&mut client, peer);
    }

    #[test]
    fn prints_a_received_adios() {
        let (mut client, peer) = client_in_a_chat();
        super::prints_a_received_adios(&mut client, peer);
    }

    #[test]
    fn closes_and_exits_0_after_a_received_adios() {
        let (mut client, peer) = client_in_a_chat();
        super::closes_and_exits_0_after_a_received_adios(&mut client, peer);
    }

    #[test]
    fn understands_a_received_goodbye_in_any_case_ended_by_crlf() {
        let (mut client, peer) = client_in_a_chat();
        super::understands_a_received_goodbye_in_any_case_ended_by_crlf(&mut client, peer);
    }

    #[test]
    fn says_adios_then_stops_sending_when_its_user_types_adios() {
        let (mut client, peer) = client_in_a_chat();
        super::says_adios_then_stops_sending_when_its_user_types_adios(&mut client, peer);
    }

    #[test]
    fn says_goodbye_when_its_user_types_it_in_any_case() {
        let (mut client, peer) = client_in_a_chat();
        super::says_goodbye_when_its_user_types_it_in_any_case(&mut client, peer);
    }

    #[test]
    fn says_adios_at_the_end_of_its_stdin() {
        let (mut client, peer) = client_in_a_chat();
        super::says_adios_at_the_end_of_its_stdin(&mut client, peer);
    }

    #[test]
    fn prints_what_arrives_after_its_goodbye_until_the_server_closes() {
        let (mut client, peer) = client_in_a_chat();
        super::prints_what_arrives_after_its_goodbye_until_the_peer_closes(&mut client, peer);
    }

    #[test]
    fn delivers_hundreds_of_lines_typed_just_before_its_goodbye() {
        let (mut client, peer) = client_in_a_chat();
        super::delivers_hundreds_of_lines_typed_just_before_its_goodbye(&mut client, peer);
    }

    #[test]
    fn prints_hundreds_of_lines_received_just_before_the_goodbye() {
        let (mut client, peer) = client_in_a_chat();
        super::prints_hundreds_of_lines_received_just_before_the_goodbye(&mut client, peer);
    }

    #[test]
    fn exits_0_with_a_notice_when_the_server_vanishes() {
        let (mut client, peer) = client_in_a_chat();
        super::exits_0_with_a_notice_when_the_peer_vanishes(&mut client, peer);
    }

    #[test]
    fn exits_0_with_a_notice_when_the_server_closes_without_goodbye() {
        let (mut client, peer) = client_in_a_chat();
        super::exits_0_with_a_notice_when_the_peer_closes_without_goodbye(&mut client, peer);
    }

    #[test]
    fn shows_bytes_that_are_not_utf8_lossily() {
        let (mut client, peer) = client_in_a_chat();
        super::shows_bytes_that_are_not_utf8_lossily(&mut client, peer);
    }

    #[test]
    fn prints_a_line_of_exactly_64_kib() {
        let (mut client, peer) = client_in_a_chat();
        super::prints_a_line_of_exactly_64_kib(&mut client, peer);
    }

    #[test]
    fn answers_a_line_too_long_and_hangs_up() {
        let (mut client, peer) = client_in_a_chat();
        super::answers_a_line_too_long_and_hangs_up(&mut client, peer);
    }

    #[test]
    fn reports_a_refused_connection() {
        expect_refused_connection_error(lab!("lab3_client"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab3_client"));
    }
}

// ---------------------------------------------------------------------------
// The real pair: lab3_server and lab3_client talking to each other

mod pair {
    use super::*;

    fn real_pair() -> (Server, Running) {
        let server = Server::start(lab!("lab3_server"));
        let client = lab!("lab3_client").spawn(&["--port", &server.port()]);
        (server, client)
    }

    #[test]
    fn lines_typed_on_each_side_appear_on_the_other() {
        let (mut server, mut client) = real_pair();
        client.type_line("hola, soy el cliente");
        server.expect_line("hola, soy el cliente");
        server.type_line("y yo el servidor");
        client.expect_line("y yo el servidor");
    }

    #[test]
    fn the_clients_goodbye_ends_both_programs_with_status_0() {
        let (mut server, mut client) = real_pair();
        client.type_line("hola");
        server.expect_line("hola");
        client.type_line("adios");
        server.expect_line("adios");
        server.expect_success(&text!(
            en: "once the client said adios",
            es: "cuando el cliente dijo adios",
        ));
        client.expect_success(&text!(
            en: "once it said adios and the server closed",
            es: "después de decir adios y de que el servidor cerrara",
        ));
    }

    #[test]
    fn the_servers_goodbye_ends_both_programs_with_status_0() {
        let (mut server, mut client) = real_pair();
        client.type_line("hola");
        server.expect_line("hola");
        server.type_line("adios");
        client.expect_line("adios");
        client.expect_success(&text!(
            en: "once the server said adios",
            es: "cuando el servidor dijo adios",
        ));
        server.expect_success(&text!(
            en: "once it said adios and the client closed",
            es: "después de decir adios y de que el cliente cerrara",
        ));
    }

    #[test]
    fn the_server_exits_0_with_a_notice_when_the_client_is_killed() {
        let (mut server, mut client) = real_pair();
        client.type_line("hola");
        server.expect_line("hola");
        let before = server.stderr_so_far();
        client.kill();
        server.expect_success(&text!(
            en: "once the client was killed",
            es: "cuando el test mató al cliente",
        ));
        server.expect_a_new_notice_on_stderr(&before, &its_peer_left());
    }
}
