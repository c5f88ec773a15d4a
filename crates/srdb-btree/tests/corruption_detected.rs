//! Damaged bytes and wrong metadata give errors, never a panic, a hang or a
//! wrong answer.

use srdb_btree::{bytewise, BTree, BTreeError, BTreeWriter, Cursor, TreeMeta, PAGE_BYTES};

/// The entries of a test tree, in order.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A tree of three levels in a few pages: long keys make internal pages hold
/// only four separators.
fn small_tall_tree() -> (Entries, Vec<u8>, TreeMeta) {
    let entries: Entries = (0u16..22)
        .map(|i| {
            let mut key = vec![b'k'; 900];
            key.extend_from_slice(&(i * 2).to_be_bytes());
            (key, vec![i as u8; usize::from(i % 3) * 20])
        })
        .collect();
    let mut writer = BTreeWriter::new(Vec::new(), bytewise);
    for (key, value) in &entries {
        writer.push(key, value).unwrap();
    }
    let (bytes, meta) = writer.finish().unwrap();
    assert_eq!(meta.height, 3, "the test needs internal pages on two levels");
    (entries, bytes, meta)
}

/// Every read a caller can make, each of which must either fail or answer
/// exactly what `entries` say. Returns whether any read failed.
fn reads_fail_or_are_exact(tree: &BTree<'_>, entries: &[(Vec<u8>, Vec<u8>)]) -> bool {
    reads(tree, entries, true)
}

/// The reads of [`reads_fail_or_are_exact`]; `with_seeks: false` keeps only
/// the lookups of every key (which between them reach every page) and the
/// two scans, for loops over many damaged copies.
fn reads(tree: &BTree<'_>, entries: &[(Vec<u8>, Vec<u8>)], with_seeks: bool) -> bool {
    let mut failed = false;
    let mut check = |ok: Result<bool, BTreeError>| match ok {
        Ok(exact) => assert!(exact, "a read gave a wrong answer"),
        Err(BTreeError::Corruption { .. }) => failed = true,
        Err(other) => panic!("corruption reported as {other:?}"),
    };
    for (i, (key, value)) in entries.iter().enumerate() {
        check(tree.get(key).map(|found| found == Some(&value[..])));
        if !with_seeks {
            continue;
        }
        let mut missing = key.clone();
        missing.push(0);
        check(tree.get(&missing).map(|found| found.is_none()));
        let next = entries.get(i + 1).map(|(k, _)| &k[..]);
        check(tree.seek(&missing).and_then(|c| key_at(tree, &c)).map(|k| k == next));
        check(
            tree.seek_for_prev(&missing)
                .and_then(|c| key_at(tree, &c))
                .map(|k| k == Some(&key[..])),
        );
    }
    let forward = scan(tree, tree.first(), true);
    check(forward.map(|keys| keys.iter().eq(entries.iter().map(|(k, _)| k))));
    let backward = scan(tree, tree.last(), false);
    check(backward.map(|keys| keys.iter().eq(entries.iter().rev().map(|(k, _)| k))));
    failed
}

fn key_at<'a>(tree: &BTree<'a>, cursor: &Cursor) -> Result<Option<&'a [u8]>, BTreeError> {
    cursor.is_valid().then(|| cursor.key(tree)).transpose()
}

fn scan(
    tree: &BTree<'_>,
    start: Result<Cursor, BTreeError>,
    forward: bool,
) -> Result<Vec<Vec<u8>>, BTreeError> {
    let mut cursor = start?;
    let mut keys = Vec::new();
    while cursor.is_valid() {
        keys.push(cursor.key(tree)?.to_vec());
        if forward {
            cursor.next(tree)?;
        } else {
            cursor.prev(tree)?;
        }
    }
    Ok(keys)
}

#[test]
fn every_single_corrupt_byte_is_detected_by_verify_and_by_reads() {
    let (entries, mut bytes, meta) = small_tall_tree();
    assert!(!reads_fail_or_are_exact(&BTree::open(&bytes, meta, bytewise).unwrap(), &entries));
    for at in 0..bytes.len() {
        let original = bytes[at];
        // A different damage pattern per byte, none of them a no-op.
        bytes[at] ^= 1 << (at % 8);
        let tree = BTree::open(&bytes, meta, bytewise).unwrap();
        assert!(
            matches!(tree.verify(), Err(BTreeError::Corruption { .. })),
            "verify missed a corrupt byte at {at}"
        );
        assert!(reads(&tree, &entries, false), "no read noticed the corrupt byte at {at}");
        bytes[at] = original;
    }
}

#[test]
fn corruption_names_the_damaged_page() {
    let (_, mut bytes, meta) = small_tall_tree();
    let page_of_key = 5 * PAGE_BYTES + 123;
    bytes[page_of_key] ^= 0xFF;
    let tree = BTree::open(&bytes, meta, bytewise).unwrap();
    match tree.verify() {
        Err(BTreeError::Corruption { offset, reason }) => {
            assert_eq!(offset, 5 * PAGE_BYTES as u64, "{reason}");
            assert!(reason.contains("checksum"), "{reason}");
        }
        other => panic!("expected corruption, got {other:?}"),
    }
    let message =
        BTreeError::Corruption { offset: 7, reason: "x".into() }.offset_by(100).to_string();
    assert!(message.contains("offset 107"), "{message}");
}

#[test]
fn truncated_bytes_are_refused_at_open() {
    let (_, bytes, meta) = small_tall_tree();
    for len in (0..bytes.len()).step_by(1000).chain([bytes.len() - 1]) {
        assert!(
            matches!(
                BTree::open(&bytes[..len], meta, bytewise),
                Err(BTreeError::Corruption { .. })
            ),
            "{len} of {} bytes were accepted",
            bytes.len()
        );
    }
    // Extra bytes after the tree are ignored.
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0xEE; 5000]);
    BTree::open(&longer, meta, bytewise).unwrap().verify().unwrap();
}

#[test]
fn a_meta_describing_a_prefix_of_the_tree_is_rejected() {
    let (entries, bytes, meta) = small_tall_tree();
    for pages in 1..bytes.len() / PAGE_BYTES {
        let cut = (pages * PAGE_BYTES) as u64;
        // Claim that the tree ends at `cut` with the last page before it as
        // the root: checksums hold, but it is not the tree that was written.
        for root_offset in (0..cut).step_by(PAGE_BYTES) {
            let short = TreeMeta { bytes: cut, root_offset, ..meta };
            let tree = BTree::open(&bytes, short, bytewise).unwrap();
            assert!(tree.verify().is_err(), "verify accepted {short:?}");
            let tree = BTree::open_verified(&bytes, short, bytewise).unwrap();
            reads_fail_or_are_exact(&tree, &entries);
        }
    }
}

#[test]
fn metadata_that_disagrees_with_the_tree_is_rejected() {
    let (entries, bytes, meta) = small_tall_tree();
    let out_of_bounds = [
        TreeMeta { root_offset: meta.bytes, ..meta },
        TreeMeta { root_offset: meta.bytes + 4096, bytes: meta.bytes + 8192, ..meta },
        TreeMeta { bytes: meta.bytes * 2, ..meta },
        TreeMeta { bytes: u64::MAX - 4095, ..meta },
        TreeMeta { height: 200, ..meta },
        TreeMeta { root_offset: 1, ..meta },
    ];
    for bad in out_of_bounds {
        assert!(BTree::open(&bytes, bad, bytewise).is_err(), "opened with {bad:?}");
    }
    let wrong_but_in_bounds = [
        TreeMeta { root_offset: 0, ..meta },
        TreeMeta { root_offset: meta.root_offset - 4096, ..meta },
        TreeMeta { height: meta.height + 1, ..meta },
        TreeMeta { height: meta.height - 1, ..meta },
        TreeMeta { height: 1, ..meta },
        TreeMeta { entries: meta.entries + 1, ..meta },
    ];
    for bad in wrong_but_in_bounds {
        for tree in [
            BTree::open(&bytes, bad, bytewise).unwrap(),
            BTree::open_verified(&bytes, bad, bytewise).unwrap(),
        ] {
            assert!(
                matches!(tree.verify(), Err(BTreeError::Corruption { .. })),
                "verify accepted {bad:?}"
            );
            if bad.entries == meta.entries {
                assert!(reads_fail_or_are_exact(&tree, &entries), "reads did not notice {bad:?}");
            }
        }
    }
}

/// Without checksums (`open_verified` on bytes that were never verified),
/// pages that point forward, to themselves or to the wrong level must still
/// end in an error rather than a loop or a panic.
#[test]
fn cyclic_or_misleveled_child_pointers_end_in_errors() {
    let (entries, bytes, meta) = small_tall_tree();
    let root = meta.root_offset as usize;
    // The root's first entry: slot 0 points at it; it is varint key length,
    // key, then the 8-byte child offset.
    let entry = u32::from_le_bytes(bytes[root + 16..root + 20].try_into().unwrap()) as usize;
    let key_len =
        usize::from(bytes[root + entry] & 0x7F) | usize::from(bytes[root + entry + 1]) << 7;
    let child_at = root + entry + 2 + key_len;
    let original_child = u64::from_le_bytes(bytes[child_at..child_at + 8].try_into().unwrap());
    assert!(original_child < meta.root_offset);
    for target in
        [meta.root_offset, meta.root_offset + 4096, 0, 4096, original_child + 4096, u64::MAX]
    {
        let mut bad = bytes.clone();
        bad[child_at..child_at + 8].copy_from_slice(&target.to_le_bytes());
        let tree = BTree::open_verified(&bad, meta, bytewise).unwrap();
        let failed = reads_fail_or_are_exact(&tree, &entries);
        assert!(failed, "a child pointer to {target} went unnoticed");
        assert!(BTree::open(&bad, meta, bytewise).unwrap().verify().is_err());
    }
}

/// A page whose level byte says 255, under a valid checksum, ends reads in
/// an error or (as for any crafted damage a checksum cannot see) an inexact
/// answer, never in an overflow of the level arithmetic; `verify` refuses it.
#[test]
fn a_child_at_the_highest_level_is_not_a_panic() {
    let (entries, bytes, meta) = small_tall_tree();
    let mut bad = bytes.clone();
    // The first leaf, which the first key's lookup and every scan reach,
    // relabelled as an internal page (kind 2) at level 255.
    bad[4] = 2;
    bad[5] = u8::MAX;
    reseal(&mut bad, 0);
    let checked = BTree::open(&bad, meta, bytewise).unwrap();
    assert!(matches!(checked.get(&entries[0].0), Err(BTreeError::Corruption { .. })));
    assert!(checked.verify().is_err());
    for tree in [checked, BTree::open_verified(&bad, meta, bytewise).unwrap()] {
        for (key, _) in &entries {
            let _ = tree.get(key);
            let _ = tree.seek(key).and_then(|c| key_at(&tree, &c));
            let _ = tree.seek_for_prev(key).and_then(|c| key_at(&tree, &c));
        }
        let _ = scan(&tree, tree.first(), true);
        let _ = scan(&tree, tree.last(), false);
    }
}

/// Recomputes the checksum of the page at `offset`, as a writer with a bug
/// (or a crafted file) would: the damage below is then invisible to
/// checksums and only the structural checks of `verify` can see it.
fn reseal(bytes: &mut [u8], offset: usize) {
    let units = u32::from_le_bytes(bytes[offset + 8..offset + 12].try_into().unwrap()) as usize;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&(offset as u64).to_le_bytes());
    hasher.update(&bytes[offset + 4..offset + units * PAGE_BYTES]);
    bytes[offset..offset + 4].copy_from_slice(&hasher.finalize().to_le_bytes());
}

/// Offset within the page of the key of entry `slot` (a one-byte or
/// two-byte varint length precedes it).
fn key_start(bytes: &[u8], page: usize, slot: usize) -> usize {
    let at = page + 16 + 4 * slot;
    let entry = page + u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    if bytes[entry] & 0x80 == 0 {
        entry + 1
    } else {
        entry + 2
    }
}

#[test]
fn structural_damage_under_valid_checksums_fails_verify() {
    let (_, bytes, meta) = small_tall_tree();
    let key_len = 902;
    let page = PAGE_BYTES;
    let root = meta.root_offset as usize;
    type Damage = fn(&mut Vec<u8>, usize);
    let damages: [(&str, usize, Damage); 7] = [
        ("two children of the root swapped with their separators", root, |b, p| {
            // Each separator still equals its child's last key, and the file
            // order of every level is intact; only the order in which the
            // root reaches its children is wrong.
            let (e0, e1) = (key_start(b, p, 0) - 2, key_start(b, p, 1) - 2);
            let first = b[e0..e1].to_vec();
            let len = first.len();
            b.copy_within(e1..e1 + len, e0);
            b[e1..e1 + len].copy_from_slice(&first);
        }),
        ("a leaf key equal to the one before it", 0, |b, p| {
            let k1 = key_start(b, p, 1);
            b[k1 + 900..k1 + 902].copy_from_slice(&0u16.to_be_bytes());
        }),
        ("a first key of a leaf below the last of the previous leaf", page, |b, p| {
            let k0 = key_start(b, p, 0);
            b[k0 + 900..k0 + 902].copy_from_slice(&0u16.to_be_bytes());
        }),
        ("a separator that is not its child's last key", root, |b, p| {
            let k0 = key_start(b, p, 0);
            b[k0 + 901] ^= 1;
        }),
        ("a wrong record of the previous page's length", page, |b, p| {
            b[p + 12] = 2;
        }),
        ("bytes in the padding", 0, |b, p| {
            b[p + PAGE_BYTES - 1] = 1;
        }),
        ("a leaf relabelled as level 1", 0, |b, p| {
            b[p + 4] = 2;
            b[p + 5] = 1;
        }),
    ];
    assert_eq!(key_start(&bytes, root, 1) - key_start(&bytes, root, 0), key_len + 8 + 2);
    for (what, offset, damage) in damages {
        let mut bad = bytes.clone();
        damage(&mut bad, offset);
        assert_ne!(bad, bytes, "{what}: the damage changed nothing");
        reseal(&mut bad, offset);
        let tree = BTree::open(&bad, meta, bytewise).unwrap();
        assert!(
            matches!(tree.verify(), Err(BTreeError::Corruption { .. })),
            "verify accepted {what}"
        );
    }
    // The reseal itself is sound: resealing intact pages changes nothing.
    let mut resealed = bytes.clone();
    for offset in (0..bytes.len()).step_by(PAGE_BYTES) {
        reseal(&mut resealed, offset);
    }
    assert_eq!(resealed, bytes);
}
