//! A server under test: started on a free port (`--port 0`), with the
//! address its `listening on IP:PORT` line announced, and connections to it.

use std::net::{SocketAddr, TcpStream};

use super::peer::Peer;
use super::program::Program;
use super::running::Running;

/// A server started on a free port, with the address it announced. It is
/// also the running program (`Deref`): type on its stdin, read its stdout.
pub struct Server {
    running: Running,
    pub addr: SocketAddr,
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
        Server { running, addr }
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
            Err(e) => panic!(
                "could not connect to {} at {}: {e}\n{}",
                self.running.name(),
                self.addr,
                self.running.stderr_report()
            ),
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
            .expect("create a socket");
        // Set before connecting: they shape the TCP window and segments.
        socket
            .set_recv_buffer_size(4096)
            .expect("set a small receive buffer");
        #[cfg(unix)]
        socket
            .set_tcp_mss(536)
            .expect("set a small maximum segment size");
        if let Err(e) = socket.connect(&self.addr.into()) {
            panic!(
                "could not connect to {} at {}: {e}\n{}",
                self.running.name(),
                self.addr,
                self.running.stderr_report()
            );
        }
        self.peer(socket.into())
    }

    fn peer(&self, stream: TcpStream) -> Peer {
        Peer::new(stream, self.running.name(), Some(self.running.stderr_log()))
    }
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
