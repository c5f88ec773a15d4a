//! Size: a million entries (far past the ~510K rows at which a fixed 10 MiB
//! index area overflowed), the largest keys and values, and the height bound
//! that keeps trees of huge keys shallow.

use srdb_btree::{bytewise, BTree, BTreeWriter, TreeMeta, MAX_KEY_BYTES, MAX_VALUE_BYTES};
use srdb_key::{compare_internal, InternalKey, Kind};

fn key_of(i: u64) -> [u8; 16] {
    // Spread the keys so that probes between them miss.
    let mut key = *b"user....\0\0\0\0\0\0\0\0";
    key[8..].copy_from_slice(&(i * 3).to_be_bytes());
    key
}

/// A value shaped like an SST block handle: offset and length varints.
fn value_of(i: u64) -> [u8; 12] {
    let mut value = [0u8; 12];
    value[..8].copy_from_slice(&(i * 4096).to_le_bytes());
    value[8..].copy_from_slice(&(i as u32).to_le_bytes());
    value
}

#[test]
fn a_million_entries_are_all_found_and_scanned_in_order() {
    const N: u64 = 1_000_000;
    let mut writer = BTreeWriter::new(Vec::new(), bytewise);
    for i in 0..N {
        writer.push(&key_of(i), &value_of(i)).unwrap();
    }
    let (bytes, meta) = writer.finish().unwrap();
    assert_eq!(meta.entries, N);
    assert!(
        meta.bytes > 10 * 1024 * 1024,
        "the tree is {} bytes, past any 10 MiB area",
        meta.bytes
    );
    assert_eq!(meta.height, 3);
    let tree = BTree::open(&bytes, meta, bytewise).unwrap();
    tree.verify().unwrap();

    let tree = BTree::open_verified(&bytes, meta, bytewise).unwrap();
    let mut cursor = tree.first().unwrap();
    let mut i = 0;
    while cursor.is_valid() {
        assert_eq!(cursor.key(&tree).unwrap(), key_of(i));
        assert_eq!(cursor.value(&tree).unwrap(), value_of(i));
        cursor.next(&tree).unwrap();
        i += 1;
    }
    assert_eq!(i, N);

    for i in (0..N).step_by(997).chain([N - 1]) {
        assert_eq!(tree.get(&key_of(i)).unwrap(), Some(&value_of(i)[..]), "key {i}");
        let mut between = key_of(i).to_vec();
        between.push(0);
        assert_eq!(tree.get(&between).unwrap(), None);
        let cursor = tree.seek(&between).unwrap();
        let expected_next = (i + 1 < N).then(|| key_of(i + 1));
        assert_eq!(
            cursor.is_valid().then(|| cursor.key(&tree).unwrap()),
            expected_next.as_ref().map(|k| &k[..])
        );
        let cursor = tree.seek_for_prev(&between).unwrap();
        assert_eq!(cursor.key(&tree).unwrap(), key_of(i));
    }

    // Backwards over the last few leaves and across their boundaries.
    let mut cursor = tree.last().unwrap();
    for i in (N - 5_000..N).rev() {
        assert_eq!(cursor.key(&tree).unwrap(), key_of(i));
        cursor.prev(&tree).unwrap();
    }
}

/// Internal keys with 64 KiB user keys (the srdb limit), ordered by
/// `compare_internal`, with values from empty to 1 MiB: leaves of one entry
/// each, internal pages of two, and every read still exact.
#[test]
fn keys_of_64_kib_and_large_values_round_trip() {
    const USER_KEYS: usize = 40;
    let mut entries = Vec::new();
    for k in 0..USER_KEYS {
        let mut user_key = vec![b'k'; srdb_key::MAX_KEY_BYTES];
        user_key[srdb_key::MAX_KEY_BYTES - 1] = k as u8;
        for seqno in [9, 5, 1] {
            let key = InternalKey::new(&user_key, seqno, Kind::Put).as_bytes().to_vec();
            let value = match (k + seqno as usize) % 4 {
                0 => Vec::new(),
                1 => vec![k as u8; 1 << 20],
                2 => vec![seqno as u8; 70_000],
                _ => vec![7; 10],
            };
            entries.push((key, value));
        }
    }
    let mut writer = BTreeWriter::new(Vec::new(), compare_internal);
    for (key, value) in &entries {
        writer.push(key, value).unwrap();
    }
    let (bytes, meta) = writer.finish().unwrap();
    let n = entries.len() as f64;
    assert!(
        f64::from(meta.height) <= n.log2() + 2.0,
        "height {} for {n} entries: each level must at least halve the pages",
        meta.height
    );
    for tree in [
        BTree::open(&bytes, meta, compare_internal).unwrap(),
        BTree::open_verified(&bytes, meta, compare_internal).unwrap(),
    ] {
        tree.verify().unwrap();
        for (key, value) in &entries {
            assert_eq!(tree.get(key).unwrap(), Some(&value[..]));
        }
        let mut cursor = tree.last().unwrap();
        for (key, value) in entries.iter().rev() {
            assert_eq!(cursor.key(&tree).unwrap(), &key[..]);
            assert_eq!(cursor.value(&tree).unwrap(), &value[..]);
            cursor.prev(&tree).unwrap();
        }
        assert!(!cursor.is_valid());
    }
}

/// The largest key with the largest value, and internal pages holding two of
/// the largest keys: the page size limit readers enforce admits them.
#[test]
fn entries_at_the_limits_are_accepted_and_read_back() {
    let big_value = vec![0xAB; MAX_VALUE_BYTES];
    let keys: Vec<Vec<u8>> = (0u8..5)
        .map(|i| {
            let mut key = vec![0u8; MAX_KEY_BYTES];
            key[0] = i;
            key
        })
        .collect();
    let mut writer = BTreeWriter::new(Vec::new(), bytewise);
    writer.push(&keys[0], &big_value).unwrap();
    for key in &keys[1..] {
        writer.push(key, b"v").unwrap();
    }
    let (bytes, meta) = writer.finish().unwrap();
    assert!(meta.height >= 3, "five huge keys need internal pages of two: {meta:?}");
    let tree = BTree::open(&bytes, meta, bytewise).unwrap();
    tree.verify().unwrap();
    assert_eq!(tree.get(&keys[0]).unwrap().map(<[u8]>::len), Some(MAX_VALUE_BYTES));
    for key in &keys[1..] {
        assert_eq!(tree.get(key).unwrap(), Some(&b"v"[..]));
    }
    assert_eq!(TreeMeta::decode(&meta.encode()).unwrap(), meta);
}
