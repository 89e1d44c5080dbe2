//! What a test knows about why its behaviour usually fails, said in its
//! failure: while the test holds a `Hint`, every failure about a program
//! under test (running.rs, peer.rs) adds it after what was expected, before
//! the program's stderr.
//!
//! For a test whose failure a student cannot read the cause of from what
//! came (issue 19: a lab 5 room that freezes with one worker thread looks
//! like any room that never relays a line).

use std::cell::RefCell;

thread_local! {
    static HINT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The hint of this test, until it is dropped.
#[must_use = "the hint lasts as long as the value: bind it, `let _hint = ...`"]
pub struct Hint {
    before: Option<String>,
}

/// Says `text` in every failure of this test while the returned value lives.
pub fn hint(text: String) -> Hint {
    let before = HINT.with(|hint| hint.replace(Some(text)));
    Hint { before }
}

impl Drop for Hint {
    fn drop(&mut self) {
        let before = self.before.take();
        HINT.with(|hint| *hint.borrow_mut() = before);
    }
}

/// The hint in force on this thread, if any, ended by a newline.
pub(super) fn current() -> String {
    HINT.with(|hint| match &*hint.borrow() {
        Some(text) => format!("{text}\n"),
        None => String::new(),
    })
}
