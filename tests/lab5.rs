//! Lab 5: the same room, event-driven, and thousands of clients.
//! What is graded: the contract (docs/en/contract.md, docs/es/contract.md), "Common to every binary", "Lab 4" and "Lab 5".
//! Run: `cargo test --test lab5` (your labs/), or with `--features solutions`.
//!
//! lab5_server keeps lab 4's room contract exactly, so it is graded by the
//! same suite as lab4_server (tests/support/room.rs), plus what only an
//! event-driven server does cheaply: thousands of clients at once.

mod support;

mod server {
    use std::collections::HashSet;
    use std::net::SocketAddr;

    use super::support::lang::docs;
    use super::support::room::room;
    use super::support::{Peer, Server, hint, lab, room_suite, text};

    room_suite!(lab!("lab5_server"));

    /// Issue 16: Ctrl-C on the server dropped every client, with no adios
    /// and lines lost. Lab 5 closes the room as on the operator's adios
    /// (tokio::signal::ctrl_c, which Windows has too). The test sends what
    /// Ctrl-C sends on Unix, SIGINT.
    #[cfg(unix)]
    #[test]
    fn closes_the_room_as_on_adios_when_the_operator_presses_ctrl_c() {
        let mut server = Server::start(lab!("lab5_server"));
        let [mut ana, mut bea] = room(&mut server);
        ana.send_line("hola");
        bea.expect_line(&format!("[{}] hola", ana.local_addr()));
        server.interrupt();
        for peer in [&mut ana, &mut bea] {
            peer.expect_line("adios");
            peer.expect_closed();
        }
        server.expect_success(&text!(
            en: "once the operator pressed Ctrl-C",
            es: "cuando el operador presionó Ctrl-C",
        ));
    }

    /// Issue 19: a server that read its stdin inside a tokio task (the
    /// mistake lab 5 warns about) passed 20 of 23 tests: with a worker
    /// thread per core, the one that task blocks is not missed. With one
    /// worker thread, the contract's room still serves; that server's
    /// froze.
    #[test]
    fn keeps_serving_the_room_with_a_single_worker_thread() {
        let docs = docs();
        let _hint = hint(text!(
            en: "This test runs lab5_server with one worker thread (TOKIO_WORKER_THREADS=1, \
                 which #[tokio::main] reads): a task that blocks its thread (reading stdin with \
                 std::io, sleeping with std::thread, a std::sync::Mutex held across an .await) then \
                 keeps every other task from running, and the room stops. The keyboard is read \
                 on a thread of its own; {docs}/lab5.md says why, and where blocking work goes.",
            es: "Este test corre lab5_server con un solo hilo trabajador \
                 (TOKIO_WORKER_THREADS=1, que lee #[tokio::main]): una tarea que bloquea su \
                 hilo (leer stdin con std::io, dormir con std::thread, un std::sync::Mutex tomado \
                 a través de un .await) no deja correr a ninguna otra tarea, y la sala se \
                 detiene. El teclado se lee en un hilo propio; {docs}/lab5.md explica por qué, \
                 y a dónde va el trabajo que bloquea.",
        ));
        let mut server =
            lab!("lab5_server").start_server_with_env(&[("TOKIO_WORKER_THREADS", "1")]);
        let [mut ana, mut bea] = room(&mut server);
        ana.send_line("hola");
        bea.expect_line(&format!("[{}] hola", ana.local_addr()));
        server.type_line("bienvenidas");
        ana.expect_line("[server] bienvenidas");
        bea.expect_line("[server] bienvenidas");
        server.type_line("adios");
        for peer in [&mut ana, &mut bea] {
            peer.expect_line("adios");
            peer.expect_closed();
        }
        server.expect_success(&text!(
            en: "once the operator typed adios",
            es: "después del adios del operador",
        ));
    }

    /// Clients connected at once: with a thread or two each, as in lab 4,
    /// that is thousands of threads; with tasks, a few megabytes.
    const MANY: usize = 2_000;
    /// How many connect before the test waits for the server to take them in.
    const BATCH: usize = 100;

    #[test]
    fn holds_two_thousand_clients_at_once_and_relays_a_line_to_all_of_them() {
        // The test holds a socket per client (the server raises its own
        // limit, and inherits this one anyway).
        raise_open_file_limit(MANY + 256);
        let mut server = Server::start(lab!("lab5_server"));
        let mut peers: Vec<Peer> = Vec::with_capacity(MANY);
        // A hundred at a time: connections the server has not accepted yet
        // wait in a queue the system keeps short (128 on Linux for a
        // listener made the usual way), and one more would wait a second.
        while peers.len() < MANY {
            let newcomers: Vec<Peer> = (0..BATCH).map(|_| server.connect()).collect();
            expect_all_to_join(&mut server, &newcomers);
            peers.extend(newcomers);
        }

        server.type_line("hola a todos");
        for (i, peer) in peers.iter_mut().enumerate() {
            // Before it, each client hears of those who joined after it.
            let line = loop {
                let line = peer.read_line();
                if !(line.starts_with("* ") && line.ends_with(" joined")) {
                    break line;
                }
            };
            assert!(
                line == "[server] hola a todos",
                "{}",
                text!(
                    en: "expected client {i} of {MANY} to receive the operator's line, \
                         \"[server] hola a todos\", after the join notices, got {line:?}",
                    es: "se esperaba que el cliente {i} de {MANY} recibiera la línea del \
                         operador, \"[server] hola a todos\", después de los avisos de entrada, \
                         pero recibió {line:?}",
                )
            );
        }
    }

    /// The transcript says each of `newcomers` is in the room; in which
    /// order the server takes them in is its own business.
    #[track_caller]
    fn expect_all_to_join(server: &mut Server, newcomers: &[Peer]) {
        let mut waiting: HashSet<SocketAddr> = newcomers.iter().map(Peer::local_addr).collect();
        while !waiting.is_empty() {
            let line = server.read_line();
            let joined = line
                .strip_prefix("* ")
                .and_then(|rest| rest.strip_suffix(" joined"))
                .and_then(|addr| addr.parse().ok());
            match joined {
                Some(addr) if waiting.remove(&addr) => {}
                _ => panic!(
                    "{}",
                    text!(
                        en: "expected `* IP:PORT joined` on lab5_server's stdout for each client \
                             that connected ({left} still to come), got {line:?}",
                        es: "se esperaba `* IP:PUERTO joined` en el stdout de lab5_server por \
                             cada cliente que se conectó ({left} por llegar), pero llegó {line:?}",
                        left = waiting.len(),
                    )
                ),
            }
        }
    }

    /// Raises this process's soft limit on open files to `needed` if it is
    /// lower (many systems start at 1,024, macOS at 256), up to the hard
    /// limit; fails with what to do where the hard limit is lower.
    #[cfg(unix)]
    fn raise_open_file_limit(needed: usize) {
        let needed = needed as libc::rlim_t;
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write `limit`.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            panic!(
                "{}",
                text!(
                    en: "could not read the open-file limit: {error}",
                    es: "no se pudo leer el límite de archivos abiertos: {error}",
                    error = std::io::Error::last_os_error(),
                )
            );
        }
        if limit.rlim_cur >= needed {
            return;
        }
        assert!(
            limit.rlim_max >= needed,
            "{}",
            text!(
                en: "this test opens {needed} files (sockets) at once, and this system allows at \
                     most {most}: raise the limit (`ulimit -n {needed}` in the shell that runs \
                     cargo test, or ask whoever runs the machine) and run it again",
                es: "este test abre {needed} archivos (sockets) a la vez, y este sistema permite \
                     a lo más {most}: sube el límite (`ulimit -n {needed}` en la terminal donde \
                     corres cargo test, o pídeselo a quien administra la computadora) y vuelve a \
                     correrlo",
                most = limit.rlim_max,
            )
        );
        limit.rlim_cur = needed;
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            panic!(
                "{}",
                text!(
                    en: "could not raise the open-file limit to {needed}: {error}; run `ulimit -n \
                         {needed}` in the shell that runs cargo test",
                    es: "no se pudo subir el límite de archivos abiertos a {needed}: {error}; \
                         corre `ulimit -n {needed}` en la terminal donde corres cargo test",
                    error = std::io::Error::last_os_error(),
                )
            );
        }
    }

    /// Windows has no such limit on sockets.
    #[cfg(not(unix))]
    fn raise_open_file_limit(_needed: usize) {}
}
