//! The two languages of what the grader writes (the console, the progress
//! table, the feedback), and the default one: `--lang`, else the
//! environment variable `SOCKETS_LAB_LANG` (`es` or `en`; the kit's
//! .cargo/config.toml sets it for the class), which the kit's tests read
//! too, so that an instructor sets it once for a class. The grader runs the
//! tests with it set to its own language, so that the failure messages it
//! quotes are in the language it writes in.

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

    pub fn pick<'a>(self, en: &'a str, es: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Es => es,
        }
    }

    /// The value of `SOCKETS_LAB_LANG` that makes the kit's tests write
    /// their failure messages in this language.
    pub fn code(self) -> &'static str {
        self.pick("en", "es")
    }

    /// The folder of the walkthroughs in this language: `docs/es`.
    pub fn docs(self) -> &'static str {
        self.pick("docs/en", "docs/es")
    }
}

/// A sentence written in both languages, for what is shown to the
/// instructor and the student alike (a hand-in's problems).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub en: String,
    pub es: String,
}

impl Text {
    pub fn new(en: impl Into<String>, es: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            es: es.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Es => &self.es,
        }
    }
}
