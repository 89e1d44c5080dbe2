//! Lab 2: lines over a byte stream, and a conversation that ends with "adios".
//! What is graded: the contract (docs/en/contract.md, docs/es/contract.md), "Common to every binary" and "Lab 2".
//! Run: `cargo test --test lab2` (your labs/), or with `--features solutions`.

mod support;

use std::time::Duration;

use support::{
    FakeServer, Server, expect_client_to_report_a_hang_up,
    expect_client_to_stop_at_a_line_that_never_ends, expect_help_and_version,
    expect_port_in_use_error, expect_refused_connection_error, expect_to_listen_on_loopback, lab,
    text,
};

/// The longest line the contract lets a client send: 64 KiB, not counting
/// the `\n` that ends it.
const LIMIT: usize = 64 * 1024;

/// How long a second client, waiting its turn, must hear nothing.
const ONE_AT_A_TIME: Duration = Duration::from_millis(500);

// ---------------------------------------------------------------------------
// lab2_server

mod server {
    use super::*;

    #[test]
    fn announces_the_port_it_actually_bound() {
        // Server::start reads `listening on IP:PORT` and rejects port 0.
        let server = Server::start(lab!("lab2_server"));
        expect_to_listen_on_loopback(&server);
    }

    #[test]
    fn answers_a_line_with_the_same_line() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send_line("hola");
        client.expect_line("hola");
    }

    #[test]
    fn answers_each_line_of_a_conversation() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        for line in ["uno", "dos", "tres"] {
            client.send_line(line);
            client.expect_line(line);
        }
    }

    #[test]
    fn answers_a_line_split_over_several_writes() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        // Three packets, one line: a server that answers each read answers "hola ".
        client.send_in_pieces(&[b"hola ", b"mun", b"do\n"]);
        client.expect_line("hola mundo");
    }

    #[test]
    fn answers_several_lines_sent_in_one_write() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send(b"uno\ndos\ntres\n");
        client.expect_line("uno");
        client.expect_line("dos");
        client.expect_line("tres");
    }

    #[test]
    fn stops_at_a_goodbye_that_came_in_one_write_with_more_lines() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        // A server that takes the whole read for one message sees no goodbye here.
        client.send(b"hola\nadios\nsigo?\n");
        client.expect_line("hola");
        client.expect_line("adios");
        client.expect_closed();
    }

    #[test]
    fn answers_a_line_without_the_carriage_return_telnet_sends() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send(b"hola\r\n");
        // The exact bytes: expect_line would forgive a \r.
        client.expect_bytes(b"hola\n");
    }

    #[test]
    fn answers_bytes_that_are_not_utf8_and_goes_on() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send(b"caf\xe9 \xff\n");
        client.expect_line("caf\u{FFFD} \u{FFFD}");
        client.send_line("sigues ahi?");
        client.expect_line("sigues ahi?");
    }

    /// Says `goodbye` to a fresh server: the answer is `adios`, then the
    /// connection closes.
    fn says_adios_and_closes_after(goodbye: &[u8]) {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send_line("hola");
        client.expect_line("hola");
        client.send(goodbye);
        client.expect_line("adios");
        client.expect_closed();
    }

    #[test]
    fn answers_adios_and_closes_the_connection() {
        says_adios_and_closes_after(b"adios\n");
    }

    #[test]
    fn takes_adios_in_capitals_as_goodbye() {
        says_adios_and_closes_after(b"ADIOS\n");
    }

    #[test]
    fn takes_adios_with_its_accent_as_goodbye() {
        says_adios_and_closes_after("adiós\n".as_bytes());
    }

    #[test]
    fn takes_a_capitalised_adios_with_its_accent_as_goodbye() {
        says_adios_and_closes_after("Adiós\n".as_bytes());
    }

    #[test]
    fn takes_adios_between_spaces_as_goodbye() {
        says_adios_and_closes_after(b"  adios  \n");
    }

    #[test]
    fn takes_adios_ended_by_telnets_carriage_return_as_goodbye() {
        says_adios_and_closes_after(b"adios\r\n");
    }

    #[test]
    fn answers_a_line_that_starts_with_adios_as_an_ordinary_line() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send_line("adios amigos");
        client.expect_line("adios amigos");
        client.send_line("sigues ahi?");
        client.expect_line("sigues ahi?");
    }

    #[test]
    fn serves_the_next_client_after_a_goodbye() {
        let server = Server::start(lab!("lab2_server"));
        let mut first = server.connect();
        first.send_line("adios");
        first.expect_line("adios");
        first.expect_closed();

        let mut second = server.connect();
        second.send_line("segundo");
        second.expect_line("segundo");
    }

    #[test]
    fn serves_one_client_at_a_time() {
        let server = Server::start(lab!("lab2_server"));
        let mut first = server.connect();
        first.send_line("primero");
        first.expect_line("primero");
        let mut second = server.connect();
        second.send_line("segundo");
        // A round trip of the first client's after the second one spoke,
        // then half a second in which the second must hear nothing: a
        // server that served both at once would have answered it by then.
        first.send_line("otra vez");
        first.expect_line("otra vez");
        second.expect_nothing_within(
            ONE_AT_A_TIME,
            &text!(
                en: "the server serves one client at a time: the second waits until the first says \
                     goodbye",
                es: "el servidor atiende a un cliente a la vez: el segundo espera a que el primero \
                     se despida",
            ),
        );
    }

    #[test]
    fn serves_a_waiting_client_once_the_first_says_goodbye() {
        let server = Server::start(lab!("lab2_server"));
        let mut first = server.connect();
        first.send_line("primero");
        first.expect_line("primero");

        // The second client speaks while the first is served: it waits in the
        // backlog, and is answered once the first says goodbye.
        let mut second = server.connect();
        second.send_line("segundo");
        first.send_line("adios");
        first.expect_line("adios");
        second.expect_line("segundo");
    }

    #[test]
    fn serves_the_next_client_after_one_leaves_without_goodbye() {
        let server = Server::start(lab!("lab2_server"));
        let mut first = server.connect();
        first.send_line("primero");
        first.expect_line("primero");
        drop(first);

        let mut second = server.connect();
        second.send_line("segundo");
        second.expect_line("segundo");
    }

    #[test]
    fn survives_a_client_that_resets_mid_line() {
        let server = Server::start(lab!("lab2_server"));
        let mut rude = server.connect();
        rude.send(&[b'x'; 3000]);
        rude.reset();

        let mut next = server.connect();
        next.send_line("sigues ahi?");
        next.expect_line("sigues ahi?");
    }

    #[test]
    fn answers_a_line_of_exactly_64_kib() {
        // The limit counts the bytes of the line, not the \n that ends it.
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        let line = "a".repeat(LIMIT);
        client.send_line(&line);
        client.expect_line(&line);
        // ...as one line: not in two pieces.
        client.send_line("fin");
        client.expect_line("fin");
    }

    #[test]
    fn answers_error_to_a_line_one_byte_over_64_kib() {
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send_line(&"a".repeat(LIMIT + 1));
        client.expect_line("error: line too long");
        client.expect_closed();
    }

    #[test]
    fn cuts_off_a_line_that_never_ends() {
        // A client that sends and sends and never a \n: the server must not wait
        // for the end of the line (nor keep it all in memory).
        let server = Server::start(lab!("lab2_server"));
        let mut client = server.connect();
        client.send(&vec![b'a'; LIMIT + 1]);
        client.expect_line("error: line too long");
        client.expect_closed();
    }

    #[test]
    fn serves_the_next_client_after_a_line_too_long() {
        let server = Server::start(lab!("lab2_server"));
        let mut first = server.connect();
        first.send(&vec![b'a'; LIMIT + 1]);
        first.expect_line("error: line too long");
        first.expect_closed();

        let mut second = server.connect();
        second.send_line("segundo");
        second.expect_line("segundo");
    }

    #[test]
    fn reports_a_port_in_use() {
        expect_port_in_use_error(lab!("lab2_server"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab2_server"));
    }
}

// ---------------------------------------------------------------------------
// lab2_client, against a fake server written here

mod client {
    use super::*;

    #[test]
    fn sends_each_line_and_prints_each_answer() {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);

        // The fake answers something else than the line, so that printing the
        // line typed instead of the answer shows.
        for (line, answer) in [("hola", "HOLA"), ("que tal", "QUE TAL"), ("¿sí?", "¿SÍ?")] {
            client.type_line(line);
            server_side.expect_line(line);
            server_side.send_line(answer);
            client.expect_line(answer);
        }
    }

    #[test]
    fn prints_an_answer_that_arrives_in_pieces() {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_line("hola mundo");
        server_side.expect_line("hola mundo");

        server_side.send_in_pieces(&[b"hola ", b"mun", b"do\n"]);
        client.expect_line("hola mundo");
    }

    #[test]
    fn prints_an_answer_that_is_not_utf8() {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_line("cafe");
        server_side.expect_line("cafe");
        server_side.send(b"caf\xe9\n");
        client.expect_line("caf\u{FFFD}");
    }

    #[test]
    fn sends_input_that_is_not_utf8_and_goes_on() {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_bytes(b"caf\xe9\n");
        server_side.read_line();
        server_side.send_line("vale");
        client.expect_line("vale");

        client.type_line("hola");
        server_side.expect_line("hola");
    }

    #[test]
    fn says_adios_at_the_end_of_input() {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_line("hola");
        server_side.expect_line("hola");
        server_side.send_line("hola");
        client.expect_line("hola");

        client.close_stdin();
        server_side.expect_line("adios");
    }

    #[test]
    fn prints_the_answer_to_its_last_adios_and_exits_0() {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.close_stdin();
        server_side.expect_line("adios");
        server_side.send_line("hasta luego");

        client.expect_line("hasta luego");
        client.expect_no_more_output();
        client.expect_success(&text!(
            en: "once it printed the answer to its goodbye",
            es: "después de mostrar la respuesta a su despedida",
        ));
    }

    /// Types `goodbye` and keeps stdin open: the client must see the end of the
    /// conversation itself, print the fake's answer, and exit 0 (without waiting
    /// for the fake to close, and without saying goodbye a second time).
    fn exits_after_its_goodbye_is_answered(goodbye: &str) {
        let fake = FakeServer::start();
        let mut client = lab!("lab2_client").spawn(&["--port", &fake.port()]);
        let mut server_side = fake.accept(&client);
        client.type_line(goodbye);
        server_side.expect_line(goodbye);
        server_side.send_line("adios");

        client.expect_line("adios");
        client.expect_no_more_output();
        client.expect_success(&text!(
            en: "once it printed the answer to its goodbye",
            es: "después de mostrar la respuesta a su despedida",
        ));
    }

    #[test]
    fn exits_0_after_its_goodbye_is_answered() {
        exits_after_its_goodbye_is_answered("adios");
    }

    #[test]
    fn takes_adios_in_capitals_as_its_goodbye() {
        exits_after_its_goodbye_is_answered("ADIOS");
    }

    #[test]
    fn takes_a_capitalised_adios_with_its_accent_as_its_goodbye() {
        exits_after_its_goodbye_is_answered("Adiós");
    }

    #[test]
    fn exits_and_says_why_when_the_server_hangs_up_without_answering() {
        expect_client_to_report_a_hang_up(lab!("lab2_client"), b"");
    }

    #[test]
    fn exits_and_says_why_when_the_server_hangs_up_mid_answer() {
        expect_client_to_report_a_hang_up(lab!("lab2_client"), b"ho");
    }

    /// Issue 16: lab2_client held an endless answer in memory (3.6 GB in
    /// 8 s); a client cannot trust its server blindly either.
    #[test]
    fn stops_at_an_answer_over_64_kib_that_never_ends() {
        expect_client_to_stop_at_a_line_that_never_ends(lab!("lab2_client"));
    }

    #[test]
    fn reports_a_refused_connection() {
        expect_refused_connection_error(lab!("lab2_client"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab2_client"));
    }
}
