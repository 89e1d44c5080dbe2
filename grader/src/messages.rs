//! What a student reads of the compiler and of the tests, made fit to
//! hand back: the paths of the grader's computer taken out, the compiler's
//! errors cut to the first few, and a crate the kit does not have named.

use std::path::PathBuf;

use crate::grading::Context;
use crate::kit::Kit;
use crate::lang::Text;
use crate::run::Slot;

/// Errors shown per program: the first ones are the ones to fix first.
const MAX_ERRORS: usize = 3;
const MAX_ERROR_LINES: usize = 40;

/// The crate a compiler error says is missing (`rand` in "unresolved
/// import `rand`"), when the kit does not have it.
pub fn missing_crate(kit: &Kit, errors: &str) -> Option<String> {
    const SIGNS: &[&str] = &[
        "unresolved import `",
        "unlinked crate `",
        "undeclared crate or module `",
        "can't find crate for `",
    ];
    for line in errors.lines() {
        for sign in SIGNS {
            let Some((_, after)) = line.split_once(sign) else {
                continue;
            };
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let local = ["crate", "self", "super", "std", "core", "alloc"];
            if !name.is_empty() && !local.contains(&name.as_str()) && !kit.has_dependency(&name) {
                return Some(name);
            }
        }
    }
    None
}

pub fn crate_problem(kit: &Kit, lab: u32, krate: &str) -> Text {
    let available = kit.dependencies.join(", ");
    text!(
        en: "lab {lab} uses the crate `{krate}`, which the kit does not have: only the kit's \
             dependencies are available ({available}); `cargo add` changes only the student's copy",
        es: "el lab {lab} usa el crate `{krate}`, que el kit no tiene: solo están las \
             dependencias del kit ({available}); `cargo add` cambia solo la copia del alumno",
    )
}

/// Messages with the paths of the grader's computer taken out: the slot's
/// kit (or the sandbox's `/kit`) becomes the kit's own relative paths, the
/// home folder `~`.
pub fn scrub(text: &str, slot: &Slot, cx: &Context) -> String {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from);
    let mut prefixes = vec![
        (slot.kit.clone(), ""),
        (slot.target_dir().to_path_buf(), "target/"),
        (cx.kit.root.clone(), ""),
        (PathBuf::from(crate::sandbox::KIT_INSIDE), ""),
        (PathBuf::from(crate::sandbox::TARGET_INSIDE), "target/"),
    ];
    if let Some(home) = home.filter(|h| h.as_os_str().len() > 1) {
        prefixes.push((home, "~/"));
    }
    scrub_paths(text, &prefixes)
}

/// `text` with every path under one of `prefixes` starting with its
/// replacement instead, the longest prefix first, whichever separator
/// follows it (`/`, or `\` on Windows).
fn scrub_paths(text: &str, prefixes: &[(PathBuf, &str)]) -> String {
    let mut prefixes: Vec<(String, &str)> = prefixes
        .iter()
        .map(|(p, by)| {
            (
                p.to_string_lossy()
                    .trim_end_matches(['/', '\\'])
                    .to_string(),
                *by,
            )
        })
        .filter(|(p, _)| !p.is_empty())
        .collect();
    prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut text = text.to_string();
    for (prefix, by) in prefixes {
        for separator in ['/', '\\'] {
            text = text.replace(&format!("{prefix}{separator}"), by);
        }
    }
    text
}

/// The first few errors, each cut to a screenful.
pub fn trim_errors(errors: &[String]) -> String {
    let mut text = String::new();
    for error in errors.iter().take(MAX_ERRORS) {
        let lines: Vec<&str> = error.lines().collect();
        text.push_str(&lines[..lines.len().min(MAX_ERROR_LINES)].join("\n"));
        text.push_str("\n\n");
    }
    if errors.len() > MAX_ERRORS {
        text.push_str(&format!(
            "[... and {} more errors]\n",
            errors.len() - MAX_ERRORS
        ));
    }
    text.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_graders_computer_are_taken_out_of_messages() {
        let prefixes = [
            (PathBuf::from("/home/prof/kit/target/grade/slot-1/kit"), ""),
            (PathBuf::from("/home/prof"), "~/"),
            (
                PathBuf::from(r"C:\Users\prof\kit\target\grade\slot-1\kit"),
                "",
            ),
        ];
        let text = "--> /home/prof/kit/target/grade/slot-1/kit/labs/lab1_server.rs:3:1\n\
                    /home/prof/.cargo/registry/src/x.rs\n\
                    C:\\Users\\prof\\kit\\target\\grade\\slot-1\\kit\\labs\\lab2_server.rs";
        assert_eq!(
            scrub_paths(text, &prefixes),
            "--> labs/lab1_server.rs:3:1\n~/.cargo/registry/src/x.rs\nlabs\\lab2_server.rs"
        );
    }

    #[test]
    fn a_crate_the_kit_lacks_is_named_from_the_compilers_error() {
        let kit = Kit {
            root: PathBuf::new(),
            labs: Vec::new(),
            starters: Vec::new(),
            given: None,
            dependencies: vec!["clap".into(), "tokio".into()],
            folders: Vec::new(),
            solutions: Vec::new(),
        };
        let error = "error[E0432]: unresolved import `rand`\n --> labs/lab1_server.rs:1:5";
        assert_eq!(missing_crate(&kit, error).as_deref(), Some("rand"));
        let error =
            "error[E0433]: failed to resolve: use of unresolved module or unlinked crate `serde`";
        assert_eq!(missing_crate(&kit, error).as_deref(), Some("serde"));
        assert_eq!(
            missing_crate(&kit, "error[E0432]: unresolved import `tokio::nope`"),
            None
        );
        assert_eq!(
            missing_crate(&kit, "error[E0432]: unresolved import `crate::x`"),
            None
        );
    }
}
