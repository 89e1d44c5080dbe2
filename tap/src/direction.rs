//! One direction of a connection: read from one side, show what came, and
//! forward it to the other side, shaped; forward the end of the stream (a
//! FIN) as a half-close, and a reset as a reset.
//!
//! Each direction ends on its own events: its source's FIN or reset, or its
//! destination refusing what it forwards. Only a reset ends the other
//! direction too (`Connection::resetting`): a task waiting in a read is
//! simply dropped, which works on every system (a thread blocked in a read
//! could not be woken on Windows).

use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio_util::sync::CancellationToken;

use crate::bytes::show;
use crate::report::{Report, Way};
use crate::shaping::{Budget, Shaping};

/// How much one read may take. A program's write of more arrives in several
/// reads, as it would in any program reading with a buffer this size.
const BUFFER: usize = 16 * 1024;

/// What the two directions of one connection share.
pub struct Connection<'a> {
    pub report: &'a Report<'a>,
    pub shaping: Shaping,
    pub budget: Budget,
    /// Cancelled when the connection is being reset: both directions stop.
    pub resetting: CancellationToken,
    /// Set when a side refused what was forwarded to it: once both
    /// directions end, the other side is reset (as the refusing side's
    /// system would have answered it).
    pub refused: AtomicBool,
}

impl Connection<'_> {
    /// Whether both sides are to be reset as the connection closes.
    pub fn ends_in_a_reset(&self) -> bool {
        self.resetting.is_cancelled() || self.refused.load(Ordering::SeqCst)
    }

    /// `--reset-after`: the budget is spent, reset both sides now.
    pub fn reset_after(&self) {
        if let Some(bytes) = self.shaping.reset_after {
            self.report.connection(&format!(
                "--reset-after {bytes}: {bytes} bytes forwarded, resetting both sides"
            ));
        }
        self.resetting.cancel();
    }
}

/// Forwards `from` to `to` until this direction ends; how many bytes it
/// forwarded.
pub async fn forward(
    way: Way,
    mut from: ReadHalf<'_>,
    mut to: WriteHalf<'_>,
    connection: &Connection<'_>,
) -> u64 {
    let Connection {
        report, resetting, ..
    } = connection;
    let mut buffer = vec![0; BUFFER];
    let mut forwarded = 0;
    loop {
        let read = tokio::select! {
            read = from.read(&mut buffer) => read,
            () = resetting.cancelled() => return forwarded,
        };
        let n = match read {
            // read() returned 0: the source closed its sending side.
            Ok(0) => {
                // Forwarded as what it is: a half-close, so the destination
                // reads the end of the stream and can still send.
                let _ = to.shutdown().await;
                report.way(
                    way,
                    &format!(
                        "FIN (read returned 0): half-closed towards the {}",
                        way.to()
                    ),
                );
                return forwarded;
            }
            Ok(n) => n,
            Err(e) => {
                let what = match e.kind() {
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                        format!("RST: the {} reset the connection", way.from())
                    }
                    _ => format!("could not read from the {}: {e}", way.from()),
                };
                report.way(way, &format!("{what}; resetting the {}", way.to()));
                resetting.cancel();
                return forwarded;
            }
        };
        let read = &buffer[..n];
        report.way(way, &format!("read {}: {}", bytes(n), show(read)));

        let pieces = connection.shaping.chunks(read).count();
        for (i, chunk) in connection.shaping.chunks(read).enumerate() {
            // --reset-after may let only part of it through
            let chunk = &chunk[..connection.budget.take(chunk.len())];
            if !chunk.is_empty() {
                if i > 0 && !connection.shaping.delay.is_zero() {
                    tokio::select! {
                        () = tokio::time::sleep(connection.shaping.delay) => {}
                        () = resetting.cancelled() => return forwarded,
                    }
                }
                let written = tokio::select! {
                    written = to.write_all(chunk) => written,
                    () = resetting.cancelled() => return forwarded,
                };
                if let Err(e) = written {
                    report.way(
                        way,
                        &format!(
                            "could not forward {} to the {} ({e}): the {} will be reset",
                            bytes(chunk.len()),
                            way.to(),
                            way.from()
                        ),
                    );
                    // The other direction still forwards what the refusing
                    // side sent before it went (its last words, maybe).
                    connection.refused.store(true, Ordering::SeqCst);
                    return forwarded;
                }
                forwarded += chunk.len() as u64;
                // Shown when it went out otherwise than it was read.
                if pieces > 1 || chunk.len() < read.len() {
                    report.way(
                        way,
                        &format!("  sent {}: {}", bytes(chunk.len()), show(chunk)),
                    );
                }
            }
            if connection.budget.is_spent() {
                connection.reset_after();
                return forwarded;
            }
        }
    }
}

/// "1 byte", "5 bytes".
fn bytes(n: usize) -> String {
    match n {
        1 => "1 byte".to_string(),
        n => format!("{n} bytes"),
    }
}
