//! Version edits and their encoding: the payload of every MANIFEST record.
//!
//! ```text
//! edit    := format_version:u8 (= 1) field*
//! field   := tag:varint body
//!
//! tag  body                                                    (tags never change)
//!  1   next_file_number   varint
//!  2   last_seqno         varint
//!  3   log_number         varint
//!  4   create_keyspace    id:varint name:bytes options:bytes
//!  5   drop_keyspace      id:varint
//!  6   add_file           keyspace:varint level:u8 number:varint size_bytes:varint
//!                         entries:varint smallest:bytes largest:bytes
//!                         min_seqno:varint max_seqno:varint
//!                         has_time:u8 [min_time:i64le max_time:i64le]
//!  7   delete_file        keyspace:varint level:u8 number:varint
//!
//! bytes := length:varint byte*length
//! ```
//!
//! Varints are unsigned LEB128. Tags 1 to 3 appear at most once. An unknown
//! tag, a field cut short, a value out of range, or bytes left over are
//! errors: an edit is either understood completely or rejected. The full
//! specification is `docs/format/manifest.md`.

use srdb_key::{InternalKey, SeqNo};

use crate::codec::{put_bytes, put_varint, Reader};
use crate::error::ManifestError;
use crate::file_meta::{FileMeta, KeyspaceId, Level};
use crate::limits::{
    MAX_INTERNAL_KEY_BYTES, MAX_KEYSPACE_NAME_BYTES, MAX_KEYSPACE_OPTIONS_BYTES, MAX_LEVELS,
};

/// The version of the edit encoding this build writes and reads.
pub const EDIT_FORMAT_VERSION: u8 = 1;

// Field tags. Written to disk: their values never change.
const TAG_NEXT_FILE_NUMBER: u64 = 1;
const TAG_LAST_SEQNO: u64 = 2;
const TAG_LOG_NUMBER: u64 = 3;
const TAG_CREATE_KEYSPACE: u64 = 4;
const TAG_DROP_KEYSPACE: u64 = 5;
const TAG_ADD_FILE: u64 = 6;
const TAG_DELETE_FILE: u64 = 7;

/// A keyspace created by an edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedKeyspace {
    /// Its id, never reused in the database.
    pub id: KeyspaceId,
    /// Its name, unique among live keyspaces.
    pub name: String,
    /// The engine's options for it, opaque to the MANIFEST.
    pub options: Vec<u8>,
}

/// A file added to a level by an edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedFile {
    /// The keyspace the file belongs to.
    pub keyspace: KeyspaceId,
    /// The level it is added to.
    pub level: Level,
    /// What the file holds.
    pub meta: FileMeta,
}

/// A file removed from a level by an edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeletedFile {
    /// The keyspace the file belongs to.
    pub keyspace: KeyspaceId,
    /// The level it is removed from.
    pub level: Level,
    /// Its file number.
    pub number: u64,
}

/// One change to the set of files and counters that make up the database.
///
/// An edit is applied in a fixed order, whatever order its parts were added
/// or encoded in: keyspaces are created, then files deleted, then files
/// added, then keyspaces dropped, then the counters set. Deleting before
/// adding lets one edit move a file between levels (a trivial compaction).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionEdit {
    /// Keyspaces created.
    pub created_keyspaces: Vec<CreatedKeyspace>,
    /// Keyspaces dropped, with all their files.
    pub dropped_keyspaces: Vec<KeyspaceId>,
    /// Files removed from a level.
    pub deleted_files: Vec<DeletedFile>,
    /// Files added to a level.
    pub added_files: Vec<AddedFile>,
    /// The next file number the engine will hand out; every live file number
    /// is below it. Never decreases.
    pub next_file_number: Option<u64>,
    /// The last sequence number whose data is in SST files or the WAL
    /// segments still kept. Never decreases.
    pub last_seqno: Option<SeqNo>,
    /// The oldest WAL segment still needed: older ones hold only flushed
    /// data. Never decreases.
    pub log_number: Option<u64>,
}

impl VersionEdit {
    /// Records the creation of keyspace `id`.
    pub fn create_keyspace(&mut self, id: KeyspaceId, name: String, options: Vec<u8>) {
        self.created_keyspaces.push(CreatedKeyspace { id, name, options });
    }

    /// Records that keyspace `id` and all its files are dropped.
    pub fn drop_keyspace(&mut self, id: KeyspaceId) {
        self.dropped_keyspaces.push(id);
    }

    /// Records that `meta` is added to `level` of `keyspace`.
    pub fn add_file(&mut self, keyspace: KeyspaceId, level: Level, meta: FileMeta) {
        self.added_files.push(AddedFile { keyspace, level, meta });
    }

    /// Records that file `number` is removed from `level` of `keyspace`.
    pub fn delete_file(&mut self, keyspace: KeyspaceId, level: Level, number: u64) {
        self.deleted_files.push(DeletedFile { keyspace, level, number });
    }

    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == VersionEdit::default()
    }

    /// The edit's bytes, as written in a MANIFEST record.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = vec![EDIT_FORMAT_VERSION];
        let scalars = [
            (TAG_NEXT_FILE_NUMBER, self.next_file_number),
            (TAG_LAST_SEQNO, self.last_seqno),
            (TAG_LOG_NUMBER, self.log_number),
        ];
        for (tag, value) in scalars {
            if let Some(value) = value {
                put_varint(&mut buf, tag);
                put_varint(&mut buf, value);
            }
        }
        for ks in &self.created_keyspaces {
            put_varint(&mut buf, TAG_CREATE_KEYSPACE);
            put_varint(&mut buf, u64::from(ks.id));
            put_bytes(&mut buf, ks.name.as_bytes());
            put_bytes(&mut buf, &ks.options);
        }
        for id in &self.dropped_keyspaces {
            put_varint(&mut buf, TAG_DROP_KEYSPACE);
            put_varint(&mut buf, u64::from(*id));
        }
        for f in &self.deleted_files {
            put_varint(&mut buf, TAG_DELETE_FILE);
            put_varint(&mut buf, u64::from(f.keyspace));
            buf.push(f.level);
            put_varint(&mut buf, f.number);
        }
        for f in &self.added_files {
            put_varint(&mut buf, TAG_ADD_FILE);
            put_varint(&mut buf, u64::from(f.keyspace));
            buf.push(f.level);
            encode_file_meta(&mut buf, &f.meta);
        }
        buf
    }

    /// Decodes an edit. Any byte string is either a valid edit or an error;
    /// memory allocated is bounded by the length of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<VersionEdit, ManifestError> {
        let mut r = Reader::new(bytes);
        let version = r.u8("the edit format version")?;
        if version != EDIT_FORMAT_VERSION {
            return Err(Reader::error_at(
                0,
                format!(
                    "the edit has format version {version}, and this build reads only version {EDIT_FORMAT_VERSION}"
                ),
            ));
        }
        let mut edit = VersionEdit::default();
        while !r.is_empty() {
            let at = r.offset();
            let tag = r.varint("a field tag")?;
            match tag {
                TAG_NEXT_FILE_NUMBER => {
                    set_once(&mut edit.next_file_number, r.varint("next_file_number")?, at, tag)?
                }
                TAG_LAST_SEQNO => set_once(&mut edit.last_seqno, r.varint("last_seqno")?, at, tag)?,
                TAG_LOG_NUMBER => set_once(&mut edit.log_number, r.varint("log_number")?, at, tag)?,
                TAG_CREATE_KEYSPACE => {
                    let id = r.varint_u32("a keyspace id")?;
                    let name_at = r.offset();
                    let name = r.bytes("a keyspace name", MAX_KEYSPACE_NAME_BYTES)?;
                    let name = std::str::from_utf8(name).map_err(|_| {
                        Reader::error_at(name_at, "a keyspace name is not valid UTF-8")
                    })?;
                    let options = r.bytes("keyspace options", MAX_KEYSPACE_OPTIONS_BYTES)?;
                    edit.create_keyspace(id, name.to_owned(), options.to_vec());
                }
                TAG_DROP_KEYSPACE => edit.drop_keyspace(r.varint_u32("a keyspace id")?),
                TAG_DELETE_FILE => {
                    let keyspace = r.varint_u32("a keyspace id")?;
                    let level = decode_level(&mut r)?;
                    let number = r.varint("a file number")?;
                    edit.delete_file(keyspace, level, number);
                }
                TAG_ADD_FILE => {
                    let keyspace = r.varint_u32("a keyspace id")?;
                    let level = decode_level(&mut r)?;
                    let meta = decode_file_meta(&mut r)?;
                    edit.add_file(keyspace, level, meta);
                }
                unknown => {
                    return Err(Reader::error_at(at, format!("the field tag {unknown} is unknown")))
                }
            }
        }
        Ok(edit)
    }
}

fn set_once(slot: &mut Option<u64>, value: u64, at: usize, tag: u64) -> Result<(), ManifestError> {
    if slot.replace(value).is_some() {
        return Err(Reader::error_at(at, format!("the field with tag {tag} appears twice")));
    }
    Ok(())
}

fn decode_level(r: &mut Reader<'_>) -> Result<Level, ManifestError> {
    let at = r.offset();
    let level = r.u8("a level")?;
    if usize::from(level) >= MAX_LEVELS {
        return Err(Reader::error_at(
            at,
            format!("level {level} is not below the limit of {MAX_LEVELS} levels"),
        ));
    }
    Ok(level)
}

fn encode_file_meta(buf: &mut Vec<u8>, m: &FileMeta) {
    put_varint(buf, m.number);
    put_varint(buf, m.size_bytes);
    put_varint(buf, m.entries);
    put_bytes(buf, m.smallest.as_bytes());
    put_bytes(buf, m.largest.as_bytes());
    put_varint(buf, m.min_seqno);
    put_varint(buf, m.max_seqno);
    match m.time_range {
        None => buf.push(0),
        Some((min, max)) => {
            buf.push(1);
            buf.extend_from_slice(&min.to_le_bytes());
            buf.extend_from_slice(&max.to_le_bytes());
        }
    }
}

fn decode_internal_key(r: &mut Reader<'_>, what: &str) -> Result<InternalKey, ManifestError> {
    let at = r.offset();
    let bytes = r.bytes(what, MAX_INTERNAL_KEY_BYTES)?;
    InternalKey::from_encoded(bytes.to_vec())
        .map_err(|e| Reader::error_at(at, format!("{what} is not an internal key: {e}")))
}

fn decode_file_meta(r: &mut Reader<'_>) -> Result<FileMeta, ManifestError> {
    let number = r.varint("a file number")?;
    let size_bytes = r.varint("a file size")?;
    let entries = r.varint("an entry count")?;
    let smallest = decode_internal_key(r, "a file's smallest key")?;
    let largest = decode_internal_key(r, "a file's largest key")?;
    let min_seqno = r.varint("a file's min_seqno")?;
    let max_seqno = r.varint("a file's max_seqno")?;
    let at = r.offset();
    let time_range = match r.u8("the time-range flag")? {
        0 => None,
        1 => Some((r.fixed_i64("a minimum time")?, r.fixed_i64("a maximum time")?)),
        other => {
            return Err(Reader::error_at(at, format!("the time-range flag is {other}, not 0 or 1")))
        }
    };
    Ok(FileMeta {
        number,
        size_bytes,
        entries,
        smallest,
        largest,
        min_seqno,
        max_seqno,
        time_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use srdb_key::Kind;

    fn meta(number: u64) -> FileMeta {
        FileMeta {
            number,
            size_bytes: 4096,
            entries: 10,
            smallest: InternalKey::new(b"a", 5, Kind::Put),
            largest: InternalKey::new(b"z", 1, Kind::Delete),
            min_seqno: 1,
            max_seqno: 5,
            time_range: Some((-3, i64::MAX)),
        }
    }

    #[test]
    fn every_field_round_trips() {
        let mut edit = VersionEdit {
            next_file_number: Some(u64::MAX),
            last_seqno: Some(0),
            log_number: Some(300),
            ..VersionEdit::default()
        };
        edit.create_keyspace(7, "rows".into(), vec![1, 2, 3]);
        edit.drop_keyspace(u32::MAX);
        edit.add_file(7, 63, meta(9));
        edit.delete_file(7, 0, 8);
        let bytes = edit.encode();
        assert_eq!(VersionEdit::decode(&bytes).unwrap(), edit);
        assert!(VersionEdit::decode(&VersionEdit::default().encode()).unwrap().is_empty());
    }

    #[test]
    fn unknown_tags_versions_and_trailing_garbage_are_rejected() {
        let err = VersionEdit::decode(&[EDIT_FORMAT_VERSION, 99]).unwrap_err();
        assert!(err.to_string().contains("tag 99 is unknown"), "{err}");
        let err = VersionEdit::decode(&[2]).unwrap_err();
        assert!(err.to_string().contains("format version 2"), "{err}");
        assert!(VersionEdit::decode(&[]).is_err());
        let mut bytes = VersionEdit { log_number: Some(1), ..Default::default() }.encode();
        bytes.extend_from_slice(&bytes.clone()[1..]);
        let err = VersionEdit::decode(&bytes).unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }

    #[test]
    fn every_truncation_of_an_edit_is_rejected() {
        let mut edit = VersionEdit::default();
        edit.add_file(1, 2, meta(3));
        edit.create_keyspace(1, "k".into(), vec![]);
        let bytes = edit.encode();
        // Every strict prefix either fails or decodes to a different edit
        // whose own encoding is that prefix (a prefix ending between fields).
        for cut in 0..bytes.len() {
            if let Ok(partial) = VersionEdit::decode(&bytes[..cut]) {
                assert_eq!(partial.encode(), &bytes[..cut]);
                assert_ne!(partial, edit);
            }
        }
    }

    #[test]
    fn bad_levels_keys_and_flags_are_rejected() {
        let mut edit = VersionEdit::default();
        edit.add_file(1, 2, meta(3));
        let good = edit.encode();
        // Layout: version, tag, keyspace, level, ...
        let mut bad_level = good.clone();
        bad_level[3] = MAX_LEVELS as u8;
        assert!(VersionEdit::decode(&bad_level).unwrap_err().to_string().contains("level"));
        let mut bad_flag = good.clone();
        *bad_flag.iter_mut().rev().nth(16).unwrap() = 2;
        assert!(VersionEdit::decode(&bad_flag).unwrap_err().to_string().contains("flag"));
        // A key of 3 bytes is shorter than a trailer.
        let mut short_key = VersionEdit::default().encode();
        put_varint(&mut short_key, TAG_ADD_FILE);
        short_key.extend_from_slice(&[1, 0, 1, 1, 1, 3, b'a', b'b', b'c']);
        let err = VersionEdit::decode(&short_key).unwrap_err();
        assert!(err.to_string().contains("not an internal key"), "{err}");
    }
}
