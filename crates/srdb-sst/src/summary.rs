//! The summary block: what the file holds, known once every entry is written.
//!
//! ```text
//! offset  size  field
//!      0     8  entries, u64 LE
//!      8     8  smallest seqno, u64 LE
//!     16     8  largest seqno, u64 LE
//!     24     1  time range present: 0 or 1
//!     25     8  smallest `_time`, i64 LE (0 when absent)
//!     33     8  largest `_time`, i64 LE (0 when absent)
//!     41     4  length s of the smallest internal key, u32 LE
//!     45     s  smallest internal key
//!   45+s     4  length l of the largest internal key, u32 LE
//!   49+s     l  largest internal key
//! 49+s+l     4  length p of the properties, u32 LE
//! 53+s+l     p  properties: bytes opaque to the format, set by the writer's
//!               owner (the engine stores the file's keyspace there)
//! 53+s+l+p   8  tombstones among the entries, u64 LE (format version 2
//!               on; a version-1 file ends after the properties)
//! 61+s+l+p   1  flags (version 2 on): bit 0 set when every put has a
//!               time and the times never decrease in key order; other
//!               bits 0
//! ```
//!
//! The payload sits in a frame (see `block::frame`, always raw). The file
//! size is not stored: it is the size of the file.

use crate::limits::{MAX_INTERNAL_KEY_BYTES, MAX_PROPERTIES_BYTES};

/// What an SST file holds: returned by [`crate::SstWriter::finish`] and read
/// back by [`crate::Sst::open`]. The engine records it in the MANIFEST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SstSummary {
    /// Size of the whole file in bytes.
    pub size_bytes: u64,
    /// Number of entries (versions and tombstones).
    pub entries: u64,
    /// The smallest internal key in the file.
    pub smallest: Vec<u8>,
    /// The largest internal key in the file.
    pub largest: Vec<u8>,
    /// The smallest sequence number of any entry.
    pub min_seqno: u64,
    /// The largest sequence number of any entry.
    pub max_seqno: u64,
    /// The smallest and largest `_time` the writer's
    /// [`crate::TimeExtractor`] returned, if it returned any.
    pub time_range: Option<(i64, i64)>,
    /// The writer's [`crate::WriterOptions::properties`].
    pub properties: Vec<u8>,
    /// How many of the entries are tombstones; `None` for a file of format
    /// version 1, which did not record it.
    pub tombstones: Option<u64>,
    /// Whether every put of the file has a time and the times never
    /// decrease in internal-key order (false for a version-1 file). Then the
    /// puts of a time range are one contiguous run of keys, found by binary
    /// search.
    pub time_ordered: bool,
}

const FIXED_BYTES: usize = 41;

impl SstSummary {
    /// Encodes the summary as format version [`crate::header::FORMAT_VERSION`] lays it out.
    ///
    /// # Panics
    /// If the tombstone count is unknown: a writer always knows it.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let tombstones = self.tombstones.expect("a summary being written counts its tombstones");
        let mut out = Vec::with_capacity(
            FIXED_BYTES + 20 + self.smallest.len() + self.largest.len() + self.properties.len(),
        );
        out.extend_from_slice(&self.entries.to_le_bytes());
        out.extend_from_slice(&self.min_seqno.to_le_bytes());
        out.extend_from_slice(&self.max_seqno.to_le_bytes());
        let (present, (min, max)) = match self.time_range {
            Some(range) => (1u8, range),
            None => (0u8, (0, 0)),
        };
        out.push(present);
        out.extend_from_slice(&min.to_le_bytes());
        out.extend_from_slice(&max.to_le_bytes());
        for key in [&self.smallest, &self.largest] {
            let len = u32::try_from(key.len()).expect("keys are bounded by MAX_INTERNAL_KEY_BYTES");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(key);
        }
        let len = u32::try_from(self.properties.len()).expect("properties are bounded");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&self.properties);
        out.extend_from_slice(&tombstones.to_le_bytes());
        out.push(u8::from(self.time_ordered));
        out
    }

    /// Decodes a verified payload of a file of format `version` (one that
    /// [`crate::header::is_readable`] accepts); `size_bytes` is the file's
    /// size.
    pub(crate) fn decode(
        payload: &[u8],
        size_bytes: u64,
        version: u16,
    ) -> Result<SstSummary, &'static str> {
        const SHORT: &str = "the summary block is truncated";
        let fixed = payload.get(..FIXED_BYTES).ok_or(SHORT)?;
        let u64_at =
            |at: usize| u64::from_le_bytes(fixed[at..at + 8].try_into().expect("eight bytes"));
        let time_range = match fixed[24] {
            0 => None,
            1 => Some((u64_at(25) as i64, u64_at(33) as i64)),
            _ => return Err("the summary's time-range flag is neither 0 nor 1"),
        };
        let mut rest = &payload[FIXED_BYTES..];
        let mut keys = [Vec::new(), Vec::new()];
        for key in &mut keys {
            let len_bytes: [u8; 4] = rest.get(..4).ok_or(SHORT)?.try_into().expect("four bytes");
            let len = u32::from_le_bytes(len_bytes) as usize;
            if len > MAX_INTERNAL_KEY_BYTES {
                return Err("the summary names a key longer than the largest internal key");
            }
            *key = rest.get(4..4 + len).ok_or(SHORT)?.to_vec();
            rest = &rest[4 + len..];
        }
        let len_bytes: [u8; 4] = rest.get(..4).ok_or(SHORT)?.try_into().expect("four bytes");
        let len = u32::from_le_bytes(len_bytes) as usize;
        if len > MAX_PROPERTIES_BYTES {
            return Err("the summary's properties are longer than the limit");
        }
        let properties = rest.get(4..4 + len).ok_or(SHORT)?.to_vec();
        rest = &rest[4 + len..];
        let (tombstones, time_ordered) = if version >= 2 {
            let count: [u8; 8] = rest.get(..8).ok_or(SHORT)?.try_into().expect("eight bytes");
            let flags = *rest.get(8).ok_or(SHORT)?;
            if flags > 1 {
                return Err("the summary's flags have unknown bits set");
            }
            rest = &rest[9..];
            (Some(u64::from_le_bytes(count)), flags == 1)
        } else {
            (None, false)
        };
        if !rest.is_empty() {
            return Err("the summary block has bytes after its last field");
        }
        let [smallest, largest] = keys;
        let summary = SstSummary {
            size_bytes,
            entries: u64_at(0),
            smallest,
            largest,
            min_seqno: u64_at(8),
            max_seqno: u64_at(16),
            time_range,
            properties,
            tombstones,
            time_ordered,
        };
        summary.check()?;
        Ok(summary)
    }

    /// The invariants every summary of a finished file satisfies.
    fn check(&self) -> Result<(), &'static str> {
        let smallest = srdb_key::parse(&self.smallest)
            .map_err(|_| "the summary's smallest key is not an internal key")?;
        let largest = srdb_key::parse(&self.largest)
            .map_err(|_| "the summary's largest key is not an internal key")?;
        if self.entries == 0 {
            return Err("the summary counts no entry");
        }
        if srdb_key::compare_internal(&self.smallest, &self.largest).is_gt() {
            return Err("the summary's smallest key sorts after its largest");
        }
        if self.min_seqno > self.max_seqno
            || !(self.min_seqno..=self.max_seqno).contains(&smallest.seqno)
            || !(self.min_seqno..=self.max_seqno).contains(&largest.seqno)
        {
            return Err("the summary's seqno range does not hold its keys' seqnos");
        }
        if self.tombstones.is_some_and(|t| t > self.entries) {
            return Err("the summary counts more tombstones than entries");
        }
        if self.time_ordered && self.time_range.is_none() {
            return Err("the summary says its puts are time-ordered but records no time range");
        }
        if let Some((min, max)) = self.time_range {
            if min > max {
                return Err("the summary's time range is inverted");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::FORMAT_VERSION;
    use srdb_key::{InternalKey, Kind};

    #[test]
    fn round_trips_with_and_without_time_range() {
        for (time_range, properties) in
            [(None, vec![]), (Some((-5, 1_700_000_000_000_000_000)), b"keyspace 7".to_vec())]
        {
            let summary = SstSummary {
                size_bytes: 777,
                entries: 12,
                smallest: InternalKey::new(b"a", 9, Kind::Put).as_bytes().to_vec(),
                largest: InternalKey::new(b"zz", 3, Kind::Delete).as_bytes().to_vec(),
                min_seqno: 2,
                max_seqno: 9,
                time_range,
                properties,
                tombstones: Some(4),
                time_ordered: time_range.is_some(),
            };
            let bytes = summary.encode();
            assert_eq!(SstSummary::decode(&bytes, 777, FORMAT_VERSION), Ok(summary.clone()));
            for cut in 0..bytes.len() {
                assert!(
                    SstSummary::decode(&bytes[..cut], 777, FORMAT_VERSION).is_err(),
                    "truncation to {cut} bytes accepted"
                );
            }
            // Version 1 had no tombstone count: its payload ends 8 bytes
            // earlier, and a version-2 payload read as version 1 is refused.
            let v1 = &bytes[..bytes.len() - 9];
            let old = SstSummary { tombstones: None, time_ordered: false, ..summary };
            assert_eq!(SstSummary::decode(v1, 777, 1), Ok(old));
            assert!(SstSummary::decode(&bytes, 777, 1).is_err());
        }
    }

    #[test]
    fn more_tombstones_than_entries_are_refused() {
        let summary = SstSummary {
            size_bytes: 1,
            entries: 2,
            smallest: InternalKey::new(b"a", 1, Kind::Delete).as_bytes().to_vec(),
            largest: InternalKey::new(b"b", 1, Kind::Delete).as_bytes().to_vec(),
            min_seqno: 1,
            max_seqno: 1,
            time_range: None,
            properties: Vec::new(),
            tombstones: Some(3),
            time_ordered: false,
        };
        assert!(SstSummary::decode(&summary.encode(), 1, FORMAT_VERSION).is_err());
    }
}
