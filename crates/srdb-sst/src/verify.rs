//! [`Sst::verify`]: read every block and check every invariant the writer
//! guarantees, beyond the checks done at open.

use srdb_key::compare_internal;

use crate::block::cursor::BlockCursor;
use crate::block::frame::{self, Compression, FRAME_TRAILER_BYTES};
use crate::error::SstError;
use crate::header::HEADER_BYTES;
use crate::reader::{Sst, VerifyReport};

/// Running state of the walk over all entries.
struct Walk {
    entries: u64,
    user_keys: u64,
    min_seqno: u64,
    max_seqno: u64,
    tombstones: u64,
    first_key: Option<Vec<u8>>,
    last_key: Vec<u8>,
}

pub(crate) fn verify(sst: &Sst) -> Result<VerifyReport, SstError> {
    let footer = *sst.footer();
    let index_error = |reason: String| SstError::corruption(&sst.path, footer.index_offset, reason);
    let tree = sst.index();
    let mut at = tree.first().map_err(|e| sst.index_error(e))?;
    let mut walk = Walk {
        entries: 0,
        user_keys: 0,
        min_seqno: u64::MAX,
        max_seqno: 0,
        tombstones: 0,
        first_key: None,
        last_key: Vec::new(),
    };
    let mut cursor = BlockCursor::default();
    let mut expected_offset = HEADER_BYTES as u64;
    let mut ordinal = 0u32;
    let mut previous_separator: Option<&[u8]> = None;
    while at.is_valid() {
        let separator = at.key(&tree).map_err(|e| sst.index_error(e))?;
        let handle = sst.handle_at(&tree, &at)?;
        if handle.ordinal != ordinal || handle.offset != expected_offset {
            return Err(index_error(format!(
                "index entry {ordinal} names block {} at offset {}, but block {ordinal} starts at offset {expected_offset}",
                handle.ordinal, handle.offset
            )));
        }
        let corrupt = |reason: &str| SstError::corruption(&sst.path, handle.offset, reason);
        // Check the frame even if a read already did, and bypass the cache:
        // verification is about the bytes on disk.
        let start = handle.offset as usize;
        let framed = &sst.bytes[start..start + handle.len as usize + FRAME_TRAILER_BYTES];
        let (payload, kind) = frame::check(framed).map_err(corrupt)?;
        let decompressed;
        let content = match kind {
            Compression::None => {
                sst.mark_verified(ordinal);
                payload
            }
            Compression::Snappy => {
                decompressed = frame::decompress(payload).map_err(corrupt)?;
                &decompressed[..]
            }
        };
        let block_error = |e| sst.block_error(handle.offset, e);
        cursor.reset(content).map_err(block_error)?;
        cursor.seek_to_first(content).map_err(block_error)?;
        if !cursor.valid() {
            return Err(corrupt("the block holds no entry"));
        }
        if let Some(previous) = previous_separator {
            if compare_internal(previous, cursor.key()).is_ge() {
                return Err(corrupt(
                    "the block's first key does not sort after the previous block's separator",
                ));
            }
        }
        while cursor.valid() {
            check_entry(sst, &mut walk, cursor.key()).map_err(|reason| {
                corrupt(&format!("{reason} (entry at byte {} of the block)", cursor.offset()))
            })?;
            cursor.next(content).map_err(block_error)?;
        }
        if srdb_key::parse(separator).is_err()
            || compare_internal(&walk.last_key, separator).is_gt()
        {
            return Err(index_error(format!(
                "the separator of block {ordinal} is not an internal key >= the block's last key"
            )));
        }
        previous_separator = Some(separator);
        expected_offset = handle.offset + u64::from(handle.len) + FRAME_TRAILER_BYTES as u64;
        ordinal += 1;
        at.next(&tree).map_err(|e| sst.index_error(e))?;
    }
    if expected_offset != footer.index_offset || u64::from(ordinal) != footer.data_blocks {
        return Err(index_error(format!(
            "the index names {ordinal} blocks ending at offset {expected_offset}, but the footer counts {} blocks ending at {}",
            footer.data_blocks, footer.index_offset
        )));
    }
    check_summary(sst, &walk)?;
    Ok(VerifyReport {
        data_blocks: u64::from(ordinal),
        entries: walk.entries,
        user_keys: walk.user_keys,
    })
}

fn check_entry(sst: &Sst, walk: &mut Walk, key: &[u8]) -> Result<(), String> {
    let parsed = srdb_key::parse(key).map_err(|e| format!("an entry's key does not parse: {e}"))?;
    let new_user_key = match &walk.first_key {
        None => {
            walk.first_key = Some(key.to_vec());
            true
        }
        Some(_) => {
            if compare_internal(&walk.last_key, key).is_ge() {
                return Err("keys are not in strictly increasing order".into());
            }
            walk.last_key[..walk.last_key.len() - srdb_key::TRAILER_BYTES] != *parsed.user_key
        }
    };
    if new_user_key {
        walk.user_keys += 1;
        if !sst.may_contain(parsed.user_key) {
            return Err("the bloom filter does not report a key the file holds".into());
        }
    }
    walk.entries += 1;
    walk.min_seqno = walk.min_seqno.min(parsed.seqno);
    walk.max_seqno = walk.max_seqno.max(parsed.seqno);
    if parsed.kind == srdb_key::Kind::Delete {
        walk.tombstones += 1;
    }
    walk.last_key.clear();
    walk.last_key.extend_from_slice(key);
    Ok(())
}

fn check_summary(sst: &Sst, walk: &Walk) -> Result<(), SstError> {
    let summary = sst.summary();
    let reason = if walk.entries != summary.entries {
        format!(
            "the summary counts {} entries, but the blocks hold {}",
            summary.entries, walk.entries
        )
    } else if walk.first_key.as_deref() != Some(&summary.smallest[..])
        || walk.last_key != summary.largest
    {
        "the summary's smallest or largest key is not the file's first or last key".to_string()
    } else if (walk.min_seqno, walk.max_seqno) != (summary.min_seqno, summary.max_seqno) {
        format!(
            "the summary's seqno range {}..={} is not the entries' {}..={}",
            summary.min_seqno, summary.max_seqno, walk.min_seqno, walk.max_seqno
        )
    } else if summary.tombstones.is_some_and(|counted| counted != walk.tombstones) {
        format!(
            "the summary counts {:?} tombstones, but the blocks hold {}",
            summary.tombstones, walk.tombstones
        )
    } else {
        return Ok(());
    };
    Err(SstError::corruption(&sst.path, sst.footer().summary_offset, reason))
}
