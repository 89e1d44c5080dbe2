//! What one run of a student's code (a build, or one lab's tests with every
//! program they start) may take of the computer: memory, processes and
//! threads, disk, CPU time; and which of them a run hit, as IOI's `isolate`
//! reports it.
//!
//! Where the system lets the grader make control groups (cgroup v1 as root,
//! or a cgroup v2 subtree delegated to it, cgroup.rs), each run gets one:
//! memory and processes are held by the kernel for the whole run, which the
//! kernel's own counters then report (an OOM kill, `pids.max` reached); CPU
//! time and the bytes the run wrote to its `/tmp` (a tmpfs: memory) are read
//! every few milliseconds and the run is stopped when one passes its limit.
//! Everywhere on Linux every process of the run also gets resource limits
//! (rlimit.rs): file size and CPU time always, and where there is no control
//! group, memory (RLIMIT_DATA, per process) and processes (RLIMIT_NPROC, per
//! sandbox): they hold, but a run that hits one is not told apart from any
//! other failure. macOS and Windows get none of this.

mod cgroup;
mod rlimit;

use std::process::Command;
use std::time::Duration;

use crate::lang::{Lang, Text};

/// The defaults for one lab's tests, chosen from what the reference
/// solutions' tests use (docs/en/instructors.md, "Limits per run").
pub const MEMORY_MIB: u64 = 512;
pub const PROCESSES: u64 = 4096;
pub const DISK_MIB: u64 = 64;
pub const CPU_SECS: u64 = 60;
/// And for one build (cargo and every rustc it starts).
pub const BUILD_MEMORY_MIB: u64 = 4096;
const BUILD_PROCESSES: u64 = 1024;
const BUILD_DISK_MIB: u64 = 512;
const BUILD_CPU_SECS: u64 = 1200;

const MIB: u64 = 1 << 20;

/// The limits of one kind of run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Caps {
    /// Bytes of memory, the run's `/tmp` included.
    pub memory: u64,
    /// Processes and threads at once.
    pub processes: u64,
    /// Bytes of one file, and of everything the run writes to its `/tmp`.
    pub disk: u64,
    pub cpu_time: Duration,
}

impl Caps {
    /// No limit at all: what `--no-limits` and the progress form carry,
    /// never applied.
    const NONE: Caps = Caps {
        memory: u64::MAX,
        processes: u64::MAX,
        disk: u64::MAX,
        cpu_time: Duration::MAX,
    };

    /// A lab's tests' limits, from the grader's flags (MiB, seconds).
    pub fn tests(memory_mib: u64, processes: u64, disk_mib: u64, cpu_secs: u64) -> Caps {
        Caps {
            memory: memory_mib * MIB,
            processes,
            disk: disk_mib * MIB,
            cpu_time: Duration::from_secs(cpu_secs),
        }
    }

    /// A build's: memory from the grader's flag, the rest fixed (a build
    /// runs only the kit's compiler on the student's files).
    pub fn build(memory_mib: u64) -> Caps {
        Caps {
            memory: memory_mib * MIB,
            processes: BUILD_PROCESSES,
            disk: BUILD_DISK_MIB * MIB,
            cpu_time: Duration::from_secs(BUILD_CPU_SECS),
        }
    }
}

/// A limit a run hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hit {
    Memory(u64),
    Processes(u64),
    Disk(u64),
    CpuTime(Duration),
}

impl Hit {
    /// `memory (256 MiB)`, «memoria (256 MiB)».
    pub fn name(self, lang: Lang) -> String {
        let mib = |bytes: u64| format!("{} MiB", bytes / MIB);
        let text = match self {
            Hit::Memory(b) => text!(en: "memory ({size})", es: "memoria ({size})", size = mib(b)),
            Hit::Processes(n) => text!(
                en: "processes and threads ({n})",
                es: "procesos e hilos ({n})",
            ),
            Hit::Disk(b) => text!(en: "disk ({size})", es: "disco ({size})", size = mib(b)),
            Hit::CpuTime(t) => text!(
                en: "CPU time ({secs} s)",
                es: "tiempo de CPU ({secs} s)",
                secs = t.as_secs(),
            ),
        };
        text.get(lang).to_string()
    }

    /// Whether the grader stopped the whole run (CPU time, disk), rather
    /// than the kernel refusing one program what it asked for.
    pub fn stops_the_run(self) -> bool {
        matches!(self, Hit::Disk(_) | Hit::CpuTime(_))
    }
}

/// The error of a build that hit one of its limits: nothing of the
/// student's can be graded.
#[derive(Debug)]
pub struct BuildStopped(pub Hit);

impl std::fmt::Display for BuildStopped {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "the build hit its limit of {}", self.0.name(Lang::En))
    }
}

impl std::error::Error for BuildStopped {}

impl BuildStopped {
    /// What the gradebook and the feedback say.
    pub fn problem(&self) -> Text {
        text!(
            en: "the build of these files hit its limit of {limit}: nothing could be graded",
            es: "la compilación de estos archivos llegó a su límite de {límite}: no se pudo \
                 calificar nada",
            limit = self.0.name(Lang::En),
            límite = self.0.name(Lang::Es),
        )
    }
}

/// What a run used, as its control group counted it.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Usage {
    /// The peak of memory, in MiB.
    pub memory_mib: u64,
    /// The most processes and threads at once, as sampled.
    pub processes: u64,
    /// Bytes written to the run's tmpfs at their most, in MiB, as sampled.
    pub disk_mib: u64,
    pub cpu_seconds: f64,
}

/// Every limit of a class's grading: the caps of builds and of tests, and
/// how the system holds them.
pub struct Limits {
    pub build: Caps,
    pub tests: Caps,
    how: How,
}

enum How {
    /// `--no-limits`.
    Off,
    /// A control group per run, and resource limits.
    Cgroup(cgroup::Tree),
    /// Resource limits only; why there is no control group.
    Rlimits(String),
    /// Neither (macOS, Windows).
    None,
}

impl Limits {
    /// Finds how this system can hold the limits: once, in `main`.
    pub fn new(build: Caps, tests: Caps, wanted: bool) -> Limits {
        let how = if !wanted {
            How::Off
        } else if !cfg!(target_os = "linux") {
            How::None
        } else {
            match cgroup::Tree::new() {
                Ok(tree) => How::Cgroup(tree),
                Err(why) => How::Rlimits(why),
            }
        };
        Limits { build, tests, how }
    }

    /// No limit at all (a student's own progress form).
    pub fn off() -> Limits {
        Limits {
            build: Caps::NONE,
            tests: Caps::NONE,
            how: How::Off,
        }
    }

    /// One line for the console: the limits and how they are held.
    pub fn summary(&self, lang: Lang) -> String {
        let caps = |c: &Caps| {
            [
                Hit::Memory(c.memory),
                Hit::Processes(c.processes),
                Hit::Disk(c.disk),
                Hit::CpuTime(c.cpu_time),
            ]
            .map(|h| h.name(lang))
            .join(", ")
        };
        let (tests, build) = (caps(&self.tests), caps(&self.build));
        let os = std::env::consts::OS;
        let text = match &self.how {
            How::Off => {
                text!(en: "limits: none (--no-limits)", es: "límites: ninguno (--no-limits)")
            }
            How::None => text!(
                en: "WARNING: no limits on {os}: one student's program can take the whole computer",
                es: "ADVERTENCIA: sin límites en {os}: el programa de un alumno puede acaparar la \
                     computadora",
            ),
            How::Cgroup(tree) => text!(
                en: "limits per lab's tests: {tests}; per build: {build} (a {kind} per run)",
                es: "límites por los tests de un lab: {tests}; por compilación: {build} (un {kind} \
                     por corrida)",
                kind = tree.kind(),
            ),
            How::Rlimits(why) => text!(
                en: "limits per lab's tests: {tests}; per build: {build}; as resource limits of \
                     each process only ({why}): which limit a run hit is not reported. For a \
                     control group per run, see docs/en/instructors.md#limits-per-run",
                es: "límites por los tests de un lab: {tests}; por compilación: {build}; solo como \
                     límites de recursos de cada proceso ({why}): no se informa qué límite alcanzó \
                     una corrida. Para un grupo de control por corrida, mira \
                     docs/es/instructors.md#límites-por-corrida",
            ),
        };
        text.get(lang).to_string()
    }

    /// Prepares `command` (not started yet) to run under `caps`; the
    /// returned watch follows the run until it ends.
    pub fn prepare(&self, caps: &Caps, command: &mut Command) -> anyhow::Result<Watch> {
        let group = match &self.how {
            How::Off | How::None => return Ok(Watch::none()),
            How::Cgroup(tree) => Some(tree.group(caps)?),
            How::Rlimits(_) => None,
        };
        rlimit::set(command, caps, group.as_ref())?;
        Ok(Watch {
            group,
            caps: *caps,
            usage: Usage::default(),
            hits: Vec::new(),
        })
    }

    /// The words a sandbox runs its command behind, so that the processes
    /// of the run are limited as a whole where no control group does it.
    pub fn wrapper(&self, caps: &Caps) -> Vec<String> {
        match self.how {
            How::Rlimits(_) => rlimit::nproc_wrapper(caps),
            _ => Vec::new(),
        }
    }

    /// The size of a run's `/tmp`, for the sandbox's tmpfs.
    pub fn tmp_size(&self, caps: &Caps) -> Option<u64> {
        match self.how {
            How::Off | How::None => None,
            _ => Some(caps.disk),
        }
    }
}

/// One run under its limits, from its start to its end.
pub struct Watch {
    group: Option<cgroup::Group>,
    caps: Caps,
    usage: Usage,
    /// The limits it hit so far, in the order they were seen.
    hits: Vec<Hit>,
}

/// How a run ended with its limits.
pub struct Report {
    /// Every limit it hit, the first seen first.
    pub hits: Vec<Hit>,
    pub usage: Option<Usage>,
}

impl Watch {
    fn none() -> Watch {
        Watch {
            group: None,
            caps: Caps::NONE,
            usage: Usage::default(),
            hits: Vec::new(),
        }
    }

    fn saw(&mut self, hit: Hit) {
        if !self.hits.contains(&hit) {
            self.hits.push(hit);
        }
    }

    /// What the kernel counted: a program stopped for memory, a process
    /// refused.
    fn saw_events(&mut self, events: cgroup::Events) {
        if events.oom_killed {
            self.saw(Hit::Memory(self.caps.memory));
        }
        if events.processes_refused {
            self.saw(Hit::Processes(self.caps.processes));
        }
    }

    /// Called every few milliseconds while the run goes on: the limit it
    /// has just passed that stops it (CPU time, disk), if any. The limits
    /// the kernel holds are noted as they are met, so that a fork bomb that
    /// spends its CPU time forking is named for its processes first.
    pub fn check(&mut self) -> Option<Hit> {
        let now = self.group.as_ref()?.sample();
        self.usage.processes = self.usage.processes.max(now.processes);
        self.usage.disk_mib = self.usage.disk_mib.max(now.tmpfs / MIB);
        self.saw_events(now.events);
        let stop = if now.cpu >= self.caps.cpu_time {
            Hit::CpuTime(self.caps.cpu_time)
        } else if now.tmpfs >= self.caps.disk {
            Hit::Disk(self.caps.disk)
        } else {
            return None;
        };
        self.saw(stop);
        Some(stop)
    }

    /// After the run (and everything it left) was killed: every limit it
    /// hit (those seen while it ran, then what the kernel's counters and
    /// the run's stderr say), what it used; its control group removed.
    pub fn finish(mut self, stderr: &str) -> Report {
        let usage = self.group.take().map(|group| {
            let end = group.end();
            self.saw_events(end.events);
            Usage {
                memory_mib: end.peak_memory / MIB,
                processes: self.usage.processes,
                disk_mib: self.usage.disk_mib,
                cpu_seconds: (end.cpu.as_secs_f64() * 10.0).round() / 10.0,
            }
        });
        if let Some(hit) = rlimit::hit_in(stderr, &self.caps) {
            self.saw(hit);
        }
        Report {
            hits: self.hits,
            usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_named_with_its_size_in_either_language() {
        assert_eq!(Hit::Memory(256 * MIB).name(Lang::Es), "memoria (256 MiB)");
        assert_eq!(Hit::Memory(256 * MIB).name(Lang::En), "memory (256 MiB)");
        assert_eq!(
            Hit::CpuTime(Duration::from_secs(60)).name(Lang::Es),
            "tiempo de CPU (60 s)"
        );
        assert_eq!(
            Hit::Processes(512).name(Lang::En),
            "processes and threads (512)"
        );
    }
}
