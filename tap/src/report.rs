//! The tap's stdout: one line per event, `#N  T s  WHAT`, where `#N` is the
//! connection (numbered as they are accepted) and `T` the seconds since it
//! began; each direction in a colour of its own on a terminal.

use std::io::{Stdout, Write};
use std::sync::Mutex;

use anstream::AutoStream;
use anstyle::{AnsiColor, Style};
use tokio::time::Instant;

/// The two directions of a connection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Way {
    ClientToServer,
    ServerToClient,
}

impl Way {
    /// The side this direction reads from.
    pub fn from(self) -> &'static str {
        match self {
            Way::ClientToServer => "client",
            Way::ServerToClient => "server",
        }
    }

    /// The side this direction writes to.
    pub fn to(self) -> &'static str {
        match self {
            Way::ClientToServer => "server",
            Way::ServerToClient => "client",
        }
    }

    fn style(self) -> Style {
        let colour = match self {
            Way::ClientToServer => AnsiColor::Cyan,
            Way::ServerToClient => AnsiColor::Magenta,
        };
        Style::new().fg_color(Some(colour.into()))
    }
}

/// Where the lines go: stdout, coloured only where that shows (a terminal,
/// without NO_COLOR; anstream also speaks to the Windows console), and one
/// whole line at a time.
pub struct Output {
    stdout: Mutex<AutoStream<Stdout>>,
}

impl Output {
    pub fn stdout() -> Output {
        Output {
            stdout: Mutex::new(AutoStream::auto(std::io::stdout())),
        }
    }

    fn line(&self, text: &str) {
        let mut stdout = self.stdout.lock().unwrap_or_else(|e| e.into_inner());
        // A closed stdout (`tap | head`) must not stop the forwarding.
        let _ = stdout.write_all(text.as_bytes());
    }
}

/// The events of one connection, timed from its start.
pub struct Report<'a> {
    number: u64,
    started: Instant,
    output: &'a Output,
}

impl<'a> Report<'a> {
    pub fn new(number: u64, output: &'a Output) -> Report<'a> {
        Report {
            number,
            started: Instant::now(),
            output,
        }
    }

    /// An event of the whole connection (connected, closed).
    pub fn connection(&self, what: &str) {
        self.output.line(&format!("{}{what}\n", self.prefix()));
    }

    /// An event of one direction, in that direction's colour.
    pub fn way(&self, way: Way, what: &str) {
        let style = way.style();
        self.output.line(&format!(
            "{style}{}{} -> {}  {what}{style:#}\n",
            self.prefix(),
            way.from(),
            way.to()
        ));
    }

    fn prefix(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64();
        format!("#{} {seconds:>7.3}s  ", self.number)
    }
}
