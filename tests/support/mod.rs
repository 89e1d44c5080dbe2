//! The plumbing the lab tests share: start a program, read what it prints,
//! talk to it over TCP, and never wait longer than `DEADLINE` for anything.
//!
//! Each `tests/labN.rs` holds only behaviours; everything that spawns, waits,
//! reads or kills lives here, one concern per file, so a test body reads like
//! the contract (docs/en/contract.md):
//!
//! - `program`: which binary is under test (`lab!`), and starting it;
//! - `running`: a started program: type on its stdin, read its stdout,
//!   wait for its exit;
//! - `output`: reading its stdout and stderr in the background;
//! - `server`: a server under test, on a free port, and connections to it;
//! - `peer`: one end of a TCP connection, driven by the test;
//! - `fake_server`: a listener that stands in for a lab's server, and a port
//!   that refuses connections;
//! - `rules`: the rules every binary keeps, checked the same way in every lab;
//! - `room`: the room suite (labs 4 and 5), written once, run against both;
//! - `show`: how failure messages quote what came;
//! - `panics`: how a program stopped, read from its stderr (a starter's
//!   `todo!`, a panic), said first in a failure message;
//! - `lang`: the language of the messages, Spanish or English
//!   (`SOCKETS_LAB_LANG`), and `text!`, which writes each in both;
//! - `hints`: what a test knows about why its behaviour usually fails, said
//!   in its failure.
//!
//! Every wait has a deadline and every failure says what was expected, what
//! came instead, and what the program under test printed on stderr (where a
//! starter's `todo!("step N: ...")` message shows up), in the student's
//! language. The helpers are `#[track_caller]`: a failure points at the line
//! of the test that expected something, not at these files.

// Each test file uses its own part of this module.
#![allow(dead_code, unused_imports, unused_macros)]

mod fake_server;
mod hints;
pub mod lang;
mod output;
mod panics;
mod peer;
mod program;
pub mod room;
mod rules;
mod running;
mod server;
mod show;

use std::time::Duration;

pub use fake_server::FakeServer;
pub use hints::hint;
pub(crate) use lang::text;
pub use peer::Peer;
pub use program::Program;
pub(crate) use program::lab;
pub(crate) use room::room_suite;
pub use rules::{
    expect_client_to_report_a_hang_up, expect_client_to_stop_at_a_line_that_never_ends,
    expect_help_and_version, expect_port_in_use_error, expect_refused_connection_error,
    expect_to_listen_on_loopback,
};
pub use running::Running;
pub use server::Server;
pub use show::{quote, set_difference};

/// The longest any single wait may take. Loopback answers in microseconds;
/// this only bounds how long a broken program can keep a test waiting, and
/// it is generous so that a correct program on a loaded machine never trips
/// it. A broken lab still fails its whole file in seconds because the tests
/// run many at a time (`RUST_TEST_THREADS` in .cargo/config.toml).
pub const DEADLINE: Duration = Duration::from_secs(5);
