//! One page of the tree: its byte layout, how the writer fills one, and the
//! bounds-checked view readers decode in place.
//!
//! A page is a whole number of 4 KiB units. It starts with a 16-byte header,
//! then an array of `count` slots, then the entries, contiguous and in slot
//! order, then zero padding to the page's length. Little-endian throughout.
//!
//! ```text
//! offset  size  field
//!      0     4  crc32       CRC-32 (IEEE) of the page's tree offset (u64)
//!                           followed by the page's bytes [4, length)
//!      4     1  kind        1 = leaf, 2 = internal (never change)
//!      5     1  level       0 for leaves; a parent is one above its children
//!      6     2  count       entries in the page, at least 1
//!      8     4  units       page length / 4096, at least 1
//!     12     4  prev_units  length / 4096 of the page just before this one
//!                           in the tree's bytes; 0 for the page at offset 0
//!     16  4*count  slots    u32 offset of each entry from the page start
//!      .     .  entries
//!      .     .  zero padding
//!
//! leaf entry:      varint key_len | key | varint value_len | value
//! internal entry:  varint key_len | key | u64 child page offset
//! ```
//!
//! Varints are LEB128 of a `u32`. An internal entry's key is the last key of
//! the child's subtree, and its child lies before it in the tree's bytes.
//! Seeding the checksum with the page's offset means a well-formed page read
//! from the wrong place is still reported as corrupt.

use crate::error::{corruption, Result};
use crate::limits::{
    CHILD_BYTES, MAX_PAGE_ENTRIES, MAX_PAGE_UNITS, MAX_VARINT_BYTES, PAGE_BYTES, PAGE_HEADER_BYTES,
    SLOT_BYTES,
};
use std::cmp::Ordering;

/// Page kinds as stored in byte 4. The values never change.
pub(crate) const KIND_LEAF: u8 = 1;
/// See [`KIND_LEAF`].
pub(crate) const KIND_INTERNAL: u8 = 2;

/// The checksum stored in a page: CRC-32 of its offset, then of `rest`, the
/// page's bytes after the checksum field.
pub(crate) fn page_checksum(offset: u64, rest: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&offset.to_le_bytes());
    hasher.update(rest);
    hasher.finalize()
}

/// Bytes a varint of `value` takes.
pub(crate) fn varint_len(value: usize) -> usize {
    let mut len = 1;
    let mut rest = value >> 7;
    while rest != 0 {
        len += 1;
        rest >>= 7;
    }
    len
}

/// Appends `value` as a varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, value: usize) {
    let mut rest = value;
    while rest >= 0x80 {
        out.push((rest as u8) | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// A page being filled by the writer: its entries and their slots, kept apart
/// because the slot array precedes the entries but its length is not known
/// until the page is full.
#[derive(Debug)]
pub(crate) struct PageBuilder {
    /// Offset of each entry within `entries`.
    slots: Vec<u32>,
    entries: Vec<u8>,
    /// Where the last key lies in `entries`.
    last_key: (usize, usize),
}

impl PageBuilder {
    pub(crate) fn new() -> Self {
        PageBuilder { slots: Vec::new(), entries: Vec::new(), last_key: (0, 0) }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub(crate) fn count(&self) -> usize {
        self.slots.len()
    }

    /// Bytes the page would take, before padding.
    pub(crate) fn used_bytes(&self) -> usize {
        PAGE_HEADER_BYTES + SLOT_BYTES * self.slots.len() + self.entries.len()
    }

    /// The key of the last entry added.
    pub(crate) fn last_key(&self) -> Option<&[u8]> {
        (!self.is_empty()).then(|| &self.entries[self.last_key.0..self.last_key.1])
    }

    /// Bytes a leaf entry adds to a page, its slot included.
    pub(crate) fn leaf_entry_bytes(key: &[u8], value: &[u8]) -> usize {
        SLOT_BYTES + varint_len(key.len()) + key.len() + varint_len(value.len()) + value.len()
    }

    /// Bytes an internal entry adds to a page, its slot included.
    pub(crate) fn internal_entry_bytes(key: &[u8]) -> usize {
        SLOT_BYTES + varint_len(key.len()) + key.len() + CHILD_BYTES
    }

    /// Whether an entry of `entry_bytes` goes into this page rather than a new
    /// one. A page takes entries while it stays within [`PAGE_BYTES`], and
    /// grows past it only to reach `min_entries`: 1 for leaves, 2 for internal
    /// pages, so that each level has at most about half the pages of the one
    /// below and the height stays logarithmic even when every key is huge.
    pub(crate) fn accepts(&self, entry_bytes: usize, min_entries: usize) -> bool {
        self.count() < min_entries || self.used_bytes() + entry_bytes <= PAGE_BYTES
    }

    fn start_entry(&mut self, key: &[u8]) {
        let at = u32::try_from(self.entries.len()).expect("a page's entries fit in u32 bytes");
        self.slots.push(at);
        put_varint(&mut self.entries, key.len());
        let key_start = self.entries.len();
        self.entries.extend_from_slice(key);
        self.last_key = (key_start, self.entries.len());
    }

    pub(crate) fn add_leaf_entry(&mut self, key: &[u8], value: &[u8]) {
        self.start_entry(key);
        put_varint(&mut self.entries, value.len());
        self.entries.extend_from_slice(value);
    }

    pub(crate) fn add_internal_entry(&mut self, key: &[u8], child: u64) {
        self.start_entry(key);
        self.entries.extend_from_slice(&child.to_le_bytes());
    }

    /// Lays the page out into `out` (cleared first) for the page at tree
    /// offset `offset`, and returns its length in units. The builder is left
    /// untouched; [`PageBuilder::clear`] empties it.
    pub(crate) fn encode(&self, out: &mut Vec<u8>, level: u8, offset: u64, prev_units: u32) -> u32 {
        assert!(!self.is_empty(), "an empty page is never written");
        let len = self.used_bytes().div_ceil(PAGE_BYTES) * PAGE_BYTES;
        let units = u32::try_from(len / PAGE_BYTES).expect("page units fit in u32");
        assert!(units <= MAX_PAGE_UNITS, "page of {units} units exceeds the limit");
        let count = u16::try_from(self.count()).expect("a page holds fewer than 65536 entries");
        let kind = if level == 0 { KIND_LEAF } else { KIND_INTERNAL };
        out.clear();
        out.extend_from_slice(&[0; 4]);
        out.push(kind);
        out.push(level);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&units.to_le_bytes());
        out.extend_from_slice(&prev_units.to_le_bytes());
        let entries_start = PAGE_HEADER_BYTES + SLOT_BYTES * self.count();
        for &slot in &self.slots {
            let at = u32::try_from(entries_start + slot as usize).expect("slot fits in u32");
            out.extend_from_slice(&at.to_le_bytes());
        }
        out.extend_from_slice(&self.entries);
        out.resize(len, 0);
        let crc = page_checksum(offset, &out[4..]);
        out[0..4].copy_from_slice(&crc.to_le_bytes());
        units
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
        self.entries.clear();
        self.last_key = (0, 0);
    }
}

/// Where a leaf entry's key and value lie, as offsets into the tree's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LeafEntry {
    pub(crate) key_at: u64,
    pub(crate) key_len: u32,
    pub(crate) value_at: u64,
    pub(crate) value_len: u32,
}

/// A page read in place. Construction checks the header against the tree's
/// bounds (and the checksum, when asked); entry accessors check every offset
/// and length they read against the page, so no byte pattern makes them
/// panic or read outside the page.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page<'a> {
    /// Offset of the page in the tree.
    pub(crate) offset: u64,
    /// The page's bytes, exactly `units * PAGE_BYTES` long.
    bytes: &'a [u8],
    pub(crate) level: u8,
    pub(crate) count: usize,
    pub(crate) units: u32,
    pub(crate) prev_units: u32,
}

#[inline(always)]
fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

#[inline(always)]
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let word: [u8; 4] = bytes[at..at + 4].try_into().expect("a 4-byte range");
    u32::from_le_bytes(word)
}

impl<'a> Page<'a> {
    /// Reads the page at `offset` of `tree`, verifying its checksum when
    /// `check_crc` is set.
    pub(crate) fn read(tree: &'a [u8], offset: u64, check_crc: bool) -> Result<Self> {
        let bad = |reason: String| Err(corruption(offset, reason));
        if !offset.is_multiple_of(PAGE_BYTES as u64) {
            return bad("page offset is not a multiple of 4096".to_string());
        }
        let start = match usize::try_from(offset) {
            Ok(start) if start < tree.len() && tree.len() - start >= PAGE_HEADER_BYTES => start,
            _ => {
                return bad(format!(
                    "page header lies past the end of the tree's {} bytes",
                    tree.len()
                ))
            }
        };
        let header = &tree[start..start + PAGE_HEADER_BYTES];
        let units = u32_at(header, 8);
        let prev_units = u32_at(header, 12);
        if units == 0 || units > MAX_PAGE_UNITS {
            return bad(format!(
                "page claims {units} units of 4096 bytes, outside 1..={MAX_PAGE_UNITS}"
            ));
        }
        let len = units as usize * PAGE_BYTES;
        if tree.len() - start < len {
            return bad(format!(
                "page of {len} bytes runs past the end of the tree's {} bytes",
                tree.len()
            ));
        }
        let bytes = &tree[start..start + len];
        if check_crc {
            let stored = u32_at(bytes, 0);
            let actual = page_checksum(offset, &bytes[4..]);
            if stored != actual {
                return bad(format!(
                    "page checksum is {stored:#010x} but its bytes hash to {actual:#010x}"
                ));
            }
        }
        let kind = header[4];
        let level = header[5];
        let count = usize::from(u16_at(header, 6));
        match (kind, level) {
            (KIND_LEAF, 0) => {}
            (KIND_INTERNAL, 1..) => {}
            _ => return bad(format!("page kind {kind} does not match its level {level}")),
        }
        if count == 0 || PAGE_HEADER_BYTES + SLOT_BYTES * count > len {
            return bad(format!("page of {len} bytes claims {count} entries, which cannot fit"));
        }
        if prev_units > MAX_PAGE_UNITS || (offset == 0) != (prev_units == 0) {
            return bad(format!(
                "page claims a preceding page of {prev_units} units, impossible at this offset"
            ));
        }
        Ok(Page { offset, bytes, level, count, units, prev_units })
    }

    /// Reads the page at `offset` of a tree whose bytes were verified as a
    /// whole ([`crate::BTree::verify`]): checks only what keeps reads of the
    /// page inside it (header, length, slot array), not the checksum, the
    /// kind against the level, or the link to the previous page, which the
    /// verification covered. A point read passes two or three pages; each
    /// full check costs it as much as a probe of the page's search. Bytes
    /// that fail these checks are reported by [`Page::read`].
    #[inline]
    pub(crate) fn read_trusted(tree: &'a [u8], offset: u64) -> Result<Self> {
        let header = usize::try_from(offset).ok().and_then(|start| {
            Some((start, tree.get(start..start.checked_add(PAGE_HEADER_BYTES)?)?))
        });
        if let Some((start, header)) = header {
            let units = u32_at(header, 8);
            let count = usize::from(u16_at(header, 6));
            let len = units as usize * PAGE_BYTES;
            if (1..=MAX_PAGE_UNITS).contains(&units)
                && tree.len() - start >= len
                && count > 0
                && PAGE_HEADER_BYTES + SLOT_BYTES * count <= len
            {
                return Ok(Page {
                    offset,
                    bytes: &tree[start..start + len],
                    level: header[5],
                    count,
                    units,
                    prev_units: u32_at(header, 12),
                });
            }
        }
        Self::read(tree, offset, false)
    }

    pub(crate) fn is_leaf(&self) -> bool {
        self.level == 0
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Offset of the byte just past the page.
    pub(crate) fn end(&self) -> u64 {
        self.offset + self.len()
    }

    // Errors are built out of line, so that the checks on the search path
    // (every probe of a lookup decodes a slot, a varint and a key span)
    // inline into it as a compare and a branch.
    #[cold]
    #[inline(never)]
    fn bad<T>(&self, at: usize, reason: String) -> Result<T> {
        Err(corruption(self.offset, format!("at byte {at} of the page, {reason}")))
    }

    /// Start of entry `slot` within the page, checked to lie after the slots.
    #[inline]
    fn entry_start(&self, slot: usize) -> Result<usize> {
        debug_assert!(slot < self.count, "slot {slot} of a {}-entry page", self.count);
        let at = PAGE_HEADER_BYTES + SLOT_BYTES * slot;
        let start = u32_at(self.bytes, at) as usize;
        let first = PAGE_HEADER_BYTES + SLOT_BYTES * self.count;
        if start < first || start >= self.bytes.len() {
            return self.slot_outside(slot, at, start);
        }
        Ok(start)
    }

    #[cold]
    #[inline(never)]
    fn slot_outside(&self, slot: usize, at: usize, start: usize) -> Result<usize> {
        self.bad(at, format!("slot {slot} points to {start}, outside the entry area"))
    }

    /// Decodes the varint at `at`, returning it and the position after it.
    /// Keys and values shorter than 128 bytes, the usual case, have one-byte
    /// lengths, decoded here; longer ones in [`Page::varint_long`].
    #[inline]
    fn varint(&self, at: usize) -> Result<(usize, usize)> {
        match self.bytes.get(at) {
            Some(&byte) if byte < 0x80 => Ok((usize::from(byte), at + 1)),
            _ => self.varint_long(at),
        }
    }

    #[inline(never)]
    fn varint_long(&self, at: usize) -> Result<(usize, usize)> {
        let mut value: u64 = 0;
        for i in 0..MAX_VARINT_BYTES {
            let Some(&byte) = self.bytes.get(at + i) else {
                return self.bad(at, "a length runs past the end of the page".to_string());
            };
            value |= u64::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                if value > u64::from(u32::MAX) {
                    return self.bad(at, "a length overflows 32 bits".to_string());
                }
                return Ok((value as usize, at + i + 1));
            }
        }
        self.bad(at, "a length is longer than 5 bytes".to_string())
    }

    /// Takes `len` bytes at `at`, returning the range and the position after.
    #[inline]
    fn span(&self, at: usize, len: usize, what: &'static str) -> Result<(usize, usize)> {
        match at.checked_add(len) {
            Some(end) if end <= self.bytes.len() => Ok((at, end)),
            _ => self.span_past_end(at, len, what),
        }
    }

    #[cold]
    #[inline(never)]
    fn span_past_end(&self, at: usize, len: usize, what: &str) -> Result<(usize, usize)> {
        self.bad(at, format!("a {len}-byte {what} runs past the end of the page"))
    }

    /// The key of entry `slot` and the position just after it. Always
    /// inlined: it is the body of every probe of a page search.
    #[inline(always)]
    fn key_span(&self, slot: usize) -> Result<(usize, usize)> {
        let start = self.entry_start(slot)?;
        let (key_len, key_at) = self.varint(start)?;
        self.span(key_at, key_len, "key")
    }

    /// The key of entry `slot`, of either kind of page.
    #[inline(always)]
    pub(crate) fn key(&self, slot: usize) -> Result<&'a [u8]> {
        let (start, end) = self.key_span(slot)?;
        Ok(&self.bytes[start..end])
    }

    /// Entry `slot` of a leaf.
    pub(crate) fn leaf_entry(&self, slot: usize) -> Result<LeafEntry> {
        debug_assert!(self.is_leaf());
        let (key_at, key_end) = self.key_span(slot)?;
        let (value_len, value_at) = self.varint(key_end)?;
        let (value_at, value_end) = self.span(value_at, value_len, "value")?;
        Ok(LeafEntry {
            key_at: self.offset + key_at as u64,
            key_len: (key_end - key_at) as u32,
            value_at: self.offset + value_at as u64,
            value_len: (value_end - value_at) as u32,
        })
    }

    /// The value of entry `slot` of a leaf, borrowed from the page.
    #[inline]
    pub(crate) fn leaf_value(&self, slot: usize) -> Result<&'a [u8]> {
        debug_assert!(self.is_leaf());
        let (_, key_end) = self.key_span(slot)?;
        let (value_len, value_at) = self.varint(key_end)?;
        let (value_at, value_end) = self.span(value_at, value_len, "value")?;
        Ok(&self.bytes[value_at..value_end])
    }

    /// Entry `slot` of an internal page: separator key and child offset.
    #[inline]
    pub(crate) fn internal_entry(&self, slot: usize) -> Result<(&'a [u8], u64)> {
        debug_assert!(!self.is_leaf());
        let (key_at, key_end) = self.key_span(slot)?;
        let (child_at, child_end) = self.span(key_end, CHILD_BYTES, "child offset")?;
        let mut child = [0u8; CHILD_BYTES];
        child.copy_from_slice(&self.bytes[child_at..child_end]);
        Ok((&self.bytes[key_at..key_end], u64::from_le_bytes(child)))
    }

    /// Loads one byte of every cache line of a one-unit page. The loads are
    /// independent, so the CPU issues them together and its prefetcher
    /// streams the page, where a binary search would otherwise wait for one
    /// dependent memory access after another (measured in the crate's
    /// benchmark: about 2x faster lookups in a tree larger than the CPU
    /// caches, a few ns slower in one that fits). Lookups warm pages only in
    /// trees of at least `WARM_TREE_BYTES_MIN`.
    pub(crate) fn warm(&self) {
        const CACHE_LINE_BYTES: usize = 64;
        if self.units != 1 {
            return;
        }
        let mut fold = 0u8;
        for line in self.bytes.chunks_exact(CACHE_LINE_BYTES) {
            fold ^= line[0];
        }
        std::hint::black_box(fold);
    }

    /// The first slot whose key is >= `target` under `cmp`, or `count` if
    /// every key is smaller.
    ///
    /// Generic over the comparator so that a caller passing a known function
    /// (see [`crate::BTree::seek_with`]) gets it inlined into the probe loop.
    #[inline(always)]
    pub(crate) fn lower_bound<C: Fn(&[u8], &[u8]) -> Ordering>(
        &self,
        target: &[u8],
        cmp: &C,
    ) -> Result<usize> {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if cmp(self.key(mid)?, target) == Ordering::Less {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Checks what readers do not need but the writer always produces:
    /// entries contiguous in slot order right after the slots, zero padding,
    /// no more units than the contents need, and a count a page can hold.
    /// Returns nothing; entry decoding is checked by the caller.
    pub(crate) fn check_layout(&self) -> Result<()> {
        if self.count > MAX_PAGE_ENTRIES {
            return self.bad(
                6,
                format!("{} entries exceed the {MAX_PAGE_ENTRIES} a page can hold", self.count),
            );
        }
        let mut expected = PAGE_HEADER_BYTES + SLOT_BYTES * self.count;
        for slot in 0..self.count {
            let start = self.entry_start(slot)?;
            if start != expected {
                return self.bad(
                    PAGE_HEADER_BYTES + SLOT_BYTES * slot,
                    format!("entry {slot} starts at {start}, not right after the previous one at {expected}"),
                );
            }
            let (_, key_end) = self.key_span(slot)?;
            expected = if self.is_leaf() {
                let (value_len, value_at) = self.varint(key_end)?;
                self.span(value_at, value_len, "value")?.1
            } else {
                self.span(key_end, CHILD_BYTES, "child offset")?.1
            };
        }
        if let Some(at) = self.bytes[expected..].iter().position(|&b| b != 0) {
            return self
                .bad(expected + at, "the padding after the entries is not zero".to_string());
        }
        if expected.div_ceil(PAGE_BYTES) != self.units as usize {
            return self
                .bad(8, format!("{} units hold only {expected} bytes of contents", self.units));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytewise;

    #[test]
    fn varints_round_trip_at_every_length_boundary() {
        for value in [0usize, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, u32::MAX as usize]
        {
            let mut encoded = Vec::new();
            put_varint(&mut encoded, value);
            assert_eq!(encoded.len(), varint_len(value));
            let mut page = vec![0u8; PAGE_BYTES];
            page[..encoded.len()].copy_from_slice(&encoded);
            let view =
                Page { offset: 0, bytes: &page, level: 0, count: 1, units: 1, prev_units: 0 };
            assert_eq!(view.varint(0).unwrap(), (value, encoded.len()));
        }
    }

    #[test]
    fn overlong_and_overflowing_varints_are_corruption() {
        let mut page = vec![0u8; PAGE_BYTES];
        let view = |page: &[u8]| {
            Page { offset: 4096, bytes: page, level: 0, count: 1, units: 1, prev_units: 1 }
                .varint(0)
                .is_err()
        };
        page[..6].copy_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
        assert!(view(&page));
        page[..5].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x1F]);
        assert!(view(&page));
        let mut tail = vec![0u8; PAGE_BYTES];
        tail[PAGE_BYTES - 1] = 0x80;
        let end = Page { offset: 4096, bytes: &tail, level: 0, count: 1, units: 1, prev_units: 1 };
        assert!(end.varint(PAGE_BYTES - 1).is_err());
    }

    #[test]
    fn encoded_page_reads_back_with_its_entries() {
        let mut builder = PageBuilder::new();
        for i in 0u8..10 {
            builder.add_leaf_entry(&[i, i], &vec![i; usize::from(i)]);
        }
        let mut out = Vec::new();
        let units = builder.encode(&mut out, 0, 8192, 3);
        assert_eq!((units, out.len()), (1, PAGE_BYTES));
        let mut tree = vec![0u8; 8192];
        tree.extend_from_slice(&out);
        let page = Page::read(&tree, 8192, true).unwrap();
        page.check_layout().unwrap();
        assert_eq!((page.count, page.prev_units, page.level), (10, 3, 0));
        for i in 0u8..10 {
            let entry = page.leaf_entry(usize::from(i)).unwrap();
            let value = &tree[entry.value_at as usize..][..entry.value_len as usize];
            assert_eq!(page.key(usize::from(i)).unwrap(), &[i, i]);
            assert_eq!(value, &vec![i; usize::from(i)][..]);
        }
        assert_eq!(page.lower_bound(&[4, 5], &bytewise).unwrap(), 5);
        assert_eq!(page.lower_bound(&[9, 9, 0], &bytewise).unwrap(), 10);
        // The same bytes at another offset fail the checksum.
        let mut moved = vec![0u8; 4096];
        moved.extend_from_slice(&out);
        assert!(Page::read(&moved, 4096, true).is_err());
    }

    #[test]
    fn internal_pages_grow_to_hold_two_huge_entries_and_no_more() {
        let huge = vec![1u8; 10_000];
        let mut builder = PageBuilder::new();
        let bytes = PageBuilder::internal_entry_bytes(&huge);
        assert!(builder.accepts(bytes, 2));
        builder.add_internal_entry(&huge, 0);
        assert!(builder.accepts(bytes, 2));
        builder.add_internal_entry(&huge, 4096);
        assert!(!builder.accepts(PageBuilder::internal_entry_bytes(b""), 2));
        let mut leaf = PageBuilder::new();
        leaf.add_leaf_entry(&huge, b"");
        assert!(!leaf.accepts(PageBuilder::leaf_entry_bytes(b"", b""), 1));
    }
}
