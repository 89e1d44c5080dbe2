//! The language of the failure messages, Spanish or English, chosen once for
//! the whole run by `SOCKETS_LAB_LANG` (`es` or `en`): .cargo/config.toml
//! sets it to `es` for the class, an instructor changes that line (or sets
//! the variable) for an English class, and unset it is English.
//!
//! Each message is written in both languages at the place it fails, side by
//! side, with `text!`: `text!(en: "...", es: "...", name = value, ...)`
//! formats the one the run is in. Both strings name what they show inline
//! (`{name}`), from the variables in scope or the ones bound after them, so
//! each language orders its sentence as it reads best. What a message
//! quotes (a line expected, what came, a program's stderr) is shown as it
//! is, in whatever language it came.

use std::sync::OnceLock;

/// The variable that chooses the language (the class grader reads it and
/// sets it too: grader/src/lang.rs).
pub const LANG_VAR: &str = "SOCKETS_LAB_LANG";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

/// The language of this run, read once: `es` (in any case) is Spanish,
/// anything else, or nothing, English.
pub fn lang() -> Lang {
    static LANG: OnceLock<Lang> = OnceLock::new();
    *LANG.get_or_init(|| match std::env::var(LANG_VAR) {
        Ok(value) if value.trim().eq_ignore_ascii_case("es") => Lang::Es,
        _ => Lang::En,
    })
}

/// One of two words or phrases, in the run's language.
pub fn pick<'a>(en: &'a str, es: &'a str) -> &'a str {
    match lang() {
        Lang::En => en,
        Lang::Es => es,
    }
}

/// The walkthroughs' folder in the run's language: `docs/es`.
pub fn docs() -> &'static str {
    pick("docs/en", "docs/es")
}

/// A message in the run's language: `text!(en: "expected {what}", es: "se
/// esperaba {what}", what = quote(line))`. Each `name = value` is evaluated
/// once, before either string is formatted.
macro_rules! text {
    (en: $en:literal, es: $es:literal $(, $name:ident = $value:expr)* $(,)?) => {{
        $(let $name = $value;)*
        match $crate::support::lang::lang() {
            $crate::support::lang::Lang::En => format!($en),
            $crate::support::lang::Lang::Es => format!($es),
        }
    }};
}

pub(crate) use text;

/// `expect`, in the run's language, for what a test needs from the system
/// rather than from the program under test (a socket, a free port):
/// `.or_fail("bind a fake server", "abrir un servidor falso")` fails with
/// "the test could not bind a fake server: ..." in English.
pub trait OrFail<T> {
    fn or_fail(self, en: &str, es: &str) -> T;
}

impl<T, E: std::fmt::Display> OrFail<T> for Result<T, E> {
    #[track_caller]
    fn or_fail(self, en: &str, es: &str) -> T {
        match self {
            Ok(value) => value,
            Err(e) => panic!(
                "{}",
                text!(en: "the test could not {en}: {e}", es: "el test no pudo {es}: {e}")
            ),
        }
    }
}

impl<T> OrFail<T> for Option<T> {
    #[track_caller]
    fn or_fail(self, en: &str, es: &str) -> T {
        match self {
            Some(value) => value,
            None => panic!(
                "{}",
                text!(en: "the test could not {en}", es: "el test no pudo {es}")
            ),
        }
    }
}
