//! bench/run's medians (data.txt): a line that says when and where it ran
//! (`kind=run`), then one line per case and server, `key=value` pairs in the
//! load tool's words (`rate`, `p50_us`, `p99_us`, `rss` in MiB,
//! `complete`). Lines that start with `#` are comments.

use std::collections::HashMap;

use anyhow::{Context, bail};

pub struct Bench {
    /// When and where it ran, for the charts' footnote.
    pub run: Run,
    pub echo: Vec<Echo>,
    pub rooms: Vec<Room>,
}

/// When and where bench/run measured.
#[derive(Default)]
pub struct Run {
    pub date: String,
    pub cores: String,
    /// The kernel's version (`uname -r`).
    pub linux: String,
    /// How many runs of each case the medians are of.
    pub reps: String,
}

/// One echo case, for one server.
pub struct Echo {
    /// `rust` (lab 1) or `python`.
    pub server: String,
    pub connections: u32,
    /// `1/8`: how many connections got any reply.
    pub served: String,
    pub p50_us: Option<f64>,
    pub p99_us: Option<f64>,
}

/// One room case, for one server.
pub struct Room {
    /// `lab4`, `lab5` or `python`.
    pub server: String,
    pub clients: u32,
    pub lines: u32,
    /// How many of the clients send (the others only listen).
    pub senders: u32,
    /// Deliveries per second, if every client got every line.
    pub rate: Option<f64>,
    /// Peak resident memory of the server, in MiB.
    pub rss_mib: Option<f64>,
}

pub fn parse(text: &str) -> anyhow::Result<Bench> {
    let mut bench = Bench {
        run: Run::default(),
        echo: Vec::new(),
        rooms: Vec::new(),
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: HashMap<&str, &str> = line
            .split_whitespace()
            .filter_map(|pair| pair.split_once('='))
            .collect();
        let mut read = || -> anyhow::Result<()> {
            let complete = fields.get("complete") == Some(&"yes");
            // A case that did not finish has no rate worth drawing.
            let number = |key: &str| -> Option<f64> {
                fields
                    .get(key)
                    .and_then(|v| v.parse().ok())
                    .filter(|_| complete)
            };
            let whole = |key: &str| -> anyhow::Result<u32> {
                let value = fields.get(key).with_context(|| format!("no {key}="))?;
                value.parse().with_context(|| format!("{key}={value}"))
            };
            let text = |key: &str| fields.get(key).unwrap_or(&"").to_string();
            if fields.get("kind") == Some(&"run") {
                bench.run = Run {
                    date: text("date"),
                    cores: text("cores"),
                    linux: text("linux"),
                    reps: text("reps"),
                };
                return Ok(());
            }
            let server = fields.get("server").context("no server=")?.to_string();
            match fields.get("kind") {
                Some(&"echo") => bench.echo.push(Echo {
                    server,
                    connections: whole("connections")?,
                    served: text("served"),
                    p50_us: number("p50_us"),
                    p99_us: number("p99_us"),
                }),
                Some(&"room") => bench.rooms.push(Room {
                    server,
                    clients: whole("clients")?,
                    lines: whole("lines")?,
                    senders: whole("senders")?,
                    rate: number("rate"),
                    // memory is measured whether or not the case finished
                    rss_mib: fields.get("rss").and_then(|v| v.parse().ok()),
                }),
                other => bail!("kind={} is not run, echo or room", other.unwrap_or(&"")),
            }
            Ok(())
        };
        read().with_context(|| format!("line {}: {line}", number + 1))?;
    }
    Ok(bench)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_the_cases_and_leaves_out_the_rate_of_one_that_did_not_finish() {
        let bench = parse(
            "kind=run date=2026-12-02 cores=2 linux=6.18.44 reps=3\n\
             kind=echo server=rust connections=8 served=1/8 rate=23455 p50_us=42 p99_us=65 complete=yes\n\
             kind=room server=lab4 clients=200 lines=100 senders=200 rate=6867937 rss=16 complete=yes\n\
             kind=room server=python clients=20 lines=1 senders=20 rate=9 rss=23 complete=no\n",
        )
        .unwrap();
        assert_eq!(bench.run.reps, "3");
        assert_eq!(bench.echo[0].served, "1/8");
        assert_eq!(bench.echo[0].p99_us, Some(65.0));
        assert_eq!(bench.rooms[0].rate, Some(6867937.0));
        assert_eq!(bench.rooms[1].rate, None);
        assert_eq!(bench.rooms[1].rss_mib, Some(23.0));
    }

    #[test]
    fn says_which_line_is_wrong() {
        let Err(error) = parse("kind=room server=lab5 clients=many\n") else {
            panic!("clients=many should be refused");
        };
        assert!(format!("{error:#}").contains("line 1"), "{error:#}");
    }
}
