//! Sizes at the limits: 64 KiB user keys, large values, and a file of one
//! million entries written, scanned both ways and probed.

mod common;

use common::{drain_forward, numbered_key, write_model, Model};
use srdb_key::{InternalIterator, InternalKey, Kind, MAX_KEY_BYTES};
use srdb_sst::{BlockCache, Compression, Sst, SstError, SstWriter, WriterOptions};

#[test]
fn keys_of_64_kib_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = Model::new();
    for i in 0..24u8 {
        // Keys share long prefixes and differ near their end, the worst case
        // for prefix compression and for index separators.
        let mut user_key = vec![b'k'; MAX_KEY_BYTES];
        user_key[MAX_KEY_BYTES - 2] = i;
        user_key[i as usize * 100] = b'a' + (i % 3);
        model
            .insert(InternalKey::new(&user_key, 10, Kind::Put), vec![i; 1 + usize::from(i) * 1000]);
        model.insert(InternalKey::new(&user_key, 5, Kind::Delete), Vec::new());
    }
    for compression in [Compression::Snappy, Compression::None] {
        let name = format!("{compression:?}.sst");
        let opts = WriterOptions { compression, ..WriterOptions::default() };
        let (path, summary) = write_model(dir.path(), &name, &model, opts);
        assert_eq!(summary.entries, 48);
        let sst = Sst::open(&path, 1, Some(BlockCache::new(4 << 20))).unwrap();
        sst.verify().unwrap();
        for (key, value) in &model {
            let found = sst.get(key.user_key(), key.seqno()).unwrap().unwrap();
            assert_eq!((found.seqno, &found.value), (key.seqno(), value));
            // Blocks of over 16 KiB are prefetched by their end only.
            let at = sst.locate(key.user_key(), key.seqno()).unwrap().unwrap();
            sst.prefetch_block(at);
            let again = sst.get_in_block(at, key.user_key(), key.seqno(), |_, _, v| v.to_vec());
            assert_eq!(again.unwrap().as_ref(), Some(value));
        }
        let mut iter = sst.iter();
        iter.seek_to_first().unwrap();
        let all = drain_forward(&mut iter);
        assert_eq!(all.len(), model.len());
        let (last, _) = model.iter().next_back().unwrap();
        iter.seek_for_prev(last.as_bytes()).unwrap();
        assert_eq!(iter.key(), last.as_bytes());
    }
}

#[test]
fn keys_and_values_over_the_limits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sst");
    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    let too_long = InternalKey::new(&vec![b'x'; MAX_KEY_BYTES + 1], 1, Kind::Put);
    assert!(matches!(writer.add(too_long.as_bytes(), b""), Err(SstError::InvalidEntry { .. })));
    let value = vec![0u8; srdb_sst::limits::MAX_VALUE_BYTES + 1];
    assert!(matches!(
        writer.add(InternalKey::new(b"k", 1, Kind::Put).as_bytes(), &value),
        Err(SstError::InvalidEntry { .. })
    ));
    // A value at the limit is fine.
    let value = vec![7u8; srdb_sst::limits::MAX_VALUE_BYTES];
    writer.add(InternalKey::new(b"k", 1, Kind::Put).as_bytes(), &value).unwrap();
    writer.finish().unwrap();
    let sst = Sst::open(&path, 1, None).unwrap();
    assert_eq!(sst.get(b"k", 1).unwrap().unwrap().value, value);
    sst.verify().unwrap();
}

#[test]
fn one_million_entries_write_scan_and_get() {
    const N: u64 = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sst");
    let mut writer = SstWriter::create(&path, WriterOptions::default()).unwrap();
    for i in 0..N {
        writer
            .add(InternalKey::new(&numbered_key(i), i + 1, Kind::Put).as_bytes(), &i.to_le_bytes())
            .unwrap();
    }
    let estimate = writer.estimated_bytes();
    let summary = writer.finish().unwrap();
    assert_eq!(summary.entries, N);
    let ratio = estimate as f64 / summary.size_bytes as f64;
    assert!((0.5..2.0).contains(&ratio), "estimate {estimate} vs size {}", summary.size_bytes);

    let sst = Sst::open(&path, 1, Some(BlockCache::new(1 << 20))).unwrap();
    let mut iter = sst.iter_no_fill();
    iter.seek_to_first().unwrap();
    let mut count = 0u64;
    while iter.valid() {
        let parsed = srdb_key::parse(iter.key()).unwrap();
        assert_eq!(parsed.user_key, numbered_key(count));
        assert_eq!(iter.value(), count.to_le_bytes());
        count += 1;
        iter.next().unwrap();
    }
    assert_eq!(count, N);
    iter.seek_to_last().unwrap();
    for back in 0..1000 {
        assert_eq!(srdb_key::parse(iter.key()).unwrap().user_key, numbered_key(N - 1 - back));
        iter.prev().unwrap();
    }
    for i in (0..N).step_by(9973) {
        let found = sst.get(&numbered_key(i), u64::MAX).unwrap().unwrap();
        assert_eq!((found.seqno, found.value), (i + 1, i.to_le_bytes().to_vec()));
        assert!(
            sst.get(&numbered_key(i), i).unwrap().is_none(),
            "version {} seen at snapshot {i}",
            i + 1
        );
    }
    assert!(sst.get(&numbered_key(N), u64::MAX).unwrap().is_none());
    let stats = sst.verify().unwrap();
    assert_eq!(stats.entries, N);
}
