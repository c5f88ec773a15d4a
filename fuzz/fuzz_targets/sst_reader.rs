//! Arbitrary bytes given to the SST reader must never panic, hang or
//! allocate without bound, and a valid file must answer like a `BTreeMap`.
//!
//! The first input byte picks a mode:
//! - 0: the rest of the input is the file, byte for byte;
//! - 1: the rest describes entries; a valid file is written from them and
//!   every read is checked against a `BTreeMap` of the same entries;
//! - 2: as 1, then one byte of the file (chosen by the input) is flipped:
//!   reads may fail, but only with an error.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use srdb_key::{InternalIterator, InternalKey, Kind};
use srdb_sst::{BlockCache, Compression, Sst, SstWriter, WriterOptions};

/// The most steps an iteration takes; a file of the input's size holds far
/// fewer entries, so reaching it means the iterator does not advance.
const MAX_STEPS: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => exercise(rest.to_vec(), None),
        mode => {
            let (model, opts, flip) = decode_entries(rest);
            let Some(mut bytes) = write_file(&model, opts) else { return };
            if mode == 2 {
                let at = flip % bytes.len();
                bytes[at] ^= 0x5A;
                exercise(bytes, None);
            } else {
                exercise(bytes, Some(&model));
            }
        }
    }
});

/// Entries, writer options and a flip position derived from the input.
fn decode_entries(mut input: &[u8]) -> (BTreeMap<InternalKey, Vec<u8>>, WriterOptions, usize) {
    fn take<'a>(input: &mut &'a [u8], n: usize) -> &'a [u8] {
        let (head, tail) = input.split_at(n.min(input.len()));
        *input = tail;
        head
    }
    let header = take(&mut input, 4);
    let byte = |i: usize| header.get(i).copied().unwrap_or(0);
    let opts = WriterOptions {
        block_bytes: 16 + usize::from(byte(0)) * 4,
        restart_interval: 1 + usize::from(byte(1) % 16),
        compression: if byte(2) & 1 == 0 { Compression::Snappy } else { Compression::None },
        bloom_bits_per_key: if byte(2) & 2 == 0 { 10 } else { 0 },
        time_extractor: None,
        properties: vec![byte(3)],
    };
    let flip = usize::from(byte(3)) * 131;
    let mut model = BTreeMap::new();
    while !input.is_empty() {
        let spec = take(&mut input, 3);
        let key_len = usize::from(spec[0] % 8);
        let seqno = u64::from(spec.get(1).copied().unwrap_or(0));
        let kind = if spec.get(2).copied().unwrap_or(0) & 1 == 0 { Kind::Put } else { Kind::Delete };
        let value_len = usize::from(spec.get(2).copied().unwrap_or(0) >> 3);
        let user_key = take(&mut input, key_len).to_vec();
        let value = if kind == Kind::Put { take(&mut input, value_len).to_vec() } else { Vec::new() };
        model.insert(InternalKey::new(&user_key, seqno, kind), value);
    }
    (model, opts, flip)
}

fn write_file(model: &BTreeMap<InternalKey, Vec<u8>>, opts: WriterOptions) -> Option<Vec<u8>> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    if model.is_empty() {
        return None;
    }
    let name = format!("srdb-fuzz-sst-{}-{}.sst", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    // The writer fsyncs; on tmpfs that costs nothing, which keeps the
    // target fast where /dev/shm exists.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let path = dir.join(name);
    let mut writer = SstWriter::create(&path, opts).expect("create a file in the temp dir");
    for (key, value) in model {
        writer.add(key.as_bytes(), value).expect("model entries are sorted and within limits");
    }
    writer.finish().expect("finish");
    let bytes = std::fs::read(&path).expect("read back");
    std::fs::remove_file(&path).expect("remove");
    Some(bytes)
}

fn exercise(bytes: Vec<u8>, model: Option<&BTreeMap<InternalKey, Vec<u8>>>) {
    let Ok(sst) = Sst::from_bytes(Path::new("fuzz.sst"), 1, bytes, Some(BlockCache::new(1 << 20))) else {
        assert!(model.is_none(), "a file the writer wrote failed to open");
        return;
    };
    let verified = sst.verify();
    if model.is_some() {
        verified.expect("a file the writer wrote fails verify");
    }
    let summary = sst.summary().clone();
    let mut user_keys: Vec<Vec<u8>> = [&summary.smallest, &summary.largest]
        .iter()
        .map(|k| k[..k.len() - srdb_key::TRAILER_BYTES].to_vec())
        .collect();
    user_keys.push(b"".to_vec());
    if let Some(model) = model {
        user_keys.extend(model.keys().map(|k| k.user_key().to_vec()));
        user_keys.extend(model.keys().map(|k| [k.user_key(), b"\0"].concat()));
    }
    for user_key in &user_keys {
        for snapshot in [0, 1, 100, u64::MAX] {
            let found = sst.get(user_key, snapshot);
            if let Some(model) = model {
                let found = found.expect("get on a valid file").map(|l| (l.seqno, l.kind, l.value));
                assert_eq!(found, model_get(model, user_key, snapshot), "get disagrees with the model");
            }
        }
    }
    let forward = scan(&sst, true);
    let backward = scan(&sst, false);
    if let Some(model) = model {
        let expected: Vec<(Vec<u8>, Vec<u8>)> = model.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.clone())).collect();
        assert_eq!(forward.expect("scan"), expected);
        let mut backward = backward.expect("scan backward");
        backward.reverse();
        assert_eq!(backward, expected);
    }
    let mut iter = sst.iter();
    for user_key in &user_keys {
        let target = srdb_key::seek_key(user_key, 50);
        if iter.seek(target.as_bytes()).is_ok() && iter.valid() {
            let _ = iter.next();
        }
        if iter.seek_for_prev(target.as_bytes()).is_ok() && iter.valid() {
            let _ = iter.prev();
        }
    }
}

fn model_get(model: &BTreeMap<InternalKey, Vec<u8>>, user_key: &[u8], snapshot: u64) -> Option<(u64, Kind, Vec<u8>)> {
    let seek = srdb_key::seek_key(user_key, snapshot.min(srdb_key::MAX_SEQNO));
    let (key, value) = model.range(seek..).next()?;
    let parsed = srdb_key::parse(key.as_bytes()).expect("model keys parse");
    (parsed.user_key == user_key).then(|| (parsed.seqno, parsed.kind, value.clone()))
}

/// Every entry in one direction, or the first error.
fn scan(sst: &Arc<Sst>, forward: bool) -> Result<Vec<(Vec<u8>, Vec<u8>)>, srdb_key::BoxError> {
    let mut iter = sst.iter();
    if forward {
        iter.seek_to_first()?;
    } else {
        iter.seek_to_last()?;
    }
    let mut out = Vec::new();
    while iter.valid() {
        assert!(out.len() < MAX_STEPS, "iteration does not end");
        out.push((iter.key().to_vec(), iter.value().to_vec()));
        if forward {
            iter.next()?;
        } else {
            iter.prev()?;
        }
    }
    Ok(out)
}
