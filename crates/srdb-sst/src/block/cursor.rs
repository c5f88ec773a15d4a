//! Reads one block's content (format in [`super`]): binary search over
//! restart points, forward and backward steps.
//!
//! The cursor stores offsets and the current key but borrows nothing: every
//! method takes the block bytes, so an SST iterator can keep the cursor next
//! to the block it reads (a slice of the mapped file or a cached block)
//! without self-reference. All offsets read from the block are bounds-checked;
//! a malformed block yields a [`BlockError`], never a panic, and every loop
//! advances by at least one entry (three bytes), so none can hang.

use std::cmp::Ordering;

use srdb_key::TRAILER_BYTES;

use crate::index::compare_ikeys;

use super::{get_varint32, BlockError, BlockResult};

const U32_BYTES: usize = 4;

/// A position inside one block.
#[derive(Debug, Default)]
pub(crate) struct BlockCursor {
    /// Where the restart array starts; entries occupy `..restarts_offset`.
    restarts_offset: usize,
    num_restarts: usize,
    /// Offset of the current entry; `restarts_offset` when not valid.
    current: usize,
    /// Offset of the entry after the current one.
    next: usize,
    /// Index of the restart interval that holds `current`.
    restart_index: usize,
    key: Vec<u8>,
    value_start: usize,
    value_end: usize,
}

/// Where the walk of a seek stopped.
enum Walk {
    /// On the entry at `at`, the first whose key is >= the target; its key
    /// is in the cursor's `key`.
    Found { at: usize, value_start: usize, value_end: usize },
    /// Past the last entry: every key is smaller.
    End,
    /// At the entry at `at`, which the walk could not take, to be continued
    /// by the general walk.
    Resume(usize),
}

/// Length of the internal keys the fixed-width walk handles: an eight-byte
/// user key (a table row's `_seq`) and its trailer.
const FIXED_KEY_BYTES: usize = 16;

/// A 16-byte internal key held big-endian in a `u128`: its user key as a
/// big-endian integer (bytewise order) and its trailer (stored
/// little-endian).
#[inline(always)]
fn split_fixed(key: u128) -> (u64, u64) {
    ((key >> 64) as u64, (key as u64).swap_bytes())
}

struct Entry {
    shared: usize,
    delta_start: usize,
    delta_end: usize,
    value_end: usize,
}

impl BlockCursor {
    /// Prepares the cursor for `block`, leaving it not valid.
    pub(crate) fn reset(&mut self, block: &[u8]) -> BlockResult<()> {
        let len = block.len();
        let count_at = len.checked_sub(U32_BYTES).ok_or(BlockError {
            offset: 0,
            reason: "the block is shorter than its restart count",
        })?;
        let num_restarts = read_u32(block, count_at) as usize;
        let restarts_offset = num_restarts
            .checked_mul(U32_BYTES)
            .and_then(|array| count_at.checked_sub(array))
            .ok_or(BlockError {
                offset: count_at,
                reason: "the restart array is larger than the block",
            })?;
        if num_restarts == 0 {
            return Err(BlockError { offset: count_at, reason: "the block has no restart point" });
        }
        self.restarts_offset = restarts_offset;
        self.num_restarts = num_restarts;
        self.invalidate();
        Ok(())
    }

    #[inline]
    pub(crate) fn valid(&self) -> bool {
        self.current < self.restarts_offset
    }

    /// The current key; only meaningful while [`BlockCursor::valid`].
    #[inline]
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    /// The current value, borrowed from `block`.
    #[inline]
    pub(crate) fn value<'b>(&self, block: &'b [u8]) -> &'b [u8] {
        &block[self.value_start..self.value_end]
    }

    /// Offset of the current entry in the block content (for error reports).
    pub(crate) fn offset(&self) -> usize {
        self.current
    }

    pub(crate) fn seek_to_first(&mut self, block: &[u8]) -> BlockResult<()> {
        self.seek_to_restart(block, 0)?;
        self.parse_next(block)
    }

    pub(crate) fn seek_to_last(&mut self, block: &[u8]) -> BlockResult<()> {
        self.seek_to_restart(block, self.num_restarts - 1)?;
        self.parse_next(block)?;
        while self.valid() && self.next < self.restarts_offset {
            self.parse_next(block)?;
        }
        Ok(())
    }

    /// Positions on the first entry with key >= `target`, or not valid if
    /// every key is smaller.
    pub(crate) fn seek(&mut self, block: &[u8], target: &[u8]) -> BlockResult<()> {
        // Find the last restart point whose key is < target; the answer is in
        // its interval or is the next restart point.
        let (mut left, mut right) = (0, self.num_restarts - 1);
        while left < right {
            let mid = left + (right - left).div_ceil(2);
            if compare_ikeys(self.restart_key(block, mid)?, target) == Ordering::Less {
                left = mid;
            } else {
                right = mid - 1;
            }
        }
        self.seek_to_restart(block, left)?;
        // Walk the interval: a point read passes over eight entries on
        // average. Keys of eight-byte user keys (a table's rows) are walked
        // in a register; the general walk takes over from the first entry of
        // another length.
        let entries = &block[..self.restarts_offset];
        let mut walk = Walk::Resume(self.next);
        if let Ok(target) = <&[u8; FIXED_KEY_BYTES]>::try_from(target) {
            walk = self.walk_fixed(entries, self.next, target)?;
        }
        if let Walk::Resume(at) = walk {
            walk = self.walk(entries, at, target)?;
        }
        match walk {
            Walk::Found { at, value_start, value_end } => {
                self.current = at;
                self.next = value_end;
                self.value_start = value_start;
                self.value_end = value_end;
                // The walk stays in interval `left`, or stops on the first
                // entry of the next one.
                if left + 1 < self.num_restarts && self.restart_point(block, left + 1) <= at {
                    self.restart_index = left + 1;
                }
            }
            Walk::End | Walk::Resume(_) => self.invalidate(),
        }
        Ok(())
    }

    /// The general walk of [`BlockCursor::seek`] from the entry at `at`, with
    /// `self.key` holding the key before it: each step rebuilds one key and
    /// compares it.
    fn walk(&mut self, entries: &[u8], mut at: usize, target: &[u8]) -> BlockResult<Walk> {
        while at < entries.len() {
            let entry = decode_entry(entries, at)?;
            if entry.shared > self.key.len() {
                self.invalidate();
                return Err(BlockError {
                    offset: at,
                    reason: "an entry shares more bytes than the previous key has",
                });
            }
            append_delta(&mut self.key, entries, &entry);
            if self.key.len() < TRAILER_BYTES {
                self.invalidate();
                return Err(BlockError { offset: at, reason: "a key is shorter than its trailer" });
            }
            if compare_ikeys(&self.key, target) != Ordering::Less {
                return Ok(Walk::Found {
                    at,
                    value_start: entry.delta_end,
                    value_end: entry.value_end,
                });
            }
            at = entry.value_end;
        }
        Ok(Walk::End)
    }

    /// The walk of [`BlockCursor::seek`] for a 16-byte target, from the
    /// restart entry at `at`, over entries whose keys are 16 bytes long too.
    ///
    /// The current key lives in a `u128` (big-endian, so its order is the
    /// bytes' order): an entry's key is the previous one's first `shared`
    /// bytes blended with the 16 bytes of the block that end where the
    /// entry's own bytes end, which is one load and a mask instead of a copy
    /// into a buffer, and the comparison is two integer comparisons. Returns
    /// [`Walk::Resume`] at the first entry this cannot take (a key of another
    /// length, or one whose bytes start too close to the block's start),
    /// with `self.key` holding the key before it, for [`BlockCursor::walk`].
    fn walk_fixed(
        &mut self,
        entries: &[u8],
        mut at: usize,
        target: &[u8; FIXED_KEY_BYTES],
    ) -> BlockResult<Walk> {
        let (target_user, target_trailer) = split_fixed(u128::from_be_bytes(*target));
        // The current key, and how many of its bytes are known: none before
        // the restart entry, all sixteen after it.
        let (mut key, mut known) = (0u128, 0usize);
        while at < entries.len() {
            let entry = decode_entry(entries, at)?;
            let own = entry.delta_end - entry.delta_start;
            if entry.shared + own != FIXED_KEY_BYTES
                || entry.shared > known
                || entry.delta_end < FIXED_KEY_BYTES
            {
                // Hand over: the general walk decodes this entry again, and
                // reports it if it is malformed.
                self.key.clear();
                self.key.extend_from_slice(&key.to_be_bytes()[..known]);
                return Ok(Walk::Resume(at));
            }
            let loaded: [u8; FIXED_KEY_BYTES] = entries
                [entry.delta_end - FIXED_KEY_BYTES..entry.delta_end]
                .try_into()
                .expect("a 16-byte range");
            // The high `shared` bytes come from the previous key.
            let shared_mask = if own == FIXED_KEY_BYTES { 0 } else { u128::MAX << (8 * own) };
            key = (key & shared_mask) | (u128::from_be_bytes(loaded) & !shared_mask);
            known = FIXED_KEY_BYTES;
            let (user, trailer) = split_fixed(key);
            // As `compare_ikeys`: user keys ascending, then trailers
            // descending.
            if user > target_user || (user == target_user && trailer <= target_trailer) {
                self.key.clear();
                self.key.extend_from_slice(&key.to_be_bytes());
                return Ok(Walk::Found {
                    at,
                    value_start: entry.delta_end,
                    value_end: entry.value_end,
                });
            }
            at = entry.value_end;
        }
        Ok(Walk::End)
    }

    /// Moves to the next entry; not valid past the last one.
    #[inline]
    pub(crate) fn next(&mut self, block: &[u8]) -> BlockResult<()> {
        debug_assert!(self.valid());
        self.parse_next(block)
    }

    /// Moves to the previous entry; not valid before the first one.
    pub(crate) fn prev(&mut self, block: &[u8]) -> BlockResult<()> {
        debug_assert!(self.valid());
        let original = self.current;
        // Back up to a restart point that starts before the current entry.
        while self.restart_point(block, self.restart_index) >= original {
            if self.restart_index == 0 {
                self.invalidate();
                return Ok(());
            }
            self.restart_index -= 1;
        }
        self.seek_to_restart(block, self.restart_index)?;
        loop {
            self.parse_next(block)?;
            if !self.valid() || self.next >= original {
                return Ok(());
            }
        }
    }

    fn invalidate(&mut self) {
        self.current = self.restarts_offset;
        self.next = self.restarts_offset;
        self.restart_index = self.num_restarts;
    }

    fn restart_point(&self, block: &[u8], index: usize) -> usize {
        read_u32(block, self.restarts_offset + index * U32_BYTES) as usize
    }

    fn seek_to_restart(&mut self, block: &[u8], index: usize) -> BlockResult<()> {
        let offset = self.restart_point(block, index);
        if offset >= self.restarts_offset {
            return Err(BlockError {
                offset: self.restarts_offset + index * U32_BYTES,
                reason: "a restart point lies past the entries",
            });
        }
        self.key.clear();
        self.restart_index = index;
        self.next = offset;
        Ok(())
    }

    /// The whole key stored at restart point `index`, borrowed from `block`.
    fn restart_key<'b>(&self, block: &'b [u8], index: usize) -> BlockResult<&'b [u8]> {
        let offset = self.restart_point(block, index);
        let entries = &block[..self.restarts_offset];
        let entry = decode_entry(entries, offset)?;
        if entry.shared != 0 {
            return Err(BlockError {
                offset,
                reason: "a restart entry shares bytes with its predecessor",
            });
        }
        let key = &entries[entry.delta_start..entry.delta_end];
        if key.len() < TRAILER_BYTES {
            return Err(BlockError { offset, reason: "a key is shorter than its trailer" });
        }
        Ok(key)
    }

    fn parse_next(&mut self, block: &[u8]) -> BlockResult<()> {
        self.current = self.next;
        if self.current >= self.restarts_offset {
            self.invalidate();
            return Ok(());
        }
        let entries = &block[..self.restarts_offset];
        let entry = decode_entry(entries, self.current)?;
        if entry.shared > self.key.len() {
            self.invalidate();
            return Err(BlockError {
                offset: self.next,
                reason: "an entry shares more bytes than the previous key has",
            });
        }
        append_delta(&mut self.key, entries, &entry);
        if self.key.len() < TRAILER_BYTES {
            let offset = self.current;
            self.invalidate();
            return Err(BlockError { offset, reason: "a key is shorter than its trailer" });
        }
        self.value_start = entry.delta_end;
        self.value_end = entry.value_end;
        self.next = entry.value_end;
        while self.restart_index + 1 < self.num_restarts
            && self.restart_point(block, self.restart_index + 1) <= self.current
        {
            self.restart_index += 1;
        }
        Ok(())
    }
}

/// Bytes [`append_delta`] copies as one fixed-size move.
const DELTA_CHUNK_BYTES: usize = 16;

/// Rebuilds an entry's key in `key`, which holds the previous key: keeps its
/// `shared` bytes (checked by the caller) and appends the entry's own.
///
/// A delta of at most 16 bytes, the usual one (a table row's key differs
/// from the one before in a byte or two of its `_seq` and its 8-byte
/// trailer), is copied as 16 bytes from the block and the excess cut off:
/// a fixed-size copy is a single move where a copy of a length known only
/// at run time is a call to `memcpy`, the largest cost of each entry a
/// point read passes over. The 16 bytes lie in the entry's own value or in
/// entries after it; near the end of the block, the exact copy is taken.
#[inline(always)]
fn append_delta(key: &mut Vec<u8>, entries: &[u8], entry: &Entry) {
    key.truncate(entry.shared);
    let delta_len = entry.delta_end - entry.delta_start;
    match entries.get(entry.delta_start..entry.delta_start + DELTA_CHUNK_BYTES) {
        Some(chunk) if delta_len <= DELTA_CHUNK_BYTES => {
            let chunk: &[u8; DELTA_CHUNK_BYTES] = chunk.try_into().expect("a 16-byte range");
            key.extend_from_slice(chunk);
            key.truncate(entry.shared + delta_len);
        }
        _ => key.extend_from_slice(&entries[entry.delta_start..entry.delta_end]),
    }
}

/// Decodes the entry header at `offset` and checks that the entry fits.
///
/// Always inlined: called once per entry a read passes over, and returning
/// the result through memory made each step of a point read's scan 35%
/// dearer (callgrind, 16-byte keys).
#[inline(always)]
fn decode_entry(entries: &[u8], offset: usize) -> BlockResult<Entry> {
    let (shared, unshared, value_len, delta_start) = match entries.get(offset..offset + 3) {
        // The common case, short keys and values: three one-byte varints.
        Some(&[a, b, c]) if (a | b | c) < 0x80 => {
            (u32::from(a), u32::from(b), u32::from(c), offset + 3)
        }
        _ => {
            let (shared, at) = get_varint32(entries, offset)?;
            let (unshared, at) = get_varint32(entries, at)?;
            let (value_len, delta_start) = get_varint32(entries, at)?;
            (shared, unshared, value_len, delta_start)
        }
    };
    let delta_end = delta_start + unshared as usize;
    let value_end = delta_end + value_len as usize;
    if value_end > entries.len() {
        return Err(BlockError { offset, reason: "an entry runs past the end of the entries" });
    }
    Ok(Entry { shared: shared as usize, delta_start, delta_end, value_end })
}

/// Reads a u32 at `offset`; callers only pass offsets inside the restart
/// array, which [`BlockCursor::reset`] checked lies inside the block.
fn read_u32(block: &[u8], offset: usize) -> u32 {
    let bytes: [u8; U32_BYTES] = block[offset..offset + U32_BYTES].try_into().expect("four bytes");
    u32::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::builder::BlockBuilder;
    use proptest::prelude::*;
    use srdb_key::{InternalKey, Kind};

    /// Internal keys in order: mostly eight-byte user keys close together,
    /// as a table's rows, some with several versions, and some user keys of
    /// seven or nine bytes among them, which the fixed-width walk hands over
    /// to the general one.
    fn keys() -> impl Strategy<Value = Vec<InternalKey>> {
        let user =
            (0u64..600, prop_oneof![8 => Just(8usize), 1 => Just(7usize), 1 => Just(9usize)]);
        let version = (1u64..50, any::<bool>());
        proptest::collection::vec((user, proptest::collection::vec(version, 1..3)), 1..120)
            .prop_map(|entries| {
                let mut keys: Vec<InternalKey> = entries
                    .into_iter()
                    .flat_map(|((n, len), versions)| {
                        let mut user = n.to_be_bytes().to_vec();
                        user.resize(len, 0x5A);
                        versions.into_iter().map(move |(seqno, put)| {
                            let kind = if put { Kind::Put } else { Kind::Delete };
                            InternalKey::new(&user, seqno, kind)
                        })
                    })
                    .collect();
                keys.sort_by(|a, b| compare_ikeys(a.as_bytes(), b.as_bytes()));
                keys.dedup_by(|a, b| compare_ikeys(a.as_bytes(), b.as_bytes()) == Ordering::Equal);
                keys
            })
    }

    proptest! {
        /// A seek lands on the first key >= the target, with that entry's
        /// value, and the cursor moves on from it in order (its restart
        /// index is right), for targets of 16 bytes and of other lengths.
        #[test]
        fn seek_finds_the_first_key_at_or_after_the_target(
            keys in keys(),
            restart_interval in 1usize..20,
            targets in proptest::collection::vec((0u64..620, 1u64..60, prop_oneof![Just(8usize), Just(7usize), Just(9usize)]), 1..40),
        ) {
            let mut builder = BlockBuilder::new(restart_interval);
            let value = |i: usize| format!("value{i}").into_bytes().repeat(i % 3);
            for (i, key) in keys.iter().enumerate() {
                builder.add(key.as_bytes(), &value(i));
            }
            let block = builder.finish().to_vec();
            let mut cursor = BlockCursor::default();
            cursor.reset(&block).unwrap();
            for (n, seqno, len) in targets {
                let mut user = n.to_be_bytes().to_vec();
                user.resize(len, 0x5A);
                // A point read's target: the snapshot's seqno with the seek kind.
                let mut target = user;
                target.extend_from_slice(&((seqno << 8) | u64::from(Kind::SEEK)).to_le_bytes());
                let expected = keys
                    .iter()
                    .position(|k| compare_ikeys(k.as_bytes(), &target) != Ordering::Less);
                cursor.seek(&block, &target).unwrap();
                match expected {
                    None => prop_assert!(!cursor.valid()),
                    Some(i) => {
                        prop_assert!(cursor.valid());
                        prop_assert_eq!(cursor.key(), keys[i].as_bytes());
                        prop_assert_eq!(cursor.value(&block), &value(i)[..]);
                        // The two keys after it, then back.
                        for k in keys.iter().skip(i + 1).take(2) {
                            cursor.next(&block).unwrap();
                            prop_assert_eq!(cursor.key(), k.as_bytes());
                        }
                        if i + 1 < keys.len() {
                            cursor.prev(&block).unwrap();
                            let back = (i + 2).min(keys.len() - 1) - 1;
                            prop_assert_eq!(cursor.key(), keys[back].as_bytes());
                        }
                    }
                }
            }
        }
    }
}
