//! The rules every binary keeps (docs/en/contract.md, "Common to every
//! binary"), checked the same way in every lab.

use std::net::TcpListener;

use super::fake_server::{FakeServer, refused_port};
use super::program::{Finished, Program};
use super::show::excerpt;

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
    let wrong = if finished.status.success() {
        Some("it exited with status 0")
    } else if stderr.contains("panicked") {
        Some("it panicked")
    } else if stderr.contains("backtrace") {
        Some("it printed a backtrace")
    } else if !stderr.contains("error") || !finished.stderr.contains(addr) {
        Some("its stderr does not say `error` and the address")
    } else {
        None
    };
    if let Some(wrong) = wrong {
        panic!(
            "expected {what} to fail: exit with a non-zero status and an error on stderr naming \
             {addr}, with no panic or backtrace (RUST_BACKTRACE=1 and RUST_LIB_BACKTRACE=1 were \
             set); {wrong}; it exited with {}, and its stderr was:\n{}",
            finished.status,
            excerpt(&finished.stderr)
        );
    }
}

/// `--help` shows the two options and `--version` answers, as clap gives them.
#[track_caller]
pub fn expect_help_and_version(program: Program) {
    let help = program.run(&["--help"], &[], b"");
    assert!(
        help.status.success() && help.stdout.contains("--host") && help.stdout.contains("--port"),
        "expected `{} --help` to exit with status 0 and list --host and --port on stdout; it \
         exited with {}, and printed:\n{}{}",
        program.name,
        help.status,
        excerpt(&help.stdout),
        excerpt(&help.stderr)
    );
    let version = program.run(&["--version"], &[], b"");
    assert!(
        version.status.success() && !version.stdout.trim().is_empty(),
        "expected `{} --version` to exit with status 0 and print its version on stdout; it \
         exited with {}, and printed:\n{}{}",
        program.name,
        version.status,
        excerpt(&version.stdout),
        excerpt(&version.stderr)
    );
}

/// A server asked to listen on a port already taken fails: non-zero exit,
/// and an error that names the address, not a panic or a backtrace.
#[track_caller]
pub fn expect_port_in_use_error(server: Program) {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = taken.local_addr().expect("its address").port().to_string();
    let finished = server.run(&["--port", &port], BACKTRACES_ON, b"");
    let what = format!("{} --port {port}, a port already taken,", server.name);
    expect_an_error_naming(&finished, &format!("127.0.0.1:{port}"), &what);
}

/// A client pointed at a port where nothing listens fails: non-zero exit,
/// and an error that names the address, not a panic or a backtrace.
#[track_caller]
pub fn expect_refused_connection_error(client: Program) {
    let refused = refused_port();
    let port = refused.port();
    let finished = client.run(&["--port", &port], BACKTRACES_ON, b"hola\n");
    let what = format!("{} --port {port}, where nothing listens,", client.name);
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

    client.wait_for_exit("once the server hung up");
    client.expect_a_new_notice_on_stderr(&before, "the server hung up");
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
    assert!(
        sent < MOST,
        "expected {} to stop reading a line from the server at 64 KiB, it read {} MiB of one \
         line with no \\n and was still reading",
        client.name(),
        MOST / (1024 * 1024)
    );
    let status = client.wait_for_exit("once the server's line passed 64 KiB");
    assert!(
        !status.success(),
        "expected {} to fail (a non-zero exit status) on a line over 64 KiB from the server, it \
         exited with {status}\n{}",
        client.name(),
        client.stderr_report()
    );
    client.expect_a_new_notice_on_stderr(&before, "the server sent a line over 64 KiB");
}
