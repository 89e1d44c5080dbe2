//! What `main` resolves once, from the command line and the environment,
//! and passes down: the languages, the time limit, how many students at
//! once, the sandbox, where the scratch copies go. No module reads the
//! command line or the environment for these itself.

use std::path::PathBuf;
use std::time::Duration;

use crate::lang::Lang;

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
}
