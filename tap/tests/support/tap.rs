//! The tap under test: started on a free port (`--listen 0`) in front of a
//! server, with the address it announced, and the events it prints.

use std::net::SocketAddr;
use std::path::Path;

use super::program::Program;

pub struct Tap {
    pub program: Program,
    pub addr: SocketAddr,
}

impl Tap {
    /// The tap, forwarding to `server` with `options`.
    #[track_caller]
    pub fn start(server: SocketAddr, options: &[&str]) -> Tap {
        Tap::start_with_env(server, options, &[])
    }

    /// `start`, with `env` set for the tap (NO_COLOR, CLICOLOR_FORCE).
    #[track_caller]
    pub fn start_with_env(server: SocketAddr, options: &[&str], env: &[(&str, &str)]) -> Tap {
        let to = server.to_string();
        let mut args = vec!["--listen", "0", "--to", &to];
        args.extend_from_slice(options);
        let mut program = Program::spawn_with_env(path(), &args, env);
        let addr = program.read_listening_line();
        Tap { program, addr }
    }

    /// The event lines of connection `number`, up to and including the one
    /// that says it closed (other connections' lines are left out).
    #[track_caller]
    pub fn events_until_closed(&mut self, number: u64) -> Vec<String> {
        let mine = format!("#{number} ");
        let mut events = Vec::new();
        loop {
            let Some(line) = self.program.next_line() else {
                panic!(
                    "the tap's stdout ended before connection #{number} closed; it printed:\n{}{}",
                    events.join("\n"),
                    self.program.report()
                );
            };
            if !plain(&line).starts_with(&mine) {
                continue;
            }
            let closed = what(&plain(&line)).starts_with("closed");
            events.push(line);
            if closed {
                return events;
            }
        }
    }
}

/// A line without its colour codes (`ESC [ ... m`).
pub fn plain(line: &str) -> String {
    let mut plain = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("\x1b[") {
        plain.push_str(&rest[..start]);
        rest = rest[start..].split_once('m').map_or("", |(_, after)| after);
    }
    plain.push_str(rest);
    plain
}

/// What an event line says, after its `#N  T s  ` prefix.
pub fn what(line: &str) -> &str {
    line.split_once("s  ").map_or(line, |(_, what)| what)
}

/// The tap's binary, built by cargo for these tests.
pub fn path() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tap"))
}
