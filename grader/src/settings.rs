//! What `main` resolves once, from the command line and the environment,
//! and passes down: the languages, the time limit, how many students at
//! once, the sandbox, where the scratch copies go, and what each run may
//! take of the computer. No module reads the
//! command line or the environment for these itself.

use std::path::PathBuf;
use std::time::Duration;

use crate::lang::Lang;
use crate::limits::Limits;

pub struct Settings {
    /// The console's language, the gradebook's, and the one the tests
    /// write their failure messages in.
    pub lang: Lang,
    /// The feedback's languages, the tests' own first.
    pub feedback_langs: Vec<Lang>,
    /// How long one lab's tests may run.
    pub timeout: Duration,
    /// Students graded at once; `None`: one per core.
    pub jobs: Option<usize>,
    /// Whether to use the sandbox where it works (false: `--no-sandbox`).
    pub sandbox: bool,
    /// Where the scratch copies of the kit and their builds go.
    pub scratch: PathBuf,
    /// What each build and each lab's test run may take (the class form;
    /// a student's own progress runs with none).
    pub limits: Limits,
}
