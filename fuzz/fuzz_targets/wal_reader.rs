//! Fuzzes the WAL / log reader.
//!
//! Two kinds of input, chosen by the first byte:
//!
//! - raw bytes read as a log file: the reader must return records or an
//!   error, never panic, hang or allocate without bound, and what it delivers
//!   must be well formed (increasing LSNs, payloads inside the input);
//! - a valid log built from the input, then damaged (byte changes and
//!   truncations chosen by the input): every record delivered must be one
//!   that was written, with its own LSN; Strict mode must deliver a prefix;
//!   and when the log was only truncated, exactly the longest whole prefix must
//!   come back. (A damaged record passes both of its CRC-32 checks only by a
//!   collision, which single-byte changes can never produce.)
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use srdb_wal::{
    encode_log_bytes, read_log_bytes, RecoveryMode, FILE_HEADER_BYTES, RECORD_HEADER_BYTES,
    WAL_MAGIC,
};

const MODES: [RecoveryMode; 2] = [RecoveryMode::Strict, RecoveryMode::SkipCorrupt];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    if selector & 1 == 0 {
        raw(rest);
    } else {
        damaged(rest);
    }
});

fn raw(bytes: &[u8]) {
    for mode in MODES {
        let mut last_lsn = 0;
        let _ = read_log_bytes(Path::new("fuzz"), bytes, WAL_MAGIC, mode, |r| {
            assert!(r.lsn > last_lsn, "LSNs must increase");
            last_lsn = r.lsn;
            let end = r.offset + RECORD_HEADER_BYTES as u64 + r.payload.len() as u64;
            assert!(end <= bytes.len() as u64, "a record must lie inside the file");
            Ok(())
        });
    }
}

fn damaged(data: &[u8]) {
    // Payloads: a count, then one length byte per payload.
    let Some((&count, mut rest)) = data.split_first() else { return };
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    for i in 0..usize::from(count % 32) {
        let Some((&len, tail)) = rest.split_first() else { break };
        rest = tail;
        payloads.push((0..usize::from(len)).map(|k| (i as u8).wrapping_mul(7) ^ k as u8).collect());
    }
    let original = encode_log_bytes(WAL_MAGIC, payloads.iter().map(Vec::as_slice));
    let mut ends = Vec::new();
    let mut end = FILE_HEADER_BYTES;
    for p in &payloads {
        end += RECORD_HEADER_BYTES + p.len();
        ends.push(end);
    }

    // Damage: triples (position high, position low, xor); xor 0 truncates.
    let mut bytes = original;
    let mut only_truncated = true;
    for op in rest.chunks_exact(3).take(8) {
        let pos = usize::from(u16::from_le_bytes([op[0], op[1]])) % (bytes.len() + 1);
        if op[2] == 0 {
            bytes.truncate(pos);
        } else if pos < bytes.len() {
            bytes[pos] ^= op[2];
            only_truncated = false;
        }
    }

    for mode in MODES {
        let mut got: Vec<(u64, Vec<u8>)> = Vec::new();
        let result = read_log_bytes(Path::new("fuzz"), &bytes, WAL_MAGIC, mode, |r| {
            got.push((r.lsn, r.payload.to_vec()));
            Ok(())
        });
        let mut last_lsn = 0;
        for (lsn, payload) in &got {
            assert!(*lsn > last_lsn, "LSNs must increase");
            last_lsn = *lsn;
            let index = usize::try_from(*lsn - 1).unwrap();
            assert_eq!(Some(payload), payloads.get(index), "a delivered record must be one that was written");
        }
        if mode == RecoveryMode::Strict {
            assert!(got.iter().enumerate().all(|(i, (lsn, _))| *lsn == i as u64 + 1), "Strict delivers a prefix");
        }
        if only_truncated {
            let report = result.expect("a truncated log is never corrupt");
            let whole = if bytes.len() < FILE_HEADER_BYTES {
                0
            } else {
                ends.iter().take_while(|e| **e <= bytes.len()).count()
            };
            assert_eq!(got.len(), whole, "the longest whole prefix comes back");
            let boundary = if whole == 0 { FILE_HEADER_BYTES } else { ends[whole - 1] };
            assert_eq!(
                report.torn_tail.is_some(),
                bytes.len() < FILE_HEADER_BYTES || bytes.len() != boundary,
                "a torn tail is reported exactly when bytes were cut mid-record"
            );
        }
    }
}
