//! A server under test: started on a free port (`--port 0`), with the
//! address its `listening on IP:PORT` line announced, and connections to it.
//!
//! The kit's own check (.ci/run) can put the tap (tap/) in front of every
//! server, so that the lab's tests reach it through a connection cut in
//! pieces: `SOCKETS_LAB_TAP` names the tap's binary and
//! `SOCKETS_LAB_TAP_OPTIONS` its options, for example
//! `SOCKETS_LAB_TAP=target/release/tap SOCKETS_LAB_TAP_OPTIONS="--split 1"
//! cargo test --features solutions --test lab2`. Only for labs whose tests
//! do not tell clients apart by their address: the server sees the tap's.

use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;

use super::lang::{OrFail, text};
use super::peer::Peer;
use super::program::Program;
use super::running::Running;

/// A server started on a free port, with the address it announced. It is
/// also the running program (`Deref`): type on its stdin, read its stdout.
pub struct Server {
    running: Running,
    /// Where the tests connect: the server, or the tap in front of it.
    pub addr: SocketAddr,
    /// Where the server itself listens, as it announced: the same as
    /// `addr` but behind the tap, which accepts every connection itself.
    pub announced: SocketAddr,
    /// The tap the tests reach the server through, if asked for (kept so
    /// that dropping the server stops it too).
    tap: Option<Running>,
}

impl Server {
    #[track_caller]
    pub fn start(program: Program) -> Server {
        program.start_server(&[])
    }

    /// A started server, once it has announced where it listens.
    #[track_caller]
    pub(super) fn from_running(mut running: Running) -> Server {
        let addr = running.read_listening_line();
        match tap() {
            None => Server {
                running,
                addr,
                announced: addr,
                tap: None,
            },
            Some(tap) => {
                let to = addr.to_string();
                let mut args = vec!["--listen", "0", "--to", &to];
                args.extend(tap.options.iter().map(String::as_str));
                let mut tap = tap.program.spawn(&args);
                Server {
                    running,
                    addr: tap.read_listening_line(),
                    announced: addr,
                    tap: Some(tap),
                }
            }
        }
    }

    /// The port as a string, for `--port` on a client's command line.
    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Opens a connection to the server, as a client would.
    #[track_caller]
    pub fn connect(&self) -> Peer {
        match TcpStream::connect(self.addr) {
            Ok(stream) => self.peer(stream),
            Err(e) => self.could_not_connect(e),
        }
    }

    /// Opens a connection that lets little data wait for it, for a client
    /// that does not read: a server that writes to it is stopped by its full
    /// buffers after about a hundred kilobytes instead of several megabytes
    /// (on loopback the server's send buffer grows with the segment size,
    /// 64 KB there), so a test needs little traffic to show whether the
    /// server waits for it.
    #[track_caller]
    pub fn connect_with_small_buffer(&self) -> Peer {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(self.addr), Type::STREAM, None)
            .or_fail("create a socket", "crear un socket");
        // Set before connecting: they shape the TCP window and segments.
        socket.set_recv_buffer_size(4096).or_fail(
            "set a small receive buffer",
            "poner un búfer de recepción chico",
        );
        #[cfg(unix)]
        socket.set_tcp_mss(536).or_fail(
            "set a small maximum segment size",
            "poner un tamaño máximo de segmento chico",
        );
        if let Err(e) = socket.connect(&self.addr.into()) {
            self.could_not_connect(e);
        }
        self.peer(socket.into())
    }

    #[track_caller]
    fn could_not_connect(&self, e: std::io::Error) -> ! {
        self.running.fail(text!(
            en: "could not connect to {name} at {addr}: {e}",
            es: "no se pudo conectar a {name} en {addr}: {e}",
            name = self.running.name(),
            addr = self.addr,
        ))
    }

    fn peer(&self, stream: TcpStream) -> Peer {
        Peer::new(stream, self.running.name(), Some(self.running.stderr_log()))
    }
}

/// The tap named by `SOCKETS_LAB_TAP`, and its options.
struct Tap {
    program: Program,
    options: Vec<String>,
}

fn tap() -> Option<&'static Tap> {
    static TAP: OnceLock<Option<Tap>> = OnceLock::new();
    TAP.get_or_init(|| {
        let path = std::env::var("SOCKETS_LAB_TAP").ok()?;
        let options = std::env::var("SOCKETS_LAB_TAP_OPTIONS").unwrap_or_default();
        Some(Tap {
            program: Program {
                name: "tap",
                path: path.leak(),
            },
            options: options.split_whitespace().map(String::from).collect(),
        })
    })
    .as_ref()
}

impl std::ops::Deref for Server {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Running {
        &mut self.running
    }
}
