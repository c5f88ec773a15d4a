//! Writes one SST file front to back; nothing is ever rewritten in place.
//!
//! The file is the header, the data blocks as they fill, then at
//! [`SstWriter::finish`] the index, the bloom block, the summary block and
//! the footer (see `docs/format/sst.md`). Memory is one data block, the index
//! built so far (about one separator key and 16 bytes per block) and 8 bytes
//! of hash per distinct user key for the bloom filter.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use srdb_btree::BTreeWriter;
use srdb_key::{Kind, MAX_KEY_BYTES};

use crate::block::builder::BlockBuilder;
use crate::block::frame::{self, Compression, FRAME_TRAILER_BYTES};
use crate::bloom;
use crate::error::SstError;
use crate::footer::Footer;
use crate::header;
use crate::index::{compare_ikeys, BlockHandle};
use crate::limits::{
    MAX_BLOCK_TARGET_BYTES, MAX_BLOOM_BITS_PER_KEY, MAX_PROPERTIES_BYTES, MAX_RESTART_INTERVAL,
    MAX_VALUE_BYTES,
};
use crate::summary::SstSummary;

/// Extracts the `_time` of a row from its key and value, so that a table
/// keyspace's files record the time range of their rows. Called for every
/// put (never for tombstones); `None` means the entry has no time.
pub type TimeExtractor = fn(user_key: &[u8], value: &[u8]) -> Option<i64>;

/// How an [`SstWriter`] lays out its file.
#[derive(Clone, Debug)]
pub struct WriterOptions {
    /// Target size of a data block before compression, in bytes. Default
    /// 4096. At most [`MAX_BLOCK_TARGET_BYTES`].
    pub block_bytes: usize,
    /// Every this many entries, a key is stored whole as a restart point.
    /// Default 16. Between 1 and [`MAX_RESTART_INTERVAL`].
    pub restart_interval: usize,
    /// Compression of data blocks. Default [`Compression::Snappy`].
    pub compression: Compression,
    /// Bloom filter density; 0 writes no filter. Default 10 (about 1% false
    /// positives). At most [`MAX_BLOOM_BITS_PER_KEY`].
    pub bloom_bits_per_key: u32,
    /// Records the `_time` range of the file's rows. Default `None`.
    pub time_extractor: Option<TimeExtractor>,
    /// Bytes the file carries for its owner, opaque to the SST format (the
    /// engine records which keyspace the file belongs to, so that a lost
    /// MANIFEST can be rebuilt from the files). Default empty. At most
    /// [`MAX_PROPERTIES_BYTES`].
    pub properties: Vec<u8>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            block_bytes: 4096,
            restart_interval: 16,
            compression: Compression::Snappy,
            bloom_bits_per_key: 10,
            time_extractor: None,
            properties: Vec::new(),
        }
    }
}

impl WriterOptions {
    fn validate(&self) -> Result<(), SstError> {
        let reason = if self.block_bytes == 0 || self.block_bytes > MAX_BLOCK_TARGET_BYTES {
            format!(
                "block_bytes is {}, but must be between 1 and {MAX_BLOCK_TARGET_BYTES}",
                self.block_bytes
            )
        } else if self.restart_interval == 0 || self.restart_interval > MAX_RESTART_INTERVAL {
            format!(
                "restart_interval is {}, but must be between 1 and {MAX_RESTART_INTERVAL}",
                self.restart_interval
            )
        } else if self.bloom_bits_per_key > MAX_BLOOM_BITS_PER_KEY {
            format!(
                "bloom_bits_per_key is {}, but must be at most {MAX_BLOOM_BITS_PER_KEY}",
                self.bloom_bits_per_key
            )
        } else if self.properties.len() > MAX_PROPERTIES_BYTES {
            format!(
                "properties are {} bytes, but must be at most {MAX_PROPERTIES_BYTES}",
                self.properties.len()
            )
        } else {
            return Ok(());
        };
        Err(SstError::InvalidOptions { reason })
    }
}

/// Writes a new SST file from entries added in strictly increasing internal
/// key order.
///
/// A writer that is dropped without [`SstWriter::finish`] removes its
/// partial file, as [`SstWriter::abandon`] does. After an I/O error the
/// writer refuses further entries; abandon it.
pub struct SstWriter {
    path: PathBuf,
    out: BufWriter<File>,
    opts: WriterOptions,
    /// Bytes handed to `out` so far: the offset of the next block.
    offset: u64,
    block: BlockBuilder,
    compressed: Vec<u8>,
    encoder: snap::raw::Encoder,
    index: Option<BTreeWriter<Vec<u8>>>,
    data_blocks: u32,
    bloom_hashes: Vec<u64>,
    entries: u64,
    smallest: Vec<u8>,
    min_seqno: u64,
    max_seqno: u64,
    time_range: Option<(i64, i64)>,
    tombstones: u64,
    /// Whether every put so far had a time, never less than the previous.
    time_ordered: bool,
    failed: bool,
    finished: bool,
}

/// Buffer between the writer and the file: large enough that the OS sees
/// few, large writes.
const WRITE_BUFFER_BYTES: usize = 256 * 1024;

impl SstWriter {
    /// Creates the file at `path`; fails if it already exists.
    pub fn create(path: &Path, opts: WriterOptions) -> Result<Self, SstError> {
        opts.validate()?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| SstError::io(path, e))?;
        let mut writer = SstWriter {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(WRITE_BUFFER_BYTES, file),
            block: BlockBuilder::new(opts.restart_interval),
            opts,
            offset: 0,
            compressed: Vec::new(),
            encoder: snap::raw::Encoder::new(),
            index: Some(BTreeWriter::new(Vec::new(), compare_ikeys)),
            data_blocks: 0,
            bloom_hashes: Vec::new(),
            entries: 0,
            smallest: Vec::new(),
            min_seqno: u64::MAX,
            max_seqno: 0,
            time_range: None,
            tombstones: 0,
            time_ordered: true,
            failed: false,
            finished: false,
        };
        let header = header::encode(writer.opts.compression);
        writer.write(&header)?;
        Ok(writer)
    }

    /// Appends an entry. `ikey` must parse as an internal key and sort
    /// strictly after the previous one under `compare_internal`; the user key
    /// is at most `srdb_key::MAX_KEY_BYTES` and the value at most
    /// [`MAX_VALUE_BYTES`].
    pub fn add(&mut self, ikey: &[u8], value: &[u8]) -> Result<(), SstError> {
        if self.failed {
            return Err(self.invalid("an earlier write to the file failed".into()));
        }
        let parsed = srdb_key::parse(ikey)
            .map_err(|e| self.invalid(format!("the key is not an internal key: {e}")))?;
        if parsed.user_key.len() > MAX_KEY_BYTES {
            return Err(self.invalid(format!(
                "the user key is {} bytes, more than {MAX_KEY_BYTES}",
                parsed.user_key.len()
            )));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(self.invalid(format!(
                "the value is {} bytes, more than {MAX_VALUE_BYTES}",
                value.len()
            )));
        }
        let new_user_key = if self.entries == 0 {
            self.smallest = ikey.to_vec();
            true
        } else {
            let previous = self.block.last_key();
            if compare_ikeys(previous, ikey).is_ge() {
                return Err(SstError::OutOfOrder {
                    path: self.path.clone(),
                    previous: previous.to_vec(),
                    key: ikey.to_vec(),
                });
            }
            previous[..previous.len() - srdb_key::TRAILER_BYTES] != *parsed.user_key
        };
        if new_user_key && self.opts.bloom_bits_per_key > 0 {
            self.bloom_hashes.push(bloom::key_hash(parsed.user_key));
        }
        self.min_seqno = self.min_seqno.min(parsed.seqno);
        self.max_seqno = self.max_seqno.max(parsed.seqno);
        if parsed.kind == Kind::Delete {
            self.tombstones += 1;
        } else {
            match self.opts.time_extractor.and_then(|extract| extract(parsed.user_key, value)) {
                Some(time) => {
                    self.time_range = Some(match self.time_range {
                        Some((min, max)) => {
                            // Puts arrive in key order: the last time seen
                            // is the maximum exactly while they are ordered.
                            self.time_ordered &= time >= max;
                            (min.min(time), max.max(time))
                        }
                        None => (time, time),
                    });
                }
                None => self.time_ordered = false,
            }
        }
        self.block.add(ikey, value);
        self.entries += 1;
        if self.block.estimated_bytes() >= self.opts.block_bytes {
            self.flush_block()?;
        }
        Ok(())
    }

    /// The size the file would have if finished now, in bytes (an estimate:
    /// the open block is counted uncompressed). For splitting compaction
    /// output at a target size.
    pub fn estimated_bytes(&self) -> u64 {
        let index = self.index.as_ref().map_or(0, |index| index.bytes_written())
            + srdb_btree::PAGE_BYTES as u64;
        let bloom = self.bloom_hashes.len() as u64 * u64::from(self.opts.bloom_bits_per_key) / 8;
        self.offset + self.block.estimated_bytes() as u64 + index + bloom
    }

    /// Entries added so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Writes the index, the bloom filter, the summary and the footer, and
    /// fsyncs the file (not its directory: the caller does that once the
    /// file is named where it belongs).
    ///
    /// A file with no entry is not valid: finishing one removes the partial
    /// file and returns [`SstError::Empty`]. On any error the partial file is
    /// removed.
    pub fn finish(mut self) -> Result<SstSummary, SstError> {
        if self.failed {
            return Err(self.invalid("an earlier write to the file failed".into()));
        }
        if self.entries == 0 {
            return Err(SstError::Empty { path: self.path.clone() });
        }
        if !self.block.is_empty() {
            self.flush_block()?;
        }
        let index = self.index.take().expect("the index writer is taken only here");
        let (index_bytes, meta) = index
            .finish()
            .map_err(|e| self.invalid(format!("the index could not be built: {e}")))?;
        let index_offset = self.offset;
        self.write(&index_bytes)?;

        let bloom_offset = self.offset;
        let bloom_len = if self.opts.bloom_bits_per_key > 0 {
            let payload = bloom::build(&self.bloom_hashes, self.opts.bloom_bits_per_key);
            self.write_framed(&payload, Compression::None)?
        } else {
            0
        };

        let summary_offset = self.offset;
        let largest = self.block.last_key().to_vec();
        let mut summary = SstSummary {
            size_bytes: 0,
            entries: self.entries,
            smallest: std::mem::take(&mut self.smallest),
            largest,
            min_seqno: self.min_seqno,
            max_seqno: self.max_seqno,
            time_range: self.time_range,
            properties: std::mem::take(&mut self.opts.properties),
            tombstones: Some(self.tombstones),
            time_ordered: self.time_ordered && self.time_range.is_some(),
        };
        let summary_len = self.write_framed(&summary.encode(), Compression::None)?;

        let footer = Footer {
            data_blocks: u64::from(self.data_blocks),
            index_offset,
            index_bytes: meta.bytes,
            index_root: meta.root_offset,
            index_entries: meta.entries,
            index_height: meta.height,
            bloom_len,
            bloom_offset,
            summary_offset,
            summary_len,
            version: header::FORMAT_VERSION,
        };
        self.write(&footer.encode())?;
        self.out.flush().map_err(|e| SstError::io(&self.path, e))?;
        self.out.get_ref().sync_all().map_err(|e| SstError::io(&self.path, e))?;
        self.finished = true;
        summary.size_bytes = self.offset;
        Ok(summary)
    }

    /// Stops writing and removes the partial file.
    pub fn abandon(mut self) -> Result<(), SstError> {
        self.finished = true;
        std::fs::remove_file(&self.path).map_err(|e| SstError::io(&self.path, e))
    }

    /// Writes the open block and its index entry.
    fn flush_block(&mut self) -> Result<(), SstError> {
        let ordinal = self.data_blocks;
        let offset = self.offset;
        let content = self.block.finish();
        let (payload, kind) = match self.opts.compression {
            Compression::Snappy => {
                self.compressed.resize(snap::raw::max_compress_len(content.len()), 0);
                let n = self.encoder.compress(content, &mut self.compressed).map_err(|e| {
                    SstError::InvalidEntry {
                        path: self.path.clone(),
                        reason: format!("snappy refused a block: {e}"),
                    }
                })?;
                // Compression must save an eighth to be worth a decompression
                // on every read that misses the cache.
                if n < content.len() - content.len() / 8 {
                    (&self.compressed[..n], Compression::Snappy)
                } else {
                    (content, Compression::None)
                }
            }
            Compression::None => (content, Compression::None),
        };
        let len = u32::try_from(payload.len()).expect("blocks are bounded by MAX_BLOCK_BYTES");
        let trailer = frame::trailer(payload, kind);
        let result = self.out.write_all(payload).and_then(|()| self.out.write_all(&trailer));
        if let Err(e) = result {
            self.failed = true;
            return Err(SstError::io(&self.path, e));
        }
        self.offset += u64::from(len) + FRAME_TRAILER_BYTES as u64;
        self.block.reset();
        let handle = BlockHandle { offset, len, ordinal };
        let index = self.index.as_mut().expect("the index writer lives until finish");
        if let Err(e) = index.push(self.block.last_key(), &handle.encode()) {
            self.failed = true;
            return Err(self.invalid(format!("the index refused a separator: {e}")));
        }
        self.data_blocks += 1;
        Ok(())
    }

    /// Writes `payload` in a frame; returns the payload length.
    fn write_framed(&mut self, payload: &[u8], kind: Compression) -> Result<u32, SstError> {
        let len = u32::try_from(payload.len())
            .map_err(|_| self.invalid("a metadata block exceeds 4 GiB".into()))?;
        self.write(payload)?;
        self.write(&frame::trailer(payload, kind))?;
        Ok(len)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SstError> {
        if let Err(e) = self.out.write_all(bytes) {
            self.failed = true;
            return Err(SstError::io(&self.path, e));
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn invalid(&self, reason: String) -> SstError {
        SstError::InvalidEntry { path: self.path.clone(), reason }
    }
}

impl Drop for SstWriter {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: the caller already has the error that stopped the
            // writer, and a leftover file is only wasted space (srdb never
            // reads a file the MANIFEST does not name).
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl std::fmt::Debug for SstWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SstWriter")
            .field("path", &self.path)
            .field("entries", &self.entries)
            .field("offset", &self.offset)
            .finish()
    }
}
