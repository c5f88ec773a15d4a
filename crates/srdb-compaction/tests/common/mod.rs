//! Helpers for the integration tests: writing input SST files, opening them,
//! and reading every entry back.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::Path;
use std::sync::Arc;

use srdb_compaction::{BoxedIterator, FileOpener};
use srdb_key::{compare_internal, parse, InternalIterator, InternalKey, Kind};
use srdb_manifest::{sst_file_name, FileMeta};
use srdb_sst::{Sst, SstWriter, WriterOptions};

pub type Entry = (Vec<u8>, Vec<u8>);

pub fn ikey(user_key: &[u8], seqno: u64, kind: Kind) -> Vec<u8> {
    InternalKey::new(user_key, seqno, kind).as_bytes().to_vec()
}

/// Small blocks so that small tests still span many blocks.
pub fn small_blocks() -> WriterOptions {
    WriterOptions { block_bytes: 256, ..WriterOptions::default() }
}

/// Writes `entries` (sorted here) as SST file `number` in `dir`, with the
/// SST writer directly, and returns its metadata.
pub fn write_input(dir: &Path, number: u64, mut entries: Vec<Entry>) -> Arc<FileMeta> {
    entries.sort_by(|a, b| compare_internal(&a.0, &b.0));
    let mut writer = SstWriter::create(&dir.join(sst_file_name(number)), small_blocks()).unwrap();
    for (k, v) in &entries {
        writer.add(k, v).unwrap();
    }
    let s = writer.finish().unwrap();
    Arc::new(FileMeta {
        number,
        size_bytes: s.size_bytes,
        entries: s.entries,
        smallest: InternalKey::from_encoded(s.smallest).unwrap(),
        largest: InternalKey::from_encoded(s.largest).unwrap(),
        min_seqno: s.min_seqno,
        max_seqno: s.max_seqno,
        time_range: s.time_range,
    })
}

/// An opener for the files of `dir`, as the engine would supply it.
pub fn opener(dir: &Path) -> FileOpener {
    let dir = dir.to_path_buf();
    Arc::new(move |meta: &FileMeta| {
        let sst = Sst::open(&dir.join(sst_file_name(meta.number)), meta.number, None)?;
        Ok(Box::new(sst.iter_no_fill()) as BoxedIterator)
    })
}

/// Every entry of file `meta` in `dir`, in order.
pub fn read_file(dir: &Path, meta: &FileMeta) -> Vec<Entry> {
    let mut iter = opener(dir)(meta).unwrap();
    let mut out = Vec::new();
    iter.seek_to_first().unwrap();
    while iter.valid() {
        out.push((iter.key().to_vec(), iter.value().to_vec()));
        iter.next().unwrap();
    }
    out
}

pub fn user_key_of(ikey: &[u8]) -> Vec<u8> {
    parse(ikey).unwrap().user_key.to_vec()
}

/// Names of the `.sst` files in `dir`, sorted.
pub fn sst_files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sst"))
        .collect();
    names.sort();
    names
}
