//! The lingering close (lab 4; lab 5's is in `tasks`): how a server ends a
//! connection without destroying what the client has not read yet.
//!
//! Closing a socket that still has unread data from the client makes the
//! system send a reset, and a reset throws away what the client has not
//! read yet: its last lines, and its `adios`. So a server shuts down only
//! its sending half first (`shutdown(Shutdown::Write)`: the client reads
//! every byte, then the end of the stream), then keeps reading, and
//! throwing away, what the client still sends, and closes the socket only
//! once the client has closed too, or has been silent for `LINGER`, or after
//! `CLOSING` at most (nginx calls this `lingering_close`).

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// After the server's end of stream (FIN), how long a client may stay
/// silent, not closing, before the server closes the socket anyway (the
/// contract's 2 seconds).
pub const LINGER: Duration = Duration::from_secs(2);

/// The most a server lingers after its end of stream for a client that
/// keeps talking, and the most a room's close waits for its clients before
/// the server exits anyway (the contract's 3 seconds).
pub const CLOSING: Duration = Duration::from_secs(3);

/// Reads and throws away whatever the client still sends, until it closes
/// its end too (or resets), until it has been silent for `LINGER`, or for
/// `CLOSING` at most. Call it after `shutdown(Shutdown::Write)`, before the
/// stream is dropped. (Another thread may be reading the same socket too:
/// whichever reads a byte, nobody hears it any more.)
pub fn linger(mut stream: &TcpStream) {
    let deadline = Instant::now() + CLOSING;
    let mut scratch = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // A timeout set on a socket counts for the reads that start after
        // it, not for one already blocked: set before each read here.
        if left.is_zero() || stream.set_read_timeout(Some(left.min(LINGER))).is_err() {
            return;
        }
        match stream.read(&mut scratch) {
            Ok(0) => return, // the client closed too: done
            Ok(_) => {}      // it still talks, so it is still there: wait on
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return, // silent for LINGER, or it reset
        }
    }
}
