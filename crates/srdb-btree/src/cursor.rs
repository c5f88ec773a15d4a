//! A position in a tree that borrows nothing.

use crate::error::{BTreeError, Result};
use crate::page::{LeafEntry, Page};
use crate::BTree;

/// A position on one entry of a [`BTree`], or nowhere (not valid).
///
/// A cursor holds offsets, not references, so it can be stored beside the
/// bytes it points into (an SST iterator keeps one next to its mmap). Use it
/// only with the tree that created it: the offsets mean nothing in other
/// bytes. The checksum of a leaf is checked when the cursor arrives at it,
/// so moving within that leaf and reading its entries cost no checksum; used
/// with other bytes, a cursor gives errors or meaningless entries, never a
/// panic.
#[derive(Clone, Debug)]
pub struct Cursor {
    position: Option<Position>,
}

#[derive(Clone, Copy, Debug)]
struct Position {
    /// Offset of the leaf page.
    leaf: u64,
    /// Slot within the leaf.
    slot: usize,
    entry: LeafEntry,
}

impl Cursor {
    pub(crate) fn invalid() -> Self {
        Cursor { position: None }
    }

    /// A cursor on `slot` of `leaf`, which the caller has checked.
    pub(crate) fn on(leaf: &Page<'_>, slot: usize) -> Result<Self> {
        Ok(Cursor {
            position: Some(Position { leaf: leaf.offset, slot, entry: leaf.leaf_entry(slot)? }),
        })
    }

    /// Whether the cursor is on an entry.
    pub fn is_valid(&self) -> bool {
        self.position.is_some()
    }

    fn position(&self) -> Result<&Position> {
        self.position.as_ref().ok_or(BTreeError::CursorNotValid)
    }

    /// The key of the current entry. [`BTreeError::CursorNotValid`] if the
    /// cursor is not on an entry.
    pub fn key<'a>(&self, tree: &BTree<'a>) -> Result<&'a [u8]> {
        let entry = self.position()?.entry;
        tree.slice(entry.key_at, entry.key_len)
    }

    /// The value of the current entry. [`BTreeError::CursorNotValid`] if the
    /// cursor is not on an entry.
    pub fn value<'a>(&self, tree: &BTree<'a>) -> Result<&'a [u8]> {
        let entry = self.position()?.entry;
        tree.slice(entry.value_at, entry.value_len)
    }

    /// Moves to the next entry; past the last one the cursor becomes not
    /// valid. On a cursor that is not valid, does nothing. After an error the
    /// cursor is not valid.
    pub fn next(&mut self, tree: &BTree<'_>) -> Result<()> {
        let Some(position) = self.position.take() else {
            return Ok(());
        };
        // The leaf's checksum was checked when the cursor arrived on it.
        let leaf = Page::read(tree.bytes(), position.leaf, false)?;
        if position.slot + 1 < leaf.count {
            *self = Cursor::on(&leaf, position.slot + 1)?;
        } else if let Some(next) = tree.next_leaf(&leaf)? {
            *self = Cursor::on(&next, 0)?;
        }
        Ok(())
    }

    /// Moves to the previous entry; before the first one the cursor becomes
    /// not valid. On a cursor that is not valid, does nothing. After an error
    /// the cursor is not valid.
    pub fn prev(&mut self, tree: &BTree<'_>) -> Result<()> {
        let Some(position) = self.position.take() else {
            return Ok(());
        };
        let leaf = Page::read(tree.bytes(), position.leaf, false)?;
        if position.slot > 0 && position.slot <= leaf.count {
            *self = Cursor::on(&leaf, position.slot - 1)?;
        } else if let Some(prev) = tree.prev_leaf(&leaf)? {
            *self = Cursor::on(&prev, prev.count - 1)?;
        }
        Ok(())
    }
}
