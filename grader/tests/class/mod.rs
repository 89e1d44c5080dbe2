//! The submissions of the grader's test class that need more than a copy.

pub mod attacks;
