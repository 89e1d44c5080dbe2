//! The open-file limit (labs 4 and 5): each client is an open file (its
//! socket), and many systems start a process with a limit of 1,024 of them
//! (macOS: 256). As Go's runtime and nginx do, a server meant for thousands
//! of clients raises its own limit at start.

/// Raises this process's limit on open files to the most the system allows,
/// and says so on stderr; if that is still little, says what to do.
#[cfg(unix)]
pub fn raise_open_file_limit() {
    use rlimit::Resource;
    // Fewer than this, and the room is small.
    const ENOUGH: u64 = 10_000;
    let Ok((before, _)) = rlimit::getrlimit(Resource::NOFILE) else {
        return;
    };
    // Up to the hard limit (on macOS, to its cap below it too).
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) if now > before => eprintln!("open files: raised the limit from {before} to {now}"),
        Ok(now) => eprintln!("open files: the limit is {now}"),
        Err(e) => eprintln!("open files: could not raise the limit of {before}: {e}"),
    }
    let Ok((soft, hard)) = rlimit::getrlimit(Resource::NOFILE) else {
        return;
    };
    if soft < ENOUGH {
        eprintln!(
            "open files: room for about {soft} clients at most; for more, the hard limit \
             ({hard}) must go up: as root, `ulimit -Hn {ENOUGH}` in the shell that starts the \
             server, or a `nofile` line in /etc/security/limits.conf (macOS: `sudo launchctl \
             limit maxfiles {ENOUGH} {ENOUGH}`)"
        );
    }
}

/// Windows has no limit on open sockets per process.
#[cfg(not(unix))]
pub fn raise_open_file_limit() {}
