//! Lab 1: a blocking echo server and its client.
//! What is graded: the contract (docs/en/contract.md, docs/es/contract.md), "Common to every binary" and "Lab 1".
//! Run: `cargo test --test lab1` (your labs/), or with `--features solutions`.

mod support;

use std::time::Duration;

use support::{
    FakeServer, Server, expect_client_to_report_a_hang_up, expect_help_and_version,
    expect_port_in_use_error, expect_refused_connection_error, expect_to_listen_on_loopback, hint,
    lab, text,
};

/// How long a second client, waiting its turn, must hear nothing.
const ONE_AT_A_TIME: Duration = Duration::from_millis(500);

// ---------------------------------------------------------------------------
// lab1_server

mod server {
    use super::*;

    #[test]
    fn announces_the_port_it_actually_bound() {
        // Server::start reads `listening on IP:PORT` and rejects port 0.
        let server = Server::start(lab!("lab1_server"));
        expect_to_listen_on_loopback(&server);
    }

    #[test]
    fn echoes_a_line_back_unchanged() {
        let server = Server::start(lab!("lab1_server"));
        let mut client = server.connect();
        client.send(b"hola\n");
        client.expect_bytes(b"hola\n");
    }

    #[test]
    fn echoes_a_message_larger_than_1024_bytes() {
        let server = Server::start(lab!("lab1_server"));
        let mut client = server.connect();
        let message: Vec<u8> = (0..10_000).map(|i| b'a' + (i % 26) as u8).collect();
        client.send(&message);
        client.expect_bytes(&message);
    }

    #[test]
    fn echoes_bytes_that_are_not_utf8() {
        let server = Server::start(lab!("lab1_server"));
        let mut client = server.connect();
        let message = b"\xff\xfe caf\xe9 \x00\x80\n";
        client.send(message);
        client.expect_bytes(message);
    }

    #[test]
    fn echoes_each_message_of_a_conversation() {
        let server = Server::start(lab!("lab1_server"));
        let mut client = server.connect();
        for message in ["uno\n", "dos\n", "tres\n"] {
            client.send(message.as_bytes());
            client.expect_bytes(message.as_bytes());
        }
    }

    #[test]
    fn serves_the_next_client_after_the_first_leaves() {
        let server = Server::start(lab!("lab1_server"));
        let mut first = server.connect();
        first.send(b"primero\n");
        first.expect_bytes(b"primero\n");
        drop(first);

        let mut second = server.connect();
        second.send(b"segundo\n");
        second.expect_bytes(b"segundo\n");
    }

    #[test]
    fn serves_one_client_at_a_time() {
        let server = Server::start(lab!("lab1_server"));
        let mut first = server.connect();
        first.send(b"primero\n");
        first.expect_bytes(b"primero\n");
        let mut second = server.connect();
        second.send(b"segundo\n");
        // A round trip of the first client's after the second one spoke,
        // then half a second in which the second must hear nothing: a
        // server that served both at once would have answered it by then.
        first.send(b"otra vez\n");
        first.expect_bytes(b"otra vez\n");
        second.expect_nothing_within(ONE_AT_A_TIME, &text!(
            en: "the server serves one client at a time: the second waits until the first leaves",
            es: "el servidor atiende a un cliente a la vez: el segundo espera a que el primero \
                 se vaya",
        ));
    }

    #[test]
    fn serves_a_waiting_client_once_the_first_leaves() {
        let server = Server::start(lab!("lab1_server"));
        let mut first = server.connect();
        first.send(b"primero\n");
        first.expect_bytes(b"primero\n");

        // The second client connects and speaks while the first is being served:
        // it waits in the backlog, and is answered once the first one leaves.
        let mut second = server.connect();
        second.send(b"segundo\n");
        drop(first);
        second.expect_bytes(b"segundo\n");
    }

    #[test]
    fn survives_a_client_that_resets_mid_message() {
        let server = Server::start(lab!("lab1_server"));
        let mut rude = server.connect();
        rude.send(&[b'x'; 3000]);
        rude.reset();

        let mut next = server.connect();
        next.send(b"sigues ahi?\n");
        next.expect_bytes(b"sigues ahi?\n");
    }

    #[test]
    fn reports_a_port_in_use() {
        expect_port_in_use_error(lab!("lab1_server"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab1_server"));
    }
}

// ---------------------------------------------------------------------------
// lab1_client, against a fake echo server written here

mod client {
    use super::*;

    #[test]
    fn sends_each_line_and_prints_its_echo() {
        let fake = FakeServer::start();
        let mut client = lab!("lab1_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);

        for line in ["hola", "que tal", "¿sí?"] {
            client.type_line(line);
            server_side.expect_line(line);
            server_side.send_line(line);
            client.expect_line(line);
        }
    }

    #[test]
    fn prints_an_echo_that_arrives_in_pieces() {
        let _hint = hint(text!(
            en: "This test sends the echo in three pieces, a moment apart: one read() returns \
                 what has arrived, maybe only a piece. A client that prints after one read, or \
                 that waits for more than it sent, fails here: read until all the bytes you \
                 sent are back.",
            es: "Este test envía el eco en tres pedazos, con un momento entre ellos: un read() \
                 devuelve lo que haya llegado, quizá solo un pedazo. Un cliente que muestra tras \
                 un solo read, o que espera más de lo que envió, falla aquí: lee hasta que \
                 vuelvan todos los bytes que enviaste.",
        ));
        let fake = FakeServer::start();
        let mut client = lab!("lab1_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_line("hola mundo");
        client.close_stdin();

        server_side.expect_line("hola mundo");
        server_side.send_in_pieces(&[b"hola ", b"mun", b"do\n"]);
        client.expect_line("hola mundo");
    }

    #[test]
    fn closes_the_connection_and_exits_at_end_of_input() {
        let fake = FakeServer::start();
        let mut client = lab!("lab1_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_line("adios");
        server_side.expect_line("adios");
        server_side.send_line("adios");
        client.expect_line("adios");

        client.close_stdin();
        server_side.expect_closed();
        client.expect_no_more_output();
        client.expect_success(&text!(
            en: "once its input ended",
            es: "cuando se acabó su entrada",
        ));
    }

    #[test]
    fn exits_and_says_why_when_the_server_hangs_up_mid_echo() {
        expect_client_to_report_a_hang_up(lab!("lab1_client"), b"ho");
    }

    #[test]
    fn reports_a_refused_connection() {
        expect_refused_connection_error(lab!("lab1_client"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab1_client"));
    }
}
