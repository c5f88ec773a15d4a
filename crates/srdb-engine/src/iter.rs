//! User iterators: the newest visible version of each key in a range, in key
//! order or reversed, over memtables and SST files merged.
//!
//! An iterator pins the `SuperVersion` it was created from, so the files it
//! reads stay on disk until it is dropped, and it reads as of one seqno, so it
//! never sees writes made after it was created.

use std::ops::Bound;
use std::sync::Arc;

use srdb_compaction::{LevelIterator, MergingIterator};
use srdb_key::{parse, seek_key, BoxError, InternalIterator, InternalKey, Kind, SeqNo};
use srdb_manifest::{FileMeta, KeyspaceId};

use crate::engine::Inner;
use crate::error::{Error, Result};
use crate::keyspace::levels_of;
use crate::memgen::SuperVersion;

/// An iterator over `(key, value)` pairs of one keyspace.
///
/// It is a double-ended [`Iterator`] of owned pairs; [`Iter::next_ref`]
/// yields borrowed pairs without allocating, for scans where copying would
/// dominate.
pub struct Iter {
    inner: Arc<Inner>,
    id: KeyspaceId,
    name: Arc<str>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    snapshot: SeqNo,
    sv: Arc<SuperVersion>,
    front: Option<Forward>,
    back: Option<Backward>,
    /// Set after the sides met or an error was returned.
    done: bool,
    _pinned: Option<SnapshotPin>,
}

/// Keeps a snapshot registered while an iterator made from it lives.
struct SnapshotPin {
    inner: Arc<Inner>,
    seqno: SeqNo,
}

impl Drop for SnapshotPin {
    fn drop(&mut self) {
        self.inner.snapshots.release(self.seqno);
    }
}

struct Forward {
    it: MergingIterator,
    /// The user key of the entry last yielded.
    key: Vec<u8>,
    /// Whether `key` holds a yielded key whose older versions are still ahead.
    yielded: bool,
}

struct Backward {
    it: MergingIterator,
    key: Vec<u8>,
    value: Vec<u8>,
    yielded: bool,
}

impl Iter {
    pub(crate) fn new(
        inner: Arc<Inner>,
        id: KeyspaceId,
        name: Arc<str>,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        snapshot: SeqNo,
        pinned: Option<SeqNo>,
    ) -> Iter {
        let sv = inner.sv.load_full();
        let _pinned = pinned.map(|seqno| {
            inner.snapshots.register(seqno);
            SnapshotPin { inner: inner.clone(), seqno }
        });
        Iter {
            inner,
            id,
            name,
            lower,
            upper,
            snapshot,
            sv,
            front: None,
            back: None,
            done: false,
            _pinned,
        }
    }

    fn sources(&self) -> Result<MergingIterator> {
        self.inner.check_open()?;
        let levels = levels_of(&self.inner, &self.sv, self.id, &self.name)?;
        let mut sources: Vec<Box<dyn InternalIterator + Send>> = Vec::new();
        for mem in self.sv.memtables(self.id) {
            sources.push(Box::new(mem.iter()));
        }
        for (n, level) in levels.iter().enumerate() {
            let in_range: Vec<_> =
                level.iter().filter(|t| self.overlaps(&t.meta)).cloned().collect();
            if in_range.is_empty() {
                continue;
            }
            if n == 0 {
                for t in in_range {
                    sources.push(Box::new(t.sst.iter()));
                }
            } else {
                let files: Vec<Arc<FileMeta>> = in_range.iter().map(|t| t.meta.clone()).collect();
                let opener =
                    Arc::new(
                        move |meta: &FileMeta| -> std::result::Result<
                            Box<dyn InternalIterator + Send>,
                            BoxError,
                        > {
                            let t = in_range
                                .iter()
                                .find(|t| t.meta.number == meta.number)
                                .ok_or_else(|| -> BoxError {
                                    format!("file {} is not open", meta.number).into()
                                })?;
                            Ok(Box::new(t.sst.iter()))
                        },
                    );
                sources.push(Box::new(LevelIterator::new(files, opener)));
            }
        }
        Ok(MergingIterator::new(sources))
    }

    fn overlaps(&self, meta: &FileMeta) -> bool {
        let below = match &self.lower {
            Bound::Included(lo) => meta.largest.user_key() < lo.as_slice(),
            Bound::Excluded(lo) => meta.largest.user_key() <= lo.as_slice(),
            Bound::Unbounded => false,
        };
        let above = match &self.upper {
            Bound::Included(hi) => meta.smallest.user_key() > hi.as_slice(),
            Bound::Excluded(hi) => meta.smallest.user_key() >= hi.as_slice(),
            Bound::Unbounded => false,
        };
        !below && !above
    }

    /// Moves to the next entry in key order and borrows it; `Ok(None)` at the
    /// end. The borrow lasts until the next call.
    pub fn next_ref(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        if self.done {
            return Ok(None);
        }
        match self.advance_front() {
            Ok(true) => {
                let f = self.front.as_ref().expect("front side exists after advancing");
                Ok(Some((f.key.as_slice(), f.it.value())))
            }
            Ok(false) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    /// Positions the front side on the next visible entry. Returns false at
    /// the end of the range.
    fn advance_front(&mut self) -> Result<bool> {
        if self.front.is_none() {
            let mut it = self.sources()?;
            match &self.lower {
                Bound::Unbounded => it.seek_to_first()?,
                Bound::Included(k) | Bound::Excluded(k) => {
                    it.seek(seek_key(k, srdb_key::MAX_SEQNO).as_bytes())?
                }
            }
            self.front = Some(Forward { it, key: Vec::new(), yielded: false });
        }
        let Iter { front, back, lower, upper, snapshot, .. } = self;
        let f = front.as_mut().expect("front side exists");
        if f.yielded {
            skip_versions_forward(f)?;
        }
        loop {
            if !f.it.valid() {
                return Ok(false);
            }
            let p = parse_checked(f.it.key())?;
            if above_upper(upper, back.as_ref(), p.user_key) {
                return Ok(false);
            }
            let excluded = matches!(lower, Bound::Excluded(lo) if lo.as_slice() == p.user_key);
            if p.seqno > *snapshot || excluded {
                f.it.next()?;
                continue;
            }
            // The newest visible version of this key.
            let kind = p.kind;
            f.key.clear();
            f.key.extend_from_slice(p.user_key);
            f.yielded = true;
            if kind == Kind::Put {
                return Ok(true);
            }
            skip_versions_forward(f)?;
        }
    }

    /// Positions the back side on the previous visible entry, copying it.
    fn advance_back(&mut self) -> Result<bool> {
        if self.back.is_none() {
            let mut it = self.sources()?;
            match &self.upper {
                Bound::Unbounded => it.seek_to_last()?,
                Bound::Included(k) => {
                    it.seek_for_prev(InternalKey::new(k, 0, Kind::Delete).as_bytes())?
                }
                Bound::Excluded(k) => {
                    it.seek_for_prev(seek_key(k, srdb_key::MAX_SEQNO).as_bytes())?
                }
            }
            self.back = Some(Backward { it, key: Vec::new(), value: Vec::new(), yielded: false });
        }
        let Iter { front, back, lower, upper, snapshot, .. } = self;
        let b = back.as_mut().expect("back side exists");
        loop {
            if !b.it.valid() {
                return Ok(false);
            }
            let p = parse_checked(b.it.key())?;
            if below_lower(lower, front.as_ref(), p.user_key) {
                return Ok(false);
            }
            let excluded = matches!(upper, Bound::Excluded(hi) if hi.as_slice() == p.user_key);
            b.key.clear();
            b.key.extend_from_slice(p.user_key);
            // Versions of a key come oldest first going backwards: the last
            // visible one met is the newest visible.
            let mut newest: Option<Kind> = None;
            while b.it.valid() {
                let p = parse_checked(b.it.key())?;
                if p.user_key != b.key.as_slice() {
                    break;
                }
                if p.seqno <= *snapshot && !excluded {
                    newest = Some(p.kind);
                    if p.kind == Kind::Put {
                        b.value.clear();
                        b.value.extend_from_slice(b.it.value());
                    }
                }
                b.it.prev()?;
            }
            if newest == Some(Kind::Put) {
                b.yielded = true;
                return Ok(true);
            }
        }
    }
}

fn skip_versions_forward(f: &mut Forward) -> Result<()> {
    while f.it.valid() && parse_checked(f.it.key())?.user_key == f.key.as_slice() {
        f.it.next()?;
    }
    Ok(())
}

fn above_upper(upper: &Bound<Vec<u8>>, back: Option<&Backward>, key: &[u8]) -> bool {
    let past_bound = match upper {
        Bound::Included(hi) => key > hi.as_slice(),
        Bound::Excluded(hi) => key >= hi.as_slice(),
        Bound::Unbounded => false,
    };
    past_bound || back.is_some_and(|b| b.yielded && key >= b.key.as_slice())
}

fn below_lower(lower: &Bound<Vec<u8>>, front: Option<&Forward>, key: &[u8]) -> bool {
    let past_bound = match lower {
        Bound::Included(lo) => key < lo.as_slice(),
        Bound::Excluded(lo) => key <= lo.as_slice(),
        Bound::Unbounded => false,
    };
    past_bound || front.is_some_and(|f| f.yielded && key <= f.key.as_slice())
}

fn parse_checked(ikey: &[u8]) -> Result<srdb_key::ParsedKey<'_>> {
    parse(ikey).map_err(|e| Error::Iter(Box::new(e)))
}

impl Iterator for Iter {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_ref() {
            Ok(Some((k, v))) => Some(Ok((k.to_vec(), v.to_vec()))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl DoubleEndedIterator for Iter {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.advance_back() {
            Ok(true) => {
                let b = self.back.as_ref().expect("back side exists after advancing");
                Some(Ok((b.key.clone(), b.value.clone())))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
