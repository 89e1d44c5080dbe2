//! The classes graded once for all the tests: the sandboxed class, the
//! class without a sandbox, and the progress form on a checkout.

use super::*;

/// Each lab's tests may run this long in the sandboxed class.
pub const LAB_LIMIT: &str = "60";
/// In the class without a sandbox, where one student's lab hangs.
pub const HANG_LIMIT: &str = "4";
/// One grader run, cold (nothing built yet) on a loaded 2-core machine.
pub const RUN_DEADLINE: Duration = Duration::from_secs(900);
/// The classes are graded one at a time: the limits class's programs are
/// meant to load the machine.
pub static ONE_CLASS_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What the class's runs left, read once for all the tests.
pub struct Graded {
    pub root: PathBuf,
    pub submissions: PathBuf,
    /// The copy of the kit the class was graded with, as it was before.
    pub kit: PathBuf,
    pub kit_before: BTreeMap<PathBuf, Vec<u8>>,
    pub out: PathBuf,
    /// What the class run printed on its terminal (stderr and /dev/tty).
    pub console: String,
    pub csv: String,
    pub grades: Value,
    pub before: BTreeMap<PathBuf, Vec<u8>>,
    /// The class graded without a sandbox.
    pub unsafe_out: PathBuf,
    pub unsafe_console: String,
    pub unsafe_grades: Value,
    /// The progress form, in Spanish, on a checkout whose lab 1 is done.
    pub table: String,
    pub classroom: Value,
    /// Processes still running after the runs, by command line.
    pub processes_after: Vec<String>,
}

pub fn graded() -> &'static Graded {
    static GRADED: OnceLock<Graded> = OnceLock::new();
    GRADED.get_or_init(grade_the_classes)
}

pub fn grade_the_classes() -> Graded {
    let _one = ONE_CLASS_AT_A_TIME.lock();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade-class");
    let _ = fs::remove_dir_all(&root);
    // The instructor's kit, a copy: the attacks must leave it unchanged.
    let kit = root.join("instructors-kit");
    copy_kit(Path::new(KIT), &kit, true);
    let kit_before = snapshot(&kit);
    let submissions = root.join("submissions");
    write_class(&root, &submissions);
    let before = snapshot(&submissions);
    let out = root.join("out");
    // An earlier run's grades, one of them of a student no longer there.
    class::write(&out.join("feedback/ghost.md"), "old feedback");
    class::write(&out.join("grades.csv"), "old grades");
    let scratch = Path::new(KIT).join("target/grade-tests");

    let (_, console) = run_grader(
        &kit,
        &[
            submissions.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--jobs",
            "2",
            "--timeout",
            LAB_LIMIT,
            "--kit",
            kit.to_str().unwrap(),
            "--scratch",
            scratch.join("sandbox").to_str().unwrap(),
        ],
        true,
        // An English class (the kit's .cargo/config.toml says `es`): the
        // console, the gradebook and the tests' messages in English, the
        // feedback in both languages.
        &[("SOCKETS_LAB_LANG", "en")],
    );
    let csv = read(&out.join("grades.csv"));
    let grades =
        serde_json::from_str(&read(&out.join("grades.json"))).expect("grades.json is JSON");

    // Without a sandbox: a program that never lets its tests finish, and
    // the daemon, which only the run's marker finds there.
    let unsafe_submissions = root.join("unsafe-submissions");
    write_unsafe_class(&unsafe_submissions);
    let roster = root.join("roster-of-the-unsafe-class.csv");
    class::write(
        &roster,
        "\u{feff}Clave;Nombre\nhangs;Hugo Hangs\ndaemon;Dana Daemon\nausente;Aurelio Ausente\n",
    );
    let unsafe_out = root.join("unsafe-out");
    let (_, unsafe_console) = run_grader(
        &kit,
        &[
            unsafe_submissions.to_str().unwrap(),
            "--out",
            unsafe_out.to_str().unwrap(),
            "--timeout",
            HANG_LIMIT,
            "--no-sandbox",
            "--roster",
            roster.to_str().unwrap(),
            "--kit",
            kit.to_str().unwrap(),
            "--scratch",
            scratch.join("no-sandbox").to_str().unwrap(),
        ],
        false,
        &[("SOCKETS_LAB_LANG", "en")],
    );
    let unsafe_grades =
        serde_json::from_str(&read(&unsafe_out.join("grades.json"))).expect("grades.json is JSON");

    // The progress form, on a checkout of the kit whose student finished
    // lab 1 only, in the target folder its `cargo test` would use.
    let checkout = root.join("checkout");
    copy_kit(Path::new(KIT), &checkout, false);
    for file in lab_files(1) {
        fs::copy(
            Path::new(KIT).join("solutions").join(&file),
            checkout.join("labs").join(&file),
        )
        .unwrap();
    }
    let classroom_file = root.join("classroom.json");
    let (table, _) = run_grader(
        &checkout,
        &[
            "--kit",
            checkout.to_str().unwrap(),
            "--classroom",
            classroom_file.to_str().unwrap(),
        ],
        false,
        &[
            (
                "CARGO_TARGET_DIR",
                scratch.join("checkout").to_str().unwrap(),
            ),
            ("SOCKETS_LAB_LANG", "es"),
        ],
    );
    let classroom =
        serde_json::from_str(&read(&classroom_file)).expect("the Classroom result is JSON");
    Graded {
        root,
        submissions,
        kit,
        kit_before,
        out,
        console,
        csv,
        grades,
        before,
        unsafe_out,
        unsafe_console,
        unsafe_grades,
        table,
        classroom,
        processes_after: processes_with(&token()),
    }
}

/// Runs `grade` in `dir` with `args`, to its end or the deadline; its
/// stdout and what it printed on its terminal. `on_a_terminal`: under
/// `script`, so that it has a terminal a program could write to.
pub fn run_grader(
    dir: &Path,
    args: &[&str],
    on_a_terminal: bool,
    env: &[(&str, &str)],
) -> (String, String) {
    let grade = env!("CARGO_BIN_EXE_grade");
    let script = Path::new("/usr/bin/script");
    let mut command = if on_a_terminal && script.exists() {
        let line: Vec<String> = std::iter::once(grade)
            .chain(args.iter().copied())
            .map(|a| format!("'{a}'"))
            .collect();
        let mut command = Command::new(script);
        // stdout and stderr both go to the terminal; script copies it.
        command.args(["-q", "-e", "-c", &line.join(" "), "/dev/null"]);
        command
    } else {
        let mut command = Command::new(grade);
        command.args(args);
        command
    };
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("could not start grade");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let stderr = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = match child.wait_timeout(RUN_DEADLINE).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "grade {args:?} did not finish within {} s; stderr:\n{}",
                RUN_DEADLINE.as_secs(),
                stderr.join().unwrap()
            );
        }
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        status.success(),
        "grade {args:?} failed ({status}); stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    if on_a_terminal && script.exists() {
        (String::new(), stdout)
    } else {
        (stdout, stderr)
    }
}
