//! The layout of an SST file and the content of single data blocks, for
//! inspection tools (`srdb inspect sst`). Normal reads never need these.

use crate::error::SstError;
use crate::reader::Sst;

/// Where the parts of an SST file are, as its footer says (see
/// `docs/format/sst.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SstLayout {
    /// The file's format version.
    pub format_version: u16,
    /// Number of data blocks.
    pub data_blocks: u64,
    /// Offset of the B+Tree index.
    pub index_offset: u64,
    /// Bytes of the index.
    pub index_bytes: u64,
    /// Offset of the index's root page, relative to the index.
    pub index_root: u64,
    /// Entries of the index (one per data block).
    pub index_entries: u64,
    /// Height of the index tree.
    pub index_height: u32,
    /// Offset of the bloom filter block (meaningful when `bloom_bytes > 0`).
    pub bloom_offset: u64,
    /// Bytes of the bloom filter, 0 when the file has none.
    pub bloom_bytes: u32,
    /// Offset of the summary block.
    pub summary_offset: u64,
    /// Bytes of the summary block.
    pub summary_bytes: u32,
}

/// One data block as the index names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataBlockInfo {
    /// Its number, from 0.
    pub ordinal: u32,
    /// Offset of the block in the file.
    pub offset: u64,
    /// Bytes of the (possibly compressed) block, without its frame trailer.
    pub bytes: u32,
    /// The index's separator key: an internal key `>=` the block's last key.
    pub separator: Vec<u8>,
}

impl Sst {
    /// The file's layout, from the footer checked at open.
    pub fn layout(&self) -> SstLayout {
        let f = self.footer();
        SstLayout {
            format_version: f.version,
            data_blocks: f.data_blocks,
            index_offset: f.index_offset,
            index_bytes: f.index_bytes,
            index_root: f.index_root,
            index_entries: f.index_entries,
            index_height: f.index_height,
            bloom_offset: f.bloom_offset,
            bloom_bytes: f.bloom_len,
            summary_offset: f.summary_offset,
            summary_bytes: f.summary_len,
        }
    }

    /// Every data block, in order, as the index names them.
    pub fn data_blocks(&self) -> Result<Vec<DataBlockInfo>, SstError> {
        let tree = self.index();
        let mut at = tree.first().map_err(|e| self.index_error(e))?;
        let mut out = Vec::new();
        while at.is_valid() {
            let separator = at.key(&tree).map_err(|e| self.index_error(e))?.to_vec();
            let handle = self.handle_at(&tree, &at)?;
            out.push(DataBlockInfo {
                ordinal: handle.ordinal,
                offset: handle.offset,
                bytes: handle.len,
                separator,
            });
            at.next(&tree).map_err(|e| self.index_error(e))?;
        }
        Ok(out)
    }

    /// The entries (internal key, value) of data block `ordinal`, its
    /// checksum verified; `None` if the file has no such block.
    #[allow(clippy::type_complexity)]
    pub fn block_entries(&self, ordinal: u32) -> Result<Option<Vec<(Vec<u8>, Vec<u8>)>>, SstError> {
        let tree = self.index();
        let mut at = tree.first().map_err(|e| self.index_error(e))?;
        while at.is_valid() {
            let handle = self.handle_at(&tree, &at)?;
            if handle.ordinal == ordinal {
                let block = self.read_block(handle, false)?;
                let content = block.as_slice();
                let mut cursor = crate::block::cursor::BlockCursor::default();
                let block_error = |e| self.block_error(handle.offset, e);
                cursor.reset(content).map_err(block_error)?;
                cursor.seek_to_first(content).map_err(block_error)?;
                let mut entries = Vec::new();
                while cursor.valid() {
                    entries.push((cursor.key().to_vec(), cursor.value(content).to_vec()));
                    cursor.next(content).map_err(block_error)?;
                }
                return Ok(Some(entries));
            }
            at.next(&tree).map_err(|e| self.index_error(e))?;
        }
        Ok(None)
    }
}
