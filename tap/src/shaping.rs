//! The shape of what the tap forwards: `--split` cuts each read into chunks
//! (each one write of its own), `--delay` paces the chunks of a direction,
//! and `--reset-after` counts the bytes of a connection until its reset.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The options that shape the traffic, the same for every connection.
#[derive(Clone, Copy)]
pub struct Shaping {
    /// At most this many bytes per write (None: a read is forwarded whole).
    pub split: Option<usize>,
    /// At least this long between two writes of one direction.
    pub delay: Duration,
    /// Reset both sides once this many bytes have been forwarded.
    pub reset_after: Option<u64>,
}

impl Shaping {
    /// The chunks a read is forwarded in, each one write.
    pub fn chunks<'a>(&self, read: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
        read.chunks(self.split.unwrap_or(read.len()).max(1))
    }
}

/// When a direction may write next: `--delay` after its previous write.
pub struct Pace {
    delay: Duration,
    last_write: Option<Instant>,
}

impl Pace {
    pub fn new(delay: Duration) -> Pace {
        Pace {
            delay,
            last_write: None,
        }
    }

    /// Waits until the next write may go (at once for the first one);
    /// whether it had to wait.
    pub async fn wait_turn(&mut self) -> bool {
        match self.last_write {
            Some(last) if last + self.delay > Instant::now() => {
                tokio::time::sleep_until(last + self.delay).await;
                true
            }
            _ => false,
        }
    }

    pub fn wrote(&mut self) {
        self.last_write = Some(Instant::now());
    }
}

/// The bytes a connection may still forward before `--reset-after` resets
/// it, shared by its two directions.
pub struct Budget {
    left: Option<AtomicU64>,
}

impl Budget {
    pub fn new(reset_after: Option<u64>) -> Budget {
        Budget {
            left: reset_after.map(AtomicU64::new),
        }
    }

    /// How much of `wanted` bytes may be forwarded now, taken from the
    /// budget; fewer than `wanted` means the budget is spent.
    pub fn take(&self, wanted: usize) -> usize {
        let Some(left) = &self.left else {
            return wanted;
        };
        let mut granted = 0;
        // Both directions take from it: a compare-and-swap loop, so that
        // together they never take more than the budget.
        let _ = left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
            granted = now.min(wanted as u64);
            Some(now - granted)
        });
        granted as usize
    }

    /// Nothing more may be forwarded: the reset is due.
    pub fn is_spent(&self) -> bool {
        self.left
            .as_ref()
            .is_some_and(|left| left.load(Ordering::SeqCst) == 0)
    }
}
