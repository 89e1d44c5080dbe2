//! A control group per run, under the grader's own: with cgroup v1 (each
//! controller a hierarchy of its own; root may make groups in them), or
//! with cgroup v2 where the grader's group is delegated to it (started by
//! `systemd-run --user --scope -p Delegate=yes`, or the root of a
//! container's own cgroup namespace). Nothing outside the grader's own
//! group is touched: its runs stay inside whatever limits the system put
//! on the grader.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::Caps;

/// Where the grader makes its runs' groups.
pub enum Tree {
    V1 {
        /// The grader's own groups in the memory, pids and cpuacct
        /// hierarchies (and cpu's, where it is apart, so that runs share
        /// the processors evenly), with a folder of its own in each.
        memory: PathBuf,
        pids: PathBuf,
        cpuacct: PathBuf,
        cpu: Option<PathBuf>,
    },
    V2 {
        /// The delegated group, its processes moved to a leaf.
        base: PathBuf,
    },
}

/// The folder of this grader's runs in each hierarchy.
fn own_folder() -> String {
    format!("sockets-lab-grade-{}", std::process::id())
}

static RUNS: AtomicU64 = AtomicU64::new(0);

impl Tree {
    /// The control groups this grader can make, or why it cannot.
    pub fn new() -> Result<Tree, String> {
        let mounts = fs::read_to_string("/proc/self/mountinfo").map_err(|e| e.to_string())?;
        let own = fs::read_to_string("/proc/self/cgroup").map_err(|e| e.to_string())?;
        let v1 = |controller: &str| -> Option<PathBuf> {
            let mount = mounts.lines().find_map(|line| {
                let (mine, theirs) = line.split_once(" - ")?;
                let mut theirs = theirs.split(' ');
                let options = theirs.nth(2)?;
                (theirs_is(line, "cgroup") && options.split(',').any(|o| o == controller))
                    .then(|| mine.split(' ').nth(4).map(PathBuf::from))
                    .flatten()
            })?;
            let path = own.lines().find_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                controllers
                    .split(',')
                    .any(|c| c == controller)
                    .then(|| path.trim_start_matches('/').to_string())
            })?;
            Some(mount.join(path))
        };
        if let (Some(memory), Some(pids), Some(cpuacct)) = (v1("memory"), v1("pids"), v1("cpuacct"))
        {
            let cpu = v1("cpu").filter(|cpu| *cpu != cpuacct);
            let mut made = Vec::new();
            for dir in [&memory, &pids, &cpuacct].into_iter().chain(cpu.as_ref()) {
                let folder = dir.join(own_folder());
                if let Err(e) = fs::create_dir(&folder) {
                    for folder in made {
                        let _ = fs::remove_dir(folder);
                    }
                    return Err(format!(
                        "cgroup v1: could not make {} ({e}); as root it can",
                        folder.display()
                    ));
                }
                made.push(folder);
            }
            let folder = |dir: PathBuf| dir.join(own_folder());
            if let Some(cpu) = &cpu {
                // In cgroup v1 every process outside a group weighs as much
                // as a whole group (1024): the grader's runs together weigh
                // as much as a process per core, as they would outside it.
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
                let _ = write(&folder(cpu.clone()), "cpu.shares", 1024 * cores);
            }
            return Ok(Tree::V1 {
                memory: folder(memory),
                pids: folder(pids),
                cpuacct: folder(cpuacct),
                cpu: cpu.map(folder),
            });
        }
        let mount = mounts
            .lines()
            .find(|line| theirs_is(line, "cgroup2"))
            .and_then(|line| line.split(' ').nth(4))
            .ok_or("no cgroup2 file system, and no cgroup v1 memory and pids")?;
        let path = own
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .ok_or("not in a cgroup v2 group")?;
        let base = Path::new(mount).join(path.trim_start_matches('/'));
        Tree::delegated(&base, path == "/")?;
        Ok(Tree::V2 { base })
    }

    /// Takes a cgroup v2 group delegated to the grader: its processes (the
    /// grader, and cargo that started it) into a leaf, `grader`, so that
    /// its runs can be groups beside it with the memory and pids
    /// controllers on.
    fn delegated(base: &Path, at_root: bool) -> Result<(), String> {
        let controllers = fs::read_to_string(base.join("cgroup.controllers")).unwrap_or_default();
        for needed in ["memory", "pids"] {
            if !controllers.split_whitespace().any(|c| c == needed) {
                return Err(format!(
                    "cgroup v2: the {needed} controller is not available to the grader's group"
                ));
            }
        }
        if !is_delegated(base, at_root) {
            return Err(format!(
                "cgroup v2: the grader's group {} is not delegated to it \
                 (start it with systemd-run --user --scope -p Delegate=yes)",
                base.display()
            ));
        }
        let leaf = base.join("grader");
        if !leaf.is_dir() {
            fs::create_dir(&leaf).map_err(|e| format!("cgroup v2: {}: {e}", leaf.display()))?;
        }
        let procs = fs::read_to_string(base.join("cgroup.procs")).unwrap_or_default();
        for pid in procs.split_whitespace() {
            // A process may have ended meanwhile.
            let _ = fs::write(leaf.join("cgroup.procs"), pid);
        }
        let mut enable = String::from("+memory +pids");
        if controllers.split_whitespace().any(|c| c == "cpu") {
            enable.push_str(" +cpu");
        }
        fs::write(base.join("cgroup.subtree_control"), enable)
            .map_err(|e| format!("cgroup v2: could not turn on memory and pids: {e}"))
    }

    /// `cgroup v1`, `cgroup v2`: for the console.
    pub fn kind(&self) -> &'static str {
        match self {
            Tree::V1 { .. } => "cgroup v1",
            Tree::V2 { .. } => "cgroup v2",
        }
    }

    /// A new group for one run, with `caps`' memory and processes.
    pub fn group(&self, caps: &Caps) -> anyhow::Result<Group> {
        let name = format!("run-{}", RUNS.fetch_add(1, Ordering::Relaxed));
        let group = match self {
            Tree::V1 {
                memory,
                pids,
                cpuacct,
                cpu,
            } => {
                let dirs: Vec<PathBuf> = [memory, pids, cpuacct]
                    .into_iter()
                    .chain(cpu)
                    .map(|d| d.join(&name))
                    .collect();
                for dir in &dirs {
                    fs::create_dir(dir)?;
                }
                let group = Group {
                    v2: false,
                    dirs,
                    memory: memory.join(&name),
                    pids: pids.join(&name),
                    cpu: cpuacct.join(&name),
                };
                write(&group.memory, "memory.limit_in_bytes", caps.memory)?;
                // Where swap is counted, none of it either.
                let _ = write(&group.memory, "memory.memsw.limit_in_bytes", caps.memory);
                write(&group.pids, "pids.max", caps.processes)?;
                group
            }
            Tree::V2 { base } => {
                let dir = base.join(&name);
                fs::create_dir(&dir)?;
                write(&dir, "memory.max", caps.memory)?;
                let _ = write(&dir, "memory.swap.max", 0);
                write(&dir, "pids.max", caps.processes)?;
                Group {
                    v2: true,
                    dirs: vec![dir.clone()],
                    memory: dir.clone(),
                    pids: dir.clone(),
                    cpu: dir,
                }
            }
        };
        Ok(group)
    }
}

/// Whether the line of /proc/self/mountinfo is a file system of `kind`.
fn theirs_is(line: &str, kind: &str) -> bool {
    line.split_once(" - ")
        .and_then(|(_, theirs)| theirs.split(' ').next())
        == Some(kind)
}

/// systemd marks a group it delegates with an extended attribute
/// (`user.delegate`, `trusted.delegate` for root's); the root of a cgroup
/// namespace (a container's: it has a type, which the system's own root
/// group has not) belongs to whoever is in it.
fn is_delegated(dir: &Path, at_root: bool) -> bool {
    if at_root && dir.join("cgroup.type").exists() {
        return true;
    }
    ["user.delegate", "trusted.delegate"]
        .iter()
        .any(|name| xattr(dir, name).is_some_and(|v| v == b"1"))
}

#[cfg(target_os = "linux")]
fn xattr(dir: &Path, name: &str) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let name = std::ffi::CString::new(name).ok()?;
    let mut value = [0u8; 16];
    // SAFETY: both strings end in NUL; `value` is as long as we say.
    let len = unsafe {
        libc::getxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_mut_ptr().cast(),
            value.len(),
        )
    };
    (len >= 0).then(|| value[..len as usize].to_vec())
}

/// Control groups are Linux's: elsewhere the grader never gets this far.
#[cfg(not(target_os = "linux"))]
fn xattr(_dir: &Path, _name: &str) -> Option<Vec<u8>> {
    None
}

fn write(dir: &Path, file: &str, value: u64) -> anyhow::Result<()> {
    let path = dir.join(file);
    fs::write(&path, value.to_string())
        .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_default()
}

/// `KEY VALUE` in a file of such lines (memory.stat, memory.events, ...).
fn field(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(key)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// One run's control group (a folder in each hierarchy, with v1).
pub struct Group {
    v2: bool,
    dirs: Vec<PathBuf>,
    memory: PathBuf,
    pids: PathBuf,
    cpu: PathBuf,
}

/// What the kernel counted of a run: a program stopped for memory (the
/// OOM killer), a new process or thread refused.
#[derive(Clone, Copy)]
pub struct Events {
    pub oom_killed: bool,
    pub processes_refused: bool,
}

/// What a run uses now.
pub struct Sample {
    pub processes: u64,
    /// Bytes in tmpfs (its /tmp), charged to the run's memory.
    pub tmpfs: u64,
    pub cpu: Duration,
    pub events: Events,
}

/// What a run used and met, at its end.
pub struct End {
    pub peak_memory: u64,
    pub cpu: Duration,
    pub events: Events,
}

impl Group {
    /// The files a process writes its own pid (0) to, to join the group:
    /// for `pre_exec`, between fork and exec.
    #[cfg(unix)]
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.join("cgroup.procs")).collect()
    }

    fn cpu(&self) -> Duration {
        if self.v2 {
            Duration::from_micros(field(&read(&self.cpu, "cpu.stat"), "usage_usec"))
        } else {
            Duration::from_nanos(read(&self.cpu, "cpuacct.usage").trim().parse().unwrap_or(0))
        }
    }

    fn events(&self) -> Events {
        let oom = if self.v2 {
            read(&self.memory, "memory.events")
        } else {
            read(&self.memory, "memory.oom_control")
        };
        Events {
            oom_killed: field(&oom, "oom_kill") > 0,
            processes_refused: field(&read(&self.pids, "pids.events"), "max") > 0,
        }
    }

    pub fn sample(&self) -> Sample {
        let stat = read(&self.memory, "memory.stat");
        Sample {
            processes: read(&self.pids, "pids.current").trim().parse().unwrap_or(0),
            tmpfs: field(&stat, "shmem"),
            cpu: self.cpu(),
            events: self.events(),
        }
    }

    /// Reads the counters, kills whatever is still in the group, and
    /// removes it.
    pub fn end(self) -> End {
        let peak = if self.v2 {
            read(&self.memory, "memory.peak")
        } else {
            read(&self.memory, "memory.max_usage_in_bytes")
        };
        let end = End {
            peak_memory: peak.trim().parse().unwrap_or(0),
            cpu: self.cpu(),
            events: self.events(),
        };
        self.remove();
        end
    }

    /// Kills what is left in the group, and removes its folders: a group
    /// goes only once its last process is gone (and reaped).
    fn remove(self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        for dir in &self.dirs {
            loop {
                if self.v2 {
                    let _ = fs::write(dir.join("cgroup.kill"), "1");
                } else {
                    #[cfg(unix)]
                    for pid in read(dir, "cgroup.procs").split_whitespace() {
                        if let Ok(pid) = pid.parse::<libc::pid_t>() {
                            // SAFETY: kill(2) on a pid: no memory of ours is touched.
                            unsafe {
                                libc::kill(pid, libc::SIGKILL);
                            }
                        }
                    }
                }
                if fs::remove_dir(dir).is_ok() || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

impl Drop for Tree {
    /// The grader's own folders go when it ends (its runs' are gone by then).
    fn drop(&mut self) {
        if let Tree::V1 {
            memory,
            pids,
            cpuacct,
            cpu,
        } = self
        {
            for dir in [memory, pids, cpuacct].into_iter().chain(cpu.iter_mut()) {
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_is_read_from_its_line() {
        let stat = "cache 0\nshmem 4096\ntotal_shmem 8192\n";
        assert_eq!(field(stat, "shmem"), 4096);
        assert_eq!(field("max 3\n", "max"), 3);
        assert_eq!(
            field("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill"),
            2
        );
        assert_eq!(field("", "max"), 0);
    }
}
