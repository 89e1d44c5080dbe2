//! The two languages of what the grader writes (the console, the progress
//! table, the feedback), and the default one: `--lang`, else the
//! environment variable `SOCKETS_LAB_LANG` (`es` or `en`; the kit's
//! .cargo/config.toml sets it for the class), which the kit's tests read
//! too, so that an instructor sets it once for a class. The grader runs the
//! tests with it set to its own language, so that the failure messages it
//! quotes are in the language it writes in.
//!
//! Every sentence is written in both languages at the place it is said,
//! side by side, with `text!` (as the kit's tests write their messages):
//! `text!(en: "graded {n}", es: "se calificó {n}", n = ...)` is a [`Text`],
//! shown in one language with `.get(lang)` or kept for later in both.

/// The variable an instructor (or `.cargo/config.toml`) sets for a class.
pub const LANG_VAR: &str = "SOCKETS_LAB_LANG";

#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    /// `SOCKETS_LAB_LANG`, when it is `es` or `en` (in any case).
    pub fn from_env() -> Option<Lang> {
        let value = std::env::var(LANG_VAR).ok()?;
        match value.trim().to_ascii_lowercase().as_str() {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The value of `SOCKETS_LAB_LANG` that makes the kit's tests write
    /// their failure messages in this language.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }
}

/// A sentence written in both languages, shown in one (`get`) or kept in
/// both (a hand-in's problems, shown to the instructor and the student).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub en: String,
    pub es: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }
}

/// A [`Text`]: `text!(en: "expected {what}", es: "se esperaba {what}",
/// what = quote(line))`. Every `name = value` is evaluated once, all of
/// them before any name is bound (so a value may use a variable that a
/// name shadows), and before either string is formatted; each string names
/// what it shows inline, so each language orders its sentence as it reads
/// best.
macro_rules! text {
    (en: $en:literal, es: $es:literal $(, $name:ident = $value:expr)* $(,)?) => {{
        #[allow(unused_parens)]
        let ($($name),*) = ($($value),*);
        $crate::lang::Text {
            en: format!($en),
            es: format!($es),
        }
    }};
}

/// `one` or `many`, as `n` asks: "1 alumno", "2 alumnos".
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` and the noun that goes with it, the number written as both
/// languages of the kit write it (21,058): "1 student", "3 alumnos".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), plural(n, one, many))
}

/// 21058 as 21,058 (English, and the Spanish of Mexico).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_noun_and_group_thousands_with_commas() {
        assert_eq!(count(1, "alumno", "alumnos"), "1 alumno");
        assert_eq!(count(0, "alumno", "alumnos"), "0 alumnos");
        assert_eq!(count(21_058, "test", "tests"), "21,058 tests");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn a_text_formats_both_languages_from_the_same_values() {
        let n = 2;
        let text = text!(en: "{n} {what}", es: "{what}: {n}", what = "x".repeat(n));
        assert_eq!(text.get(Lang::En), "2 xx");
        assert_eq!(text.get(Lang::Es), "xx: 2");
        let files = [1, 2, 3];
        let text = text!(
            en: "{files}",
            es: "{archivos}",
            files = count(files.len(), "file", "files"),
            archivos = count(files.len(), "archivo", "archivos"),
        );
        assert_eq!(
            (text.get(Lang::En), text.get(Lang::Es)),
            ("3 files", "3 archivos")
        );
    }
}
