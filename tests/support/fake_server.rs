//! Stand-ins for a lab's server, to grade a client on its own: a listener
//! written in the test, and a port where nothing listens.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use super::DEADLINE;
use super::lang::{OrFail, text};
use super::peer::Peer;
use super::running::Running;

/// A listener written in the test, standing in for the lab's server, so a
/// student's client is graded even when their server is broken.
pub struct FakeServer {
    listener: Arc<TcpListener>,
    pub addr: SocketAddr,
}

impl FakeServer {
    pub fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .or_fail("bind a fake server", "abrir un servidor falso");
        let addr = listener.local_addr().or_fail(
            "read the fake server's address",
            "leer la dirección del servidor falso",
        );
        FakeServer {
            listener: Arc::new(listener),
            addr,
        }
    }

    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Waits for `client` to connect, with the deadline. A client that
    /// exits before it connects fails the test at once, not at the deadline.
    #[track_caller]
    pub fn accept(&self, client: &Running) -> Peer {
        let (accepted, receiver) = mpsc::channel();
        let listener = Arc::clone(&self.listener);
        thread::spawn(move || {
            let _ = accepted.send(listener.accept().map(|(stream, _)| stream));
        });
        let deadline = Instant::now() + DEADLINE;
        let failure = loop {
            // Two events can end this wait: the connection, or the client's
            // exit (its stderr closes). Look at the second between short
            // waits for the first.
            match receiver.recv_timeout(Duration::from_millis(50)) {
                Ok(Ok(stream)) => {
                    return Peer::new(stream, client.name(), Some(client.stderr_log()));
                }
                Ok(Err(e)) => panic!(
                    "{}",
                    text!(
                        en: "the fake server could not accept: {e}",
                        es: "el servidor falso no pudo aceptar: {e}",
                    )
                ),
                Err(RecvTimeoutError::Disconnected) => unreachable!("the accepting thread sends"),
                Err(RecvTimeoutError::Timeout) if client.stderr_log().is_closed() => {
                    break text!(
                        en: "it exited without connecting",
                        es: "pero salió sin conectarse",
                    );
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                    break text!(
                        en: "it did not within {secs}s",
                        es: "pero no lo hizo en menos de {secs} s",
                        secs = DEADLINE.as_secs(),
                    );
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        };
        // Wake the accepting thread so it does not outlive the test.
        let _ = TcpStream::connect(self.addr);
        client.fail(text!(
            en: "expected {name} to connect to {addr}, {failure}",
            es: "se esperaba que {name} se conectara a {addr}, {failure}",
            name = client.name(),
            addr = self.addr,
        ))
    }
}

/// A port where nothing listens, reserved while this guard lives: a socket
/// is bound to it but never listens, so connecting is refused, and no other
/// test can take the port meanwhile (as it could once a listener is closed).
pub(super) struct RefusedPort {
    _bound: socket2::Socket,
    port: u16,
}

impl RefusedPort {
    pub fn port(&self) -> String {
        self.port.to_string()
    }
}

pub(super) fn refused_port() -> RefusedPort {
    use socket2::{Domain, Socket, Type};
    let socket =
        Socket::new(Domain::IPV4, Type::STREAM, None).or_fail("create a socket", "crear un socket");
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    socket
        .bind(&any_port.into())
        .or_fail("bind a free port", "tomar un puerto libre");
    let port = socket
        .local_addr()
        .ok()
        .and_then(|addr| addr.as_socket())
        .or_fail("read the port it took", "leer el puerto que tomó")
        .port();
    RefusedPort {
        _bound: socket,
        port,
    }
}
