//! The grader's own tests: one generated class graded once in the sandbox
//! by the `grade` binary, one smaller class without it, and the progress
//! form on a checkout; one behaviour of the result checked per test.
//! Run: `cargo test -p sockets-lab-grader` (it builds and grades the
//! classes: about a minute warm, more the first time). It grades with the
//! kit's reference solutions/, so it needs them: it is no part of a
//! handout's grading.
//!
//! Every student hands in the least that shows their case, mostly lab 1
//! only, so the class grades fast. The honest ways to hand in are in
//! `write_class`; the attacks (class/attacks.rs) each hand in a lab 1
//! server that attacks first and then is the starter or the solution.
//!
//! `class/` writes the classes, `run` grades them once, `results` reads
//! what the grader wrote; each other module is one group of tests.

mod class;
mod results;
mod run;

mod attacks;
mod hand_ins;
mod limits;
mod no_sandbox;
mod outputs;
mod progress;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use wait_timeout::ChildExt;

use class::{
    KIT, copy_kit, hog_tag, lab_files, labs, processes_with, read, snapshot, token, write_class,
    write_limits_class, write_unsafe_class,
};

use results::*;
use run::*;
