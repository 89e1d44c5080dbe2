//! The rules every binary keeps (docs/en/contract.md, "Common to every
//! binary"), checked the same way in every lab.

use std::net::TcpListener;

use super::fake_server::{FakeServer, refused_port};
use super::program::Program;

/// What the contract asks of a failure on stderr: it names the address,
/// says `error` (in any case), and is neither a panic nor a backtrace.
pub fn an_error_naming(addr: &str) -> impl predicates::Predicate<str> {
    use predicates::prelude::*;
    predicate::str::contains(addr.to_string())
        .and(predicate::str::is_match("(?i)error").expect("a valid pattern"))
        .and(predicate::str::contains("panicked").not())
        .and(
            predicate::str::is_match("(?i)backtrace")
                .expect("a valid pattern")
                .not(),
        )
}

/// A program run for a failure it must report, with the environment a
/// student debugging a panic would have: backtraces asked for. An ordinary
/// error must print the same (the contract: no backtrace, whatever the
/// environment).
fn failing(program: Program) -> assert_cmd::Command {
    let mut command = program.command();
    command
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1");
    command
}

/// `--help` shows the two options and `--version` answers, as clap gives them.
#[track_caller]
pub fn expect_help_and_version(program: Program) {
    use predicates::prelude::*;
    program
        .command()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("--host").and(predicate::str::contains("--port")));
    program
        .command()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::is_empty().not());
}

/// A server asked to listen on a port already taken fails: non-zero exit,
/// and an error that names the address, not a panic or a backtrace.
#[track_caller]
pub fn expect_port_in_use_error(server: Program) {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = taken.local_addr().expect("its address").port().to_string();
    failing(server)
        .args(["--port", &port])
        .assert()
        .failure()
        .stderr(an_error_naming(&format!("127.0.0.1:{port}")));
}

/// A client pointed at a port where nothing listens fails: non-zero exit,
/// and an error that names the address, not a panic or a backtrace.
#[track_caller]
pub fn expect_refused_connection_error(client: Program) {
    let refused = refused_port();
    let port = refused.port();
    failing(client)
        .args(["--port", &port])
        .write_stdin("hola\n")
        .assert()
        .failure()
        .stderr(an_error_naming(&format!("127.0.0.1:{port}")));
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
