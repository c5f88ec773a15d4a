//! User iterators: the newest visible version of each key in a range, in key
//! order or reversed, over memtables and SST files merged.
//!
//! An iterator pins the `SuperVersion` it was created from, so the files it
//! reads stay on disk until it is dropped, and it reads as of one seqno, so it
//! never sees writes made after it was created.
//!
//! [`Iter::time_range`] bounds a scan by time as well: it reads only the
//! sources that can hold a put in the range (see `time_filter`).
//!
//! Sources. When no two sources of a scan (memtables, L0 files, the files of
//! deeper levels) share a user key, as in a table's rows keyspace whose keys
//! only grow, the scan concatenates them (`concat`) instead of merging them:
//! each step then moves one source and compares no keys across sources.
//!
//! Stepping forward. The forward side hands each entry to one test (is it a
//! newer version of the key last seen, past the range, invisible, a
//! tombstone, out of the time range, rejected by [`Iter::prefilter`]?)
//! inside a loop over the current SST block (`SstIter::scan`), so the
//! entries a scan passes over never go back up through the sources, the
//! concatenation and the file iterator one at a time; a filtered scan that
//! keeps one row in thirty leaves the loop once per row it yields.

/// Implements [`InternalIterator`] for an enum of iterators (each variant
/// holding one) by forwarding every method to the variant's iterator: a
/// scan's steps stay static calls, with no boxing.
macro_rules! forward_internal_iterator {
    ($ty:ident: $($variant:ident),+) => {
        impl InternalIterator for $ty {
            #[inline]
            fn valid(&self) -> bool {
                match self { $($ty::$variant(it) => it.valid()),+ }
            }
            #[inline]
            fn key(&self) -> &[u8] {
                match self { $($ty::$variant(it) => it.key()),+ }
            }
            #[inline]
            fn value(&self) -> &[u8] {
                match self { $($ty::$variant(it) => it.value()),+ }
            }
            fn seek_to_first(&mut self) -> std::result::Result<(), BoxError> {
                match self { $($ty::$variant(it) => it.seek_to_first()),+ }
            }
            fn seek_to_last(&mut self) -> std::result::Result<(), BoxError> {
                match self { $($ty::$variant(it) => it.seek_to_last()),+ }
            }
            fn seek(&mut self, target: &[u8]) -> std::result::Result<(), BoxError> {
                match self { $($ty::$variant(it) => it.seek(target)),+ }
            }
            fn seek_for_prev(&mut self, target: &[u8]) -> std::result::Result<(), BoxError> {
                match self { $($ty::$variant(it) => it.seek_for_prev(target)),+ }
            }
            #[inline]
            fn next(&mut self) -> std::result::Result<(), BoxError> {
                match self { $($ty::$variant(it) => it.next()),+ }
            }
            fn prev(&mut self) -> std::result::Result<(), BoxError> {
                match self { $($ty::$variant(it) => it.prev()),+ }
            }
        }
    };
}

mod concat;

use std::ops::{Bound, ControlFlow, RangeBounds};
use std::sync::Arc;

use srdb_compaction::{LevelIterator, MergingIterator};
use srdb_key::{parse, seek_key, BoxError, InternalIterator, InternalKey, Kind, SeqNo};
use srdb_manifest::{FileMeta, KeyspaceId};

use crate::engine::Inner;
use crate::error::{Error, Result};
use crate::keyspace::{levels_of, Keyspace};
use crate::memgen::SuperVersion;
use crate::options::TimeSource;
use crate::tables::Table;
use crate::time_filter::{shadowed, TimeFilter};

use self::concat::{scan_by_steps, Concat, Unit, UnitIter};

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
    time_source: TimeSource,
    /// The time range asked for by [`Iter::time_range`].
    time: Option<TimeFilter>,
    /// Whether [`Iter::time_range`] was given an empty range.
    no_time: bool,
    /// Set once the files to read are chosen (before the first step).
    prepared: bool,
    /// Files left out of the merge because no put of theirs is in the time
    /// range; consulted for newer versions of the keys yielded.
    skipped: Vec<Arc<Table>>,
    /// Under a time range, the files overlapping the key range asked for,
    /// counted before it is narrowed ([`ScanPlan::files`]).
    files_asked: usize,
    /// Whether no source holds a put in the time range.
    empty: bool,
    /// The test of [`Iter::prefilter`].
    keep: Option<Prefilter>,
    /// Whether `keep` answered `Some(true)` for the entry last yielded.
    vouched: bool,
}

/// A test of an entry's user key and value (see [`Iter::prefilter`]).
type Prefilter = Box<dyn FnMut(&[u8], &[u8]) -> Option<bool> + Send>;

/// Runs the test of [`Iter::prefilter`]: whether to yield the entry, and
/// whether the test vouched for it.
#[inline]
fn prefiltered(keep: &mut Option<Prefilter>, key: &[u8], value: &[u8]) -> (bool, bool) {
    match keep {
        None => (true, false),
        Some(keep) => match keep(key, value) {
            Some(kept) => (kept, kept),
            None => (true, false),
        },
    }
}

/// What a scan reads, for explaining it: see [`Iter::scan_plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanPlan {
    /// SST files whose keys overlap the range asked for.
    pub files: usize,
    /// Of those, the files the scan merges: the others lie outside the
    /// narrowed key range or hold no put in the time range.
    pub files_read: usize,
    /// The first key the scan can yield: the range asked for, narrowed by a
    /// time range to where puts in it can be.
    pub lower: Bound<Vec<u8>>,
    /// The last key the scan can yield.
    pub upper: Bound<Vec<u8>>,
    /// Whether no entry can be yielded (no source holds a put in the time
    /// range).
    pub empty: bool,
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

/// The sources of a scan in internal-key order: concatenated when their
/// key ranges are disjoint, merged otherwise.
enum Sources {
    Concat(Concat),
    Merge(MergingIterator),
}

forward_internal_iterator!(Sources: Concat, Merge);

impl Sources {
    /// `next` then `valid`: a concatenation's step within an SST block is
    /// in line.
    #[inline]
    fn advance(&mut self) -> std::result::Result<bool, BoxError> {
        match self {
            Sources::Concat(it) => it.advance(),
            Sources::Merge(it) => {
                it.next()?;
                Ok(it.valid())
            }
        }
    }

    /// `key` and `value` in one call.
    #[inline]
    fn entry(&self) -> (&[u8], &[u8]) {
        match self {
            Sources::Concat(it) => it.entry(),
            Sources::Merge(it) => (it.key(), it.value()),
        }
    }

    /// Visits the current entry and those after it until `visit` breaks
    /// (see [`srdb_sst::SstIter::scan`]).
    fn scan(&mut self, visit: impl FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>>) -> Result<bool> {
        match self {
            Sources::Concat(it) => it.scan(visit),
            Sources::Merge(it) => scan_by_steps(it, visit),
        }
    }
}

struct Forward {
    it: Sources,
    /// The user key of the entry last yielded.
    key: Vec<u8>,
    /// Whether `key` holds a yielded key whose older versions are still ahead.
    yielded: bool,
}

struct Backward {
    it: Sources,
    key: Vec<u8>,
    value: Vec<u8>,
    yielded: bool,
}

impl Iter {
    pub(crate) fn new(
        ks: &Keyspace,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        snapshot: SeqNo,
        pinned: Option<SeqNo>,
    ) -> Iter {
        let (inner, id, name) = (ks.inner.clone(), ks.id(), ks.name_arc());
        let time_source = ks.options().time_source;
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
            time_source,
            time: None,
            no_time: false,
            prepared: false,
            skipped: Vec::new(),
            files_asked: 0,
            empty: false,
            keep: None,
            vouched: false,
        }
    }

    /// Yields only the puts whose time (where the keyspace's
    /// [`TimeSource`] finds it) lies in `range`, reading only the sources
    /// that can hold one: the scan narrows its key range to where such puts
    /// are (binary search in files whose puts are time-ordered, such as a
    /// table's rows keyed by `_seq` with times that never decrease), and
    /// leaves out files whose time range misses `range` and which hold no
    /// tombstone. Entries without a time (every entry of a keyspace whose
    /// time source is [`TimeSource::None`]) are never yielded. The answer is
    /// exactly that of the unbounded scan filtered by time.
    ///
    /// # Panics
    /// If the iterator has already yielded an entry.
    pub fn time_range(mut self, range: impl RangeBounds<i64>) -> Iter {
        assert!(!self.prepared, "Iter::time_range must be set before the iterator yields an entry");
        self.time = TimeFilter::new(&range, self.time_source);
        self.no_time = self.time.is_none();
        self
    }

    /// Leaves out the entries `keep` rejects, testing them as they are read,
    /// before anything is copied or handed out. `keep` is given the user key
    /// and value of each newest visible put the scan would yield and
    /// answers `Some(false)` to leave it out, `Some(true)` to yield it, or
    /// `None` when it cannot tell (the entry is yielded, and
    /// [`Iter::vouched`] is false for it).
    ///
    /// For a caller that filters what it receives: with a `keep` that
    /// rejects only entries the caller would drop, a scan that keeps few
    /// entries hands out only those, walking the others block by block, and
    /// the caller need not test again the entries `keep` vouched for.
    pub fn prefilter(
        mut self,
        keep: impl FnMut(&[u8], &[u8]) -> Option<bool> + Send + 'static,
    ) -> Iter {
        self.keep = Some(Box::new(keep));
        self
    }

    /// Whether the [`Iter::prefilter`] test answered `Some(true)` for the
    /// entry last yielded (false without a prefilter).
    pub fn vouched(&self) -> bool {
        self.vouched
    }

    /// What the scan reads: the SST files it merges out of those in its key
    /// range and, under a time range, the narrowed key range. Chooses the
    /// files if the scan has not started (it then reads those).
    pub fn scan_plan(&mut self) -> Result<ScanPlan> {
        if !self.prepared {
            self.prepare()?;
        }
        self.inner.check_open()?;
        let levels = levels_of(&self.inner, &self.sv, self.id, &self.name)?;
        let in_range = levels.iter().flatten().filter(|t| self.overlaps(&t.meta)).count();
        let files = if self.has_time_range() { self.files_asked } else { in_range };
        Ok(ScanPlan {
            files,
            files_read: if self.empty { 0 } else { in_range - self.skipped.len() },
            lower: self.lower.clone(),
            upper: self.upper.clone(),
            empty: self.empty,
        })
    }

    /// Whether [`Iter::time_range`] was called.
    fn has_time_range(&self) -> bool {
        self.time.is_some() || self.no_time
    }

    /// Chooses the files to read and, under a time range, narrows the key
    /// range to the hull of where each source may hold a put in range.
    /// Without a time range every source in the key range is read, and
    /// there is nothing to choose.
    fn prepare(&mut self) -> Result<()> {
        if self.prepared {
            return Ok(());
        }
        if !self.has_time_range() {
            self.prepared = true;
            return Ok(());
        }
        self.inner.check_open()?;
        let sv = self.sv.clone();
        let levels = levels_of(&self.inner, &sv, self.id, &self.name)?;
        let in_range = |it: &Iter| -> Vec<&Arc<Table>> {
            levels.iter().flatten().filter(|t| it.overlaps(&t.meta)).collect()
        };
        self.files_asked = in_range(self).len();
        let mut empty = self.no_time || self.time_source == TimeSource::None;
        if let (Some(filter), false) = (self.time, empty) {
            let mut hull: Option<(Vec<u8>, Vec<u8>)> = None;
            for mem in sv.memtables(self.id) {
                if mem.is_empty() {
                    continue;
                }
                let mut it = mem.iter();
                it.seek_to_first().map_err(Error::Iter)?;
                let first = parse_checked(it.key())?.user_key.to_vec();
                it.seek_to_last().map_err(Error::Iter)?;
                let last = parse_checked(it.key())?.user_key.to_vec();
                widen(&mut hull, first, last);
            }
            for t in in_range(self) {
                if let Some((first, last)) = filter.candidate_keys(t)? {
                    widen(&mut hull, first, last);
                }
            }
            match hull {
                None => empty = true,
                Some((first, last)) => {
                    self.lower =
                        max_lower(std::mem::replace(&mut self.lower, Bound::Unbounded), first);
                    self.upper =
                        min_upper(std::mem::replace(&mut self.upper, Bound::Unbounded), last);
                    self.skipped = in_range(self)
                        .into_iter()
                        .filter(|t| filter.may_skip(t))
                        .cloned()
                        .collect();
                }
            }
        }
        self.empty = empty;
        self.prepared = true;
        self.done |= empty;
        Ok(())
    }

    fn sources(&self) -> Result<Sources> {
        self.inner.check_open()?;
        let levels = levels_of(&self.inner, &self.sv, self.id, &self.name)?;
        let read = |t: &&Arc<Table>| {
            self.overlaps(&t.meta) && !self.skipped.iter().any(|s| Arc::ptr_eq(s, t))
        };
        let files: Vec<&Arc<Table>> = levels.iter().flatten().filter(read).collect();
        let several = files.len() > 1;
        if let Some(concat) = self.concatenation(files)? {
            return Ok(Sources::Concat(concat));
        }
        // Files overlap in the range, and the scan searches each of them: an
        // L0 file among them is charged a seek (see `Inner::charge_seek`).
        if let (true, Some(t)) = (several, levels.first().and_then(|l0| l0.iter().find(read))) {
            self.inner.charge_seek(self.id, t);
        }
        let mut sources: Vec<Box<dyn InternalIterator + Send>> = Vec::new();
        // A memtable empty now gets only versions newer than the snapshot.
        for mem in self.sv.memtables(self.id).filter(|m| !m.is_empty()) {
            sources.push(Box::new(mem.iter()));
        }
        for (n, level) in levels.iter().enumerate() {
            let in_range: Vec<Arc<Table>> = level.iter().filter(read).cloned().collect();
            // The one file of a deeper level in range stands in for its
            // level.
            if n == 0 || in_range.len() == 1 {
                for t in in_range {
                    sources.push(Box::new(t.sst.iter()));
                }
            } else if !in_range.is_empty() {
                sources.push(Box::new(level_iterator(in_range)));
            }
        }
        Ok(Sources::Merge(MergingIterator::new(sources)))
    }

    /// The scan's sources as one concatenation, if no two of them share a
    /// user key: every non-empty memtable and the `files` to read.
    fn concatenation(&self, mut files: Vec<&Arc<Table>>) -> Result<Option<Concat>> {
        // Files first, on their recorded bounds: sources that overlap (an
        // index keyspace) cost no memtable seeks and no copies before the
        // merge takes over.
        files.sort_unstable_by(|a, b| a.meta.smallest.user_key().cmp(b.meta.smallest.user_key()));
        if !files.windows(2).all(|pair| file_bounds(pair[0]).1 < file_bounds(pair[1]).0) {
            return Ok(None);
        }
        let mut mems = Vec::new();
        for mem in self.sv.memtables(self.id) {
            if mem.is_empty() {
                continue;
            }
            let mut it = mem.iter();
            it.seek_to_first().map_err(Error::Iter)?;
            let first = parse_checked(it.key())?.user_key.to_vec();
            it.seek_to_last().map_err(Error::Iter)?;
            let last = parse_checked(it.key())?.user_key.to_vec();
            mems.push(Unit::clamped(Box::new(it), first, last));
        }
        if !mems.is_empty() {
            let mut ranges: Vec<(&[u8], &[u8])> = mems
                .iter()
                .map(|u| (u.first.as_slice(), u.last.as_slice()))
                .chain(files.iter().map(|t| file_bounds(t)))
                .collect();
            ranges.sort_unstable();
            if !ranges.windows(2).all(|pair| pair[0].1 < pair[1].0) {
                return Ok(None);
            }
        }
        let mut units = mems;
        units.extend(files.into_iter().map(|t| Unit {
            it: UnitIter::Sst(t.sst.iter()),
            first: t.meta.smallest.user_key().to_vec(),
            last: t.meta.largest.user_key().to_vec(),
        }));
        units.sort_by(|a, b| a.first.cmp(&b.first));
        Ok(Some(Concat::new(units)))
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
                Ok(Some((f.key.as_slice(), f.it.entry().1)))
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
        if !self.prepared {
            self.prepare()?;
        }
        if self.done {
            return Ok(false);
        }
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
        let Iter { front, back, lower, upper, snapshot, time, skipped, keep, vouched, .. } = self;
        let Forward { it, key, yielded } = front.as_mut().expect("front side exists");
        // `key` is the key last looked at (yielded or not): its older
        // versions are passed over as they come.
        let mut decided = *yielded;
        if decided && !it.advance()? {
            return Ok(false);
        }
        let mut past_upper = false;
        let stopped = it.scan(|ikey, value| {
            let p = parse_checked(ikey)?;
            if decided && same_key(p.user_key, key) {
                return Ok(ControlFlow::Continue(()));
            }
            if above_upper(upper, back.as_ref(), p.user_key) {
                past_upper = true;
                return Ok(ControlFlow::Break(()));
            }
            let excluded = matches!(lower, Bound::Excluded(lo) if same_key(lo, p.user_key));
            if p.seqno > *snapshot || excluded {
                return Ok(ControlFlow::Continue(()));
            }
            // The newest visible version of this key.
            set_key(key, p.user_key);
            *yielded = true;
            decided = true;
            let wanted = p.kind == Kind::Put
                && time.as_ref().is_none_or(|t| t.admits(value))
                && (skipped.is_empty() || !shadowed(skipped, key, p.seqno, *snapshot)?)
                && {
                    let (kept, sure) = prefiltered(keep, key, value);
                    *vouched = sure;
                    kept
                };
            Ok(if wanted { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
        })?;
        Ok(stopped && !past_upper)
    }

    /// Positions the back side on the previous visible entry, copying it.
    fn advance_back(&mut self) -> Result<bool> {
        if !self.prepared {
            self.prepare()?;
        }
        if self.done {
            return Ok(false);
        }
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
        let Iter { front, back, lower, upper, snapshot, time, skipped, keep, vouched, .. } = self;
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
            let mut newest: Option<(Kind, SeqNo)> = None;
            while b.it.valid() {
                let p = parse_checked(b.it.key())?;
                if p.user_key != b.key.as_slice() {
                    break;
                }
                if p.seqno <= *snapshot && !excluded {
                    newest = Some((p.kind, p.seqno));
                    if p.kind == Kind::Put {
                        b.value.clear();
                        b.value.extend_from_slice(b.it.value());
                    }
                }
                b.it.prev()?;
            }
            if let Some((Kind::Put, seqno)) = newest {
                if time.as_ref().is_none_or(|t| t.admits(&b.value))
                    && !shadowed(skipped, &b.key, seqno, *snapshot)?
                    && {
                        let (kept, sure) = prefiltered(keep, &b.key, &b.value);
                        *vouched = sure;
                        kept
                    }
                {
                    b.yielded = true;
                    return Ok(true);
                }
            }
        }
    }
}

/// The smallest and largest user keys of a file.
fn file_bounds(t: &Table) -> (&[u8], &[u8]) {
    (t.meta.smallest.user_key(), t.meta.largest.user_key())
}

/// One iterator over `files`, the files of a level (sorted, disjoint) in
/// the scan's range, opening each as the scan reaches it.
fn level_iterator(files: Vec<Arc<Table>>) -> LevelIterator {
    let metas: Vec<Arc<FileMeta>> = files.iter().map(|t| t.meta.clone()).collect();
    let opener = Arc::new(
        move |meta: &FileMeta| -> std::result::Result<Box<dyn InternalIterator + Send>, BoxError> {
            let t = files.iter().find(|t| t.meta.number == meta.number).ok_or_else(
                || -> BoxError { format!("file {} is not open", meta.number).into() },
            )?;
            Ok(Box::new(t.sst.iter()))
        },
    );
    LevelIterator::new(metas, opener)
}

/// Extends `hull` to cover `[first, last]`.
fn widen(hull: &mut Option<(Vec<u8>, Vec<u8>)>, first: Vec<u8>, last: Vec<u8>) {
    *hull = Some(match hull.take() {
        None => (first, last),
        Some((a, b)) => (a.min(first), b.max(last)),
    });
}

/// The tighter of a lower bound and `Included(key)`.
fn max_lower(bound: Bound<Vec<u8>>, key: Vec<u8>) -> Bound<Vec<u8>> {
    match bound {
        Bound::Included(k) | Bound::Excluded(k) if k < key => Bound::Included(key),
        Bound::Unbounded => Bound::Included(key),
        kept => kept,
    }
}

/// The tighter of an upper bound and `Included(key)`.
fn min_upper(bound: Bound<Vec<u8>>, key: Vec<u8>) -> Bound<Vec<u8>> {
    match bound {
        Bound::Included(k) | Bound::Excluded(k) if k > key => Bound::Included(key),
        Bound::Unbounded => Bound::Included(key),
        kept => kept,
    }
}

#[inline]
fn above_upper(upper: &Bound<Vec<u8>>, back: Option<&Backward>, key: &[u8]) -> bool {
    let past_bound = match upper {
        Bound::Included(hi) => compare_keys(key, hi).is_gt(),
        Bound::Excluded(hi) => compare_keys(key, hi).is_ge(),
        Bound::Unbounded => false,
    };
    past_bound || back.is_some_and(|b| b.yielded && key >= b.key.as_slice())
}

/// Orders user keys; eight-byte keys (a table's `_seq`s) as big-endian
/// integers, one comparison instead of a call to `memcmp`.
#[inline(always)]
fn compare_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    match (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
        (Ok(a), Ok(b)) => u64::from_be_bytes(a).cmp(&u64::from_be_bytes(b)),
        _ => a.cmp(b),
    }
}

/// Whether two user keys are equal (see [`compare_keys`]).
#[inline(always)]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    match (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
        (Ok(a), Ok(b)) => u64::from_ne_bytes(a) == u64::from_ne_bytes(b),
        _ => a == b,
    }
}

/// Replaces the key in `buf` by `key`, an eight-byte key without a call to
/// `memcpy`.
#[inline(always)]
fn set_key(buf: &mut Vec<u8>, key: &[u8]) {
    buf.clear();
    match <[u8; 8]>::try_from(key) {
        Ok(short) => buf.extend_from_slice(&short),
        Err(_) => buf.extend_from_slice(key),
    }
}

fn below_lower(lower: &Bound<Vec<u8>>, front: Option<&Forward>, key: &[u8]) -> bool {
    let past_bound = match lower {
        Bound::Included(lo) => key < lo.as_slice(),
        Bound::Excluded(lo) => key <= lo.as_slice(),
        Bound::Unbounded => false,
    };
    past_bound || front.is_some_and(|f| f.yielded && key <= f.key.as_slice())
}

#[inline]
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
