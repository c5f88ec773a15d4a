//! The state that version edits add up to: which files make up each
//! keyspace, level by level, and the database's counters.
//!
//! Invariants, checked by [`Version::apply`] on every edit:
//!
//! - keyspace ids and names are unique among live keyspaces;
//! - a file number is live at most once in the whole database, and below
//!   `next_file_number`;
//! - level 0 is ordered newest first: by `max_seqno`, then file number,
//!   descending (the order in which reads must consult it);
//! - levels 1 and deeper are sorted by smallest key, and their files' key
//!   ranges are disjoint in internal-key order;
//! - every file's smallest key is <= its largest, and `min_seqno <= max_seqno`;
//! - `next_file_number`, `last_seqno` and `log_number` never decrease;
//! - a keyspace's `levels` ends at its deepest non-empty level and always
//!   holds level 0, so equal states are equal values.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use srdb_key::{compare_internal, SeqNo};

use crate::edit::{AddedFile, VersionEdit};
use crate::error::ManifestError;
use crate::file_meta::{FileMeta, KeyspaceId, Level};
use crate::limits::{MAX_KEYSPACE_NAME_BYTES, MAX_KEYSPACE_OPTIONS_BYTES, MAX_LEVELS};

/// One keyspace of a [`Version`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyspaceVersion {
    /// The keyspace's id.
    pub id: KeyspaceId,
    /// The keyspace's name.
    pub name: String,
    /// The engine's options for the keyspace, opaque to the MANIFEST.
    pub options: Vec<u8>,
    /// Files per level: `levels[0]` newest first, deeper levels sorted by
    /// smallest key with disjoint ranges. Holds at least level 0 and no
    /// trailing empty level.
    pub levels: Vec<Vec<Arc<FileMeta>>>,
}

impl KeyspaceVersion {
    /// Total bytes of the files at each level.
    pub fn level_bytes(&self) -> Vec<u64> {
        self.levels.iter().map(|files| files.iter().map(|f| f.size_bytes).sum()).collect()
    }

    /// The files of `level` whose user-key range overlaps `[start, end]`
    /// (both inclusive user keys), in the level's order. Empty for a level
    /// deeper than the keyspace has.
    pub fn overlapping_files(&self, level: Level, start: &[u8], end: &[u8]) -> Vec<Arc<FileMeta>> {
        let Some(files) = self.levels.get(usize::from(level)) else {
            return Vec::new();
        };
        if level == 0 {
            return files.iter().filter(|f| f.overlaps_user_range(start, end)).cloned().collect();
        }
        // Sorted and disjoint: skip the files that end before `start`, then
        // take files until one starts after `end`.
        let first = files.partition_point(|f| f.largest.user_key() < start);
        files[first..].iter().take_while(|f| f.smallest.user_key() <= end).cloned().collect()
    }

    /// Number of files in all levels.
    pub fn file_count(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    fn empty(id: KeyspaceId, name: String, options: Vec<u8>) -> Self {
        KeyspaceVersion { id, name, options, levels: vec![Vec::new()] }
    }

    fn remove_file(&mut self, level: Level, number: u64) -> Result<(), ManifestError> {
        let files = self.levels.get_mut(usize::from(level));
        let at = files.as_ref().and_then(|files| files.iter().position(|f| f.number == number));
        match (files, at) {
            (Some(files), Some(at)) => {
                files.remove(at);
                Ok(())
            }
            _ => Err(ManifestError::invalid(format!(
                "it deletes file {number} from level {level} of keyspace {}, which holds no such file",
                self.id
            ))),
        }
    }

    fn insert_file(&mut self, level: Level, meta: Arc<FileMeta>) -> Result<(), ManifestError> {
        let level = usize::from(level);
        assert!(level < MAX_LEVELS, "levels are checked when decoded and when applied");
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        let files = &mut self.levels[level];
        if level == 0 {
            // Newest first. Ties on max_seqno (possible for files a repair
            // placed in L0) fall back to the file number, newer first.
            let key = |f: &FileMeta| std::cmp::Reverse((f.max_seqno, f.number));
            let at = files.partition_point(|f| key(f) < key(&meta));
            files.insert(at, meta);
            return Ok(());
        }
        let at = files.partition_point(|f| {
            compare_internal(f.smallest.as_bytes(), meta.smallest.as_bytes()).is_lt()
        });
        let overlaps_previous = at > 0
            && !compare_internal(files[at - 1].largest.as_bytes(), meta.smallest.as_bytes())
                .is_lt();
        let overlaps_next = at < files.len()
            && !compare_internal(meta.largest.as_bytes(), files[at].smallest.as_bytes()).is_lt();
        if overlaps_previous || overlaps_next {
            let other = if overlaps_previous { &files[at - 1] } else { &files[at] };
            return Err(ManifestError::invalid(format!(
                "file {} ({:?} to {:?}) overlaps file {} ({:?} to {:?}) at level {level} of keyspace {}",
                meta.number,
                meta.smallest,
                meta.largest,
                other.number,
                other.smallest,
                other.largest,
                self.id
            )));
        }
        files.insert(at, meta);
        Ok(())
    }

    fn trim_empty_levels(&mut self) {
        while self.levels.len() > 1 && self.levels.last().is_some_and(Vec::is_empty) {
            self.levels.pop();
        }
    }
}

/// The set of live files and the counters of a database, as of some edit.
///
/// Cheap to share: keyspaces and files are held in `Arc`s, and
/// [`apply`](Version::apply) shares everything an edit does not change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Version {
    keyspaces: BTreeMap<KeyspaceId, Arc<KeyspaceVersion>>,
    /// The next file number the engine will hand out; every live file number
    /// is below it.
    pub next_file_number: u64,
    /// The last sequence number recorded (see [`VersionEdit::last_seqno`]).
    pub last_seqno: SeqNo,
    /// The oldest WAL segment still needed.
    pub log_number: u64,
}

impl Version {
    /// The version of a database with nothing in it: the state edits start
    /// from.
    pub fn empty() -> Self {
        Version::default()
    }

    /// The live keyspaces, by id.
    pub fn keyspaces(&self) -> impl Iterator<Item = &KeyspaceVersion> + '_ {
        self.keyspaces.values().map(|ks| &**ks)
    }

    /// The keyspace with id `id`, if live.
    pub fn keyspace(&self, id: KeyspaceId) -> Option<&KeyspaceVersion> {
        self.keyspaces.get(&id).map(|ks| &**ks)
    }

    /// The live keyspace named `name`.
    pub fn keyspace_by_name(&self, name: &str) -> Option<&KeyspaceVersion> {
        self.keyspaces().find(|ks| ks.name == name)
    }

    /// Every live file with its keyspace and level.
    pub fn files(&self) -> impl Iterator<Item = (KeyspaceId, Level, &Arc<FileMeta>)> + '_ {
        self.keyspaces().flat_map(|ks| {
            ks.levels.iter().enumerate().flat_map(move |(level, files)| {
                // Levels are below MAX_LEVELS (64), so the cast is exact.
                files.iter().map(move |f| (ks.id, level as Level, f))
            })
        })
    }

    /// The numbers of all live files, in no particular order.
    pub fn live_file_numbers(&self) -> impl Iterator<Item = u64> + '_ {
        self.files().map(|(_, _, f)| f.number)
    }

    /// Number of live files.
    pub fn file_count(&self) -> usize {
        self.keyspaces().map(KeyspaceVersion::file_count).sum()
    }

    /// The version after `edit`, or an error naming the invariant the edit
    /// breaks; `self` is never modified.
    pub fn apply(&self, edit: &VersionEdit) -> Result<Version, ManifestError> {
        let mut next = self.clone();
        for ks in &edit.created_keyspaces {
            next.create_keyspace(ks.id, &ks.name, &ks.options)?;
        }
        for f in &edit.deleted_files {
            next.keyspace_mut(f.keyspace, "deletes a file from")?.remove_file(f.level, f.number)?;
        }
        if !edit.added_files.is_empty() {
            next.add_files(&edit.added_files)?;
        }
        for &id in &edit.dropped_keyspaces {
            if next.keyspaces.remove(&id).is_none() {
                return Err(ManifestError::invalid(format!(
                    "it drops keyspace {id}, which does not exist"
                )));
            }
        }
        next.set_counters(edit)?;
        for ks in next.keyspaces.values_mut() {
            if ks.levels.last().is_some_and(Vec::is_empty) && ks.levels.len() > 1 {
                Arc::make_mut(ks).trim_empty_levels();
            }
        }
        Ok(next)
    }

    /// An edit that builds this version from [`Version::empty`]: the first
    /// record of every MANIFEST file.
    pub fn snapshot_edit(&self) -> VersionEdit {
        let mut edit = VersionEdit {
            next_file_number: Some(self.next_file_number),
            last_seqno: Some(self.last_seqno),
            log_number: Some(self.log_number),
            ..VersionEdit::default()
        };
        for ks in self.keyspaces() {
            edit.create_keyspace(ks.id, ks.name.clone(), ks.options.clone());
        }
        for (keyspace, level, meta) in self.files() {
            edit.add_file(keyspace, level, (**meta).clone());
        }
        edit
    }

    fn create_keyspace(
        &mut self,
        id: KeyspaceId,
        name: &str,
        options: &[u8],
    ) -> Result<(), ManifestError> {
        if self.keyspaces.contains_key(&id) {
            return Err(ManifestError::invalid(format!(
                "it creates keyspace {id}, which already exists"
            )));
        }
        if let Some(existing) = self.keyspace_by_name(name) {
            return Err(ManifestError::invalid(format!(
                "it creates keyspace {id} named {name:?}, the name of keyspace {}",
                existing.id
            )));
        }
        if name.len() > MAX_KEYSPACE_NAME_BYTES || options.len() > MAX_KEYSPACE_OPTIONS_BYTES {
            return Err(ManifestError::invalid(format!(
                "keyspace {id} has a name of {} bytes or options of {} bytes, over the limits of {MAX_KEYSPACE_NAME_BYTES} and {MAX_KEYSPACE_OPTIONS_BYTES}",
                name.len(),
                options.len()
            )));
        }
        let ks = KeyspaceVersion::empty(id, name.to_owned(), options.to_vec());
        self.keyspaces.insert(id, Arc::new(ks));
        Ok(())
    }

    fn keyspace_mut(
        &mut self,
        id: KeyspaceId,
        action: &str,
    ) -> Result<&mut KeyspaceVersion, ManifestError> {
        match self.keyspaces.get_mut(&id) {
            // Copies the keyspace's level vectors (pointers only) the first
            // time an edit touches it; untouched keyspaces stay shared.
            Some(ks) => Ok(Arc::make_mut(ks)),
            None => Err(ManifestError::invalid(format!(
                "it {action} keyspace {id}, which does not exist"
            ))),
        }
    }

    fn add_files(&mut self, added: &[AddedFile]) -> Result<(), ManifestError> {
        // Every live number is below `next_file_number` (checked on every
        // apply), so a number at or above it cannot be live: a flush's fresh
        // files need no scan of the whole version. Only an edit re-adding an
        // older number (a trivial move) pays for collecting the live set.
        let mut live: HashSet<u64> = if added.iter().all(|f| f.meta.number >= self.next_file_number)
        {
            HashSet::with_capacity(added.len())
        } else {
            self.live_file_numbers().collect()
        };
        for f in added {
            let m = &f.meta;
            if usize::from(f.level) >= MAX_LEVELS {
                return Err(ManifestError::invalid(format!(
                    "it adds file {} to level {}, past the limit of {MAX_LEVELS} levels",
                    m.number, f.level
                )));
            }
            if !live.insert(m.number) {
                return Err(ManifestError::invalid(format!(
                    "it adds file {}, which is already live",
                    m.number
                )));
            }
            if compare_internal(m.smallest.as_bytes(), m.largest.as_bytes()).is_gt()
                || m.min_seqno > m.max_seqno
            {
                return Err(ManifestError::invalid(format!(
                    "file {} has its smallest key {:?} after its largest {:?} or min_seqno {} above max_seqno {}",
                    m.number, m.smallest, m.largest, m.min_seqno, m.max_seqno
                )));
            }
            self.keyspace_mut(f.keyspace, "adds a file to")?
                .insert_file(f.level, Arc::new(m.clone()))?;
        }
        Ok(())
    }

    fn set_counters(&mut self, edit: &VersionEdit) -> Result<(), ManifestError> {
        let counters = [
            ("next_file_number", &mut self.next_file_number, edit.next_file_number),
            ("last_seqno", &mut self.last_seqno, edit.last_seqno),
            ("log_number", &mut self.log_number, edit.log_number),
        ];
        for (name, current, new) in counters {
            if let Some(new) = new {
                if new < *current {
                    return Err(ManifestError::invalid(format!(
                        "it moves {name} back from {current} to {new}"
                    )));
                }
                *current = new;
            }
        }
        if let Some(n) = edit.added_files.iter().map(|f| f.meta.number).max() {
            if n >= self.next_file_number {
                return Err(ManifestError::invalid(format!(
                    "it adds file {n}, not below next_file_number {}",
                    self.next_file_number
                )));
            }
        }
        Ok(())
    }
}
