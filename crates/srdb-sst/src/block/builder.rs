//! Builds the content of one data block (format in [`super`]).

use super::put_varint32;

/// Accumulates sorted entries into one block's content.
///
/// The caller checks key order; the builder only encodes. The key of the last
/// entry added is kept across [`BlockBuilder::reset`] so the writer can
/// compare the next key with it.
#[derive(Debug)]
pub(crate) struct BlockBuilder {
    buf: Vec<u8>,
    restarts: Vec<u32>,
    since_restart: usize,
    restart_interval: usize,
    entries: usize,
    last_key: Vec<u8>,
}

impl BlockBuilder {
    pub(crate) fn new(restart_interval: usize) -> Self {
        assert!(restart_interval >= 1, "restart interval must be positive");
        BlockBuilder {
            buf: Vec::new(),
            restarts: vec![0],
            since_restart: 0,
            restart_interval,
            entries: 0,
            last_key: Vec::new(),
        }
    }

    /// Appends an entry. `key` must sort after every key added before.
    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) {
        let shared = if self.since_restart == self.restart_interval {
            self.restarts.push(self.offset_u32());
            self.since_restart = 0;
            0
        } else if self.entries == 0 {
            0
        } else {
            common_prefix(&self.last_key, key)
        };
        let unshared = key.len() - shared;
        put_varint32(&mut self.buf, to_u32(shared));
        put_varint32(&mut self.buf, to_u32(unshared));
        put_varint32(&mut self.buf, to_u32(value.len()));
        self.buf.extend_from_slice(&key[shared..]);
        self.buf.extend_from_slice(value);
        self.last_key.truncate(shared);
        self.last_key.extend_from_slice(&key[shared..]);
        self.since_restart += 1;
        self.entries += 1;
    }

    /// Bytes the block content would take if finished now.
    pub(crate) fn estimated_bytes(&self) -> usize {
        self.buf.len() + 4 * self.restarts.len() + 4
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The last key added (kept across blocks).
    pub(crate) fn last_key(&self) -> &[u8] {
        &self.last_key
    }

    /// Appends the restart array and returns the finished content. Call
    /// [`BlockBuilder::reset`] before adding the next block's entries.
    pub(crate) fn finish(&mut self) -> &[u8] {
        for &restart in &self.restarts {
            self.buf.extend_from_slice(&restart.to_le_bytes());
        }
        let count = to_u32(self.restarts.len());
        self.buf.extend_from_slice(&count.to_le_bytes());
        &self.buf
    }

    /// Starts a new block; the last key is kept.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.restarts.clear();
        self.restarts.push(0);
        self.since_restart = 0;
        self.entries = 0;
    }

    fn offset_u32(&self) -> u32 {
        to_u32(self.buf.len())
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Lengths and offsets inside a block are bounded by
/// [`crate::limits::MAX_BLOCK_BYTES`], far below `u32::MAX`.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("block lengths are bounded by MAX_BLOCK_BYTES")
}
