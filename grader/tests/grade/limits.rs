//! Limits: programs that try to take the computer, graded beside a correct
//! hand-in, with limits small enough for a shared 2-core machine.

use super::*;

/// The limits the class is graded with (`--memory`, `--processes`,
/// `--disk`, `--cpu-time`): far above what a correct lab 1 or 2 uses (at
/// most about 30 MiB, 170 processes and threads, nothing written, 0.3 s of
/// CPU); and `--build-memory`, above what a build of a student's files
/// uses (about 400 MiB, 650 MiB from cold on 2 cores).
const MEMORY_MIB: u64 = 128;
const PROCESSES: &str = "400";
const DISK_MIB: &str = "16";
const CPU_SECS: &str = "2";
const BUILD_MEMORY_MIB: &str = "1024";

/// The class graded with small limits, and the memory hog as seen from
/// outside the sandbox while it ran.
struct Limited {
    out: PathBuf,
    console: String,
    grades: Value,
    hog: HogSeen,
}

/// The memory hog's processes, sampled from /proc every few milliseconds.
/// What a program holds of its own is its anonymous and shared memory
/// (RssAnon, RssShmem); its resident size (VmRSS, and its peak VmHWM) also
/// counts the pages of its executable and the C library, which it shares
/// with every process that uses them and which are charged to whichever
/// read them first, so the hog's VmHWM may pass its limit by those (about
/// 100 KiB) without the run holding more.
#[derive(Default)]
struct HogSeen {
    /// How many of its processes were seen.
    processes: usize,
    /// The most memory of their own all of them held at once, in KiB.
    own_kib: u64,
    /// The largest resident peak (VmHWM) of any of them, in KiB.
    resident_peak_kib: u64,
}

fn limited() -> &'static Limited {
    static LIMITED: OnceLock<Limited> = OnceLock::new();
    LIMITED.get_or_init(grade_the_limits_class)
}

fn grade_the_limits_class() -> Limited {
    let _one = ONE_CLASS_AT_A_TIME.lock();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("limits-class");
    let _ = fs::remove_dir_all(&root);
    let submissions = root.join("submissions");
    write_limits_class(&submissions);
    let out = root.join("out");
    let scratch = Path::new(KIT).join("target/grade-tests/sandbox");
    let memory = MEMORY_MIB.to_string();
    let done = AtomicBool::new(false);
    let (console, hog) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| watch_the_hog(&done));
        let (_, console) = run_grader(
            Path::new(KIT),
            &[
                submissions.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--jobs",
                "2",
                "--timeout",
                LAB_LIMIT,
                "--memory",
                &memory,
                "--processes",
                PROCESSES,
                "--disk",
                DISK_MIB,
                "--cpu-time",
                CPU_SECS,
                "--build-memory",
                BUILD_MEMORY_MIB,
                "--kit",
                KIT,
                "--scratch",
                scratch.to_str().unwrap(),
            ],
            false,
            &[("SOCKETS_LAB_LANG", "en")],
        );
        done.store(true, Ordering::Relaxed);
        (console, watcher.join().unwrap())
    });
    let grades =
        serde_json::from_str(&read(&out.join("grades.json"))).expect("grades.json is JSON");
    Limited {
        out,
        console,
        grades,
        hog,
    }
}

/// Samples the processes whose name (their first argument) ends with the
/// hog's tag until `done`.
fn watch_the_hog(done: &AtomicBool) -> HogSeen {
    let tag = hog_tag();
    let mut seen = HogSeen::default();
    let mut pids = std::collections::BTreeSet::new();
    let kib = |status: &str, key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    // Whether a process is still running (not gone, not a zombie).
    let running = |status: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("State:"))
            .is_some_and(|state| !state.trim_start().starts_with(['Z', 'X']))
    };
    while !done.load(Ordering::Relaxed) {
        let mut sample = Vec::new();
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let name = cmdline.split(|&b| b == 0).next().unwrap_or_default();
            if !name.ends_with(tag.as_bytes()) {
                continue;
            }
            let status = fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            pids.insert(entry.file_name());
            seen.resident_peak_kib = seen.resident_peak_kib.max(kib(&status, "VmHWM:"));
            sample.push((
                entry.path(),
                kib(&status, "RssAnon:") + kib(&status, "RssShmem:"),
            ));
        }
        // A walk through /proc is not one instant: a copy read before the
        // kernel stopped it, and the next copy read after it grew, were
        // never both there. A copy only grows while it runs, so the copies
        // still running after the walk held at least what was read of
        // them at once; only they count.
        let own: u64 = sample
            .iter()
            .filter(|(path, _)| {
                running(&fs::read_to_string(path.join("status")).unwrap_or_default())
            })
            .map(|(_, kib)| kib)
            .sum();
        seen.own_kib = seen.own_kib.max(own);
        // A sample, not a synchronisation: the hog is measured while it runs.
        std::thread::sleep(Duration::from_millis(2));
    }
    seen.processes = pids.len();
    seen
}

/// Whether the class ran with a control group per run, for the tests of
/// what only the kernel's counters report. Where there is none (no
/// bubblewrap, not root with cgroup v1, no delegated cgroup v2; macOS and
/// Windows never), such a test says on the terminal that it is skipped
/// and why, and passes; with SOCKETS_LAB_REQUIRE_SANDBOX=1 it fails.
fn with_control_groups(test: &str) -> Option<&'static Limited> {
    if !cfg!(target_os = "linux") {
        return skip(test, "the grader's limits are Linux only".into());
    }
    let limited = limited();
    let line = limited
        .console
        .lines()
        .find(|l| l.starts_with("limits per lab's tests"))
        .unwrap_or("no limits line");
    if limited.console.contains(NO_SANDBOX) || !line.contains("cgroup") {
        return skip(test, line.to_string());
    }
    Some(limited)
}

fn skip(test: &str, why: String) -> Option<&'static Limited> {
    if std::env::var_os("SOCKETS_LAB_REQUIRE_SANDBOX").is_some() {
        panic!("{test} needs the grader's sandbox and its control groups: {why}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "{test}: skipped, {why}; SOCKETS_LAB_REQUIRE_SANDBOX=1 makes this a failure"
    );
    None
}

fn limited_lab1(limited: &Limited, id: &str) -> &'static str {
    let lab = &student_in(&limited.grades, id)["labs"]["lab1"];
    let score = lab["score"].as_f64().unwrap();
    if score == 100.0 {
        "100"
    } else if score == 0.0 {
        "0"
    } else {
        "partial"
    }
}

fn limited_feedback(limited: &Limited, id: &str) -> String {
    read(&limited.out.join(format!("feedback/{id}.md")))
}

/// A hostile hand-in's lab 1 fails, and its feedback (in both languages)
/// and its problems name the limit it hit.
#[track_caller]
fn assert_fails_with_the_limit_named(limited: &Limited, id: &str, en: &str, es: &str) {
    let text = limited_feedback(limited, id);
    assert_ne!(
        limited_lab1(limited, id),
        "100",
        "{id} passed lab 1:\n{text}"
    );
    assert!(
        text.contains(&format!("limit of **{en}**")),
        "{en} not named:\n{text}"
    );
    assert!(
        text.contains(&format!("límite de **{es}**")),
        "{es} not named:\n{text}"
    );
    let student = student_in(&limited.grades, id);
    let limits = student["labs"]["lab1"]["limits"].as_array().unwrap();
    assert!(limits.iter().any(|l| l == en), "{student:#}");
    let problems = student["problems"].to_string();
    assert!(
        problems.contains(&format!("lab 1: hit the limit of {en}")),
        "{problems}"
    );
}

#[test]
fn under_limits_a_correct_hand_in_keeps_its_100_beside_programs_that_take_the_computer() {
    let Some(limited) = with_control_groups(
        "under_limits_a_correct_hand_in_keeps_its_100_beside_programs_that_take_the_computer",
    ) else {
        return;
    };
    let correct = student_in(&limited.grades, "correct");
    assert_eq!(
        limited_lab1(limited, "correct"),
        "100",
        "{correct:#}\n{}",
        limited_feedback(limited, "correct")
    );
    assert_eq!(correct["problems"], serde_json::json!([]), "{correct:#}");
    assert!(
        limited
            .console
            .contains("memory (128 MiB), processes and threads (400)"),
        "the console names the limits:\n{}",
        limited.console
    );
}

#[test]
fn a_memory_hog_fails_its_lab_with_the_memory_limit_named_and_never_holds_more() {
    let Some(limited) = with_control_groups(
        "a_memory_hog_fails_its_lab_with_the_memory_limit_named_and_never_holds_more",
    ) else {
        return;
    };
    assert_fails_with_the_limit_named(
        limited,
        "memory-hog",
        "memory (128 MiB)",
        "memoria (128 MiB)",
    );
    let hog = &limited.hog;
    assert!(hog.processes > 0, "the hog was never seen from outside");
    let limit_kib = MEMORY_MIB * 1024;
    assert!(
        hog.own_kib <= limit_kib,
        "seen from outside, the hog's copies held {} KiB of their own at once, over the limit \
         of {limit_kib} KiB (resident peak {} KiB)",
        hog.own_kib,
        hog.resident_peak_kib
    );
    // It did try: the samples saw it grow most of the way to the limit.
    assert!(hog.own_kib > limit_kib / 2, "{} KiB", hog.own_kib);
    let usage = &student_in(&limited.grades, "memory-hog")["labs"]["lab1"]["usage"];
    assert!(
        usage["memory_mib"].as_u64().unwrap() <= MEMORY_MIB,
        "the run's own peak, as the kernel counted it: {usage}"
    );
}

#[test]
fn a_fork_bomb_fails_its_lab_with_the_process_limit_named() {
    let Some(limited) =
        with_control_groups("a_fork_bomb_fails_its_lab_with_the_process_limit_named")
    else {
        return;
    };
    assert_fails_with_the_limit_named(
        limited,
        "fork-bomb",
        "processes and threads (400)",
        "procesos e hilos (400)",
    );
}

#[test]
fn a_disk_filler_is_stopped_and_scores_0_with_the_disk_limit_named() {
    let Some(limited) =
        with_control_groups("a_disk_filler_is_stopped_and_scores_0_with_the_disk_limit_named")
    else {
        return;
    };
    assert_fails_with_the_limit_named(limited, "disk-filler", "disk (16 MiB)", "disco (16 MiB)");
    assert_eq!(limited_lab1(limited, "disk-filler"), "0");
}

#[test]
fn a_cpu_spinner_is_stopped_and_scores_0_with_the_cpu_limit_named() {
    let Some(limited) =
        with_control_groups("a_cpu_spinner_is_stopped_and_scores_0_with_the_cpu_limit_named")
    else {
        return;
    };
    assert_fails_with_the_limit_named(
        limited,
        "cpu-spinner",
        "CPU time (2 s)",
        "tiempo de CPU (2 s)",
    );
    assert_eq!(limited_lab1(limited, "cpu-spinner"), "0");
}

#[test]
fn a_program_whose_build_takes_the_memory_fails_its_lab_and_the_others_are_graded() {
    let Some(limited) = with_control_groups(
        "a_program_whose_build_takes_the_memory_fails_its_lab_and_the_others_are_graded",
    ) else {
        return;
    };
    let student = student_in(&limited.grades, "build-hog");
    let text = limited_feedback(limited, "build-hog");
    assert_eq!(
        student["labs"]["lab1"]["status"], "did not compile",
        "{text}"
    );
    assert_eq!(student["labs"]["lab1"]["score"], 0.0, "{text}");
    assert_eq!(student["labs"]["lab2"]["score"], 100.0, "{text}");
    let named = "lab 1: the build of labs/lab1_server.rs hit its limit of memory (1024 MiB)";
    assert!(
        student["problems"].to_string().contains(named),
        "{student:#}"
    );
    assert!(text.contains(named), "{text}");
    assert!(
        text.contains("llegó a su límite de memoria (1024 MiB)"),
        "{text}"
    );
}
