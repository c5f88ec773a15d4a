//! Reading a tree in place: descent from the root and the walk between
//! neighbouring leaves.
//!
//! Every read checks what it relies on, so that bytes which are not a tree
//! give an error rather than a panic, a hang or a wrong answer:
//! - a child lies strictly before its parent and one level below it, so a
//!   descent takes exactly `height` steps and cannot cycle;
//! - the root is the last page and sits at level `height - 1`;
//! - leaves follow one another in key order in the tree's bytes, with fewer
//!   than `2 * height` internal pages between two of them or after the last
//!   (see [`MAX_RUN_FACTOR`]), and every page records the length of the page
//!   before it, so the walk to a neighbouring leaf is bounded and each step is
//!   checked against the page it arrives at.

use crate::cursor::Cursor;
use crate::error::{corruption, Result};
use crate::limits::{PAGE_BYTES, WARM_TREE_BYTES_MIN};
use crate::page::Page;
use crate::{KeyCmp, TreeMeta};
use std::cmp::Ordering;

/// A walk from a leaf to its neighbour passes fewer than `MAX_RUN_FACTOR *
/// height` internal pages. The writer puts at most one page per level above
/// the leaves between two leaves, and at most two per level after the last
/// leaf (while finishing, a level may write a full page and then its last).
pub(crate) const MAX_RUN_FACTOR: u32 = 2;

/// A read-only view of a tree held in a byte slice, typically an mmap.
///
/// A `BTree` is three words and a flag; constructing one per operation costs
/// nothing. Keys and values are returned as slices of the underlying bytes.
#[derive(Clone, Copy)]
pub struct BTree<'a> {
    /// The tree's bytes, exactly `meta.bytes` long.
    bytes: &'a [u8],
    meta: TreeMeta,
    cmp: KeyCmp,
    /// Whether page checksums are checked when a read touches a page.
    check_crc: bool,
}

impl std::fmt::Debug for BTree<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BTree")
            .field("meta", &self.meta)
            .field("check_crc", &self.check_crc)
            .finish_non_exhaustive()
    }
}

/// Which child a descent follows.
#[derive(Clone, Copy)]
enum Descend<'k> {
    /// The first entry whose key is >= the target.
    LowerBound(&'k [u8]),
    First,
    Last,
}

impl<'a> BTree<'a> {
    /// Opens the tree described by `meta` in `bytes`, which starts at the
    /// tree's first byte and may extend past its end. Checks `meta` against
    /// `bytes` only; each read then verifies the checksum of every page it
    /// touches.
    #[inline]
    pub fn open(bytes: &'a [u8], meta: TreeMeta, cmp: KeyCmp) -> Result<Self> {
        meta.validate()?;
        let len = usize::try_from(meta.bytes).ok().filter(|&len| len <= bytes.len());
        let Some(len) = len else {
            return Err(corruption(
                meta.bytes,
                format!(
                    "the tree is truncated: it needs {} bytes but only {} are present",
                    meta.bytes,
                    bytes.len()
                ),
            ));
        };
        Ok(BTree { bytes: &bytes[..len], meta, cmp, check_crc: true })
    }

    /// Opens a tree whose exact bytes the caller has already checked with
    /// [`BTree::verify`]: reads skip page checksums. Bounds are still checked
    /// on every read, so bytes that were not verified give errors or wrong
    /// answers, never a panic.
    #[inline]
    pub fn open_verified(bytes: &'a [u8], meta: TreeMeta, cmp: KeyCmp) -> Result<Self> {
        Ok(BTree { check_crc: false, ..Self::open(bytes, meta, cmp)? })
    }

    /// Checks every page: checksums, layout, levels and links, key order
    /// within and across pages, separators, and the entry count. Reads no
    /// byte outside the tree and allocates only a stack of `height` frames.
    pub fn verify(&self) -> Result<()> {
        crate::verify::verify(self)
    }

    /// The tree's metadata.
    pub fn meta(&self) -> TreeMeta {
        self.meta
    }

    /// Number of entries, as recorded in the metadata.
    pub fn len(&self) -> u64 {
        self.meta.entries
    }

    /// Whether the tree has no entries.
    pub fn is_empty(&self) -> bool {
        self.meta.entries == 0
    }

    /// The value stored under `key`, if any.
    pub fn get(&self, key: &[u8]) -> Result<Option<&'a [u8]>> {
        let Some((leaf, slot)) = self.descend(Descend::LowerBound(key), self.cmp)? else {
            return Ok(None);
        };
        let entry = leaf.leaf_entry(slot)?;
        let found = self.slice(entry.key_at, entry.key_len)?;
        if (self.cmp)(found, key) != Ordering::Equal {
            return Ok(None);
        }
        self.slice(entry.value_at, entry.value_len).map(Some)
    }

    /// A cursor on the first entry whose key is >= `key`; not valid if every
    /// key is smaller.
    pub fn seek(&self, key: &[u8]) -> Result<Cursor> {
        self.cursor_at(self.descend(Descend::LowerBound(key), self.cmp)?)
    }

    /// [`BTree::seek`] with `cmp` in place of the tree's comparator, which
    /// it must equal: a function item or closure is inlined into each page's
    /// binary search, where the stored function pointer costs a call per
    /// probe.
    pub fn seek_with<C: Fn(&[u8], &[u8]) -> Ordering>(&self, key: &[u8], cmp: C) -> Result<Cursor> {
        self.cursor_at(self.descend(Descend::LowerBound(key), cmp)?)
    }

    /// The value of the first entry whose key is >= `key` under `cmp` (which
    /// must equal the tree's comparator, as for [`BTree::seek_with`]); `None`
    /// if every key is smaller. A seek for a caller that needs neither the
    /// key found nor a cursor to move on from, such as a point read looking
    /// up the block that may hold its key: it skips building the cursor and
    /// slicing the value out again through it.
    pub fn lower_bound_value_with<C: Fn(&[u8], &[u8]) -> Ordering>(
        &self,
        key: &[u8],
        cmp: C,
    ) -> Result<Option<&'a [u8]>> {
        match self.descend(Descend::LowerBound(key), cmp)? {
            Some((leaf, slot)) => leaf.leaf_value(slot).map(Some),
            None => Ok(None),
        }
    }

    /// A cursor on the last entry whose key is <= `key`; not valid if every
    /// key is larger.
    pub fn seek_for_prev(&self, key: &[u8]) -> Result<Cursor> {
        let mut cursor = self.seek(key)?;
        if !cursor.is_valid() {
            return self.last();
        }
        if (self.cmp)(cursor.key(self)?, key) != Ordering::Equal {
            cursor.prev(self)?;
        }
        Ok(cursor)
    }

    /// A cursor on the first entry; not valid if the tree is empty.
    pub fn first(&self) -> Result<Cursor> {
        self.cursor_at(self.descend(Descend::First, self.cmp)?)
    }

    /// A cursor on the last entry; not valid if the tree is empty.
    pub fn last(&self) -> Result<Cursor> {
        self.cursor_at(self.descend(Descend::Last, self.cmp)?)
    }

    fn cursor_at(&self, found: Option<(Page<'a>, usize)>) -> Result<Cursor> {
        match found {
            Some((leaf, slot)) => Cursor::on(&leaf, slot),
            None => Ok(Cursor::invalid()),
        }
    }

    /// `len` bytes at tree offset `at`, checked against the tree's bounds.
    pub(crate) fn slice(&self, at: u64, len: u32) -> Result<&'a [u8]> {
        let range = usize::try_from(at)
            .ok()
            .and_then(|start| Some(start..start.checked_add(len as usize)?));
        match range.and_then(|range| self.bytes.get(range)) {
            Some(slice) => Ok(slice),
            None => Err(corruption(at, format!("{len} bytes at this offset lie outside the tree"))),
        }
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn cmp(&self) -> KeyCmp {
        self.cmp
    }

    /// Reads the page at `offset`, checking its checksum if this view does.
    pub(crate) fn page(&self, offset: u64) -> Result<Page<'a>> {
        Page::read(self.bytes, offset, self.check_crc)
    }

    /// Reads the root page and checks where it lies.
    pub(crate) fn root(&self, check_crc: bool) -> Result<Page<'a>> {
        self.checked_root(Page::read(self.bytes, self.meta.root_offset, check_crc)?)
    }

    /// Checks that `root`, read at the metadata's root offset, lies where the
    /// root must.
    fn checked_root(&self, root: Page<'a>) -> Result<Page<'a>> {
        if u32::from(root.level) + 1 != self.meta.height {
            return Err(corruption(
                root.offset,
                format!(
                    "the root is at level {} in a tree of height {}",
                    root.level, self.meta.height
                ),
            ));
        }
        if root.end() != self.meta.bytes {
            return Err(corruption(
                root.offset,
                format!(
                    "the root ends at {}, not at the end of the tree at {}",
                    root.end(),
                    self.meta.bytes
                ),
            ));
        }
        Ok(root)
    }

    /// Reads the child at `offset` of `parent`, checking that it lies before
    /// the parent and one level below it.
    pub(crate) fn child(
        &self,
        parent: &Page<'a>,
        offset: u64,
        check_crc: bool,
    ) -> Result<Page<'a>> {
        self.read_child(parent, offset, |offset| Page::read(self.bytes, offset, check_crc))
    }

    /// [`BTree::child`] with the page read by `read`.
    #[inline]
    fn read_child(
        &self,
        parent: &Page<'a>,
        offset: u64,
        read: impl FnOnce(u64) -> Result<Page<'a>>,
    ) -> Result<Page<'a>> {
        if offset >= parent.offset {
            return Err(corruption(
                parent.offset,
                format!("a child pointer to {offset} does not point before its parent"),
            ));
        }
        let child = read(offset)?;
        // Levels come from disk: a child at level 255 must not overflow.
        if child.level.checked_add(1) != Some(parent.level) {
            return Err(corruption(
                offset,
                format!(
                    "a page at level {} is the child of a page at level {}",
                    child.level, parent.level
                ),
            ));
        }
        Ok(child)
    }

    /// Walks from the root to a leaf slot. `None` when the tree is empty or,
    /// for a lower bound, when every key is smaller than the target.
    fn descend<C: Fn(&[u8], &[u8]) -> Ordering>(
        &self,
        how: Descend<'_>,
        cmp: C,
    ) -> Result<Option<(Page<'a>, usize)>> {
        if self.meta.height == 0 {
            return Ok(None);
        }
        // Pages of a tree verified as a whole are read with bounds checks
        // only (see `Page::read_trusted`); the checks of where the root and
        // each child lie stay, so that wrong metadata or a damaged pointer is
        // still an error rather than a wrong answer or an endless descent.
        let read = |offset| match self.check_crc {
            true => Page::read(self.bytes, offset, true),
            false => Page::read_trusted(self.bytes, offset),
        };
        let mut page = self.checked_root(read(self.meta.root_offset)?)?;
        loop {
            if !self.check_crc && self.meta.bytes >= WARM_TREE_BYTES_MIN {
                // Checksumming already streamed the page into the cache.
                page.warm();
            }
            let slot = match how {
                Descend::First => 0,
                Descend::Last => page.count - 1,
                Descend::LowerBound(target) => page.lower_bound(target, &cmp)?,
            };
            if slot == page.count {
                if page.offset == self.meta.root_offset {
                    return Ok(None);
                }
                // The parent's separator, the last key of this subtree, was
                // >= the target, yet no key here is.
                return Err(corruption(
                    page.offset,
                    "the page holds no key up to its separator in the parent",
                ));
            }
            if page.is_leaf() {
                return Ok(Some((page, slot)));
            }
            let (_, child) = page.internal_entry(slot)?;
            page = self.read_child(&page, child, read)?;
        }
    }

    /// The leaf after `leaf` in key order, or `None` if it is the last.
    pub(crate) fn next_leaf(&self, leaf: &Page<'a>) -> Result<Option<Page<'a>>> {
        let (mut offset, mut prev_units) = (leaf.end(), leaf.units);
        for _ in 0..MAX_RUN_FACTOR * self.meta.height {
            if offset == self.meta.bytes {
                return Ok(None);
            }
            let page = self.page(offset)?;
            if page.prev_units != prev_units {
                return Err(corruption(
                    offset,
                    format!(
                        "the page says the page before it has {} units, but it has {prev_units}",
                        page.prev_units
                    ),
                ));
            }
            if page.is_leaf() {
                return Ok(Some(page));
            }
            (offset, prev_units) = (page.end(), page.units);
        }
        Err(corruption(
            leaf.offset,
            "more internal pages follow this leaf than the tree has levels",
        ))
    }

    /// The leaf before `leaf` in key order, or `None` if it is the first.
    pub(crate) fn prev_leaf(&self, leaf: &Page<'a>) -> Result<Option<Page<'a>>> {
        let (mut offset, mut units) = (leaf.offset, leaf.prev_units);
        for _ in 0..MAX_RUN_FACTOR * self.meta.height {
            if offset == 0 {
                return Ok(None);
            }
            let start = offset.checked_sub(u64::from(units) * PAGE_BYTES as u64);
            let Some(start) = start else {
                return Err(corruption(
                    offset,
                    format!("the page before this one cannot have {units} units"),
                ));
            };
            let page = self.page(start)?;
            if page.units != units {
                return Err(corruption(
                    start,
                    format!(
                        "the page has {} units, but the page after it says {units}",
                        page.units
                    ),
                ));
            }
            if page.is_leaf() {
                return Ok(Some(page));
            }
            (offset, units) = (page.offset, page.prev_units);
        }
        Err(corruption(
            leaf.offset,
            "more internal pages precede this leaf than the tree has levels",
        ))
    }
}
