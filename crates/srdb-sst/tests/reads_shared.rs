//! Reads through the block cache and the bloom filter, and from many
//! threads at once.

mod common;

use std::sync::Arc;

use common::{numbered_key, simple_model, write_model};
use srdb_key::InternalIterator;
use srdb_sst::{BlockCache, Compression, Sst, SstIter, WriterOptions};

#[test]
fn the_cache_stays_within_its_bound_and_counts_hits() {
    let dir = tempfile::tempdir().unwrap();
    let model = simple_model(20_000, 64);
    let (path, _) = write_model(dir.path(), "1.sst", &model, WriterOptions::default());
    let cache = BlockCache::new(64 * 1024);
    let sst = Sst::open(&path, 1, Some(Arc::clone(&cache))).unwrap();

    // The same key twice: one miss that fills the cache, then one hit.
    sst.get(&numbered_key(7), u64::MAX).unwrap().unwrap();
    let after_first = cache.stats();
    assert_eq!((after_first.hits, after_first.misses, after_first.inserts), (0, 1, 1));
    sst.get(&numbered_key(7), u64::MAX).unwrap().unwrap();
    assert_eq!(cache.stats().hits, 1);

    // Touch every block many times over: far more than the cache holds.
    for round in 0..3u64 {
        for i in (round..20_000).step_by(37) {
            sst.get(&numbered_key(i), u64::MAX).unwrap().unwrap();
            let stats = cache.stats();
            assert!(stats.used_bytes <= stats.capacity_bytes, "{stats:?}");
        }
    }
    let stats = cache.stats();
    assert!(stats.evictions > 0 && stats.hits > 1 && stats.used_bytes > 0, "{stats:?}");

    // A second opening of the same file never sees the first one's blocks.
    let hits_before = cache.stats().hits;
    let again = Sst::open(&path, 1, Some(Arc::clone(&cache))).unwrap();
    again.get(&numbered_key(7), u64::MAX).unwrap().unwrap();
    assert_eq!(cache.stats().hits, hits_before);

    // A scan that does not fill the cache inserts nothing.
    let inserts = cache.stats().inserts;
    let mut iter = sst.iter_no_fill();
    iter.seek_to_first().unwrap();
    while iter.valid() {
        iter.next().unwrap();
    }
    assert_eq!(cache.stats().inserts, inserts);
}

#[test]
fn a_block_location_is_trusted_only_by_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WriterOptions { compression: Compression::None, ..WriterOptions::default() };
    let (small, _) = write_model(dir.path(), "small.sst", &simple_model(10, 8), opts.clone());
    let (large, _) = write_model(dir.path(), "large.sst", &simple_model(5000, 64), opts);
    let (small, large) = (Sst::open(&small, 1, None).unwrap(), Sst::open(&large, 2, None).unwrap());
    let key = numbered_key(4000);
    let far = large.locate(&key, u64::MAX).unwrap().unwrap();
    // The large file's block for the key lies past the end of the small
    // file: the small file locates the key itself and finds it absent.
    small.prefetch_block(far);
    assert_eq!(small.get_in_block(far, &key, u64::MAX, |_, _, v| v.to_vec()).unwrap(), None);
    let near = numbered_key(3);
    let found = small.get_in_block(far, &near, u64::MAX, |seqno, _, _| seqno).unwrap();
    assert_eq!(found, Some(4));
    let value = large.get_in_block(far, &key, u64::MAX, |_, _, v| v.to_vec()).unwrap();
    assert_eq!(value, large.get(&key, u64::MAX).unwrap().map(|l| l.value));
}

#[test]
fn uncompressed_files_do_not_use_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let opts = WriterOptions { compression: Compression::None, ..WriterOptions::default() };
    let (path, _) = write_model(dir.path(), "1.sst", &simple_model(5000, 64), opts);
    let cache = BlockCache::new(1 << 20);
    let sst = Sst::open(&path, 1, Some(Arc::clone(&cache))).unwrap();
    for i in 0..5000 {
        assert!(sst.get(&numbered_key(i), u64::MAX).unwrap().is_some());
    }
    assert_eq!(
        cache.stats(),
        srdb_sst::CacheStats { capacity_bytes: cache.stats().capacity_bytes, ..Default::default() }
    );
}

#[test]
fn bloom_false_positives_stay_under_two_percent_and_misses_skip_data_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) =
        write_model(dir.path(), "1.sst", &simple_model(50_000, 8), WriterOptions::default());
    let cache = BlockCache::new(1 << 20);
    let sst = Sst::open(&path, 1, Some(Arc::clone(&cache))).unwrap();
    let probes = 100_000u64;
    // Keys that are not in the file: numbers past its last key.
    let false_positives =
        (50_000..50_000 + probes).filter(|&i| sst.may_contain(&numbered_key(i))).count();
    let rate = false_positives as f64 / probes as f64;
    assert!(rate <= 0.02, "false-positive rate {rate}");
    for i in 0..50_000 {
        assert!(sst.may_contain(&numbered_key(i)), "false negative for key {i}");
    }
    // Gets of missing keys the filter rules out read no data block.
    let ruled_out: Vec<u64> =
        (50_000..51_000).filter(|&i| !sst.may_contain(&numbered_key(i))).collect();
    for &i in &ruled_out {
        assert!(sst.get(&numbered_key(i), u64::MAX).unwrap().is_none());
    }
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses), (0, 0), "a ruled-out get touched a block");

    // Without a filter, every get may contain the key.
    let opts = WriterOptions { bloom_bits_per_key: 0, ..WriterOptions::default() };
    let (path, _) = write_model(dir.path(), "2.sst", &simple_model(100, 8), opts);
    let sst = Sst::open(&path, 2, None).unwrap();
    assert!(sst.may_contain(b"anything"));
    assert!(sst.get(b"anything", 5).unwrap().is_none());
}

#[test]
fn many_threads_read_one_file() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}
    assert_send_sync::<Sst>();
    assert_send_sync::<BlockCache>();
    assert_send::<SstIter>();

    let dir = tempfile::tempdir().unwrap();
    let (path, _) =
        write_model(dir.path(), "1.sst", &simple_model(10_000, 16), WriterOptions::default());
    let sst = Sst::open(&path, 1, Some(BlockCache::new(64 * 1024))).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let sst = Arc::clone(&sst);
            scope.spawn(move || {
                for i in (t..10_000).step_by(4) {
                    let found = sst.get(&numbered_key(i), u64::MAX).unwrap().unwrap();
                    assert_eq!(found.seqno, i + 1);
                }
                let mut iter = sst.iter();
                iter.seek(srdb_key::seek_key(&numbered_key(5000), u64::MAX >> 8).as_bytes())
                    .unwrap();
                assert_eq!(srdb_key::parse(iter.key()).unwrap().user_key, numbered_key(5000));
            });
        }
    });
}
