//! The class's progress on the console (stderr): a line per student graded
//! and, on a terminal, a bar under them with who is being graded
//! (indicatif draws it, and hides it when stderr is not a terminal).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::grading::StudentGrade;
use crate::lang::{Lang, count};

pub struct Progress {
    bar: ProgressBar,
    running: Vec<String>,
    lang: Lang,
}

impl Progress {
    pub fn new(total: usize, lang: Lang) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        let template = text!(
            en: "[{{pos}}/{{len}}] {{elapsed}} {{bar:20}} grading {{msg}}",
            es: "[{{pos}}/{{len}}] {{elapsed}} {{bar:20}} calificando a {{msg}}",
        );
        if let Ok(style) = ProgressStyle::with_template(template.get(lang)) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(500));
        Progress {
            bar,
            running: Vec::new(),
            lang,
        }
    }

    pub fn started(&mut self, id: String) {
        self.running.push(id);
        self.bar.set_message(self.running.join(", "));
    }

    pub fn finished(&mut self, grade: &StudentGrade) {
        self.running.retain(|id| *id != grade.id);
        self.bar.set_message(self.running.join(", "));
        self.bar.inc(1);
        let labs: Vec<String> = grade
            .labs
            .iter()
            .map(|l| format!("{} {:>5}", l.lab, l.score()))
            .collect();
        let note = match (&grade.found_in, grade.problems.len()) {
            (Err(why), _) => format!("  ({})", why.get(self.lang)),
            (Ok(_), 0) => String::new(),
            (Ok(_), n) => {
                let note = text!(
                    en: "  ({problems}: see grades.csv)",
                    es: "  ({avisos}: mira grades.csv)",
                    problems = count(n, "problem", "problems"),
                    avisos = count(n, "aviso", "avisos"),
                );
                note.get(self.lang).to_string()
            }
        };
        let line = format!(
            "[{}/{}] {:<20} {}  total {:>5}  ({} s){note}",
            self.bar.position(),
            self.bar.length().unwrap_or(0),
            grade.id,
            labs.join("  "),
            grade.total(),
            grade.seconds
        );
        // Above the bar on a terminal, and also where there is no bar.
        self.bar.suspend(|| eprintln!("{line}"));
    }

    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

pub fn minutes(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    format!("{}m{:02}s", secs / 60, secs % 60)
}

/// The time since `start`, as the console shows it.
pub fn since(start: Instant) -> String {
    minutes(start.elapsed())
}
