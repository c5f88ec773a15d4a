//! An open SST file: validation at open, point reads, block access and the
//! full verification.
//!
//! Thread safety: an [`Sst`] is immutable after open except for the bitmap of
//! data blocks whose checksum has been verified, which only ever gains bits
//! (relaxed atomics suffice: the bytes a bit vouches for never change).

use std::cell::RefCell;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use srdb_btree::{BTree, BTreeError, TreeMeta};
use srdb_key::{Kind, MAX_SEQNO};

use crate::block::cursor::BlockCursor;
use crate::block::frame::{self, Compression, FRAME_TRAILER_BYTES};
use crate::block::BlockError;
use crate::bloom::{self, Bloom, BloomShape};
use crate::cache::BlockCache;
use crate::error::SstError;
use crate::footer::{Footer, FooterError};
use crate::header::{self, HeaderError, FORMAT_VERSION, HEADER_BYTES};
use crate::index::{compare_ikeys, BlockHandle};
use crate::iter::SstIter;
use crate::mmap::Backing;
use crate::summary::SstSummary;

/// The data block of a file that a point read of one key looks in, found by
/// [`Sst::locate`]: valid for that file only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockAt {
    /// The process-unique id of the file.
    file: u64,
    handle: BlockHandle,
}

/// The word of `Sst::verified` holding the bit of data block `ordinal`,
/// and that bit.
fn verified_bit(ordinal: u32) -> (usize, u64) {
    (ordinal as usize / 64, 1u64 << (ordinal % 64))
}

/// Sets `target` to the seek key of `user_key` at `snapshot`: it sorts
/// before every version visible at the snapshot and after every newer one.
fn seek_target(target: &mut Vec<u8>, user_key: &[u8], snapshot: u64) {
    target.clear();
    target.extend_from_slice(user_key);
    // No entry has a seqno above MAX_SEQNO, so clamping changes no answer
    // and keeps the seek key encodable.
    target
        .extend_from_slice(&((snapshot.min(MAX_SEQNO) << 8) | u64::from(Kind::SEEK)).to_le_bytes());
}

/// The newest version of a key visible at a snapshot, as stored in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// Sequence number of the version.
    pub seqno: u64,
    /// A value, or a tombstone ([`Kind::Delete`], with an empty value).
    pub kind: Kind,
    /// The value.
    pub value: Vec<u8>,
}

/// Process-unique ids of opened files, for block cache keys.
static NEXT_FILE_ID: AtomicU64 = AtomicU64::new(1);

/// The largest block [`Sst::prefetch_block`] asks for whole: 256 cache lines, the
/// default block size four times over. Of a larger block (a few large
/// values) only the end is asked for, where the restart array lies.
const PREFETCH_WHOLE_BLOCK_MAX: usize = 16 << 10;

/// An open, validated SST file. `Send + Sync`; shared as `Arc<Sst>`.
pub struct Sst {
    pub(crate) path: PathBuf,
    file_number: u64,
    pub(crate) id: u64,
    pub(crate) bytes: Backing,
    compression: Compression,
    footer: Footer,
    index_range: Range<usize>,
    /// Where the bloom filter's payload starts, and its parsed fields.
    bloom: Option<(usize, BloomShape)>,
    summary: SstSummary,
    /// One bit per data block: its checksum has been verified and it is
    /// stored raw (read in place).
    verified: Box<[AtomicU64]>,
    pub(crate) cache: Option<Arc<BlockCache>>,
}

/// A data block's content: read in place, or decompressed (shared with the
/// block cache when there is one).
pub(crate) enum BlockBytes<'a> {
    InPlace(&'a [u8]),
    Shared(Arc<[u8]>),
}

impl BlockBytes<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            BlockBytes::InPlace(bytes) => bytes,
            BlockBytes::Shared(bytes) => bytes,
        }
    }
}

/// What [`Sst::verify`] checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Data blocks read and checked.
    pub data_blocks: u64,
    /// Entries decoded and checked.
    pub entries: u64,
    /// Distinct user keys, each of which the bloom filter (if any) reports.
    pub user_keys: u64,
}

/// Scratch space of point reads, reused so that a `get` allocates nothing
/// but the value it returns.
#[derive(Default)]
struct GetScratch {
    target: Vec<u8>,
    cursor: BlockCursor,
}

thread_local! {
    static GET_SCRATCH: RefCell<GetScratch> = RefCell::new(GetScratch::default());
}

impl Sst {
    /// Opens and validates the file at `path`: magic, version, footer,
    /// summary, the bloom block's checksum and the whole index (every page's
    /// checksum and order). Data blocks are checked when first read.
    pub fn open(
        path: &Path,
        file_number: u64,
        cache: Option<Arc<BlockCache>>,
    ) -> Result<Arc<Sst>, SstError> {
        let file = std::fs::File::open(path).map_err(|e| SstError::io(path, e))?;
        let len = file.metadata().map_err(|e| SstError::io(path, e))?.len();
        // Mapping an empty file fails on some systems; a file this short is
        // not an SST anyway.
        if len < HEADER_BYTES as u64 {
            return Err(SstError::corruption(
                path,
                0,
                format!("the file is {len} bytes long, shorter than a header"),
            ));
        }
        let bytes = Backing::map(file).map_err(|e| SstError::io(path, e))?;
        Self::from_backing(path.to_path_buf(), file_number, bytes, cache)
    }

    /// Opens an SST file held in memory, as [`Sst::open`] does a file.
    /// `name` is used in errors only.
    pub fn from_bytes(
        name: &Path,
        file_number: u64,
        bytes: Vec<u8>,
        cache: Option<Arc<BlockCache>>,
    ) -> Result<Arc<Sst>, SstError> {
        Self::from_backing(name.to_path_buf(), file_number, Backing::Owned(bytes), cache)
    }

    fn from_backing(
        path: PathBuf,
        file_number: u64,
        bytes: Backing,
        cache: Option<Arc<BlockCache>>,
    ) -> Result<Arc<Sst>, SstError> {
        let corrupt = |offset: u64, reason: &str| SstError::corruption(&path, offset, reason);
        let version_error = |found| SstError::UnsupportedVersion {
            file: path.clone(),
            found,
            supported: FORMAT_VERSION,
        };
        let file_len = bytes.len() as u64;

        let (compression, version) = header::decode(&bytes).map_err(|e| match e {
            HeaderError::Corrupt(reason) => corrupt(0, reason),
            HeaderError::Version(found) => version_error(found),
        })?;
        let footer_offset = file_len.saturating_sub(crate::footer::FOOTER_BYTES as u64);
        let footer = Footer::decode(&bytes).map_err(|e| match e {
            FooterError::Corrupt(reason) => corrupt(footer_offset, reason),
            FooterError::Version(found) => version_error(found),
        })?;
        footer.check_layout(file_len).map_err(|reason| corrupt(footer_offset, reason))?;
        if footer.version != version {
            return Err(corrupt(
                footer_offset,
                "the footer's format version differs from the header's",
            ));
        }
        // Each data block takes at least a frame trailer and a restart count,
        // which bounds the bitmap allocated below by the file's size.
        let data_bytes = footer.index_offset - HEADER_BYTES as u64;
        if footer.data_blocks == 0
            || footer.data_blocks > data_bytes / (FRAME_TRAILER_BYTES as u64 + 4)
        {
            return Err(corrupt(
                footer_offset,
                "the footer's data block count does not fit the data region",
            ));
        }

        let summary_payload = framed_payload(&bytes, footer.summary_offset, footer.summary_len)
            .map_err(|reason| corrupt(footer.summary_offset, reason))?;
        let summary = SstSummary::decode(summary_payload, file_len, version)
            .map_err(|reason| corrupt(footer.summary_offset, reason))?;

        let bloom = if footer.bloom_len == 0 {
            None
        } else {
            let payload = framed_payload(&bytes, footer.bloom_offset, footer.bloom_len)
                .map_err(|reason| corrupt(footer.bloom_offset, reason))?;
            let shape = Bloom::parse(payload)
                .map_err(|reason| corrupt(footer.bloom_offset, reason))?
                .shape();
            Some((footer.bloom_offset as usize, shape))
        };

        let index_range =
            footer.index_offset as usize..(footer.index_offset + footer.index_bytes) as usize;
        let meta = tree_meta(&footer);
        let tree = BTree::open(&bytes[index_range.clone()], meta, compare_ikeys)
            .and_then(|tree| tree.verify().map(|()| tree))
            .map_err(|e| index_error(&path, footer.index_offset, e))?;
        debug_assert_eq!(tree.len(), footer.data_blocks);

        let words = footer.data_blocks.div_ceil(64) as usize;
        let verified = (0..words).map(|_| AtomicU64::new(0)).collect();
        Ok(Arc::new(Sst {
            path,
            file_number,
            id: NEXT_FILE_ID.fetch_add(1, Ordering::Relaxed),
            bytes,
            compression,
            footer,
            index_range,
            bloom,
            summary,
            verified,
            cache,
        }))
    }

    /// What the file holds.
    pub fn summary(&self) -> &SstSummary {
        &self.summary
    }

    /// The file's path (or the name given to [`Sst::from_bytes`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file number given at open.
    pub fn file_number(&self) -> u64 {
        self.file_number
    }

    /// The compression the file was written with (individual blocks that
    /// did not compress well are stored raw regardless).
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// False when the file certainly holds no version of `user_key`; true
    /// when it may (always true for a file written without a filter).
    pub fn may_contain(&self, user_key: &[u8]) -> bool {
        match self.bloom {
            None => true,
            Some((start, shape)) => Bloom::from_shape(&self.bytes[start..], shape)
                .may_contain(bloom::key_hash(user_key)),
        }
    }

    /// The newest version of `user_key` with seqno <= `snapshot` in this
    /// file (a tombstone is returned as [`Kind::Delete`]); `None` if the file
    /// has none. Consults the bloom filter first.
    pub fn get(&self, user_key: &[u8], snapshot: u64) -> Result<Option<Lookup>, SstError> {
        self.get_with(user_key, snapshot, |seqno, kind, value| Lookup {
            seqno,
            kind,
            value: value.to_vec(),
        })
    }

    /// Like [`get`](Sst::get), but hands the version (seqno, kind, value)
    /// to `read` in place instead of copying the value, and returns what
    /// `read` returns. The value borrows the mapped file or a cached block.
    pub fn get_with<R>(
        &self,
        user_key: &[u8],
        snapshot: u64,
        read: impl FnOnce(u64, Kind, &[u8]) -> R,
    ) -> Result<Option<R>, SstError> {
        if !self.may_contain(user_key) {
            return Ok(None);
        }
        self.search(user_key, snapshot, read)
    }

    /// Like [`get_with`](Sst::get_with), but without consulting the bloom
    /// filter: for a key the caller expects the file to hold, such as a row
    /// an index entry points at, read from the deepest level of a tree where
    /// a miss has nowhere else to be looked for. There the filter answers
    /// yes at the price of a cache miss on its bits; a key that is absent
    /// after all costs a search of the index and one block instead.
    pub fn get_present_with<R>(
        &self,
        user_key: &[u8],
        snapshot: u64,
        read: impl FnOnce(u64, Kind, &[u8]) -> R,
    ) -> Result<Option<R>, SstError> {
        self.search(user_key, snapshot, read)
    }

    /// The data block a search for `user_key` at `snapshot` reads, found
    /// through the index; `None` if every key of the file sorts before the
    /// key's versions at `snapshot`. With [`Sst::prefetch_block`] and
    /// [`Sst::get_in_block`], a point read split in two: a caller reading
    /// many keys locates and prefetches all their blocks first, then reads
    /// them, so that their cache misses overlap instead of following one
    /// another.
    pub fn locate(&self, user_key: &[u8], snapshot: u64) -> Result<Option<BlockAt>, SstError> {
        GET_SCRATCH.with(|scratch| {
            let target = &mut scratch.borrow_mut().target;
            seek_target(target, user_key, snapshot);
            Ok(self.block_for(target)?.map(|handle| BlockAt { file: self.id, handle }))
        })
    }

    /// Starts loading the block `at` into the CPU caches without waiting
    /// for it: every cache line of the block, or only the last (the restart
    /// array) of a block over 16 KiB. A point read otherwise waits on memory
    /// several times in its block, for the restart array, the restart keys
    /// of its binary search and the entries it walks.
    ///
    /// Only a block read in place is prefetched: one stored raw whose
    /// checksum an earlier read verified. A compressed block is read from
    /// the block cache, and the first read of a raw one checksums it from
    /// start to end, which the CPU's own prefetching follows. A hint: it
    /// changes no answer, and does nothing for a location of another file.
    pub fn prefetch_block(&self, at: BlockAt) {
        let handle = at.handle;
        if at.file != self.id || !self.is_verified(handle) {
            return;
        }
        // In bounds: `handle_from` checked the block against this file's
        // layout.
        let start = handle.offset as usize;
        let block = &self.bytes[start..start + handle.len as usize];
        if block.len() <= PREFETCH_WHOLE_BLOCK_MAX {
            crate::prefetch::all(block);
        } else {
            crate::prefetch::line(block, block.len() - 1);
        }
    }

    /// [`Sst::get_present_with`] in the block `at` that [`Sst::locate`]
    /// found for the same key and snapshot. A location of another file is
    /// not trusted: the key is then located again.
    pub fn get_in_block<R>(
        &self,
        at: BlockAt,
        user_key: &[u8],
        snapshot: u64,
        read: impl FnOnce(u64, Kind, &[u8]) -> R,
    ) -> Result<Option<R>, SstError> {
        if at.file != self.id {
            return self.search(user_key, snapshot, read);
        }
        GET_SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let GetScratch { target, cursor } = &mut *scratch;
            seek_target(target, user_key, snapshot);
            self.search_block(at.handle, cursor, target, user_key, read)
        })
    }

    /// The search of [`get_with`](Sst::get_with) after the filter.
    fn search<R>(
        &self,
        user_key: &[u8],
        snapshot: u64,
        read: impl FnOnce(u64, Kind, &[u8]) -> R,
    ) -> Result<Option<R>, SstError> {
        GET_SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let GetScratch { target, cursor } = &mut *scratch;
            seek_target(target, user_key, snapshot);
            match self.block_for(target)? {
                Some(handle) => self.search_block(handle, cursor, target, user_key, read),
                None => Ok(None),
            }
        })
    }

    /// Whether the block at `handle` is stored raw and its checksum was
    /// verified, so that it is read in place.
    fn is_verified(&self, handle: BlockHandle) -> bool {
        let (word, bit) = verified_bit(handle.ordinal);
        self.verified[word].load(Ordering::Relaxed) & bit != 0
    }

    /// The block the index names for the seek key `target`: the first whose
    /// last key is at or after it; `None` if every key is smaller.
    fn block_for(&self, target: &[u8]) -> Result<Option<BlockHandle>, SstError> {
        match self.index().lower_bound_value_with(target, compare_ikeys) {
            Ok(Some(value)) => Ok(Some(self.handle_from(value)?)),
            Ok(None) => Ok(None),
            Err(e) => Err(self.index_error(e)),
        }
    }

    /// Reads the version of `user_key` that the seek key `target` finds in
    /// the block at `handle`, if that block holds one.
    fn search_block<R>(
        &self,
        handle: BlockHandle,
        cursor: &mut BlockCursor,
        target: &[u8],
        user_key: &[u8],
        read: impl FnOnce(u64, Kind, &[u8]) -> R,
    ) -> Result<Option<R>, SstError> {
        let block = self.read_block(handle, true)?;
        let bytes = block.as_slice();
        let block_error = |e| self.block_error(handle.offset, e);
        cursor.reset(bytes).map_err(block_error)?;
        cursor.seek(bytes, target).map_err(block_error)?;
        if !cursor.valid() {
            return Err(SstError::corruption(
                &self.path,
                handle.offset,
                "the block's last key sorts before its separator in the index",
            ));
        }
        let found = srdb_key::parse(cursor.key()).map_err(|e| {
            SstError::corruption(
                &self.path,
                handle.offset,
                format!("an entry's key does not parse: {e}"),
            )
        })?;
        if found.user_key != user_key {
            return Ok(None);
        }
        Ok(Some(read(found.seqno, found.kind, cursor.value(bytes))))
    }

    /// An iterator over every entry, reading one block at a time and filling
    /// the block cache.
    pub fn iter(self: &Arc<Self>) -> SstIter {
        SstIter::new(Arc::clone(self), true)
    }

    /// An iterator that uses cached blocks but does not add to the cache:
    /// for compactions, whose one pass over a file would evict the blocks
    /// point reads need.
    pub fn iter_no_fill(self: &Arc<Self>) -> SstIter {
        SstIter::new(Arc::clone(self), false)
    }

    /// The index, verified at open.
    pub(crate) fn index(&self) -> BTree<'_> {
        BTree::open_verified(
            &self.bytes[self.index_range.clone()],
            tree_meta(&self.footer),
            compare_ikeys,
        )
        .expect("the index was opened and verified at open")
    }

    pub(crate) fn index_error(&self, e: BTreeError) -> SstError {
        index_error(&self.path, self.footer.index_offset, e)
    }

    pub(crate) fn block_error(&self, block_offset: u64, e: BlockError) -> SstError {
        SstError::corruption(
            &self.path,
            block_offset,
            format!("{} (at byte {} of the block's uncompressed content)", e.reason, e.offset),
        )
    }

    /// The block handle under an index cursor, checked against the layout.
    pub(crate) fn handle_at(
        &self,
        tree: &BTree<'_>,
        at: &srdb_btree::Cursor,
    ) -> Result<BlockHandle, SstError> {
        let value = at.value(tree).map_err(|e| self.index_error(e))?;
        self.handle_from(value)
    }

    /// Decodes an index value into a block handle, checked against the
    /// layout.
    fn handle_from(&self, value: &[u8]) -> Result<BlockHandle, SstError> {
        let handle = BlockHandle::decode(value)
            .map_err(|reason| SstError::corruption(&self.path, self.footer.index_offset, reason))?;
        let end = handle.offset.checked_add(u64::from(handle.len) + FRAME_TRAILER_BYTES as u64);
        let in_data = handle.offset >= HEADER_BYTES as u64
            && end.is_some_and(|end| end <= self.footer.index_offset);
        if !in_data || u64::from(handle.ordinal) >= self.footer.data_blocks {
            return Err(SstError::corruption(
                &self.path,
                self.footer.index_offset,
                "an index entry points outside the data blocks",
            ));
        }
        Ok(handle)
    }

    /// Reads a data block: in place if stored raw (its checksum verified the
    /// first time), else decompressed through the cache.
    pub(crate) fn read_block(
        &self,
        handle: BlockHandle,
        fill_cache: bool,
    ) -> Result<BlockBytes<'_>, SstError> {
        let start = handle.offset as usize;
        let framed_len = handle.len as usize + FRAME_TRAILER_BYTES;
        let corrupt = |reason| SstError::corruption(&self.path, handle.offset, reason);
        if !fill_cache {
            // A one-pass reader: read past the mapping (see
            // `Backing::read_unmapped`), unless the block is cached already.
            if let Some(block) = self.cache.as_ref().and_then(|c| c.get(self.id, handle.offset)) {
                return Ok(BlockBytes::Shared(block));
            }
            if let Some(read) = self.bytes.read_unmapped(handle.offset, framed_len) {
                let framed = read.map_err(|e| SstError::io(&self.path, e))?;
                let (payload, kind) = frame::check(&framed).map_err(corrupt)?;
                let block: Arc<[u8]> = match kind {
                    Compression::None => payload.into(),
                    Compression::Snappy => frame::decompress(payload).map_err(corrupt)?.into(),
                };
                return Ok(BlockBytes::Shared(block));
            }
        }
        let framed = &self.bytes[start..start + framed_len];
        // A block's bit is set once its checksum is verified and its kind
        // byte found raw; neither can change after, so a block read again is
        // used in place without reading the kind byte, which sits past the
        // payload on a cache line of its own that a point read would
        // otherwise miss on.
        if self.is_verified(handle) {
            return Ok(BlockBytes::InPlace(&framed[..handle.len as usize]));
        }
        // The kind byte is trusted only after the checksum, which covers it,
        // is verified: a damaged kind byte fails that check on either path.
        if framed[handle.len as usize] == Compression::None as u8 {
            frame::check(framed).map_err(corrupt)?;
            self.mark_verified(handle.ordinal);
            return Ok(BlockBytes::InPlace(&framed[..handle.len as usize]));
        }
        if let Some(cache) = &self.cache {
            if let Some(block) = cache.get(self.id, handle.offset) {
                return Ok(BlockBytes::Shared(block));
            }
        }
        let (payload, kind) = frame::check(framed).map_err(corrupt)?;
        if kind != Compression::Snappy {
            return Err(corrupt("the block's kind byte changed between reads"));
        }
        let block: Arc<[u8]> = frame::decompress(payload).map_err(corrupt)?.into();
        if let (Some(cache), true) = (&self.cache, fill_cache) {
            cache.insert(self.id, handle.offset, Arc::clone(&block));
        }
        Ok(BlockBytes::Shared(block))
    }

    /// Reads every block and checks checksums, key order within and across
    /// blocks, index separators, block placement, the entry count, the key
    /// and seqno ranges against the summary, and that the bloom filter
    /// reports every user key. (The `_time` range cannot be checked: it
    /// depends on the writer's extractor.)
    pub fn verify(&self) -> Result<VerifyReport, SstError> {
        crate::verify::verify(self)
    }

    pub(crate) fn footer(&self) -> &Footer {
        &self.footer
    }

    /// Marks a raw block verified (by [`Sst::verify`]).
    pub(crate) fn mark_verified(&self, ordinal: u32) {
        let (word, bit) = verified_bit(ordinal);
        self.verified[word].fetch_or(bit, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Sst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sst")
            .field("path", &self.path)
            .field("file_number", &self.file_number)
            .field("summary", &self.summary)
            .finish()
    }
}

fn tree_meta(footer: &Footer) -> TreeMeta {
    TreeMeta {
        root_offset: footer.index_root,
        height: footer.index_height,
        entries: footer.index_entries,
        bytes: footer.index_bytes,
    }
}

fn index_error(path: &Path, index_offset: u64, e: BTreeError) -> SstError {
    match e.offset_by(index_offset) {
        BTreeError::Corruption { offset, reason } => {
            SstError::corruption(path, offset, format!("the index is damaged: {reason}"))
        }
        other => SstError::corruption(
            path,
            index_offset,
            format!("the index could not be read: {other}"),
        ),
    }
}

/// The payload of the framed block at `offset`, its checksum verified; the
/// footer's layout check guarantees the block lies inside the file. Metadata
/// blocks are always raw.
fn framed_payload(bytes: &[u8], offset: u64, len: u32) -> Result<&[u8], &'static str> {
    let start = offset as usize;
    let framed = &bytes[start..start + len as usize + FRAME_TRAILER_BYTES];
    match frame::check(framed)? {
        (payload, Compression::None) => Ok(payload),
        _ => Err("a metadata block is marked compressed"),
    }
}
