//! The rules every binary keeps (docs/en/contract.md, "Common to every
//! binary"), checked the same way in every lab.

use std::net::TcpListener;

use super::fake_server::{FakeServer, refused_port};
use super::lang::{OrFail, text};
use super::program::{Finished, Program};
use super::server::Server;
use super::show::{excerpt, exit};

/// Backtraces asked for, as a student debugging a panic would have them: an
/// ordinary error must print the same (the contract: no backtrace, whatever
/// the environment).
const BACKTRACES_ON: &[(&str, &str)] = &[("RUST_BACKTRACE", "1"), ("RUST_LIB_BACKTRACE", "1")];

/// What the contract asks of a failure: a non-zero exit, and a message on
/// stderr that names the address and says `error` (in any case), and is
/// neither a panic nor a backtrace. `what` says what was run, and why it
/// should fail, for the failure message.
#[track_caller]
fn expect_an_error_naming(finished: &Finished, addr: &str, what: &str) {
    let stderr = finished.stderr.to_lowercase();
    let status = exit(finished.status);
    let wrong = if finished.status.success() {
        Some(text!(en: "it exited with status 0", es: "salió con estado 0"))
    } else if stderr.contains("panicked") {
        Some(text!(en: "it panicked ({status})", es: "entró en pánico ({status})"))
    } else if stderr.contains("backtrace") {
        Some(text!(
            en: "it printed a backtrace ({status})",
            es: "escribió un backtrace ({status})",
        ))
    } else if !stderr.contains("error") || !finished.stderr.contains(addr) {
        Some(text!(
            en: "its stderr does not say `error` and the address ({status})",
            es: "su stderr no dice `error` y la dirección ({status})",
        ))
    } else {
        None
    };
    if let Some(wrong) = wrong {
        panic!(
            "{}",
            text!(
                en: "expected {what} to fail: exit with a non-zero status and an error on \
                     stderr naming {addr}, with no panic or backtrace (RUST_BACKTRACE=1 and \
                     RUST_LIB_BACKTRACE=1 were set); {wrong}, and its stderr was:\n{stderr}",
                es: "se esperaba que {what} fallara: que saliera con un estado distinto de 0 \
                     y un error en stderr que nombrara {addr}, sin pánico ni backtrace (con \
                     RUST_BACKTRACE=1 y RUST_LIB_BACKTRACE=1 puestos); pero {wrong}, y su stderr \
                     fue:\n{stderr}",
                stderr = excerpt(&finished.stderr),
            )
        );
    }
}

/// A server's `listening on IP:PORT` names a loopback address: its default
/// `--host`, 127.0.0.1 (`Server::start` already rejected port 0).
#[track_caller]
pub fn expect_to_listen_on_loopback(server: &Server) {
    let (name, addr) = (server.name(), server.addr);
    assert!(
        addr.ip().is_loopback(),
        "{}",
        text!(
            en: "expected {name} to listen on its default --host, 127.0.0.1, it said \
                 `listening on {addr}`",
            es: "se esperaba que {name} escuchara en su --host por defecto, 127.0.0.1, pero \
                 dijo `listening on {addr}`",
        )
    );
}

/// `--help` shows the two options and `--version` answers, as clap gives them.
#[track_caller]
pub fn expect_help_and_version(program: Program) {
    let name = program.name;
    let help = program.run(&["--help"], &[], b"");
    assert!(
        help.status.success() && help.stdout.contains("--host") && help.stdout.contains("--port"),
        "{}",
        text!(
            en: "expected `{name} --help` to exit with status 0 and list --host and --port on \
                 stdout; it exited with {status}, and printed:\n{stdout}{stderr}",
            es: "se esperaba que `{name} --help` saliera con estado 0 y mostrara --host y \
                 --port en stdout; salió con {status}, y escribió:\n{stdout}{stderr}",
            status = exit(help.status),
            stdout = excerpt(&help.stdout),
            stderr = excerpt(&help.stderr),
        )
    );
    let version = program.run(&["--version"], &[], b"");
    assert!(
        version.status.success() && !version.stdout.trim().is_empty(),
        "{}",
        text!(
            en: "expected `{name} --version` to exit with status 0 and print its version on \
                 stdout; it exited with {status}, and printed:\n{stdout}{stderr}",
            es: "se esperaba que `{name} --version` saliera con estado 0 y mostrara su versión \
                 en stdout; salió con {status}, y escribió:\n{stdout}{stderr}",
            status = exit(version.status),
            stdout = excerpt(&version.stdout),
            stderr = excerpt(&version.stderr),
        )
    );
}

/// A server asked to listen on a port already taken fails: non-zero exit,
/// and an error that names the address, not a panic or a backtrace.
#[track_caller]
pub fn expect_port_in_use_error(server: Program) {
    let taken =
        TcpListener::bind("127.0.0.1:0").or_fail("bind a free port", "tomar un puerto libre");
    let port = taken
        .local_addr()
        .or_fail("read the port it took", "leer el puerto que tomó")
        .port()
        .to_string();
    let finished = server.run(&["--port", &port], BACKTRACES_ON, b"");
    let name = server.name;
    let what = text!(
        en: "`{name} --port {port}`, a port already taken,",
        es: "`{name} --port {port}`, un puerto ya ocupado,",
    );
    expect_an_error_naming(&finished, &format!("127.0.0.1:{port}"), &what);
}

/// A client pointed at a port where nothing listens fails: non-zero exit,
/// and an error that names the address, not a panic or a backtrace.
#[track_caller]
pub fn expect_refused_connection_error(client: Program) {
    let refused = refused_port();
    let port = refused.port();
    let finished = client.run(&["--port", &port], BACKTRACES_ON, b"hola\n");
    let name = client.name;
    let what = text!(
        en: "`{name} --port {port}`, where nothing listens,",
        es: "`{name} --port {port}`, donde nadie escucha,",
    );
    expect_an_error_naming(&finished, &format!("127.0.0.1:{port}"), &what);
}

/// A client whose server hangs up while it waits for a reply (after
/// `partial_reply`, maybe nothing) exits and says so on stderr, without a
/// panic. The contract leaves the exit status and the wording free.
#[track_caller]
pub fn expect_client_to_report_a_hang_up(client: Program, partial_reply: &[u8]) {
    let fake = FakeServer::start();
    let mut client = client.spawn(&["--port", &fake.port()]);
    let mut server_side = fake.accept(&client);
    client.type_line("hola");
    server_side.expect_line("hola");
    let before = client.stderr_so_far();
    server_side.send(partial_reply);
    drop(server_side);

    client.wait_for_exit(&text!(
        en: "once the server hung up",
        es: "cuando el servidor colgó",
    ));
    client.expect_a_new_notice_on_stderr(
        &before,
        &text!(en: "the server hung up", es: "el servidor colgó"),
    );
}

/// A client whose server sends a line that never ends (no `\n`, ever) stops
/// at the contract's 64 KiB: it exits with a non-zero status and says so on
/// stderr, instead of reading on and on and holding it all in memory.
#[track_caller]
pub fn expect_client_to_stop_at_a_line_that_never_ends(client: Program) {
    // A thousand times the limit: a client still reading then never stops.
    const MOST: usize = 64 * 1024 * 1024;
    let fake = FakeServer::start();
    let mut client = client.spawn(&["--port", &fake.port()]);
    let mut server_side = fake.accept(&client);
    client.type_line("hola");
    server_side.expect_line("hola");
    let before = client.stderr_so_far();
    let sent = server_side.send_a_line_that_never_ends(b'a', MOST);
    let (name, mib) = (client.name(), MOST / (1024 * 1024));
    if sent >= MOST {
        client.fail(text!(
            en: "expected {name} to stop reading a line from the server at 64 KiB, it read \
                 {mib} MiB of one line with no \\n and was still reading",
            es: "se esperaba que {name} dejara de leer una línea del servidor a los 64 KiB, \
                 pero leyó {mib} MiB de una sola línea sin \\n y seguía leyendo",
        ));
    }
    let status = client.wait_for_exit(&text!(
        en: "once the server's line passed 64 KiB",
        es: "cuando la línea del servidor pasó de 64 KiB",
    ));
    if status.success() {
        client.fail(text!(
            en: "expected {name} to fail (a non-zero exit status) on a line over 64 KiB from \
                 the server, it exited with {status}",
            es: "se esperaba que {name} fallara (un estado de salida distinto de 0) con una \
                 línea de más de 64 KiB del servidor, pero salió con {status}",
            status = exit(status),
        ));
    }
    client.expect_a_new_notice_on_stderr(
        &before,
        &text!(
            en: "the server sent a line over 64 KiB",
            es: "el servidor envió una línea de más de 64 KiB",
        ),
    );
}
