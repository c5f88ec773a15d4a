//! Building a tree bottom-up from a sorted stream.
//!
//! The writer keeps one open page per level. An entry goes into the open leaf;
//! when it does not fit, the leaf is written and its last key becomes an entry
//! of the open page one level up, and so on. Before a page is written, its
//! parent is made ready to take its entry, writing the parent first if it is
//! full. So every page comes after all its children (the root is the last
//! page), the pages of each level come in key order, and at most one page per
//! level lies between two leaves; finishing writes at most two pages per
//! level after the last leaf.
//! Memory is one open page per level, O(height), whatever the entry count.

use crate::error::{BTreeError, Result};
use crate::limits::{MAX_HEIGHT, MAX_KEY_BYTES, MAX_VALUE_BYTES, PAGE_BYTES};
use crate::page::PageBuilder;
use crate::{KeyCmp, TreeMeta};
use std::cmp::Ordering;
use std::io::Write;

/// Fewest entries before a leaf may grow past 4 KiB.
const LEAF_MIN_ENTRIES: usize = 1;
/// Fewest entries before an internal page may grow past 4 KiB (see
/// `PageBuilder::accepts`).
const INTERNAL_MIN_ENTRIES: usize = 2;

/// Writes a B+Tree to `out` from entries pushed in strictly increasing key
/// order, and returns its [`TreeMeta`].
///
/// Offsets in the tree are relative to the first byte this writer writes, so
/// the tree can start anywhere in a file. Writes go to `out` one whole page
/// at a time; wrap a file in a `BufWriter` if pages should be batched.
///
/// If a write to `out` fails, the writer returns the error and then refuses
/// further work with [`BTreeError::WriterFailed`]: the bytes already written
/// are not a tree.
pub struct BTreeWriter<W: Write> {
    out: W,
    cmp: KeyCmp,
    /// Open page of each level, leaves at index 0.
    levels: Vec<PageBuilder>,
    /// Bytes written so far: the offset of the next page.
    written: u64,
    /// Units of the last page written, for the next page's header.
    last_units: u32,
    entries: u64,
    /// Scratch buffer each page is laid out in before it is written.
    page: Vec<u8>,
    failed: bool,
}

impl<W: Write> BTreeWriter<W> {
    /// A writer of an empty tree to `out`, ordering keys by `cmp`.
    pub fn new(out: W, cmp: KeyCmp) -> Self {
        BTreeWriter {
            out,
            cmp,
            levels: vec![PageBuilder::new()],
            written: 0,
            last_units: 0,
            entries: 0,
            page: Vec::with_capacity(PAGE_BYTES),
            failed: false,
        }
    }

    /// Entries pushed so far.
    pub fn len(&self) -> u64 {
        self.entries
    }

    /// Whether no entry has been pushed yet.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Bytes written to `out` so far. Pages are written when full, so this
    /// trails the size of the finished tree.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Adds an entry. `key` must sort strictly after the previous key under
    /// the comparator, or the entry is refused with [`BTreeError::OutOfOrder`]
    /// (the writer stays usable). Keys longer than
    /// [`MAX_KEY_BYTES`](crate::MAX_KEY_BYTES) or values longer than
    /// [`MAX_VALUE_BYTES`](crate::MAX_VALUE_BYTES) are refused with
    /// [`BTreeError::EntryTooLarge`].
    pub fn push(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        if self.failed {
            return Err(BTreeError::WriterFailed);
        }
        if key.len() > MAX_KEY_BYTES || value.len() > MAX_VALUE_BYTES {
            return Err(BTreeError::EntryTooLarge {
                key_bytes: key.len(),
                value_bytes: value.len(),
            });
        }
        if let Some(last) = self.levels[0].last_key() {
            if (self.cmp)(last, key) != Ordering::Less {
                return Err(BTreeError::OutOfOrder);
            }
        }
        let entry_bytes = PageBuilder::leaf_entry_bytes(key, value);
        if !self.levels[0].accepts(entry_bytes, LEAF_MIN_ENTRIES) {
            self.guard(|w| w.write_page_and_link(0))?;
        }
        self.levels[0].add_leaf_entry(key, value);
        self.entries += 1;
        Ok(())
    }

    /// Writes the remaining pages, root last, flushes `out`, and returns it
    /// with the tree's metadata. An empty tree writes no bytes.
    pub fn finish(mut self) -> Result<(W, TreeMeta)> {
        if self.failed {
            return Err(BTreeError::WriterFailed);
        }
        if self.entries == 0 {
            self.out.flush()?;
            return Ok((self.out, TreeMeta::EMPTY));
        }
        let mut level = 0;
        while level + 1 < self.levels.len() {
            // Every level below the top has an open page: a level only
            // exists once the level below wrote a page, and each write is
            // followed at once by an entry into a fresh page.
            self.write_page_and_link(level)?;
            level += 1;
        }
        let root_offset = self.written;
        self.write_page(level)?;
        self.out.flush()?;
        let meta = TreeMeta {
            root_offset,
            height: u32::try_from(self.levels.len()).expect("height fits in u32"),
            entries: self.entries,
            bytes: self.written,
        };
        debug_assert!(meta.validate().is_ok(), "writer produced inconsistent {meta:?}");
        Ok((self.out, meta))
    }

    /// Runs `step`, remembering whether it failed, since a failed write
    /// leaves the tree in an unknown state.
    fn guard(&mut self, step: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let result = step(self);
        self.failed = result.is_err();
        result
    }

    /// Writes the open page of `level` and adds its entry to the level above,
    /// writing that level's page first if it cannot take the entry.
    fn write_page_and_link(&mut self, level: usize) -> Result<()> {
        if level + 1 == self.levels.len() {
            assert!(self.levels.len() < MAX_HEIGHT as usize, "tree exceeds MAX_HEIGHT levels");
            self.levels.push(PageBuilder::new());
        }
        let separator_bytes = {
            let key = self.levels[level].last_key().expect("a written page is not empty");
            PageBuilder::internal_entry_bytes(key)
        };
        if !self.levels[level + 1].accepts(separator_bytes, INTERNAL_MIN_ENTRIES) {
            self.write_page_and_link(level + 1)?;
        }
        let offset = self.written;
        self.write_page(level)?;
        let (lower, upper) = self.levels.split_at_mut(level + 1);
        let key = lower[level].last_key().expect("a written page is not empty");
        upper[0].add_internal_entry(key, offset);
        lower[level].clear();
        Ok(())
    }

    /// Writes the open page of `level` at the current end of the tree. The
    /// page is not cleared: its last key is still needed by the parent.
    fn write_page(&mut self, level: usize) -> Result<()> {
        let level_byte = u8::try_from(level).expect("level fits in u8");
        let units =
            self.levels[level].encode(&mut self.page, level_byte, self.written, self.last_units);
        self.out.write_all(&self.page)?;
        self.written += self.page.len() as u64;
        self.last_units = units;
        Ok(())
    }
}
