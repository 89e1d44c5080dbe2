//! The two ends a test holds around the tap: a listener that stands for the
//! server, and raw connections (the client's, and the server's accepted
//! one) that send, read with a deadline, half-close and reset.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::{DEADLINE, STREAM};

/// A listener standing for the real server.
pub struct Server {
    listener: TcpListener,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a test server");
        let addr = listener.local_addr().expect("its address");
        Server { listener, addr }
    }

    /// The next connection the tap forwards here, within the deadline.
    #[track_caller]
    pub fn accept(&self) -> Peer {
        let listener = self.listener.try_clone().expect("clone the listener");
        let (accepted, receiver) = mpsc::channel();
        thread::spawn(move || {
            let _ = accepted.send(listener.accept());
        });
        match receiver.recv_timeout(DEADLINE) {
            Ok(Ok((stream, _))) => Peer::new(stream, "the server's end"),
            Ok(Err(e)) => panic!("the test server could not accept: {e}"),
            Err(_) => panic!(
                "expected the tap to connect to the server within {}s, it did not",
                DEADLINE.as_secs()
            ),
        }
    }
}

/// How a stream of bytes ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// read() returned 0: the other side closed its sending half.
    Fin,
    /// The connection was reset (RST).
    Reset,
}

/// What a peer received, until the end of the stream or a reset.
pub struct Received {
    pub bytes: Vec<u8>,
    pub end: End,
    /// When the first and the last bytes came.
    pub first: Option<Instant>,
    pub last: Option<Instant>,
}

/// One end of a connection through the tap, held by the test.
pub struct Peer {
    stream: TcpStream,
    what: &'static str,
}

impl Peer {
    fn new(stream: TcpStream, what: &'static str) -> Peer {
        stream.set_nodelay(true).expect("set TCP_NODELAY");
        stream
            .set_write_timeout(Some(DEADLINE))
            .expect("set a write timeout");
        Peer { stream, what }
    }

    /// A client's connection to `addr` (the tap).
    #[track_caller]
    pub fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect(addr)
            .unwrap_or_else(|e| panic!("could not connect to the tap at {addr}: {e}"));
        Peer::new(stream, "the client's end")
    }

    /// Another handle on this connection, to send from a thread while this
    /// one reads.
    pub fn clone_for_sending(&self) -> Peer {
        Peer {
            stream: self.stream.try_clone().expect("clone a socket"),
            what: self.what,
        }
    }

    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.stream.write_all(bytes) {
            panic!("{} could not send {} bytes: {e}", self.what, bytes.len());
        }
    }

    /// Closes the sending half (a FIN); this end can still receive.
    pub fn shutdown_write(&mut self) {
        self.stream
            .shutdown(Shutdown::Write)
            .expect("shut down the write side");
    }

    /// Closes the connection with a reset (RST), as a crashed program would.
    pub fn reset(self) {
        socket2::SockRef::from(&self.stream)
            .set_linger(Some(Duration::ZERO))
            .expect("set SO_LINGER to 0");
    }

    /// Exactly `n` bytes, however many reads they take.
    #[track_caller]
    pub fn expect_bytes(&mut self, expected: &[u8]) {
        let mut got = Vec::new();
        let deadline = Instant::now() + DEADLINE;
        while got.len() < expected.len() {
            match self.read_once(deadline) {
                Ok(Some(bytes)) => got.extend_from_slice(&bytes),
                outcome => panic!(
                    "{} expected {} bytes within {}s, got {} and then {}",
                    self.what,
                    expected.len(),
                    DEADLINE.as_secs(),
                    got.len(),
                    Outcome(&outcome)
                ),
            }
        }
        assert!(
            got == expected,
            "{} expected {:?}, got {:?}",
            self.what,
            String::from_utf8_lossy(expected),
            String::from_utf8_lossy(&got)
        );
    }

    /// Everything until the end of the stream or a reset. Each read waits
    /// `DEADLINE` at most, so a stream that stops fails in seconds; one
    /// that keeps coming (a stream of single bytes through a slow system:
    /// Wine takes about a millisecond a write) may take up to `STREAM`.
    #[track_caller]
    pub fn read_to_end(&mut self) -> Received {
        let mut received = Received {
            bytes: Vec::new(),
            end: End::Fin,
            first: None,
            last: None,
        };
        let end_of_all = Instant::now() + STREAM;
        loop {
            let deadline = end_of_all.min(Instant::now() + DEADLINE);
            match self.read_once(deadline) {
                Ok(Some(bytes)) => {
                    let now = Instant::now();
                    received.first.get_or_insert(now);
                    received.last = Some(now);
                    received.bytes.extend_from_slice(&bytes);
                }
                Ok(None) => return received,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    received.end = End::Reset;
                    return received;
                }
                Err(e) => panic!(
                    "{} expected the stream to go on or end (within {}s of each read, {}s in \
                     all), got {} bytes and then {e}",
                    self.what,
                    DEADLINE.as_secs(),
                    STREAM.as_secs(),
                    received.bytes.len()
                ),
            }
        }
    }

    /// One read: Some(bytes), None at the end of the stream, or the error
    /// (TimedOut at the deadline).
    fn read_once(&mut self, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
        let mut buf = [0; 64 * 1024];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
            return match self.stream.read(&mut buf) {
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(buf[..n].to_vec())),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    Err(io::ErrorKind::TimedOut.into())
                }
                Err(e) => Err(e),
            };
        }
    }
}

/// A read's outcome, as a failure message says it.
struct Outcome<'a>(&'a io::Result<Option<Vec<u8>>>);

impl fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(Some(bytes)) => write!(f, "{} bytes", bytes.len()),
            Ok(None) => write!(f, "the end of the stream (FIN)"),
            Err(e) => write!(f, "{e}"),
        }
    }
}
