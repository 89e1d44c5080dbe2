//! The class's progress on the console: a line per student graded and, on
//! a terminal, a last line rewritten in place with who is being graded.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::grading::StudentGrade;

/// The class's progress on stderr: a line per student graded, and on a
/// terminal a last line, rewritten in place, with who is being graded.
pub struct Progress {
    total: usize,
    done: usize,
    running: Vec<String>,
    start: Instant,
    terminal: bool,
    width: usize,
}

impl Progress {
    pub fn new(total: usize, start: Instant) -> Progress {
        Progress {
            total,
            done: 0,
            running: Vec::new(),
            start,
            terminal: std::io::stderr().is_terminal(),
            width: 0,
        }
    }

    pub fn started(&mut self, id: String) {
        self.running.push(id);
        self.draw();
    }

    pub fn finished(&mut self, grade: &StudentGrade) {
        self.running.retain(|id| *id != grade.id);
        self.done += 1;
        self.clear();
        let labs: Vec<String> = grade
            .labs
            .iter()
            .map(|l| format!("{} {:>5}", l.lab, l.score()))
            .collect();
        let note = match &grade.found_in {
            Ok(_) => String::new(),
            Err(why) => format!("  ({why})"),
        };
        eprintln!(
            "[{}/{}] {:<20} {}  total {:>5}  ({} s){note}",
            self.done,
            self.total,
            grade.id,
            labs.join("  "),
            grade.total(),
            grade.seconds
        );
        self.draw();
    }

    fn draw(&mut self) {
        if !self.terminal {
            return;
        }
        let line = format!(
            "[{}/{}] {} grading {}",
            self.done,
            self.total,
            minutes(self.start.elapsed()),
            self.running.join(", ")
        );
        let line: String = line.chars().take(100).collect();
        eprint!("\r{line:<width$}", width = self.width);
        self.width = line.chars().count();
        let _ = std::io::stderr().flush();
    }

    pub fn clear(&mut self) {
        if self.terminal && self.width > 0 {
            eprint!("\r{:width$}\r", "", width = self.width);
            self.width = 0;
        }
    }
}

pub fn minutes(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    format!("{}m{:02}s", secs / 60, secs % 60)
}
