//! The plumbing of the tap's tests, one concern per file:
//!
//! - `program`: a program started by a test (the tap, a lab's reference
//!   program): type on its stdin, read its stdout and stderr line by line;
//! - `tap`: the tap under test, on a free port, and the events it prints;
//! - `peer`: the two ends a test holds around the tap: a listener standing
//!   for the server, and raw connections that send, read, close and reset.
//!
//! Every wait has `DEADLINE` (a whole stream, `STREAM`); nothing sleeps to
//! wait for an event.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod peer;
pub mod program;
pub mod tap;

use std::time::Duration;

/// The longest any single wait may take: loopback answers in microseconds,
/// this only bounds how long a broken tap can keep a test waiting.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// The longest a whole stream may take to arrive while bytes keep coming,
/// each read within `DEADLINE`: it bounds a tap that never stops sending.
pub const STREAM: Duration = Duration::from_secs(60);
