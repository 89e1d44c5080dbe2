//! How alike two pieces of Rust code are, whatever their layout and
//! comments: the code as tokens (comments and white space gone), equal
//! token for token, or compared by their runs of `K` tokens in a row (the
//! k-grams that MOSS and Dolos fingerprint).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Tokens in a row that make one fingerprint.
const K: usize = 8;

/// The code's tokens: identifiers and keywords, numbers, literals whole,
/// each punctuation character; comments and white space left out.
pub fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(chars[start..i.min(chars.len())].iter().collect());
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// The code as one line of tokens: equal for code that differs only in
/// layout and comments.
pub fn normalise(code: &str) -> String {
    tokens(code).join(" ")
}

/// The hashes of every run of `K` tokens in a row.
pub fn fingerprints(tokens: &[String]) -> HashSet<u64> {
    tokens
        .windows(K)
        .map(|run| {
            let mut hasher = DefaultHasher::new();
            run.hash(&mut hasher);
            hasher.finish()
        })
        .collect()
}

/// The share of fingerprints two sets have in common (Jaccard's index),
/// from 0 to 1.
pub fn likeness(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_comments_do_not_count() {
        let a = "fn main() {\n    // say hi\n    println!(\"hi // there\"); /* a /* nested */ note */\n}\n";
        let b = "fn main(){println!(\"hi // there\");}";
        assert_eq!(normalise(a), normalise(b));
        assert_ne!(normalise(a), normalise("fn main(){println!(\"bye\");}"));
    }

    #[test]
    fn code_with_a_line_changed_is_still_mostly_alike() {
        let base: String = (0..40).map(|i| format!("let x{i} = f({i});\n")).collect();
        let changed = base.replace("let x20 = f(20);", "let y = g(2);");
        let a = fingerprints(&tokens(&base));
        let b = fingerprints(&tokens(&changed));
        let alike = likeness(&a, &b);
        assert!(0.8 < alike && alike < 1.0, "{alike}");
        assert_eq!(likeness(&a, &a), 1.0);
    }
}
