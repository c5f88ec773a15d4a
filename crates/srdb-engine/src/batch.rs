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

    /// An empty batch with room for `bytes` of encoded entries (each costs
    /// its key, its value and 13 bytes), so that building it does not
    /// reallocate.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(4 + bytes);
        buf.extend_from_slice(&0u32.to_le_bytes());
        WriteBatch { buf, count: 0, oversized: None }
    }

    /// Sets `key` to `value` in `keyspace`.
    pub fn put(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.insert(keyspace.id(), key.as_ref(), Kind::Put, value.as_ref());
    }

    /// Sets `key` in `keyspace` to the bytes that `write_value` appends to
    /// the vector it is given: the value is built in place in the batch,
    /// without a buffer of its own. `write_value` must only append.
    pub fn put_with(
        &mut self,
        keyspace: &Keyspace,
        key: impl AsRef<[u8]>,
        write_value: impl FnOnce(&mut Vec<u8>),
    ) {
        let key = key.as_ref();
        self.check_key(key);
        self.buf.extend_from_slice(&keyspace.id().to_le_bytes());
        self.buf.push(Kind::Put as u8);
        self.buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(key);
        let len_at = self.buf.len();
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        write_value(&mut self.buf);
        assert!(self.buf.len() >= len_at + 4, "put_with: the value writer removed bytes");
        let value_len = self.buf.len() - len_at - 4;
        self.check_value(value_len);
        // A value over u32::MAX bytes is refused at commit (it is over
        // MAX_VALUE_BYTES); the length written here is then never read.
        self.buf[len_at..len_at + 4].copy_from_slice(&(value_len as u32).to_le_bytes());
        self.count_entry();
    }

    /// Deletes `key` from `keyspace`.
    pub fn delete(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>) {
        self.insert(keyspace.id(), key.as_ref(), Kind::Delete, &[]);
    }

    pub(crate) fn insert(&mut self, keyspace: u32, key: &[u8], kind: Kind, value: &[u8]) {
        self.check_key(key);
        self.check_value(value.len());
        encode_entry(&mut self.buf, keyspace, key, kind, value);
        self.count_entry();
    }

    /// Remembers a key over the limit, to be reported at commit.
    fn check_key(&mut self, key: &[u8]) {
        if self.oversized.is_none() && key.len() > MAX_KEY_BYTES {
            self.oversized = Some((true, key.len()));
        }
    }

    /// Remembers a value over the limit, to be reported at commit.
    fn check_value(&mut self, value_bytes: usize) {
        if self.oversized.is_none() && value_bytes > MAX_VALUE_BYTES {
            self.oversized = Some((false, value_bytes));
        }
    }

    fn count_entry(&mut self) {
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
/// only its last write. Calls `apply` on each: in batch order when no key
/// can repeat (each ascending run of one keyspace, as a table insert makes
/// them, goes in as it is), otherwise in keyspace and key order.
///
/// Sorting is what finds the repeats, and it pays for itself: a batch of
/// keys from all over a large memtable (the server's group commit of many
/// clients' SETs) goes in as one ascending run per keyspace, so each insert
/// starts its skiplist search where the previous one ended, in nodes the
/// CPU has just read, instead of from the top through nodes no cache holds.
pub(crate) fn for_each_effective<'a>(
    entries: &[DecodedEntry<'a>],
    mut apply: impl FnMut(&DecodedEntry<'a>),
) {
    if keys_cannot_repeat(entries) {
        entries.iter().for_each(apply);
        return;
    }
    // Equal keys sort latest write first; the others are skipped.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&entries[a], &entries[b]);
        x.keyspace.cmp(&y.keyspace).then_with(|| x.key.cmp(y.key)).then(b.cmp(&a))
    });
    let mut previous: Option<&DecodedEntry<'a>> = None;
    for e in order.into_iter().map(|i| &entries[i]) {
        if previous.is_some_and(|p| p.keyspace == e.keyspace && p.key == e.key) {
            continue;
        }
        apply(e);
        previous = Some(e);
    }
}

/// Keyspaces a batch may visit in separate runs before
/// [`keys_cannot_repeat`] gives up and lets the set decide.
const MAX_CHECKED_RUNS: usize = 16;

/// Whether the batch provably writes no key twice, at the cost of one key
/// comparison per entry: it is a sequence of runs, each of one keyspace
/// with its keys strictly ascending, and no keyspace has two runs. A
/// sequential fill, a sorted bulk load and a table insert (rows by `_seq`,
/// then each index's entries sorted) all qualify.
fn keys_cannot_repeat(entries: &[DecodedEntry<'_>]) -> bool {
    let mut runs: [u32; MAX_CHECKED_RUNS] = [0; MAX_CHECKED_RUNS];
    let mut run_count = 0;
    let mut previous: Option<&DecodedEntry<'_>> = None;
    for e in entries {
        match previous {
            Some(p) if p.keyspace == e.keyspace => {
                if p.key >= e.key {
                    return false;
                }
            }
            _ => {
                if run_count == MAX_CHECKED_RUNS || runs[..run_count].contains(&e.keyspace) {
                    return false;
                }
                runs[run_count] = e.keyspace;
                run_count += 1;
            }
        }
        previous = Some(e);
    }
    true
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
        // The fixed fields before the key in one read, which checks the
        // bounds once.
        let at = r.pos;
        let head = r.array::<9>()?;
        let keyspace = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let kind = Kind::from_u8(head[4])
            .ok_or_else(|| format!("unknown entry kind {} at byte {}", head[4], at + 4))?;
        let key = r.bytes(u32::from_le_bytes([head[5], head[6], head[7], head[8]]) as usize)?;
        let value_len = u32::from_le_bytes(r.array::<4>()?) as usize;
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
    #[inline]
    fn bytes(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        match self.buf.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(out) => {
                self.pos += n;
                Ok(out)
            }
            None => Err(self.past_end(n)),
        }
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        let bytes = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    #[cold]
    fn past_end(&self, n: usize) -> String {
        format!("entry field of {n} bytes at byte {} runs past the end", self.pos)
    }

    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(self.array::<4>()?))
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

    /// The keys `apply` sees, in the order it sees them.
    fn effective(writes: &[(u32, &'static [u8], Kind)]) -> Vec<(u32, Vec<u8>, Kind)> {
        let mut b = WriteBatch::new();
        for (n, &(keyspace, key, kind)) in writes.iter().enumerate() {
            b.insert(keyspace, key, kind, &[n as u8]);
        }
        let entries = decode(b.payload()).unwrap();
        let mut out = Vec::new();
        for_each_effective(&entries, |e| out.push((e.keyspace, e.key.to_vec(), e.kind)));
        out
    }

    #[test]
    fn only_the_last_write_of_a_key_takes_effect() {
        use Kind::{Delete, Put};
        // Sorted runs of distinct keyspaces: every entry, last first.
        let runs = [(1, &b"a"[..], Put), (1, b"b", Put), (2, b"a", Put), (3, b"c", Delete)];
        assert!(keys_cannot_repeat(&decode(&batch_of(&runs)).unwrap()));
        assert_eq!(effective(&runs).len(), 4);
        // A keyspace that comes back, an unsorted run, a repeated key: the
        // entries come sorted by keyspace and key, and the last write of
        // each key wins.
        let mixed = [(1, &b"b"[..], Put), (2, b"a", Put), (1, b"a", Put), (1, b"b", Delete)];
        assert!(!keys_cannot_repeat(&decode(&batch_of(&mixed)).unwrap()));
        assert_eq!(
            effective(&mixed),
            vec![(1, b"a".to_vec(), Put), (1, b"b".to_vec(), Delete), (2, b"a".to_vec(), Put)]
        );
        let thrice = [(1, &b"k"[..], Put), (1, b"j", Put), (1, b"k", Delete), (1, b"k", Put)];
        let got: Vec<_> = effective(&thrice).into_iter().map(|(_, k, kind)| (k, kind)).collect();
        assert_eq!(got, vec![(b"j".to_vec(), Put), (b"k".to_vec(), Put)]);
        let repeated = [(1, &b"k"[..], Put), (1, b"k", Delete)];
        assert_eq!(effective(&repeated), vec![(1, b"k".to_vec(), Delete)]);
        let descending = [(1, &b"b"[..], Put), (1, b"a", Put)];
        assert!(!keys_cannot_repeat(&decode(&batch_of(&descending)).unwrap()));
        let got: Vec<_> = effective(&descending).into_iter().map(|(_, k, _)| k).collect();
        assert_eq!(got, vec![b"a".to_vec(), b"b".to_vec()]);
    }

    fn batch_of(writes: &[(u32, &[u8], Kind)]) -> Vec<u8> {
        let mut b = WriteBatch::new();
        for &(keyspace, key, kind) in writes {
            b.insert(keyspace, key, kind, b"");
        }
        b.payload().to_vec()
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
