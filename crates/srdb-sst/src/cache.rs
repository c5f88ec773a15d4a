//! The block cache: decompressed data blocks shared by all open SST files.
//!
//! Only compressed blocks are cached: an uncompressed block is read in place
//! from the mapped file, which the page cache already keeps. Blocks enter the
//! cache decompressed and checksum-verified, so a hit costs neither again.
//! Entries are keyed by a process-unique id of the opened file plus the
//! block's offset: ids are never reused, so a file number reused after a
//! deletion can never hit a stale block.
//!
//! The cache is `quick_cache`'s sharded S3-FIFO cache, bounded by weight; the
//! weight of a block is its length plus [`ENTRY_OVERHEAD_BYTES`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Lifecycle, OptionsBuilder, Weighter};

/// An estimate of the cache's own memory per entry (key, `Arc` header, slot),
/// counted in its weight so that many small blocks cannot exceed the budget.
pub const ENTRY_OVERHEAD_BYTES: usize = 64;

/// Shards (a power of two): enough that two threads rarely meet on a lock,
/// few enough that each shard of a small cache still holds many blocks.
const SHARDS: usize = 16;

/// The block size the cache is sized for when estimating its entry count.
const TYPICAL_BLOCK_BYTES: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct BlockKey {
    file_id: u64,
    offset: u64,
}

#[derive(Clone, Copy, Debug)]
struct BlockWeighter;

impl Weighter<BlockKey, Arc<[u8]>> for BlockWeighter {
    fn weight(&self, _key: &BlockKey, block: &Arc<[u8]>) -> u64 {
        (block.len() + ENTRY_OVERHEAD_BYTES) as u64
    }
}

/// Counts evictions, including blocks refused for being larger than a shard.
#[derive(Clone, Debug, Default)]
struct EvictionCounter(Arc<AtomicU64>);

impl Lifecycle<BlockKey, Arc<[u8]>> for EvictionCounter {
    type RequestState = ();

    fn on_evict(&self, _state: &mut (), _key: BlockKey, _block: Arc<[u8]>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A cache of decompressed blocks, bounded in bytes, sharded, shared by all
/// open files. It is `Send + Sync`; share it as `Arc<BlockCache>`.
pub struct BlockCache {
    blocks: Cache<BlockKey, Arc<[u8]>, BlockWeighter, DefaultHashBuilder, EvictionCounter>,
    evictions: Arc<AtomicU64>,
    hits: AtomicU64,
    misses: AtomicU64,
    inserts: AtomicU64,
}

/// Counters of a [`BlockCache`], read with [`BlockCache::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups that found their block.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Blocks inserted.
    pub inserts: u64,
    /// Blocks evicted to make room, or refused for being too large.
    pub evictions: u64,
    /// Bytes held now (blocks plus per-entry overhead); never above
    /// `capacity_bytes`.
    pub used_bytes: u64,
    /// The bound given to [`BlockCache::new`] (rounded down to a multiple of
    /// the shard count).
    pub capacity_bytes: u64,
}

impl BlockCache {
    /// A cache holding at most `capacity_bytes` of blocks.
    pub fn new(capacity_bytes: usize) -> Arc<Self> {
        // Every shard gets the same whole share, so the shards' bounds add up
        // to no more than the capacity.
        let weight_capacity = (capacity_bytes - capacity_bytes % SHARDS) as u64;
        let lifecycle = EvictionCounter::default();
        let evictions = Arc::clone(&lifecycle.0);
        let options = OptionsBuilder::new()
            .shards(SHARDS)
            .estimated_items_capacity((capacity_bytes / TYPICAL_BLOCK_BYTES).max(1))
            .weight_capacity(weight_capacity)
            .build()
            .expect("every option is set");
        Arc::new(BlockCache {
            blocks: Cache::with_options(
                options,
                BlockWeighter,
                DefaultHashBuilder::default(),
                lifecycle,
            ),
            evictions,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            inserts: AtomicU64::new(0),
        })
    }

    /// The cache's counters now.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            inserts: self.inserts.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            used_bytes: self.blocks.weight(),
            capacity_bytes: self.blocks.capacity(),
        }
    }

    pub(crate) fn get(&self, file_id: u64, offset: u64) -> Option<Arc<[u8]>> {
        let found = self.blocks.get(&BlockKey { file_id, offset });
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub(crate) fn insert(&self, file_id: u64, offset: u64, block: Arc<[u8]>) {
        self.inserts.fetch_add(1, Ordering::Relaxed);
        self.blocks.insert(BlockKey { file_id, offset }, block);
    }
}

impl std::fmt::Debug for BlockCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockCache").field("stats", &self.stats()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_used_never_exceed_capacity_and_hits_are_counted() {
        let cache = BlockCache::new(64 * 1024);
        for i in 0..1000u64 {
            cache.insert(1, i * 4096, Arc::from(vec![i as u8; 3000 + (i as usize % 2000)]));
            let stats = cache.stats();
            assert!(stats.used_bytes <= stats.capacity_bytes, "{stats:?}");
        }
        let stats = cache.stats();
        assert_eq!(stats.inserts, 1000);
        assert!(stats.evictions > 900, "{stats:?}");
        assert!(cache.get(1, 999 * 4096).is_some(), "the newest block was evicted");
        assert!(cache.get(2, 999 * 4096).is_none(), "another file's id hit");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (1, 1));
    }

    #[test]
    fn a_zero_capacity_cache_holds_nothing() {
        let cache = BlockCache::new(0);
        cache.insert(1, 0, Arc::from(vec![0u8; 10]));
        assert!(cache.get(1, 0).is_none());
        assert_eq!(cache.stats().used_bytes, 0);
    }
}
