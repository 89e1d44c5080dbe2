//! Programs that try to take the computer (issue 24), each an `attack()`
//! that a lab 1 server calls first thing in `main` (see
//! `attacks::with_attack`), or, for the build, a constant. Each is bounded by itself, so that it is safe
//! on a shared 2-core machine even if the grader's limits failed: one copy
//! at a time takes the resource (the run's programs share its /tmp, where
//! the lock is), and no more than a fixed amount of it.

/// Touches up to 1 GiB, 16 MiB at a time, then serves. It runs again as
/// itself with a first argument (its name) that ends in `TAG`, so that a
/// test can find it from outside the sandbox.
pub const MEMORY_HOG: &str = r##"
fn attack() {
    use std::os::unix::process::CommandExt;
    let mut args = std::env::args_os();
    let name = args.next().unwrap_or_default().to_string_lossy().into_owned();
    if !name.ends_with("TAG") {
        if let Ok(me) = std::env::current_exe() {
            let error = std::process::Command::new(me).arg0(format!("{name}-TAG")).args(args).exec();
            eprintln!("could not run again: {error}");
        }
        return;
    }
    let Ok(lock) = std::fs::File::create("/tmp/hog.lock") else { return };
    if lock.lock().is_err() { return; }
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for _ in 0..64 {
        kept.push(vec![1u8; 16 << 20]);
    }
    std::hint::black_box(&kept);
}
"##;

/// Starts up to 500 processes that sleep 20 s each (`sleep`, small and
/// quick to start), and panics (as `expect` does) when the system refuses
/// one.
pub const FORK_BOMB: &str = r##"
fn attack() {
    let lock = std::fs::File::create("/tmp/bomb.lock").expect("lock");
    lock.lock().expect("lock");
    for _ in 0..500 {
        std::process::Command::new("sleep")
            .arg("20")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("fork");
    }
}
"##;

/// Writes one file in /tmp, up to 1 GiB, 1 MiB at a time, then serves.
pub const DISK_FILLER: &str = r##"
fn attack() {
    use std::io::Write;
    let Ok(mut file) = std::fs::File::create_new("/tmp/filler") else { return };
    let block = vec![7u8; 1 << 20];
    for _ in 0..1024 {
        if file.write_all(&block).is_err() { break; }
    }
}
"##;

/// Spins two threads for up to 30 s (then stops), and serves after.
pub const CPU_SPINNER: &str = r##"
fn attack() {
    let start = std::time::Instant::now();
    let spin = move || {
        let mut n = 0u64;
        while start.elapsed() < std::time::Duration::from_secs(30) {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    };
    let other = std::thread::spawn(spin);
    spin();
    let _ = other.join();
}
"##;

/// A static of 1 GiB, which the compiler holds in memory (more than once)
/// to build: a lab program whose build takes the memory.
pub const BUILD_HOG: &str = r##"
static BIG: [u8; 1 << 30] = [7; 1 << 30];

fn attack() {
    std::hint::black_box(&BIG);
}
"##;
