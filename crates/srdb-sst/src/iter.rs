//! Iteration over one SST file in internal-key order, both ways.
//!
//! The iterator holds one data block at a time (a range of the mapped file,
//! or one decompressed block) plus a cursor into the index, so its memory is
//! bounded by the largest block whatever the file's size.

use std::ops::ControlFlow;
use std::sync::Arc;

use srdb_btree::{BTree, Cursor};
use srdb_key::{BoxError, InternalIterator};

use crate::block::cursor::BlockCursor;
use crate::error::SstError;
use crate::index::compare_ikeys;
use crate::reader::{BlockBytes, Sst};

/// The block an iterator is positioned in.
enum HeldBlock {
    /// A raw block read in place: its payload's range in the file.
    InPlace { start: usize, end: usize },
    /// A decompressed block.
    Shared(Arc<[u8]>),
}

/// An [`InternalIterator`] over one file. Owns an `Arc` of the file, so the
/// file stays mapped while the iterator lives. `Send`.
pub struct SstIter {
    sst: Arc<Sst>,
    fill_cache: bool,
    /// Index position of the held block; `None` before the first seek and
    /// after an error.
    index: Option<Cursor>,
    block: Option<HeldBlock>,
    block_offset: u64,
    cursor: BlockCursor,
}

impl SstIter {
    pub(crate) fn new(sst: Arc<Sst>, fill_cache: bool) -> Self {
        SstIter {
            sst,
            fill_cache,
            index: None,
            block: None,
            block_offset: 0,
            cursor: BlockCursor::default(),
        }
    }

    #[inline]
    fn block_bytes(&self) -> &[u8] {
        held_bytes(
            &self.sst,
            self.block.as_ref().expect("a block is held while the iterator is valid"),
        )
    }

    /// Loads the block under the index cursor (or none if the cursor is past
    /// either end), leaving the block cursor not valid. `tree` is the
    /// file's index, opened once by the caller for its move and this load.
    fn load_block(&mut self, tree: &BTree<'_>) -> Result<(), SstError> {
        self.block = None;
        let Some(index) = self.index.as_ref().filter(|index| index.is_valid()) else {
            return Ok(());
        };
        let handle = self.sst.handle_at(tree, index)?;
        let held = match self.sst.read_block(handle, self.fill_cache)? {
            // An in-place block is the payload the handle names.
            BlockBytes::InPlace(_) => {
                let start = handle.offset as usize;
                HeldBlock::InPlace { start, end: start + handle.len as usize }
            }
            BlockBytes::Shared(bytes) => HeldBlock::Shared(bytes),
        };
        self.block = Some(held);
        self.block_offset = handle.offset;
        let offset = self.block_offset;
        let bytes = held_bytes(&self.sst, self.block.as_ref().expect("just set"));
        self.cursor.reset(bytes).map_err(|e| self.sst.block_error(offset, e))
    }

    /// Runs a block-cursor step on the held block.
    fn step(
        &mut self,
        op: impl FnOnce(&mut BlockCursor, &[u8]) -> Result<(), crate::block::BlockError>,
    ) -> Result<(), SstError> {
        let bytes = held_bytes(&self.sst, self.block.as_ref().expect("a block is held"));
        op(&mut self.cursor, bytes).map_err(|e| self.sst.block_error(self.block_offset, e))
    }

    /// While the held block is exhausted, moves to the first entry of the
    /// next block. (The writer never leaves a block without an entry >= its
    /// index position, so this loops more than once only on a damaged file;
    /// it ends at the last block either way.)
    fn skip_forward(&mut self) -> Result<(), SstError> {
        while self.block.is_some() && !self.cursor.valid() {
            let sst = Arc::clone(&self.sst);
            let tree = sst.index();
            let index = self.index.as_mut().expect("a block is held only under an index position");
            index.next(&tree).map_err(|e| self.sst.index_error(e))?;
            self.load_block(&tree)?;
            if self.block.is_some() {
                self.step(|c, b| c.seek_to_first(b))?;
            }
        }
        Ok(())
    }

    /// While the held block is exhausted, moves to the last entry of the
    /// previous block.
    fn skip_backward(&mut self) -> Result<(), SstError> {
        while self.block.is_some() && !self.cursor.valid() {
            let sst = Arc::clone(&self.sst);
            let tree = sst.index();
            let index = self.index.as_mut().expect("a block is held only under an index position");
            index.prev(&tree).map_err(|e| self.sst.index_error(e))?;
            self.load_block(&tree)?;
            if self.block.is_some() {
                self.step(|c, b| c.seek_to_last(b))?;
            }
        }
        Ok(())
    }

    /// Takes the index position `index` found in `tree` and loads its
    /// block.
    fn positioned(
        &mut self,
        tree: &BTree<'_>,
        index: Result<Cursor, srdb_btree::BTreeError>,
    ) -> Result<(), SstError> {
        self.block = None;
        self.index = None;
        self.index = Some(index.map_err(|e| self.sst.index_error(e))?);
        self.load_block(tree)
    }

    /// Drops the position after an error, so that `valid` is false.
    fn guard(&mut self, result: Result<(), SstError>) -> Result<(), BoxError> {
        if result.is_err() {
            self.block = None;
            self.index = None;
        }
        result.map_err(BoxError::from)
    }

    fn do_seek(&mut self, target: &[u8]) -> Result<(), SstError> {
        let sst = Arc::clone(&self.sst);
        let tree = sst.index();
        self.positioned(&tree, tree.seek_with(target, compare_ikeys))?;
        if self.block.is_some() {
            self.step(|c, b| c.seek(b, target))?;
        }
        self.skip_forward()
    }
}

#[inline]
fn held_bytes<'a>(sst: &'a Sst, block: &'a HeldBlock) -> &'a [u8] {
    match block {
        HeldBlock::InPlace { start, end } => &sst.bytes[*start..*end],
        HeldBlock::Shared(bytes) => bytes,
    }
}

impl SstIter {
    /// The current key and value, in one call: what a scan reads of every
    /// entry it steps on.
    ///
    /// # Panics
    /// If the iterator is not valid.
    #[inline]
    pub fn entry(&self) -> (&[u8], &[u8]) {
        assert!(self.valid(), "entry() called on an iterator that is not valid");
        (self.cursor.key(), self.cursor.value(self.block_bytes()))
    }

    /// Moves to the next entry and returns whether there is one: `next`
    /// then `valid`, with the step that stays in the held block (all but
    /// one per block) in line and the move to the next block out of it.
    ///
    /// # Panics
    /// If the iterator is not valid.
    #[inline]
    pub fn advance(&mut self) -> Result<bool, BoxError> {
        let block = self.block.as_ref().expect("advance() called on an iterator that is not valid");
        assert!(self.cursor.valid(), "advance() called on an iterator that is not valid");
        let bytes = held_bytes(&self.sst, block);
        match self.cursor.next(bytes) {
            Ok(()) if self.cursor.valid() => Ok(true),
            result => self.step_out_of_block(result),
        }
    }

    /// Calls `visit` on the current entry and each one after it, in order,
    /// until it answers [`ControlFlow::Break`]: then returns `Ok(true)`,
    /// positioned on that entry. Returns `Ok(false)` when the entries run
    /// out (the iterator is then not valid), and `visit`'s first error.
    ///
    /// The loop for scans that look at many entries to hand out few (a
    /// filtered scan): the entries of one block are walked without going
    /// back through the iterator for each one.
    pub fn scan<E: From<BoxError>>(
        &mut self,
        mut visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, E>,
    ) -> Result<bool, E> {
        while let Some(block) = self.block.as_ref().filter(|_| self.cursor.valid()) {
            let bytes = held_bytes(&self.sst, block);
            let stepped = loop {
                if visit(self.cursor.key(), self.cursor.value(bytes))?.is_break() {
                    return Ok(true);
                }
                match self.cursor.next(bytes) {
                    Ok(()) if self.cursor.valid() => {}
                    result => break result,
                }
            };
            let result = stepped
                .map_err(|e| self.sst.block_error(self.block_offset, e))
                .and_then(|()| self.skip_forward());
            self.guard(result)?;
        }
        Ok(false)
    }

    /// The rest of [`SstIter::advance`] when the step left the held block or
    /// failed.
    #[cold]
    #[inline(never)]
    fn step_out_of_block(
        &mut self,
        stepped: Result<(), crate::block::BlockError>,
    ) -> Result<bool, BoxError> {
        let result = stepped
            .map_err(|e| self.sst.block_error(self.block_offset, e))
            .and_then(|()| self.skip_forward());
        self.guard(result)?;
        Ok(self.valid())
    }
}

impl InternalIterator for SstIter {
    #[inline]
    fn valid(&self) -> bool {
        self.block.is_some() && self.cursor.valid()
    }

    #[inline]
    fn key(&self) -> &[u8] {
        assert!(self.valid(), "key() called on an iterator that is not valid");
        self.cursor.key()
    }

    #[inline]
    fn value(&self) -> &[u8] {
        assert!(self.valid(), "value() called on an iterator that is not valid");
        self.cursor.value(self.block_bytes())
    }

    fn seek_to_first(&mut self) -> Result<(), BoxError> {
        let result = (|| {
            let sst = Arc::clone(&self.sst);
            let tree = sst.index();
            self.positioned(&tree, tree.first())?;
            if self.block.is_some() {
                self.step(|c, b| c.seek_to_first(b))?;
            }
            self.skip_forward()
        })();
        self.guard(result)
    }

    fn seek_to_last(&mut self) -> Result<(), BoxError> {
        let result = (|| {
            let sst = Arc::clone(&self.sst);
            let tree = sst.index();
            self.positioned(&tree, tree.last())?;
            if self.block.is_some() {
                self.step(|c, b| c.seek_to_last(b))?;
            }
            self.skip_backward()
        })();
        self.guard(result)
    }

    fn seek(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let result = self.do_seek(target);
        self.guard(result)
    }

    fn seek_for_prev(&mut self, target: &[u8]) -> Result<(), BoxError> {
        let result = (|| {
            self.do_seek(target)?;
            if !self.valid() {
                let sst = Arc::clone(&self.sst);
                let tree = sst.index();
                self.positioned(&tree, tree.last())?;
                if self.block.is_some() {
                    self.step(|c, b| c.seek_to_last(b))?;
                }
                return self.skip_backward();
            }
            if self.cursor.key() != target {
                self.step(|c, b| c.prev(b))?;
                self.skip_backward()?;
            }
            Ok(())
        })();
        self.guard(result)
    }

    #[inline]
    fn next(&mut self) -> Result<(), BoxError> {
        self.advance().map(drop)
    }

    fn prev(&mut self) -> Result<(), BoxError> {
        assert!(self.valid(), "prev() called on an iterator that is not valid");
        let result = self.step(|c, b| c.prev(b)).and_then(|()| self.skip_backward());
        self.guard(result)
    }
}

impl std::fmt::Debug for SstIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SstIter")
            .field("file", &self.sst.path())
            .field("valid", &self.valid())
            .finish()
    }
}
