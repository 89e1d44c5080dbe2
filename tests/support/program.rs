//! Which binary is under test, the student's or the reference one, and
//! starting it (inside a sandbox of its own when the class grader asks).

use std::process::{Command, ExitStatus, Stdio};

use super::lang::text;
use super::running::Running;
use super::server::Server;

/// The program under test: the student's binary, or with `--features
/// solutions` the reference one (`lab1_server_sol` for `lab1_server`).
///
/// `lab!("lab1_server")` picks it at compile time.
#[derive(Clone, Copy)]
pub struct Program {
    /// The name students know it by (`lab1_server`), used in messages.
    pub name: &'static str,
    /// Where cargo built it (cargo tells every integration test, at compile
    /// time, in `CARGO_BIN_EXE_<name>`).
    pub path: &'static str,
}

/// A program run to its end: how it exited, and what it printed.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

#[cfg(not(feature = "solutions"))]
macro_rules! lab {
    ($name:literal) => {
        $crate::support::Program {
            name: $name,
            path: env!(concat!("CARGO_BIN_EXE_", $name)),
        }
    };
}

#[cfg(feature = "solutions")]
macro_rules! lab {
    ($name:literal) => {
        $crate::support::Program {
            name: $name,
            path: env!(concat!("CARGO_BIN_EXE_", $name, "_sol")),
        }
    };
}

pub(crate) use lab;

/// Set by the class grader (grader/src/sandbox.rs), never by a student: the
/// command of a sandbox to start each program in, its words separated by
/// spaces (`bwrap --unshare-pid ... --`), the program and its arguments
/// after it. Unset, as in a student's own `cargo test`, a program starts
/// as itself.
const SANDBOX: &str = "SOCKETS_LAB_SANDBOX";

impl Program {
    /// The program, or the sandbox that runs it, ready for arguments.
    fn std_command(&self) -> Command {
        let sandbox = std::env::var(SANDBOX).unwrap_or_default();
        let mut words = sandbox.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(self.path).env_remove(SANDBOX);
                command
            }
            None => Command::new(self.path),
        };
        // A starter's todo!() message then reads in two lines, not forty.
        command.env_remove("RUST_BACKTRACE");
        command
    }

    /// For programs that run and exit (`--help`, an error at start-up):
    /// runs it with `args` and the variables `env`, types `input` on its
    /// stdin and ends it, and waits (with the deadline) for it to exit.
    #[track_caller]
    pub fn run(&self, args: &[&str], env: &[(&str, &str)], input: &[u8]) -> Finished {
        let mut running = self.start(args, env, |_| {});
        running.offer_input(input);
        running.close_stdin();
        let (name, args) = (self.name, args.join(" "));
        let status = running.wait_for_exit(&text!(
            en: "after `{name} {args}`",
            es: "tras `{name} {args}`",
        ));
        let stdout = running.rest_of_stdout().join("\n");
        Finished {
            status,
            stdout,
            stderr: running.stderr(),
        }
    }

    /// For programs that keep running: spawn with piped stdin, stdout and
    /// stderr. The returned guard kills and reaps the process when dropped,
    /// also when the test panics.
    #[track_caller]
    pub fn spawn(&self, args: &[&str]) -> Running {
        self.start(args, &[], |_| {})
    }

    /// `spawn`, with its stdout left unread until `Running::release_stdout`:
    /// once the pipe is full, the program blocks when it prints, as behind
    /// a terminal paused with Ctrl-S.
    #[track_caller]
    pub fn spawn_holding_stdout(&self, args: &[&str]) -> Running {
        self.launch(args, &[], |_| {}, true)
    }

    /// Starts the program with `args` and the variables `env`, with
    /// `configure` applied to the command first.
    #[track_caller]
    fn start(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        configure: impl FnOnce(&mut Command),
    ) -> Running {
        self.launch(args, env, configure, false)
    }

    #[track_caller]
    fn launch(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        configure: impl FnOnce(&mut Command),
        hold_stdout: bool,
    ) -> Running {
        let mut command = self.std_command();
        configure(&mut command);
        let child = command
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match child {
            Ok(child) => Running::new(self.name, child, hold_stdout),
            Err(e) => panic!(
                "{}",
                text!(
                    en: "could not start {name}: {e}",
                    es: "no se pudo iniciar {name}: {e}",
                    name = self.name,
                )
            ),
        }
    }

    /// Spawns a server on `--port 0` and waits for its `listening on
    /// IP:PORT` line, so tests can run in parallel on free ports.
    #[track_caller]
    pub fn start_server(&self, extra_args: &[&str]) -> Server {
        let mut args = vec!["--port", "0"];
        args.extend_from_slice(extra_args);
        Server::from_running(self.spawn(&args))
    }

    /// `start_server`, with the variables `env` (`TOKIO_WORKER_THREADS`,
    /// say) in its environment.
    #[track_caller]
    pub fn start_server_with_env(&self, env: &[(&str, &str)]) -> Server {
        Server::from_running(self.start(&["--port", "0"], env, |_| {}))
    }

    /// `start_server`, in a process whose soft limit on open files starts at
    /// `soft` (the hard limit stays as it is), as on a system that starts
    /// every process at 1,024 or 256.
    #[cfg(unix)]
    #[track_caller]
    pub fn start_server_with_open_file_limit(&self, soft: u64) -> Server {
        use std::os::unix::process::CommandExt;
        let lower = move || {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: between fork and exec, getrlimit and setrlimit only
            // read and write `limit`, which this closure owns.
            unsafe {
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                limit.rlim_cur = limit.rlim_cur.min(soft as libc::rlim_t);
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        };
        let running = self.start(&["--port", "0"], &[], |command| {
            // SAFETY: the closure only makes the two calls above, which are
            // safe between fork and exec (no allocation, no lock).
            unsafe {
                command.pre_exec(lower);
            }
        });
        Server::from_running(running)
    }
}
