//! The accept loop's two chores (labs 4 and 5): telling an error about one
//! client from one about the server, and waking a thread blocked in
//! `accept()`.

use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};

/// Whether an error of `accept()` is about one client only (it reset, or
/// vanished, before the server took it), rather than about the server (out
/// of file descriptors or memory: then `accept()` fails again at once, and
/// the server should wait a moment before it tries again).
pub fn is_about_one_client(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionAborted
            | ErrorKind::ConnectionReset
            | ErrorKind::NotConnected
            | ErrorKind::Interrupted
            | ErrorKind::TimedOut
            | ErrorKind::NetworkDown
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable
            // A listening socket never gets an invalid argument of its own:
            // this is a client whose address could not be read (Wine
            // reports a client that reset in the backlog so).
            | ErrorKind::InvalidInput
    )
}

/// Wakes the thread blocked in `accept()` on the listener at `local` (lab
/// 4): nothing interrupts a blocked `accept()` but a connection, so this
/// makes one, and drops it at once.
pub fn wake_accept(local: SocketAddr) {
    // Listening on 0.0.0.0 (or ::) means "every address of this machine",
    // but it is no address to connect to: Linux and macOS take it as this
    // machine, Windows refuses. Loopback works everywhere.
    let mut addr = local;
    if local.ip().is_unspecified() {
        addr.set_ip(match local {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        });
    }
    // If it fails, the listener is gone already: nobody to wake.
    let _ = TcpStream::connect(addr);
}
