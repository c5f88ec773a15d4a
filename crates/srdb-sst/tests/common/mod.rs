//! Helpers shared by the integration tests: writing files from a model and
//! reading them back.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use srdb_key::{InternalIterator, InternalKey, Kind};
use srdb_sst::{SstSummary, SstWriter, WriterOptions};

/// The model of an SST file: internal keys in `compare_internal` order.
pub type Model = BTreeMap<InternalKey, Vec<u8>>;

/// Writes every entry of `model` to a new file `name` in `dir`.
pub fn write_model(
    dir: &Path,
    name: &str,
    model: &Model,
    opts: WriterOptions,
) -> (PathBuf, SstSummary) {
    let path = dir.join(name);
    let mut writer = SstWriter::create(&path, opts).expect("create");
    for (key, value) in model {
        writer.add(key.as_bytes(), value).expect("add");
    }
    let summary = writer.finish().expect("finish");
    (path, summary)
}

/// The model's answer to `get(user_key, snapshot)`: the newest version with
/// seqno <= snapshot.
pub fn model_get(model: &Model, user_key: &[u8], snapshot: u64) -> Option<(u64, Kind, Vec<u8>)> {
    let seek = srdb_key::seek_key(user_key, snapshot.min(srdb_key::MAX_SEQNO));
    let (key, value) = model.range(seek..).next()?;
    (key.user_key() == user_key).then(|| {
        let parsed = srdb_key::parse(key.as_bytes()).expect("model keys parse");
        (parsed.seqno, parsed.kind, value.clone())
    })
}

/// Every entry from the iterator's current position forward.
pub fn drain_forward(iter: &mut impl InternalIterator) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while iter.valid() {
        out.push((iter.key().to_vec(), iter.value().to_vec()));
        iter.next().expect("next");
    }
    out
}

/// Every entry from the iterator's current position backward.
pub fn drain_backward(iter: &mut impl InternalIterator) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while iter.valid() {
        out.push((iter.key().to_vec(), iter.value().to_vec()));
        iter.prev().expect("prev");
    }
    out
}

/// The model's entries as byte pairs.
pub fn model_entries(model: &Model) -> Vec<(Vec<u8>, Vec<u8>)> {
    model.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.clone())).collect()
}

/// A key of `n`: fixed width so that numeric and byte order agree.
pub fn numbered_key(n: u64) -> Vec<u8> {
    format!("key{n:012}").into_bytes()
}

/// A model of `n` user keys with one put each at seqno `i + 1`.
pub fn simple_model(n: u64, value_bytes: usize) -> Model {
    (0..n)
        .map(|i| {
            let value = (0..value_bytes).map(|j| (i as usize * 31 + j) as u8).collect();
            (InternalKey::new(&numbered_key(i), i + 1, Kind::Put), value)
        })
        .collect()
}
