//! Where students' code runs: inside bubblewrap (Linux), or, where no
//! sandbox is available, with the grader's own rights and a loud warning.
//!
//! With bubblewrap, every build and every lab's test run is a sandbox of its
//! own: read-only binds of the system, the toolchain and the slot's scratch
//! kit (mounted at `/kit`, its build at `/target`, so no path of the
//! instructor's computer shows in a message); a private `/tmp`; new pid,
//! network (loopback only), IPC and UTS namespaces; a new session (no
//! terminal to write to); and everything killed when the grader lets go of
//! it (`--die-with-parent`). Nothing else of the computer is there: not
//! the instructor's kit, not the output folder, not the other submissions,
//! not the grader. A build may write `/target` only; a test run nothing but
//! its `/tmp`, a tmpfs as large as the run's disk limit (limits/), which
//! every program of the run shares.
//!
//! The test binary is the kit's and trusted; the programs it starts are the
//! student's. It starts each one inside a second, nested sandbox, given by
//! the environment variable `SOCKETS_LAB_SANDBOX` (tests/support/program.rs):
//! a pid namespace and a session of its own, so that a student's program
//! cannot see the test binary in `/proc` (and write fake results on its
//! stdout, which the grader reads) and every process it starts ends with it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::lang::Lang;
use crate::limits::{Caps, Limits};

/// Where the slot's scratch kit and its build are, inside the sandbox.
pub const KIT_INSIDE: &str = "/kit";
pub const TARGET_INSIDE: &str = "/target";
/// The toolchain, when it is not under /usr (rustup's), and cargo's home.
const RUST_INSIDE: &str = "/rust";
const CARGO_HOME_INSIDE: &str = "/cargo";
/// bubblewrap itself, for the nested sandbox.
const BWRAP_INSIDE: &str = "/bwrap";

/// The variable through which the kit's test binaries start every program
/// in a sandbox of its own (tests/support/program.rs reads it).
pub const PROGRAM_SANDBOX_VAR: &str = "SOCKETS_LAB_SANDBOX";

/// The page (and section) of the instructors' docs with the container recipe.
pub const RECIPE: &str = "docs/en/instructors.md#grade-in-a-container";
const RECIPE_ES: &str = "docs/es/instructors.md#califica-en-un-contenedor";

pub enum Sandbox {
    Bwrap(Bwrap),
    /// No sandbox: why not (for the warning).
    None(String),
}

pub struct Bwrap {
    program: PathBuf,
    /// The toolchain's root (`rustc --print sysroot`).
    sysroot: PathBuf,
    cargo_home: Option<PathBuf>,
}

impl Sandbox {
    /// bubblewrap if it is installed and can make the sandboxes (it needs
    /// user namespaces, which some Linux systems turn off); `wanted`
    /// false gives no sandbox (`--no-sandbox`, for an instructor who grades
    /// in a container already).
    pub fn detect(wanted: bool, kit: &Path) -> Sandbox {
        if !wanted {
            return Sandbox::None("--no-sandbox was given".into());
        }
        if !cfg!(target_os = "linux") {
            return Sandbox::None(format!(
                "bubblewrap, the sandbox the grader uses, is Linux only (this is {})",
                std::env::consts::OS
            ));
        }
        let Some(program) = find_in_path("bwrap") else {
            return Sandbox::None(
                "bubblewrap is not installed (Debian and Ubuntu: apt install bubblewrap)".into(),
            );
        };
        let Some(sysroot) = sysroot(kit) else {
            return Sandbox::None(
                "could not find the Rust toolchain (rustc --print sysroot)".into(),
            );
        };
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
            .filter(|p| p.is_dir());
        let bwrap = Bwrap {
            program,
            sysroot,
            cargo_home,
        };
        match bwrap.probe() {
            Ok(()) => Sandbox::Bwrap(bwrap),
            Err(why) => Sandbox::None(format!(
                "bubblewrap cannot make a sandbox here (user namespaces turned off?): {why}"
            )),
        }
    }

    /// The warning for the console and every output, when there is no sandbox.
    pub fn warning(&self, lang: Lang) -> Option<String> {
        let Sandbox::None(why) = self else {
            return None;
        };
        let warning = text!(
            en: "WARNING: no sandbox ({why}). Students' programs ran with the grader's own \
                 permissions: they could read and change your files and other students' \
                 grades. Grade in a container instead: {RECIPE}",
            es: "ADVERTENCIA: sin sandbox ({why}). Los programas de los alumnos corrieron con \
                 los permisos del calificador: podían leer y cambiar tus archivos y las \
                 calificaciones de otros alumnos. Califica dentro de un contenedor: {RECIPE_ES}",
        );
        Some(warning.get(lang).to_string())
    }

    /// Where the commands run in it see a slot's target folder.
    pub fn target_seen<'a>(&self, target: &'a Path) -> &'a Path {
        match self {
            Sandbox::Bwrap(_) => Path::new(TARGET_INSIDE),
            Sandbox::None(_) => target,
        }
    }

    /// `cargo ARGS` in the slot's kit, under `limits`' `caps`; a build
    /// writes the target folder only.
    pub fn cargo(
        &self,
        kit: &Path,
        target: &Path,
        args: &[&str],
        limits: &Limits,
        caps: &Caps,
    ) -> Command {
        match self {
            Sandbox::Bwrap(bwrap) => {
                let mut command = bwrap.command(kit, target, true, limits, caps);
                command
                    .arg(bwrap.inside_toolchain().join("bin/cargo"))
                    .args(args);
                command
            }
            Sandbox::None(_) => {
                let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
                let mut command = Command::new(program);
                command.args(args).current_dir(kit);
                outer_cargo_env_removed(&mut command);
                command.env("CARGO_TARGET_DIR", target);
                command
            }
        }
    }

    /// A test binary of the slot's build (`executable` as `place` sees it)
    /// with `args`, under `limits`' `caps`; read-only, with the nested
    /// sandbox for its programs.
    pub fn test(
        &self,
        kit: &Path,
        target: &Path,
        executable: &Path,
        args: &[&str],
        limits: &Limits,
        caps: &Caps,
    ) -> Command {
        match self {
            Sandbox::Bwrap(bwrap) => {
                let mut command = bwrap.command(kit, target, false, limits, caps);
                // The programs write in the run's /tmp, whose size is the
                // run's disk limit, and where what they wrote stays until
                // the run ends, for the grader to count.
                command.env(
                    PROGRAM_SANDBOX_VAR,
                    format!(
                        "{BWRAP_INSIDE} --dev-bind / / --unshare-pid --new-session \
                         --die-with-parent --proc /proc --"
                    ),
                );
                command.arg(executable).args(args);
                command
            }
            Sandbox::None(_) => {
                let mut command = Command::new(executable);
                command.args(args).current_dir(kit);
                outer_cargo_env_removed(&mut command);
                command.env_remove(PROGRAM_SANDBOX_VAR);
                command
            }
        }
    }
}

impl Bwrap {
    fn inside_toolchain(&self) -> PathBuf {
        if self.sysroot.starts_with("/usr") {
            self.sysroot.clone()
        } else {
            PathBuf::from(RUST_INSIDE)
        }
    }

    /// The sandbox's common part: the system read-only, nothing of the
    /// user's files, new namespaces, a clean environment; its `/tmp` of
    /// `tmp_size` bytes at most, the only place a program can write (its
    /// `/dev` is read-only).
    fn base(&self, tmp_size: Option<u64>) -> Command {
        let mut command = Command::new(&self.program);
        command.args([
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--remount-ro",
            "/dev",
        ]);
        if let Some(size) = tmp_size {
            command.arg("--size").arg(size.to_string());
        }
        command.args(["--tmpfs", "/tmp"]);
        // The system's programs and libraries (on merged-/usr systems
        // /bin, /lib, ... are links into /usr).
        for dir in [
            "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
        ] {
            let path = Path::new(dir);
            if let Ok(link) = std::fs::read_link(path) {
                command.arg("--symlink").arg(link).arg(path);
            } else if path.is_dir() {
                command.args(["--ro-bind", dir, dir]);
            }
        }
        // What the linker and the C library read; nothing of /etc that
        // says who is on the computer (no passwd, no group).
        for file in [
            "/etc/alternatives",
            "/etc/ld.so.cache",
            "/etc/ld.so.conf",
            "/etc/ld.so.conf.d",
            "/etc/hosts",
            "/etc/nsswitch.conf",
        ] {
            command.args(["--ro-bind-try", file, file]);
        }
        if !self.sysroot.starts_with("/usr") {
            command.arg("--ro-bind").arg(&self.sysroot).arg(RUST_INSIDE);
        }
        command
            .arg("--ro-bind")
            .arg(&self.program)
            .arg(BWRAP_INSIDE);
        // A clean environment, which bubblewrap hands on (the grader's
        // run marker and the tests' language, set later, with it).
        let toolchain = self.inside_toolchain();
        let path: OsString = [
            toolchain.join("bin").into_os_string(),
            "/usr/bin:/bin".into(),
        ]
        .join(std::ffi::OsStr::new(":"));
        command
            .env_clear()
            .env("PATH", path)
            .env("HOME", "/tmp")
            .env("TMPDIR", "/tmp")
            .env("LANG", "C.UTF-8")
            .env("RUST_BACKTRACE", "0");
        command.stdin(Stdio::null());
        command
    }

    /// The sandbox of one build (`writable`: its target folder can be
    /// written) or one test run (nothing but /tmp can be), under `limits`'
    /// `caps`.
    fn command(
        &self,
        kit: &Path,
        target: &Path,
        writable: bool,
        limits: &Limits,
        caps: &Caps,
    ) -> Command {
        let mut command = self.base(limits.tmp_size(caps));
        command
            .arg("--ro-bind")
            .arg(kit)
            .arg(KIT_INSIDE)
            .arg(if writable { "--bind" } else { "--ro-bind" })
            .arg(target)
            .arg(TARGET_INSIDE)
            .args(["--chdir", KIT_INSIDE])
            .env("CARGO_TARGET_DIR", TARGET_INSIDE);
        if writable {
            let toolchain = self.inside_toolchain();
            // Cargo's downloaded sources, read-only; its locks go on a tmpfs.
            command.args(["--tmpfs", CARGO_HOME_INSIDE]);
            if let Some(home) = &self.cargo_home {
                for part in ["registry", "git", "config.toml"] {
                    command
                        .arg("--ro-bind-try")
                        .arg(home.join(part))
                        .arg(Path::new(CARGO_HOME_INSIDE).join(part));
                }
            }
            command
                .env("CARGO_HOME", CARGO_HOME_INSIDE)
                .env("RUSTC", toolchain.join("bin/rustc"))
                .env("CARGO_NET_OFFLINE", "true")
                .env("CARGO_INCREMENTAL", "0")
                .env("CARGO_TERM_COLOR", "never");
        }
        command.arg("--").args(limits.wrapper(caps));
        command
    }

    /// Makes a sandbox with a nested one in it, as a test run does.
    fn probe(&self) -> Result<(), String> {
        let mut command = self.base(None);
        command.args([
            "--",
            BWRAP_INSIDE,
            "--dev-bind",
            "/",
            "/",
            "--unshare-pid",
            "--new-session",
            "--die-with-parent",
            "--proc",
            "/proc",
            "--",
            "true",
        ]);
        let out = command
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

/// The toolchain cargo builds with: `rustc --print sysroot`, asked in the
/// kit (where a rust-toolchain file would choose it).
fn sysroot(kit: &Path) -> Option<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .current_dir(kit)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (out.status.success() && path.join("bin").is_dir()).then_some(path)
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Whatever an outer cargo set (the package's variables when the grader
/// runs under `cargo run` or `cargo test`, its target folder, coverage
/// flags) would make the inner build a different one; cargo's own settings
/// (home, network, registries) stay.
pub fn outer_cargo_env_removed(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let kept = [
            "CARGO_HOME",
            "CARGO_NET_",
            "CARGO_HTTP_",
            "CARGO_REGISTRIES_",
            "CARGO_REGISTRY_",
            "CARGO_TERM_",
        ]
        .iter()
        .any(|k| key.starts_with(k));
        let outer = (key.starts_with("CARGO") && !kept)
            || key.starts_with("__CARGO")
            || [
                "RUSTFLAGS",
                "RUSTDOCFLAGS",
                "RUST_TEST_THREADS",
                "LLVM_PROFILE_FILE",
            ]
            .contains(&key.as_ref());
        if outer {
            command.env_remove(key.as_ref());
        }
    }
    command
        .env("CARGO_INCREMENTAL", "0")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
}
