//! Lab 4: a chat room with many clients, and its client.
//! What is graded: the contract (docs/en/contract.md, docs/es/contract.md), "Common to every binary" and "Lab 4".
//! Run: `cargo test --test lab4` (your labs/), or with `--features solutions`;
//! `cargo test --test lab4 server::` grades only the server, `client::` only the client.

mod support;

// ---------------------------------------------------------------------------
// lab4_server: the room. Its behaviours are written once, in
// tests/support/room.rs, and graded against lab5_server too (tests/lab5.rs).

mod server {
    use super::support::{lab, room_suite};

    room_suite!(lab!("lab4_server"));
}

// ---------------------------------------------------------------------------
// lab4_client, against a fake room written here

mod client {
    use super::support::{
        FakeServer, expect_client_to_stop_at_a_line_that_never_ends, expect_help_and_version,
        expect_refused_connection_error, hint, lab, text,
    };

    #[test]
    fn prints_every_line_the_room_sends() {
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
    fn sends_each_typed_line() {
        let fake = FakeServer::start();
        let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        for line in ["hola", "que tal", "¿sí?"] {
            client.type_line(line);
            room_side.expect_line(line);
        }
    }

    #[test]
    fn prints_adios_and_exits_0_when_the_server_says_adios() {
        let fake = FakeServer::start();
        let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        room_side.send_line("[server] cerramos");
        room_side.send_line("adios");
        client.expect_line("[server] cerramos");
        client.expect_line("adios");
        // Its user typed nothing, and the fake room keeps the connection open.
        room_side.expect_closed();
        client.expect_success(&text!(
            en: "once the server said adios",
            es: "cuando el servidor dijo adios",
        ));
    }

    #[test]
    fn exits_0_when_the_server_closes() {
        let fake = FakeServer::start();
        let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        room_side.send_line("[server] me voy");
        client.expect_line("[server] me voy");
        drop(room_side);
        client.expect_no_more_output();
        client.expect_success(&text!(
            en: "once the server closed the connection",
            es: "cuando el servidor cerró la conexión",
        ));
    }

    /// Issue 16: when its write failed first (the server had hung up),
    /// lab4_client returned from main, with status 1, before its printing
    /// thread had printed the last lines and the adios it had received.
    /// Where the system keeps what arrived before a reset readable (Linux,
    /// macOS): Windows may throw it away with the reset (Wine does), and
    /// then no client could print it.
    #[cfg(unix)]
    #[test]
    fn prints_every_line_it_received_before_it_exits_even_when_sending_fails_first() {
        let fake = FakeServer::start();
        // Its stdout unread for now: the client's printing blocks once the
        // pipe is full, with lines received still to print.
        let mut client = lab!("lab4_client").spawn_holding_stdout(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        // A little more than a pipe holds (64 KiB on Linux), then adios.
        let lines: Vec<String> = (0..68)
            .map(|i| format!("[10.0.0.7:4242] {i:02} {}", "x".repeat(1000)))
            .collect();
        for line in &lines {
            room_side.send_line(line);
        }
        room_side.send_line("adios");
        client.type_line("hola");
        room_side.expect_line("hola");
        // The room vanishes (a reset): the client's next write fails, while
        // it still has lines to print.
        room_side.reset();
        client.type_line("sigo aqui");
        client.release_stdout();
        for line in &lines {
            client.expect_line(line);
        }
        client.expect_line("adios");
        client.expect_success(&text!(
            en: "once the server said adios and hung up",
            es: "cuando el servidor dijo adios y colgó",
        ));
    }

    #[test]
    fn says_adios_and_prints_what_arrives_until_the_servers_adios() {
        let fake = FakeServer::start();
        let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        client.type_line("adios");
        room_side.expect_line("adios");
        room_side.send_line("[10.0.0.7:4242] espera");
        room_side.send_line("adios");
        client.expect_line("[10.0.0.7:4242] espera");
        client.expect_line("adios");
        client.expect_success(&text!(
            en: "once the server answered its adios",
            es: "cuando el servidor respondió a su adios",
        ));
    }

    #[test]
    fn says_adios_at_the_end_of_its_input() {
        let fake = FakeServer::start();
        let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        client.type_line("hola");
        client.close_stdin();
        room_side.expect_line("hola");
        room_side.expect_line("adios");
        room_side.send_line("adios");
        client.expect_line("adios");
        client.expect_success(&text!(
            en: "once the server answered its adios",
            es: "cuando el servidor respondió a su adios",
        ));
    }

    /// Issue 19: a client that reads with `BufReader::lines()` (a natural
    /// choice) passed every other test, and died on the first line that is
    /// not UTF-8 ("stream did not contain valid UTF-8"); the contract says
    /// such bytes are shown lossily and never crash a program.
    #[test]
    fn prints_bytes_that_are_not_utf8_lossily_and_goes_on() {
        let _hint = hint(text!(
            en: "This test sends a line with bytes that are not UTF-8: a client that reads \
                 lines as text (lines(), read_line into a String) gets an error there and \
                 stops. Read bytes, and show them with String::from_utf8_lossy, as in labs 2 \
                 and 3.",
            es: "Este test envía una línea con bytes que no son UTF-8: un cliente que lee las \
                 líneas como texto (lines(), read_line a un String) recibe ahí un error y se \
                 detiene. Lee bytes, y muéstralos con String::from_utf8_lossy, como en los \
                 labs 2 y 3.",
        ));
        let fake = FakeServer::start();
        let mut client = lab!("lab4_client").spawn(&["--port", &fake.port()]);
        let mut room_side = fake.accept(&client);
        room_side.send(b"[10.0.0.7:4242] caf\xe9 \xff\xfe hola\n");
        room_side.send_line("[10.0.0.7:4242] sigo aqui");
        client.expect_line("[10.0.0.7:4242] caf\u{FFFD} \u{FFFD}\u{FFFD} hola");
        client.expect_line("[10.0.0.7:4242] sigo aqui");
    }

    /// Issue 16: lab4_client held an endless line from the server in
    /// memory, as lab2_client did.
    #[test]
    fn stops_at_a_line_over_64_kib_from_a_server_that_never_ends() {
        expect_client_to_stop_at_a_line_that_never_ends(lab!("lab4_client"));
    }

    #[test]
    fn reports_a_refused_connection() {
        expect_refused_connection_error(lab!("lab4_client"));
    }

    #[test]
    fn answers_help_and_version() {
        expect_help_and_version(lab!("lab4_client"));
    }
}
