//! The shape of what the tap forwards: `--split` cuts each read into chunks
//! (each one write of its own), `--delay` waits between the chunks of a
//! read, and `--reset-after` counts the bytes of a connection until its
//! reset.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The options that shape the traffic, the same for every connection.
#[derive(Clone, Copy)]
pub struct Shaping {
    /// At most this many bytes per write (None: a read is forwarded whole).
    pub split: Option<usize>,
    /// This long between two chunks of one read.
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
