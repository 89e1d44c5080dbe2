//! Which kit file a file a student handed in stands for, whatever its case
//! and whatever copy suffix a system or a tool added to its name:
//! `Lab1_Server.rs`, `lab2_server (1).rs`, `lab2_server - copia.rs`,
//! `lab2_server copy.rs`, `Copia de lab2_server.rs` are all
//! `lab2_server.rs` (or `lab1_server.rs`).

/// The name a kit would give a file: lower case, copy suffixes taken off.
/// `None` for a file that is not Rust code.
pub fn canonical(name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    let mut stem = lower.strip_suffix(".rs")?.trim().to_string();
    for prefix in ["copia de ", "copy of "] {
        if let Some(rest) = stem.strip_prefix(prefix) {
            stem = rest.trim().to_string();
        }
    }
    loop {
        let before = stem.clone();
        stem = strip_number(&stem).trim_end().to_string();
        for suffix in [
            " - copia", " - copy", " copia", " copy", "-copia", "-copy", "_copy",
        ] {
            if let Some(rest) = stem.strip_suffix(suffix) {
                stem = rest.trim_end().to_string();
            }
        }
        if stem == before {
            break;
        }
    }
    Some(format!("{stem}.rs"))
}

/// `name` without a trailing `(2)` or ` 2` after a copy word: what
/// Windows, macOS and browsers add to a second copy of a file.
fn strip_number(name: &str) -> &str {
    if let Some(open) = name.rfind('(')
        && name.ends_with(')')
        && name[open + 1..name.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return &name[..open];
    }
    let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() < name.len() && (digits.ends_with(" copy ") || digits.ends_with(" copia ")) {
        return digits;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_file_is_known_whatever_its_case_and_copy_suffix() {
        for name in [
            "lab2_server.rs",
            "Lab2_Server.rs",
            "LAB2_SERVER.RS",
            "lab2_server (1).rs",
            "lab2_server(2).rs",
            "lab2_server - copia.rs",
            "lab2_server - Copia (3).rs",
            "lab2_server copy.rs",
            "lab2_server copy 2.rs",
            "lab2_server - Copy.rs",
            "Copia de lab2_server.rs",
            "Copy of lab2_server.rs",
        ] {
            assert_eq!(canonical(name).as_deref(), Some("lab2_server.rs"), "{name}");
        }
    }

    #[test]
    fn other_names_stay_what_they_are() {
        assert_eq!(canonical("helpers.rs").as_deref(), Some("helpers.rs"));
        assert_eq!(canonical("lab2_server.rs.txt"), None);
        assert_eq!(canonical("README.md"), None);
        // A number that is part of the name is not a copy's.
        assert_eq!(canonical("lab12.rs").as_deref(), Some("lab12.rs"));
    }
}
