//! Write batches and their encoding as a WAL record payload.
//!
//! A batch is applied atomically: it is one WAL record, so it is recovered
//! whole or not at all, and all its entries share the record's sequence number,
//! so readers see all of it or none of it. Entries are in the order they were
//! written; when a key appears twice, the later entry wins.
//!
//! ```text
//! payload := count:u32le entry*
//! entry   := keyspace:u32le kind:u8 key_len:u32le key value_len:u32le value
//! ```
//! `kind` is `srdb_key::Kind` (0 = delete, 1 = put); a delete has
//! `value_len = 0`. The layout never changes; a new layout gets a new WAL
//! record version.

use srdb_key::{Kind, MAX_KEY_BYTES};

use crate::error::{Error, Result};
use crate::limits::{MAX_BATCH_BYTES, MAX_VALUE_BYTES};
use crate::Keyspace;

/// Fixed bytes an entry costs besides its key and value.
const ENTRY_OVERHEAD_BYTES: usize = 4 + 1 + 4 + 4;

/// A set of writes applied atomically.
///
/// Writing the same key of the same keyspace twice keeps the last write.
///
/// The batch is kept encoded, exactly as its WAL record: adding a write is
/// one append, and committing copies nothing. Duplicate keys stay in the
/// record; when the batch is applied, only the last write of each key
/// reaches the memtable.
#[derive(Clone, Debug)]
pub struct WriteBatch {
    /// `count:u32le entry*`, the count patched as entries are added.
    buf: Vec<u8>,
    count: u32,
    /// The first write over a size limit, reported at commit.
    oversized: Option<(bool, usize)>,
}

impl Default for WriteBatch {
    fn default() -> Self {
        WriteBatch { buf: 0u32.to_le_bytes().to_vec(), count: 0, oversized: None }
    }
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` in `keyspace`.
    pub fn put(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.insert(keyspace.id(), key.as_ref(), Kind::Put, value.as_ref());
    }

    /// Deletes `key` from `keyspace`.
    pub fn delete(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>) {
        self.insert(keyspace.id(), key.as_ref(), Kind::Delete, &[]);
    }

    pub(crate) fn insert(&mut self, keyspace: u32, key: &[u8], kind: Kind, value: &[u8]) {
        if self.oversized.is_none() {
            if key.len() > MAX_KEY_BYTES {
                self.oversized = Some((true, key.len()));
            } else if value.len() > MAX_VALUE_BYTES {
                self.oversized = Some((false, value.len()));
            }
        }
        encode_entry(&mut self.buf, keyspace, key, kind, value);
        self.count += 1;
        self.buf[..4].copy_from_slice(&self.count.to_le_bytes());
    }

    /// Number of writes in the batch (a key written twice counts twice).
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Size of the batch's WAL record payload in bytes.
    pub fn encoded_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Checks the batch against the documented limits.
    pub(crate) fn validate(&self) -> Result<()> {
        match self.oversized {
            Some((true, bytes)) => return Err(Error::KeyTooLarge { bytes, max: MAX_KEY_BYTES }),
            Some((false, bytes)) => {
                return Err(Error::ValueTooLarge { bytes, max: MAX_VALUE_BYTES })
            }
            None => {}
        }
        if self.encoded_bytes() > MAX_BATCH_BYTES {
            return Err(Error::BatchTooLarge { bytes: self.encoded_bytes(), max: MAX_BATCH_BYTES });
        }
        Ok(())
    }

    /// The encoded payload.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.buf
    }

    /// The payload of a batch of one entry, built without a `WriteBatch`:
    /// single puts and deletes are the hot path.
    pub(crate) fn encode_single(
        keyspace: u32,
        key: &[u8],
        kind: Kind,
        value: &[u8],
    ) -> Result<Vec<u8>> {
        if key.len() > MAX_KEY_BYTES {
            return Err(Error::KeyTooLarge { bytes: key.len(), max: MAX_KEY_BYTES });
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(Error::ValueTooLarge { bytes: value.len(), max: MAX_VALUE_BYTES });
        }
        let mut out = Vec::with_capacity(4 + ENTRY_OVERHEAD_BYTES + key.len() + value.len());
        out.extend_from_slice(&1u32.to_le_bytes());
        encode_entry(&mut out, keyspace, key, kind, value);
        Ok(out)
    }
}

fn encode_entry(out: &mut Vec<u8>, keyspace: u32, key: &[u8], kind: Kind, value: &[u8]) {
    out.extend_from_slice(&keyspace.to_le_bytes());
    out.push(kind as u8);
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
}

/// The entries of a batch that take effect: for a key written more than once,
/// only its last write. Calls `apply` on each, last to first.
pub(crate) fn for_each_effective<'a>(
    entries: &[DecodedEntry<'a>],
    mut apply: impl FnMut(&DecodedEntry<'a>),
) {
    // Keys in ascending order (a sequential fill, a sorted bulk load) cannot
    // repeat: no set needed.
    let ascending =
        entries.windows(2).all(|w| (w[0].keyspace, w[0].key) < (w[1].keyspace, w[1].key));
    if ascending {
        entries.iter().rev().for_each(apply);
        return;
    }
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    for e in entries.iter().rev() {
        if seen.insert((e.keyspace, e.key)) {
            apply(e);
        }
    }
}

/// One entry decoded from a WAL payload, borrowing the payload.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DecodedEntry<'a> {
    pub keyspace: u32,
    pub kind: Kind,
    pub key: &'a [u8],
    pub value: &'a [u8],
}

/// Decodes a WAL payload written by [`WriteBatch::encode`]. The record's CRC
/// already passed, so a malformed payload means a bug or a foreign file: it is
/// reported, never trusted.
pub(crate) fn decode(payload: &[u8]) -> std::result::Result<Vec<DecodedEntry<'_>>, String> {
    let mut r = Reader { buf: payload, pos: 0 };
    let count = r.u32()? as usize;
    // Every entry takes at least ENTRY_OVERHEAD_BYTES, which bounds the
    // allocation by the payload size whatever the count says.
    if count > payload.len() / ENTRY_OVERHEAD_BYTES {
        return Err(format!("batch claims {count} entries in {} bytes", payload.len()));
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let keyspace = r.u32()?;
        let kind_byte = r.u8()?;
        let kind = Kind::from_u8(kind_byte)
            .ok_or_else(|| format!("unknown entry kind {kind_byte} at byte {}", r.pos - 1))?;
        let key_len = r.u32()? as usize;
        let key = r.bytes(key_len)?;
        let value_len = r.u32()? as usize;
        let value = r.bytes(value_len)?;
        entries.push(DecodedEntry { keyspace, kind, key, value });
    }
    if r.pos != payload.len() {
        return Err(format!("{} trailing bytes after the last entry", payload.len() - r.pos));
    }
    Ok(entries)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| {
            format!("entry field of {n} bytes at byte {} runs past the end", self.pos)
        })?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self) -> std::result::Result<u8, String> {
        Ok(self.bytes(1)?[0])
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_round_trip_in_order() {
        let mut b = WriteBatch::new();
        b.insert(1, b"k", Kind::Put, b"v1");
        b.insert(1, b"k", Kind::Put, b"v2");
        b.insert(2, b"k", Kind::Delete, b"");
        b.insert(1, b"", Kind::Put, b"");
        assert_eq!(b.len(), 4);
        let enc = b.payload().to_vec();
        assert_eq!(enc.len(), b.encoded_bytes());
        let dec = decode(&enc).unwrap();
        let single = WriteBatch::encode_single(3, b"key", Kind::Put, b"val").unwrap();
        assert_eq!(
            decode(&single).unwrap(),
            vec![DecodedEntry { keyspace: 3, kind: Kind::Put, key: b"key", value: b"val" }]
        );
        assert_eq!(
            dec,
            vec![
                DecodedEntry { keyspace: 1, kind: Kind::Put, key: b"k", value: b"v1" },
                DecodedEntry { keyspace: 1, kind: Kind::Put, key: b"k", value: b"v2" },
                DecodedEntry { keyspace: 2, kind: Kind::Delete, key: b"k", value: b"" },
                DecodedEntry { keyspace: 1, kind: Kind::Put, key: b"", value: b"" },
            ]
        );
    }

    #[test]
    fn malformed_payloads_are_errors() {
        let mut b = WriteBatch::new();
        b.insert(7, b"key", Kind::Put, b"value");
        let enc = b.payload().to_vec();
        for cut in 0..enc.len() {
            assert!(decode(&enc[..cut]).is_err(), "truncated at {cut}");
        }
        let mut bad = enc.clone();
        bad[8] = 9; // kind byte
        assert!(decode(&bad).is_err());
        let mut huge = enc;
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }
}
