//! The stored form of a key-value entry: a format tag, an optional expiry,
//! then the user's bytes. `docs/format/kv-value.md` is the specification.
//!
//! ```text
//! tag 0x00: 00 | value...                       no expiry
//! tag 0x01: 01 | expire_at_ms:u64le | value...  expires after expire_at_ms
//! ```
//! The tags never change meaning; a new layout gets a new tag, and a reader
//! refuses tags it does not know rather than guess.

use std::time::{SystemTime, UNIX_EPOCH};

use srdb_engine::MAX_VALUE_BYTES;

/// Tag of a value without expiry.
const TAG_PLAIN: u8 = 0x00;
/// Tag of a value with an expiry time.
const TAG_EXPIRES: u8 = 0x01;
/// Bytes of the longest header (tag and expiry).
pub(crate) const MAX_HEADER_BYTES: usize = 1 + 8;

/// Largest user value of the key-value store, in bytes: the engine's value
/// limit less the longest header, so that every value accepted can be stored
/// with an expiry added later.
pub const MAX_KV_VALUE_BYTES: usize = MAX_VALUE_BYTES - MAX_HEADER_BYTES;

/// A live entry of the key-value store: the user's bytes and when they
/// expire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvEntry {
    /// The user's bytes.
    pub value: Vec<u8>,
    /// When the entry expires, in milliseconds since the Unix epoch; `None`
    /// for an entry that never expires. An entry is expired once the clock is
    /// past this instant (at exactly this millisecond it is still live).
    pub expire_at_ms: Option<u64>,
}

impl KvEntry {
    /// Whether the entry is expired at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        is_expired(self.expire_at_ms, now_ms)
    }
}

/// Whether an entry with this expiry is expired at `now_ms`.
pub(crate) fn is_expired(expire_at_ms: Option<u64>, now_ms: u64) -> bool {
    expire_at_ms.is_some_and(|at| now_ms > at)
}

/// Milliseconds since the Unix epoch by the system clock.
pub fn now_ms() -> u64 {
    // A clock before 1970 is a broken clock; treating it as the epoch keeps
    // every expiry in the future instead of failing reads.
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Encodes `value` with its expiry.
pub(crate) fn encode(value: &[u8], expire_at_ms: Option<u64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_HEADER_BYTES + value.len());
    match expire_at_ms {
        None => out.push(TAG_PLAIN),
        Some(at) => {
            out.push(TAG_EXPIRES);
            out.extend_from_slice(&at.to_le_bytes());
        }
    }
    out.extend_from_slice(value);
    out
}

/// The expiry of a stored value and the offset of its user bytes.
pub(crate) fn header(raw: &[u8]) -> Result<(Option<u64>, usize), String> {
    match raw.first() {
        Some(&TAG_PLAIN) => Ok((None, 1)),
        Some(&TAG_EXPIRES) => {
            let at: [u8; 8] =
                raw.get(1..MAX_HEADER_BYTES).and_then(|b| b.try_into().ok()).ok_or_else(|| {
                    format!("value of {} bytes is too short for its expiry", raw.len())
                })?;
            Ok((Some(u64::from_le_bytes(at)), MAX_HEADER_BYTES))
        }
        Some(tag) => Err(format!("unknown value format tag {tag:#04x}")),
        None => Err("empty stored value (no format tag)".into()),
    }
}

/// Decodes a stored value, reusing its buffer for the user bytes.
pub(crate) fn decode(mut raw: Vec<u8>) -> Result<KvEntry, String> {
    let (expire_at_ms, offset) = header(&raw)?;
    raw.drain(..offset);
    Ok(KvEntry { value: raw, expire_at_ms })
}

/// The key of `key`'s entry in the expiry index: the expiry big-endian (so
/// the index sorts by time), then the user key.
pub(crate) fn index_key(expire_at_ms: u64, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + key.len());
    out.extend_from_slice(&expire_at_ms.to_be_bytes());
    out.extend_from_slice(key);
    out
}

/// Splits an expiry-index key into the expiry and the user key.
pub(crate) fn split_index_key(ikey: &[u8]) -> Option<(u64, &[u8])> {
    let at: [u8; 8] = ikey.get(..8)?.try_into().ok()?;
    Some((u64::from_be_bytes(at), &ikey[8..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_expiry() {
        for expiry in [None, Some(0), Some(1_700_000_000_123), Some(u64::MAX)] {
            for value in [&b""[..], b"v", &[0xFF; 300]] {
                let raw = encode(value, expiry);
                assert_eq!(raw.len(), value.len() + if expiry.is_some() { 9 } else { 1 });
                let e = decode(raw).unwrap();
                assert_eq!(e.value, value);
                assert_eq!(e.expire_at_ms, expiry);
            }
        }
    }

    #[test]
    fn layout_is_the_documented_one() {
        assert_eq!(encode(b"ab", None), b"\x00ab");
        assert_eq!(encode(b"ab", Some(0x0102)), b"\x01\x02\x01\0\0\0\0\0\0ab");
    }

    #[test]
    fn the_example_of_the_format_document() {
        // docs/format/kv-value.md: SET session abc PXAT 1_700_000_001_500.
        let at = 1_700_000_001_500;
        let value = [1, 0xdc, 0x6d, 0xe5, 0xcf, 0x8b, 0x01, 0, 0, b'a', b'b', b'c'];
        assert_eq!(encode(b"abc", Some(at)), value);
        let mut ikey = vec![0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x6d, 0xdc];
        ikey.extend_from_slice(b"session");
        assert_eq!(index_key(at, b"session"), ikey);
    }

    #[test]
    fn damaged_values_are_errors() {
        assert!(decode(vec![]).is_err());
        assert!(decode(vec![2, 1, 2]).unwrap_err().contains("0x02"));
        assert!(decode(vec![1, 0, 0, 0]).unwrap_err().contains("too short"));
    }

    #[test]
    fn expiry_is_strictly_after_the_instant() {
        assert!(!is_expired(None, u64::MAX));
        assert!(!is_expired(Some(10), 10));
        assert!(is_expired(Some(10), 11));
    }

    #[test]
    fn index_keys_sort_by_time_then_key() {
        let a = index_key(5, b"zz");
        let b = index_key(6, b"aa");
        assert!(a < b);
        assert_eq!(split_index_key(&b), Some((6, &b"aa"[..])));
        assert_eq!(split_index_key(b"short"), None);
    }
}
