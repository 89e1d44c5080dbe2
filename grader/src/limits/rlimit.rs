//! The limits every process of a run inherits (setrlimit, set between fork
//! and exec of the run's first process): file size (RLIMIT_FSIZE, the
//! kernel sends SIGXFSZ past it) and CPU time (RLIMIT_CPU: SIGXCPU, then
//! SIGKILL); and, where no control group holds them for the whole run,
//! memory (RLIMIT_DATA, per process) and processes (RLIMIT_NPROC). The
//! same function puts the run's first process into its control group.

use std::process::Command;

use super::cgroup::Group;
use super::{Caps, Hit};

/// Seconds of CPU time past the soft limit (SIGXCPU, which a program can
/// catch) before the hard one (SIGKILL).
#[cfg(unix)]
const CPU_GRACE_SECS: u64 = 5;

/// Sets `caps` on `command`'s process, and puts it into `group` (Unix; the
/// grader holds limits on Linux only).
#[cfg(unix)]
pub fn set(command: &mut Command, caps: &Caps, group: Option<&Group>) -> anyhow::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;

    let cpu = caps.cpu_time.as_secs().max(1);
    let mut limits = vec![
        (libc::RLIMIT_FSIZE, caps.disk, caps.disk),
        (libc::RLIMIT_CPU, cpu, cpu + CPU_GRACE_SECS),
    ];
    if group.is_none() {
        limits.push((libc::RLIMIT_DATA, caps.memory, caps.memory));
    }
    let procs: Vec<CString> = group
        .map(Group::procs_files)
        .unwrap_or_default()
        .iter()
        .map(|p| CString::new(p.as_os_str().as_bytes()))
        .collect::<Result<_, _>>()?;
    let join = move || -> std::io::Result<()> {
        for file in &procs {
            // SAFETY: open, write and close on a NUL-ended path and a
            // static buffer: no allocation, safe between fork and exec.
            unsafe {
                let fd = libc::open(file.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                libc::close(fd);
                if written != 1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        for &(resource, soft, hard) in &limits {
            let limit = libc::rlimit {
                rlim_cur: soft as libc::rlim_t,
                rlim_max: hard as libc::rlim_t,
            };
            // SAFETY: setrlimit only reads `limit`.
            if unsafe { libc::setrlimit(resource, &limit) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    };
    // SAFETY: `join` makes only the system calls above, which are safe
    // between fork and exec (no allocation, no lock).
    unsafe {
        command.pre_exec(join);
    }
    Ok(())
}

/// Windows has no such limits (and the grader none there).
#[cfg(not(unix))]
pub fn set(_command: &mut Command, _caps: &Caps, _group: Option<&Group>) -> anyhow::Result<()> {
    Ok(())
}

/// `prlimit --nproc=N:N --`, to start a sandbox's command with: set inside
/// the sandbox's own user namespace, RLIMIT_NPROC counts the processes of
/// that sandbox alone (Linux 5.14 and later), not every process of the
/// user; set outside, it would. Root is exempt from it.
pub fn nproc_wrapper(caps: &Caps) -> Vec<String> {
    vec![
        "prlimit".into(),
        format!("--nproc={0}:{0}", caps.processes),
        "--".into(),
    ]
}

/// A limit that a process of the run hit, as cargo reports a compiler it
/// started that the kernel stopped: `(signal: 25, SIGXFSZ: file size limit
/// exceeded)`.
pub fn hit_in(stderr: &str, caps: &Caps) -> Option<Hit> {
    if stderr.contains("SIGXFSZ") {
        Some(Hit::Disk(caps.disk))
    } else if stderr.contains("SIGXCPU") {
        Some(Hit::CpuTime(caps.cpu_time))
    } else {
        None
    }
}
