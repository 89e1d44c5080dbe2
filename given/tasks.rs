//! The lingering close for tokio tasks (lab 5): `close::linger`'s twin,
//! for a client whose reader task holds the reading half of its socket and
//! whose writer task tells it, through a `CancellationToken`, that it has
//! ended the stream.

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio_util::sync::CancellationToken;

use crate::close::{CLOSING, LINGER};

/// Reads and throws away whatever the client still sends, until it closes
/// (or resets). Once its writer has ended the stream (`hang_up` cancelled),
/// only until it has been silent for `LINGER`, or for `CLOSING` at most:
/// then the reading half, and with it the socket, can be dropped.
pub async fn linger(reader: &mut BufReader<OwnedReadHalf>, hang_up: &CancellationToken) {
    tokio::select! {
        () = hang_up.cancelled() => {}
        () = drain(reader, None) => return,
    }
    let _ = tokio::time::timeout(CLOSING, drain(reader, Some(LINGER))).await;
}

/// Reads and throws away what the client sends, into the reader's own
/// buffer, until it closes or resets, or (with a limit) is that long silent.
async fn drain(reader: &mut BufReader<OwnedReadHalf>, silence: Option<std::time::Duration>) {
    loop {
        let read = match silence {
            Some(limit) => match tokio::time::timeout(limit, reader.fill_buf()).await {
                Ok(read) => read.map(<[u8]>::len),
                Err(_) => return, // silent for that long
            },
            None => reader.fill_buf().await.map(<[u8]>::len),
        };
        match read {
            Ok(n @ 1..) => reader.consume(n),
            _ => return, // it closed (0 bytes), or reset
        }
    }
}
