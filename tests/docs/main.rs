//! The kit's checks of itself as a product, beside the labs' tests: they
//! read the walkthroughs, the starters and the solutions, so they only build
//! with the solutions feature, and never grade a student's handout.
//!
//! - walkthroughs: one in each language for every lab, with the same
//!   sections in the same order (goal, steps, run it, how it is graded,
//!   common errors, what the given code does, going further); its steps are
//!   the starters' TODOs, in both languages; at most 800 words before step
//!   1; every step ends with a checkpoint; every binary a doc names exists;
//! - snippets: what the walkthroughs quote from the code is there (snippets
//!   of the starters, never of the solutions; panics; todo! messages; the
//!   tests whose failures they show);
//! - spanish: the Spanish of Mexico (docs/es/glosario.md);
//! - shares: the student writes the program the lab is about (each lab 1
//!   program at least 60% of its code lines, every other at least 40%, the
//!   given modules it uses counted in), lab 1's starters hold no bind and
//!   no accept loop, and the walkthroughs print at most a quarter of what a
//!   student writes.
//!
//! `cargo test --features solutions --test docs shares -- --nocapture`
//! prints the shares' tables.

mod kit;
mod markdown;
mod shares;
mod snippets;
mod spanish;
mod walkthroughs;
