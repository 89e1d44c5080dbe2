//! Addresses and socket errors, named the way a student can act on them.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, ToSocketAddrs};

use anyhow::Context;

pub fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    addr.to_socket_addrs()
        .with_context(|| format!("could not resolve {addr}"))?
        .next()
        .with_context(|| format!("{addr} names no address"))
}

pub fn connect_problem(e: &io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused (is the server running?)".into(),
        _ if is_timeout(e) => "connection timed out (the server's backlog is full?)".into(),
        _ if e.raw_os_error() == Some(24) => {
            "too many open files: raise the limit with `ulimit -n`".into()
        }
        _ => format!("could not connect: {e}"),
    }
}

pub fn io_problem(what: &str, e: &io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionReset => format!("{what}: connection reset by the server"),
        ErrorKind::BrokenPipe => format!("{what}: the server closed the connection"),
        _ if is_timeout(e) => format!("{what}: timed out (the server stopped reading?)"),
        _ => format!("{what}: {e}"),
    }
}

pub fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
