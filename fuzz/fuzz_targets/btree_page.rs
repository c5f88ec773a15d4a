//! Arbitrary bytes as a B+Tree region plus its metadata: every read the API
//! offers must return, without panicking, looping or allocating without
//! bound. When `verify` accepts the bytes, the reads must also agree with one
//! another: a verified tree is self-consistent.
//!
//! Input layout: byte 0 chooses the mode, bytes 8..40 give the metadata
//! (decoded with its checksum, or taken as raw fields and folded into range so
//! that reads get past the first checks), bytes 40.. are the tree.
//!
//! Random bytes rarely pass a page checksum, so in one mode the bytes after
//! the head are instead cut into entries, built into a real tree, and then
//! one byte of it is damaged where bytes 1..4 say: this checks the writer
//! against the entries it was given, and, since CRC-32 detects every
//! single-byte error, that checksummed reads of the damaged tree fail or
//! answer exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srdb_btree::{bytewise, BTree, BTreeError, BTreeWriter, Cursor, KeyCmp, TreeMeta, PAGE_BYTES};
use std::collections::BTreeMap;
use std::cmp::Ordering;

const HEAD_BYTES: usize = 40;

fn reverse(a: &[u8], b: &[u8]) -> Ordering {
    b.cmp(a)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

fn meta_from(mode: u8, head: &[u8], tree_len: usize) -> Option<TreeMeta> {
    if mode & 1 == 0 {
        return TreeMeta::decode(&head[8..40]).ok();
    }
    let page = PAGE_BYTES as u64;
    let pages = tree_len as u64 / page;
    let raw_bytes = u64_at(head, 24);
    let bytes = if mode & 2 == 0 { pages * page } else { raw_bytes };
    let root_offset = if mode & 4 == 0 { (u64_at(head, 8) % pages.max(1)) * page } else { u64_at(head, 8) };
    Some(TreeMeta {
        root_offset,
        height: (u64_at(head, 32) % 6) as u32,
        entries: u64_at(head, 16) % 10_000,
        bytes,
    })
}

/// Walks from `cursor` to the end in one direction, giving up on the first
/// error. A walk visits each leaf slot at most once, and a page of `n` bytes
/// has fewer than `n / 4` slots, so more steps than that is a loop.
fn walk<'a>(tree: &BTree<'a>, mut cursor: Cursor, forward: bool, limit: usize) -> Result<Vec<(&'a [u8], &'a [u8])>, BTreeError> {
    let mut seen = Vec::new();
    while cursor.is_valid() {
        assert!(seen.len() <= limit, "iteration did not end within {limit} steps");
        seen.push((cursor.key(tree)?, cursor.value(tree)?));
        if forward {
            cursor.next(tree)?;
        } else {
            cursor.prev(tree)?;
        }
    }
    Ok(seen)
}

fn exercise(tree: &BTree<'_>, probes: &[&[u8]], cmp: KeyCmp, limit: usize) {
    let verified = tree.verify().is_ok();
    let _ = tree.len();
    for probe in probes {
        let _ = tree.get(probe);
        if let Ok(cursor) = tree.seek(probe) {
            let _ = walk(tree, cursor.clone(), true, limit);
            let _ = walk(tree, cursor, false, limit);
        }
        if let Ok(cursor) = tree.seek_for_prev(probe) {
            let _ = walk(tree, cursor, false, limit);
        }
    }
    let forward = tree.first().and_then(|c| walk(tree, c, true, limit));
    let backward = tree.last().and_then(|c| walk(tree, c, false, limit));
    if !verified {
        return;
    }
    // A tree that verifies answers every read, consistently.
    let forward = forward.expect("a verified tree scans forward");
    let mut backward = backward.expect("a verified tree scans backward");
    backward.reverse();
    assert_eq!(forward, backward);
    assert_eq!(forward.len() as u64, tree.len());
    for pair in forward.windows(2) {
        assert_eq!(cmp(pair[0].0, pair[1].0), Ordering::Less);
    }
    for (key, value) in &forward {
        assert_eq!(tree.get(key).expect("a verified tree answers get"), Some(*value));
    }
}

/// Cuts `bytes` into entries: a length byte, then that many key bytes (from
/// a small alphabet, so keys share prefixes), then a length byte and value.
fn entries_from(bytes: &[u8]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut entries = BTreeMap::new();
    let mut rest = bytes;
    while let Some((&key_len, tail)) = rest.split_first() {
        let key_len = usize::from(key_len % 24).min(tail.len());
        let (key, tail) = tail.split_at(key_len);
        let Some((&value_len, tail)) = tail.split_first() else {
            break;
        };
        // Long values make multi-level trees from short inputs.
        let value = vec![value_len; usize::from(value_len) * 4];
        entries.insert(key.iter().map(|b| b % 4).collect(), value);
        rest = tail;
    }
    entries
}

/// Builds a tree of the entries in `bytes`, damages one byte of it where
/// `edit` says, and reads it. Undamaged, it must verify and hold exactly the
/// entries.
fn built_then_damaged(edit: [u8; 3], bytes: &[u8], cmp: KeyCmp) {
    let entries = entries_from(bytes);
    let mut ordered: Vec<_> = entries.iter().collect();
    ordered.sort_by(|a, b| cmp(a.0, b.0));
    let mut writer = BTreeWriter::new(Vec::new(), cmp);
    for (key, value) in &ordered {
        writer.push(key, value).expect("sorted, distinct keys are accepted");
    }
    let (mut tree_bytes, meta) = writer.finish().expect("writing to a Vec cannot fail");
    let limit = tree_bytes.len() / 4 + 2;
    let tree = BTree::open(&tree_bytes, meta, cmp).expect("the writer's meta opens");
    tree.verify().expect("the writer's tree verifies");
    let scanned = tree.first().and_then(|c| walk(&tree, c, true, limit)).expect("the writer's tree scans");
    assert!(scanned.iter().map(|(k, v)| (*k, *v)).eq(ordered.iter().map(|(k, v)| (&k[..], &v[..]))));
    if tree_bytes.is_empty() {
        return;
    }
    // A position scaled over the tree, then a non-zero mask.
    let at = (usize::from(u16::from_le_bytes([edit[0], edit[1]])) * tree_bytes.len()) >> 16;
    tree_bytes[at] ^= edit[2].max(1);
    let probes: Vec<&[u8]> = entries.keys().take(8).map(Vec::as_slice).collect();
    for tree in [BTree::open(&tree_bytes, meta, cmp), BTree::open_verified(&tree_bytes, meta, cmp)]
        .into_iter()
        .flatten()
    {
        exercise(&tree, &probes, cmp, limit);
    }
    // Read through checksums, the damaged tree answers exactly or fails.
    let tree = BTree::open(&tree_bytes, meta, cmp).expect("the meta still opens");
    assert!(tree.verify().is_err(), "verify accepted a damaged tree");
    for (key, value) in &entries {
        if let Ok(found) = tree.get(key) {
            assert_eq!(found, Some(&value[..]), "a checksummed read gave a wrong answer");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < HEAD_BYTES {
        return;
    }
    let (head, tree_bytes) = data.split_at(HEAD_BYTES);
    let mode = head[0];
    let cmp: KeyCmp = if mode & 8 == 0 { bytewise } else { reverse };
    if mode & 0x30 == 0x30 {
        built_then_damaged([head[1], head[2], head[3]], tree_bytes, cmp);
        return;
    }
    let Some(meta) = meta_from(mode, head, tree_bytes.len()) else {
        return;
    };
    let probes: [&[u8]; 4] = [&head[1..2], &head[1..8], b"", &tree_bytes[..tree_bytes.len().min(24)]];
    let limit = tree_bytes.len() / 4 + 2;
    if let Ok(tree) = BTree::open(tree_bytes, meta, cmp) {
        exercise(&tree, &probes, cmp, limit);
    }
    if let Ok(tree) = BTree::open_verified(tree_bytes, meta, cmp) {
        exercise(&tree, &probes, cmp, limit);
    }
});
